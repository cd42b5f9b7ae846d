//! Behaviour of the reader on small inline inputs: framing, batches, delimiters,
//! charsets, escapes, paths, and where values come from.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

#[path = "hl7_support/mod.rs"]
mod support;

use ira_parse::hl7::{Charset, Delimiters, Encoding};
use ira_parse::issue::IssueCode;
use ira_parse::model::{Sample, TypeHint, V2Path};
use support::read_all;

const M1: &[u8] = b"MSH|^~\\&|A|B|C|D|20240101||ADT^A01^ADT_A01|X1|P|2.5\rPID|1||MRN1^^^F^MR~MRN2||DOE^JANE||\"\"\r";

fn codes(issues: &[ira_parse::Issue]) -> Vec<(IssueCode, Option<u32>, u32, u64)> {
    issues
        .iter()
        .map(|i| {
            (
                i.code,
                i.location.message,
                i.location.line,
                i.location.offset,
            )
        })
        .collect()
}

#[test]
fn identity_and_paths() {
    let (msgs, issues, _) = read_all(M1);
    assert!(issues.is_empty());
    let m = &msgs[0];
    assert_eq!(
        (
            m.message_type(),
            m.trigger(),
            m.structure(),
            m.version(),
            m.control_id()
        ),
        (
            Some("ADT"),
            Some("A01"),
            Some("ADT_A01"),
            Some("2.5"),
            Some("X1")
        )
    );
    assert_eq!(m.info().kind, "ADT^A01");
    let get = |p: &str| m.get_raw(&V2Path::parse(p).unwrap());
    assert_eq!(get("PID-3"), Some(&b"MRN1^^^F^MR"[..]));
    assert_eq!(get("PID-3.1"), Some(&b"MRN1"[..]));
    assert_eq!(get("PID-3[2]"), Some(&b"MRN2"[..]));
    assert_eq!(get("PID-3[2].1"), Some(&b"MRN2"[..]));
    assert_eq!(get("PID-3[3]"), None);
    assert_eq!(get("PID-5.2"), Some(&b"JANE"[..]));
    assert_eq!(get("MSH-1"), Some(&b"|"[..]));
    assert_eq!(get("MSH-2"), Some(&b"^~\\&"[..]));
    assert_eq!(get("MSH-9.2"), Some(&b"A01"[..]));
    assert_eq!(get("PV1-1"), None);
    // `""` is the explicit null.
    let mut nulls = Vec::new();
    m.walk(&mut |i| {
        if i.hint == TypeHint::Null {
            nulls.push(i.path.to_string());
        }
    });
    assert_eq!(nulls, vec!["PID-7"]);
    // Segments: names, occurrence, locations.
    let segs: Vec<_> = m
        .segments()
        .map(|s| {
            (
                s.name_str(),
                s.occurrence(),
                s.location().line,
                s.location().offset,
            )
        })
        .collect();
    assert_eq!(segs, vec![(Some("MSH"), 1, 1, 0), (Some("PID"), 1, 2, 52)]);
    assert_eq!(
        m.segments().nth(1).unwrap().field(5),
        Some(&b"DOE^JANE"[..])
    );
}

#[test]
fn identity_missing_fields_are_warnings() {
    let (msgs, _, s) = read_all(b"MSH|^~\\&|A|B|C|D|20240101||ADT^A01\rPID|1\r");
    let got: Vec<_> = msgs[0].issues().iter().map(|i| i.code).collect();
    assert_eq!(
        got,
        vec![IssueCode::V2MissingControlId, IssueCode::V2MissingVersion]
    );
    assert_eq!(s.damaged, 1);
    assert!(msgs[0].is_usable());
}

#[test]
fn truncation_character_does_not_shift_msh() {
    let (msgs, _, _) = read_all(b"MSH|^~\\&#|A|B|C|D|20240101||ORU^R01|X2|P|2.7\r");
    let m = &msgs[0];
    assert_eq!(m.encoding().delimiters.truncation, Some(b'#'));
    assert_eq!((m.control_id(), m.version()), (Some("X2"), Some("2.7")));
    assert_eq!(m.get_raw(&V2Path::parse("MSH-3").unwrap()), Some(&b"A"[..]));
}

