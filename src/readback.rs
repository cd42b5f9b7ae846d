//! Reading back, at the few places evidence examples point at, what analysis does not
//! carry: the v2 message's control id (MSH-10) and, with `--show-values`, the raw
//! value at the example's position. Analysis does no I/O and keeps no values, so the
//! facade reads the files again here — only the files that have examples.

use std::collections::BTreeMap;
use std::path::Path;

use ira_parse::FileId;
use ira_parse::input::{Format, detect};
use ira_report::report_json::ExampleFacts;

/// How many characters of a value are kept (an ellipsis marks a cut).
pub const MAX_VALUE_CHARS: usize = 200;

/// Bytes read after an example's position: room for the rest of its segment and a
/// bounded value (a value cut short by it is cut with `…` or left out).
const TAIL: u64 = 64 * 1024;

/// Bytes read before a v2 example's position, at first, to find the start of its
/// message (its MSH segment); grown when the message is longer.
const BACK: u64 = 64 * 1024;

/// Bytes from the start of a file, to tell its format.
const HEAD: u64 = 64 * 1024;

/// Bytes `[from, from + len)` of `file` (fewer at its end).
fn read_window(file: &mut std::fs::File, from: u64, len: u64) -> std::io::Result<Vec<u8>> {
    use std::io::{Read as _, Seek as _};
    file.seek(std::io::SeekFrom::Start(from))?;
    // Room for the whole window at once (a few hundred KiB at most unless a message
    // is longer), not a buffer regrown and copied on the way: reports read back
    // thousands of windows.
    let mut bytes = Vec::with_capacity(usize::try_from(len.min(1 << 20)).unwrap_or(0));
    file.take(len).read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// One example to read back: (file as findings name it, byte offset, message number).
pub type Place = (String, u64, Option<u32>);

/// Reads back control ids (and values when `values`) for `places`. Files that cannot be
/// read or parsed any more give nothing: the report then simply lacks those facts.
///
/// Only windows around the examples are read (their message, and a bounded tail), so
/// an example near the end of a large file does not make the file be read again whole.
pub fn read_back(places: &[Place], values: bool) -> BTreeMap<(String, u64), ExampleFacts> {
    let mut by_file: BTreeMap<&str, Vec<(u64, Option<u32>)>> = BTreeMap::new();
    for (file, offset, message) in places {
        by_file.entry(file).or_default().push((*offset, *message));
    }
    let mut out = BTreeMap::new();
    for (file, at) in by_file {
        let Ok(mut f) = std::fs::File::open(Path::new(file)) else {
            continue;
        };
        let Ok(head) = read_window(&mut f, 0, HEAD) else {
            continue;
        };
        match detect(&head, Some(Path::new(file))) {
            Format::Hl7v2 => {
                for (offset, message) in at {
                    if message.is_none() {
                        continue;
                    }
                    if let Some(facts) = v2(&mut f, offset, values) {
                        out.insert((file.to_owned(), offset), facts);
                    }
                }
            }
            Format::FhirJson | Format::FhirNdjson if values => {
                for (offset, _) in at {
                    let value = read_window(&mut f, offset, TAIL)
                        .ok()
                        .and_then(|w| json_scalar(&w, 0));
                    out.insert(
                        (file.to_owned(), offset),
                        ExampleFacts {
                            control_id: None,
                            value,
                        },
                    );
                }
            }
            // FHIR XML offsets point into XML, not at a JSON value; other files have
            // no messages.
            _ => {}
        }
    }
    out
}

/// The start of the v2 message holding position `at` of `w`: the last `MSH` segment
/// that starts at or before it. `w_at_file_start`: `w` starts the file.
fn message_start(w: &[u8], at: usize, w_at_file_start: bool) -> Option<usize> {
    // An `MSH` starting at `at` itself counts: its three bytes lie before `at + 3`.
    let mut end = at.saturating_add(3).min(w.len());
    while let Some(p) = w.get(..end).and_then(|b| memchr::memmem::rfind(b, b"MSH")) {
        let starts_line = match p.checked_sub(1) {
            None => w_at_file_start,
            Some(q) => matches!(w.get(q), Some(b'\r' | b'\n' | 0x0B | 0x1C)),
        };
        if starts_line {
            return Some(p);
        }
        end = p;
    }
    None
}

/// The facts at `offset` of a v2 file: its message's control id, and the value there
/// when `values`. `None` when no message holds the position any more.
fn v2(f: &mut std::fs::File, offset: u64, values: bool) -> Option<ExampleFacts> {
    let mut back = BACK;
    loop {
        let from = offset.saturating_sub(back);
        let w = read_window(f, from, (offset - from).saturating_add(TAIL)).ok()?;
        let at = usize::try_from(offset - from).ok()?;
        if at >= w.len() {
            return None;
        }
        if let Some(start) = message_start(&w, at, from == 0) {
            let message = ira_parse::hl7::read(w.get(start..)?, FileId(0)).next()?;
            let control_id = message.control_id().map(|s| truncate(s.to_owned()));
            let value = if values {
                v2_value(&w, at, message.encoding())
            } else {
                None
            };
            return Some(ExampleFacts { control_id, value });
        }
        if from == 0 {
            return None;
        }
        // A message longer than the window: look further back.
        back = back.saturating_mul(4);
    }
}

/// The v2 value at `offset`: up to the next delimiter of any level or the segment's
/// end, escapes and charset decoded. `None` when the example points at a whole segment
/// or message (its start) rather than at a field.
fn v2_value(bytes: &[u8], offset: usize, enc: &ira_parse::hl7::Encoding) -> Option<String> {
    let d = &enc.delimiters;
    let mut start = offset;
    while bytes.get(start) == Some(&0x0B) {
        start += 1;
    }
    let line_start =
        start == 0 || matches!(bytes.get(start - 1), Some(b'\r' | b'\n' | 0x0B | 0x1C));
    let segment_start = line_start
        && bytes
            .get(start..start + 3)
            .is_some_and(|n| n.iter().all(u8::is_ascii_alphanumeric))
        && bytes
            .get(start + 3)
            .is_none_or(|&b| b == d.field || matches!(b, b'\r' | b'\n'));
    // MSH-1 (the field separator) is where message-level examples point.
    if segment_start || bytes.get(start) == Some(&d.field) {
        return None;
    }
    let rest = bytes.get(start..)?;
    let end = rest
        .iter()
        .position(|&b| {
            b == d.field
                || b == d.component
                || b == d.repetition
                || Some(b) == d.subcomponent
                || matches!(b, b'\r' | b'\n' | 0x1C | 0x0B)
        })
        .unwrap_or(rest.len());
    // Bounded before decoding: a value never needs more bytes than this.
    let raw = &rest[..end.min(MAX_VALUE_CHARS * 4)];
    Some(truncate(enc.decode(raw).into_owned()))
}

/// The JSON scalar at `offset` (a string decoded, a number or literal as written);
/// `None` for an object or array, or when nothing scalar starts there.
fn json_scalar(bytes: &[u8], offset: usize) -> Option<String> {
    let rest = bytes.get(offset..)?;
    let first = *rest.first()?;
    if first == b'"' {
        let mut i = 1;
        while i < rest.len() {
            match rest[i] {
                b'\\' => i += 2,
                b'"' => {
                    let text = std::str::from_utf8(&rest[..=i]).ok()?;
                    let s: String = serde_json::from_str(text).ok()?;
                    return Some(truncate(s));
                }
                _ => i += 1,
            }
        }
        None
    } else if first == b'-' || first.is_ascii_alphanumeric() {
        let end = rest
            .iter()
            .position(|b| matches!(b, b',' | b'}' | b']' | b' ' | b'\r' | b'\n' | b'\t'))
            .unwrap_or(rest.len());
        let s = std::str::from_utf8(&rest[..end]).ok()?;
        Some(truncate(s.to_owned()))
    } else {
        None
    }
}

/// At most [`MAX_VALUE_CHARS`] characters, `…` marking a cut.
fn truncate(s: String) -> String {
    match s.char_indices().nth(MAX_VALUE_CHARS) {
        Some((cut, _)) => format!("{}…", &s[..cut]),
        None => s,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn json_scalars() {
        let t = br#"{"a": "x\"y", "b": 1.50, "c": true, "d": {"e": 1}}"#;
        let at = |k: &str| {
            let i = std::str::from_utf8(t).unwrap().find(k).unwrap();
            json_scalar(t, i)
        };
        assert_eq!(at("\"x").as_deref(), Some("x\"y"));
        assert_eq!(at("1.50").as_deref(), Some("1.50"));
        assert_eq!(at("true").as_deref(), Some("true"));
        assert_eq!(at("{\"e").as_deref(), None);
        assert_eq!(json_scalar(t, 999), None);
    }

    #[test]
    fn v2_control_ids_and_values() {
        let text = "MSH|^~\\&|A|B|C|D|20240101||ADT^A01|CTRL1|P|2.5.1\r\
                    PID|1||X1||DOE^JANE\r\
                    MSH|^~\\&|A|B|C|D|20240101||ADT^A01|CTRL2|P|2.5.1\r\
                    PID|1||X2||TESTPATIENT\\T\\ALPHA^BOB\r";
        let dir = std::env::temp_dir().join(format!("ira-readback-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("two.hl7");
        std::fs::write(&file, text).unwrap();
        let name = file.display().to_string();
        let second_pid = text.rfind("PID").unwrap() as u64;
        let family = text.find("TESTPATIENT").unwrap() as u64;
        let msh1 = text.rfind("MSH").unwrap() as u64 + 3;
        let second_msh = text.rfind("MSH").unwrap() as u64;
        let places = [
            (name.clone(), family, Some(2)),
            (name.clone(), second_pid, Some(2)),
            (name.clone(), msh1, Some(2)),
            (name.clone(), second_msh, Some(2)),
            (name.clone(), 0, Some(1)),
        ];
        let facts = read_back(&places, true);
        let at = |o: u64| facts.get(&(name.clone(), o)).unwrap();
        assert_eq!(at(family).control_id.as_deref(), Some("CTRL2"));
        // Escapes decoded; stops at the component separator.
        assert_eq!(at(family).value.as_deref(), Some("TESTPATIENT&ALPHA"));
        // A segment start or MSH-1 is not a field: no value.
        assert_eq!(at(second_pid).value, None);
        assert_eq!(at(msh1).value, None);
        // An example at a message's start belongs to that message.
        assert_eq!(at(second_msh).control_id.as_deref(), Some("CTRL2"));
        assert_eq!(at(0).control_id.as_deref(), Some("CTRL1"));
        // Without values: control ids only.
        let facts = read_back(&places, false);
        assert_eq!(facts.get(&(name.clone(), family)).unwrap().value, None);
        assert_eq!(
            facts.get(&(name, family)).unwrap().control_id.as_deref(),
            Some("CTRL2")
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_message_longer_than_the_first_window_is_found() {
        // The example lies more than BACK bytes after its message's MSH (a long NTE);
        // MLLP framing before the MSH.
        let long = "A".repeat(BACK as usize * 2);
        let text = format!(
            "\x0bMSH|^~\\&|A|B|C|D|20240101||ADT^A01|CTRL1|P|2.5.1\rNTE|1||{long}\r\x1c\r\
             \x0bMSH|^~\\&|A|B|C|D|20240101||ADT^A01|CTRL2|P|2.5.1\rNTE|1||{long}\rPID|1||X2||DOE^JANE\r\x1c\r"
        );
        let dir = std::env::temp_dir().join(format!("ira-readback-long-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("long.hl7");
        std::fs::write(&file, &text).unwrap();
        let name = file.display().to_string();
        let family = text.find("DOE").unwrap() as u64;
        let first_nte = text.find("NTE").unwrap() as u64 + 8;
        let places = [
            (name.clone(), family, Some(2)),
            (name.clone(), first_nte, Some(1)),
        ];
        let facts = read_back(&places, true);
        let at = |o: u64| facts.get(&(name.clone(), o)).unwrap();
        assert_eq!(at(family).control_id.as_deref(), Some("CTRL2"));
        assert_eq!(at(family).value.as_deref(), Some("DOE"));
        assert_eq!(at(first_nte).control_id.as_deref(), Some("CTRL1"));
        // A place past the end of the file (the file changed since): no facts.
        let gone = read_back(&[(name.clone(), text.len() as u64 + 10, Some(3))], true);
        assert!(gone.is_empty());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn values_are_bounded() {
        let long = "é".repeat(300);
        let t = truncate(long);
        assert_eq!(t.chars().count(), MAX_VALUE_CHARS + 1);
        assert!(t.ends_with('…'));
        assert_eq!(truncate("short".into()), "short");
    }
}
