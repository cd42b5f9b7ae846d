//! Reading back, at the few places evidence examples point at, what analysis does not
//! carry: the v2 message's control id (MSH-10) and, with `--show-values`, the raw
//! value at the example's position. Analysis does no I/O and keeps no values, so the
//! facade reads the files again here — only the files that have examples.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use ira_parse::FileId;
use ira_parse::input::{Format, detect};
use ira_report::report_json::ExampleFacts;

/// How many characters of a value are kept (an ellipsis marks a cut).
pub const MAX_VALUE_CHARS: usize = 200;

/// Bytes read past the last example of a file: room for the rest of its message's
/// segment and a bounded value (a value cut short by it is cut with `…` or left out).
const TAIL: u64 = 64 * 1024;

fn read_prefix(path: &Path, limit: u64) -> std::io::Result<Vec<u8>> {
    use std::io::Read as _;
    let mut bytes = Vec::new();
    std::fs::File::open(path)?
        .take(limit)
        .read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// One example to read back: (file as findings name it, byte offset, message number).
pub type Place = (String, u64, Option<u32>);

/// Reads back control ids (and values when `values`) for `places`. Files that cannot be
/// read or parsed any more give nothing: the report then simply lacks those facts.
pub fn read_back(places: &[Place], values: bool) -> BTreeMap<(String, u64), ExampleFacts> {
    let mut by_file: BTreeMap<&str, Vec<(u64, Option<u32>)>> = BTreeMap::new();
    for (file, offset, message) in places {
        by_file.entry(file).or_default().push((*offset, *message));
    }
    let mut out = BTreeMap::new();
    for (file, at) in by_file {
        // Examples are the first places in a file, and all that is needed lies before
        // the last one plus a value's length: a large file is not read whole again.
        let last = at.iter().map(|(o, _)| *o).max().unwrap_or(0);
        // A FHIR file gives facts only with values: without, reading it (up to an example
        // near its end, maybe most of a large NDJSON export) is for nothing. Its head
        // tells: a file whose head is FHIR is FHIR whole.
        if !values {
            let Ok(head) = read_prefix(Path::new(file), TAIL) else {
                continue;
            };
            if matches!(
                detect(&head, Some(Path::new(file))),
                Format::FhirJson | Format::FhirNdjson | Format::FhirXml
            ) {
                continue;
            }
        }
        let Ok(bytes) = read_prefix(Path::new(file), last.saturating_add(TAIL)) else {
            continue;
        };
        match detect(&bytes, Some(Path::new(file))) {
            Format::Hl7v2 => v2(file, &bytes, &at, values, &mut out),
            Format::FhirJson | Format::FhirNdjson if values => {
                for (offset, _) in at {
                    let value = usize::try_from(offset)
                        .ok()
                        .and_then(|o| json_scalar(&bytes, o));
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

fn v2(
    file: &str,
    bytes: &[u8],
    at: &[(u64, Option<u32>)],
    values: bool,
    out: &mut BTreeMap<(String, u64), ExampleFacts>,
) {
    let wanted: BTreeSet<u32> = at.iter().filter_map(|(_, m)| *m).collect();
    let Some(&last) = wanted.last() else {
        return;
    };
    for message in ira_parse::hl7::read(bytes, FileId(0)) {
        let n = message.number();
        if n > last {
            break;
        }
        if !wanted.contains(&n) {
            continue;
        }
        let control_id = message.control_id().map(|s| truncate(s.to_owned()));
        let enc = message.encoding();
        for (offset, _) in at.iter().filter(|(_, m)| *m == Some(n)) {
            let value = values
                .then(|| usize::try_from(*offset).ok())
                .flatten()
                .and_then(|o| v2_value(bytes, o, enc));
            out.insert(
                (file.to_owned(), *offset),
                ExampleFacts {
                    control_id: control_id.clone(),
                    value,
                },
            );
        }
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
        let places = [
            (name.clone(), family, Some(2)),
            (name.clone(), second_pid, Some(2)),
            (name.clone(), msh1, Some(2)),
        ];
        let facts = read_back(&places, true);
        let at = |o: u64| facts.get(&(name.clone(), o)).unwrap();
        assert_eq!(at(family).control_id.as_deref(), Some("CTRL2"));
        // Escapes decoded; stops at the component separator.
        assert_eq!(at(family).value.as_deref(), Some("TESTPATIENT&ALPHA"));
        // A segment start or MSH-1 is not a field: no value.
        assert_eq!(at(second_pid).value, None);
        assert_eq!(at(msh1).value, None);
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
    fn values_are_bounded() {
        let long = "é".repeat(300);
        let t = truncate(long);
        assert_eq!(t.chars().count(), MAX_VALUE_CHARS + 1);
        assert!(t.ends_with('…'));
        assert_eq!(truncate("short".into()), "short");
    }
}