#[test]
fn delimiter_sets() {
    let d = Delimiters::from_header;
    assert_eq!(d(b"MSH|^~\\&|").unwrap().0, Delimiters::default());
    let (c, n) = d(b"MSH*:!#@*").unwrap();
    assert_eq!(
        (
            c.field,
            c.component,
            c.repetition,
            c.escape,
            c.subcomponent,
            n
        ),
        (b'*', b':', b'!', Some(b'#'), Some(b'@'), 4)
    );
    assert_eq!(d(b"MSH|^~|").unwrap().0.escape, None);
    assert!(d(b"MSH|^|").is_err());
    assert!(d(b"MSH|^^\\&|").is_err());
    // MSH-2 ends at the field separator: `^~` is a legal (old, short) set.
    assert!(d(b"MSH|^~|&|").is_ok());
    assert!(d(b"MSH|^~\\&#$|").is_err(), "6 characters");
    assert!(d(b"MSH|A~\\&|").is_err(), "letters are not delimiters");
    assert!(d(b"MSH").is_err());
}

#[test]
fn charset_spellings() {
    for (s, c) in [
        ("", Some(Charset::Ascii)),
        ("ASCII", Some(Charset::Ascii)),
        ("8859/1", Some(Charset::Latin1)),
        ("iso-8859-1", Some(Charset::Latin1)),
        ("ISO_IR 100", Some(Charset::Latin1)),
        ("UNICODE UTF-8", Some(Charset::Utf8)),
        ("utf-8", Some(Charset::Utf8)),
        ("UTF8", Some(Charset::Utf8)),
        ("8859/15", None),
        ("UNICODE", None),
    ] {
        assert_eq!(Charset::from_msh18(s.as_bytes()), c, "{s:?}");
    }
}

#[test]
fn decode_escapes_and_charsets() {
    let latin1 = Encoding {
        charset: Charset::Latin1,
        ..Encoding::default()
    };
    let utf8 = Encoding {
        charset: Charset::Utf8,
        ..Encoding::default()
    };
    assert_eq!(latin1.decode(b"Caf\xe9 \\XE9\\"), "Café é");
    assert_eq!(utf8.decode("Café \\XC3A9\\".as_bytes()), "Café é");
    // Never panics on non-ASCII next to a hex escape, in either charset.
    assert_eq!(latin1.decode(b"\xe9\xe9\\X0D\\"), "éé\r");
    assert_eq!(utf8.decode(b"\xe9\xe9\\X0D\\"), "\u{fffd}\u{fffd}\r");
    assert_eq!(utf8.decode("éé\\X0D\\".as_bytes()), "éé\r");
    // Formatting escapes are kept recognisable.
    assert_eq!(
        Encoding::default().decode(b"\\H\\x\\N\\ \\.sp2\\ \\.in+4\\"),
        "\\H\\x\\N\\ \\.sp2\\ \\.in+4\\"
    );
}

#[test]
fn mllp_end_block_without_carriage_return() {
    let mut b = vec![0x0b];
    b.extend_from_slice(M1);
    b.push(0x1c);
    b.push(0x0b);
    b.extend_from_slice(M1);
    b.extend_from_slice(b"\x1c\r");
    let (msgs, issues, s) = read_all(&b);
    assert_eq!(msgs.len(), 2);
    assert!(issues.is_empty());
    assert_eq!(
        codes(msgs[0].issues()),
        vec![(IssueCode::V2MllpStrayEnd, Some(1), 3, (1 + M1.len()) as u64)]
    );
    assert!(msgs[1].issues().is_empty());
    assert_eq!(s.stray_bytes, 1);
}

#[test]
fn mllp_frame_open_at_end_of_data() {
    let mut b = vec![0x0b];
    b.extend_from_slice(M1);
    let (msgs, issues, _) = read_all(&b);
    assert!(issues.is_empty());
    assert_eq!(
        codes(msgs[0].issues()),
        vec![(IssueCode::V2MllpUnterminated, Some(1), 3, b.len() as u64)]
    );
}

#[test]
fn segment_ended_by_mllp_end_block() {
    // Some senders put 0x1C right after the last segment, without `\r`.
    let mut b = vec![0x0b];
    b.extend_from_slice(&M1[..M1.len() - 1]);
    b.extend_from_slice(b"\x1c\r");
    let (msgs, issues, _) = read_all(&b);
    assert!(issues.is_empty() && msgs[0].issues().is_empty());
    assert_eq!(msgs[0].segments().count(), 2);
}

#[test]
fn batch_trailers_missing_or_unmatched() {
    let mut b = b"FHS|^~\\&\rBHS|^~\\&\r".to_vec();
    b.extend_from_slice(M1);
    let (msgs, issues, s) = read_all(&b);
    assert_eq!(msgs[0].batch().map(|b| b.number), Some(1));
    // Reported at the end of data, which is on line 5 (after 4 terminated lines).
    let at_end = (b.len() as u64, 5);
    assert_eq!(
        codes(&issues),
        vec![
            (IssueCode::V2BatchMismatch, None, at_end.1, at_end.0),
            (IssueCode::V2BatchMismatch, None, at_end.1, at_end.0),
        ]
    );
    assert_eq!(s.batches, 1);

    let (_, issues, _) = read_all(b"BTS|0\rFTS|0\r");
    assert_eq!(
        codes(&issues),
        vec![
            (IssueCode::V2BatchMismatch, None, 1, 0),
            (IssueCode::V2BatchMismatch, None, 2, 6)
        ]
    );
    let (_, issues, _) = read_all(b"FHS|^~\\&\rBHS|^~\\&\rBTS|0\rBHS|^~\\&\rBTS|0\rFTS|1\r");
    assert_eq!(
        codes(&issues),
        vec![(IssueCode::V2BatchMismatch, None, 6, 39)]
    );
    assert!(
        issues[0]
            .detail
            .contains("FTS-1 declares 1 batches, 2 were read")
    );
}

#[test]
fn blank_lines_and_whitespace_between_messages_are_framing() {
    let mut b = b"\r\n\n  \r".to_vec();
    b.extend_from_slice(M1);
    b.extend_from_slice(b"\n\n");
    b.extend_from_slice(M1);
    let (msgs, issues, s) = read_all(&b);
    assert_eq!(msgs.len(), 2);
    assert!(issues.is_empty());
    assert_eq!(msgs[0].location().line, 4);
    // PID's `\r` and the first `\n` are one CRLF terminator (in message 1).
    assert_eq!(msgs[1].location().line, 7);
    assert_eq!(s.framing_bytes, 7);
}

#[test]
fn data_ending_without_terminator_is_not_an_issue() {
    let (msgs, issues, _) = read_all(&M1[..M1.len() - 1]);
    assert!(issues.is_empty() && msgs[0].issues().is_empty());
    assert_eq!(msgs[0].segments().count(), 2);
}

#[test]
fn unknown_escape_is_flagged_once_per_segment() {
    let (msgs, _, _) =
        read_all(b"MSH|^~\\&|A|B|C|D|20240101||ADT^A01|X1|P|2.5\rNTE|1||a\\Q\\b\\Q\\\r");
    assert_eq!(
        codes(msgs[0].issues()),
        vec![(IssueCode::V2BadEscape, Some(1), 2, 52)]
    );
}

#[test]
fn empty_input_yields_nothing() {
    let (msgs, issues, s) = read_all(b"");
    assert!(msgs.is_empty() && issues.is_empty());
    assert_eq!(s, ira_parse::hl7::Summary::default());
}

/// `Message::for_each_leaf` gives each leaf's path, its raw bytes, where they stand in
/// the file and their line; `Sample::walk` gives the same leaves as items.
#[test]
fn for_each_leaf_positions_point_at_the_raw_bytes() {
    let file: Vec<u8> = [&b"\r\n"[..], M1, b"\n", M1].concat();
    let mut leaves = Vec::new();
    let mut items = Vec::new();
    for m in ira_parse::hl7::read(&file, ira_parse::FileId(0)) {
        m.for_each_leaf(|l| {
            let at = usize::try_from(l.offset).unwrap();
            assert_eq!(
                &file[at..at + l.raw.len()],
                l.raw,
                "{} at {}",
                l.path,
                l.offset
            );
            // Every segment of M1 is plain but MSH (MSH-2 holds the escape character).
            assert_eq!(l.plain, l.path.segment != *b"MSH", "{}", l.path);
            leaves.push((
                m.number(),
                l.path.to_string(),
                l.raw.to_vec(),
                l.offset,
                l.line,
            ));
        });
        m.walk(&mut |i| {
            let ira_parse::model::Value::V2 { raw, .. } = i.value else {
                panic!("a v2 item holds a v2 value");
            };
            let number = i.location.message.unwrap();
            items.push((
                number,
                i.path.to_string(),
                raw.to_vec(),
                i.location.offset,
                i.location.line,
            ));
        });
    }
    assert_eq!(leaves, items);
    // Leaves of the second message (after a blank line, and M1's `\r` and the `\n`
    // making one line end): its own paths, the file's offsets and lines.
    let second: Vec<_> = leaves
        .iter()
        .filter(|l| l.0 == 2)
        .map(|(_, p, raw, off, line)| {
            format!("{p} {} @{off} L{line}", String::from_utf8_lossy(raw))
        })
        .collect();
    let m1 = M1.len() as u64;
    let pid = M1.iter().position(|&b| b == b'\r').unwrap() as u64 + 1;
    assert_eq!(
        second.first().unwrap(),
        &format!("MSH-1 | @{} L4", 2 + m1 + 1 + 3)
    );
    let pid3: Vec<_> = second.iter().filter(|s| s.starts_with("PID-3")).collect();
    assert_eq!(
        pid3,
        [
            &format!("PID-3.1 MRN1 @{} L5", 2 + m1 + 1 + pid + 7),
            &format!("PID-3.4 F @{} L5", 2 + m1 + 1 + pid + 14),
            &format!("PID-3.5 MR @{} L5", 2 + m1 + 1 + pid + 16),
            &format!("PID-3[2] MRN2 @{} L5", 2 + m1 + 1 + pid + 19),
        ]
    );
}

/// A value's bytes are its text (`Value::plain_bytes`) when they are printable ASCII
/// without the escape character, whether or not the reader could tell for the whole
/// segment.
#[test]
fn plain_bytes_only_for_values_that_are_their_own_text() {
    let file = b"MSH|^~\\&|A|B|C|D|20240101||ADT^A01|X1|P|2.5\rPID|1||MRN1||DOE\\S\\JANE^\xC9LISE\rPV1|1|I\r";
    let mut seen = Vec::new();
    for m in ira_parse::hl7::read(file, ira_parse::FileId(0)) {
        m.for_each_leaf(|l| {
            let item = m.item(l);
            // The text is the decoded raw value, whether or not it took the plain path.
            assert_eq!(item.value.text(), m.encoding().decode(l.raw), "{}", l.path);
            let plain = item.value.plain_bytes().map(<[u8]>::to_vec);
            seen.push((l.path.to_string(), l.plain, plain));
        });
    }
    let find = |p: &str| seen.iter().find(|s| s.0 == p).cloned().unwrap();
    // PID holds an escape and a high byte: not plain as a segment, so each value is
    // looked at.
    assert_eq!(
        find("PID-3"),
        ("PID-3".into(), false, Some(b"MRN1".to_vec()))
    );
    assert_eq!(find("PID-5.1"), ("PID-5.1".into(), false, None));
    assert_eq!(find("PID-5.2"), ("PID-5.2".into(), false, None));
    assert_eq!(find("PV1-2"), ("PV1-2".into(), true, Some(b"I".to_vec())));
    assert_eq!(find("MSH-2"), ("MSH-2".into(), false, None));
}
