//! One test per malformed fixture under `fixtures/malformed/v2-*`: the specific issue
//! code, its position (message, line, byte offset), and that every good message before
//! and after the damage is still read.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

#[path = "hl7_support/mod.rs"]
mod support;

use ira_parse::issue::{Issue, IssueCode, Severity};
use support::{fixture, read_all, show_issue};

/// Where an expected issue is: message number (None = outside any message), line, offset.
type At = (Option<u32>, u32, u64);

struct Outcome {
    issues: Vec<Issue>,
    control_ids: Vec<Option<String>>,
    usable: Vec<bool>,
}

fn read(file: &str) -> Outcome {
    let bytes = fixture(file);
    let (msgs, reader_issues, summary) = read_all(&bytes);
    let mut issues = reader_issues;
    for m in &msgs {
        issues.extend(m.issues().iter().cloned());
    }
    // Every byte is in a message, in an issue's stray range, or framing.
    let in_messages: u64 = msgs.iter().map(|m| m.bytes().len() as u64).sum();
    assert_eq!(
        in_messages + summary.stray_bytes + summary.framing_bytes,
        bytes.len() as u64,
        "{file}: bytes not accounted for"
    );
    assert_eq!(summary.messages as usize, msgs.len());
    // Each stray run has exactly one issue.
    let stray_issues = issues
        .iter()
        .filter(|i| {
            matches!(
                i.code,
                IssueCode::V2GarbageBetweenMessages
                    | IssueCode::V2NoMsh
                    | IssueCode::V2MllpStrayEnd
            )
        })
        .count();
    assert_eq!(summary.stray_ranges as usize, stray_issues, "{file}");
    Outcome {
        issues,
        control_ids: msgs
            .iter()
            .map(|m| m.control_id().map(str::to_owned))
            .collect(),
        usable: msgs.iter().map(|m| m.is_usable()).collect(),
    }
}

/// Asserts the file yields exactly one issue, of `code` at `at`, and that the good
/// messages `GOOD0001..` are all read and usable.
fn check(file: &str, code: IssueCode, at: At, goods: u32) -> Outcome {
    let o = read(file);
    let shown: Vec<_> = o.issues.iter().map(show_issue).collect();
    assert_eq!(o.issues.len(), 1, "{file}: {shown:#?}");
    let i = &o.issues[0];
    assert_eq!(i.code, code, "{file}: {shown:#?}");
    assert_eq!(
        (i.location.message, i.location.line, i.location.offset),
        at,
        "{file}"
    );
    for n in 1..=goods {
        let id = format!("GOOD{n:04}");
        let k = o
            .control_ids
            .iter()
            .position(|c| c.as_deref() == Some(id.as_str()));
        let k = k.unwrap_or_else(|| panic!("{file}: {id} not read"));
        assert!(o.usable[k], "{file}: {id} not usable");
    }
    o
}

/// Offset of the first occurrence of `needle` in the fixture.
fn find(file: &str, needle: &[u8]) -> u64 {
    let b = fixture(file);
    b.windows(needle.len())
        .position(|w| w == needle)
        .expect("needle in fixture") as u64
}

#[test]
fn no_msh_segments_and_the_garbage_before_them() {
    let f = "malformed/v2-no-msh.hl7";
    let o = read(f);
    let codes: Vec<_> = o
        .issues
        .iter()
        .map(|i| {
            (
                i.code,
                i.location.message,
                i.location.line,
                i.location.offset,
            )
        })
        .collect();
    assert_eq!(
        codes,
        vec![
            (
                IssueCode::V2GarbageBetweenMessages,
                None,
                4,
                find(f, b"this line")
            ),
            (IssueCode::V2NoMsh, None, 5, find(f, b"PID|1||MRN9999")),
        ]
    );
    assert!(
        o.issues[1]
            .detail
            .starts_with("57 bytes on 2 segment line(s)")
    );
    assert_eq!(
        o.control_ids,
        vec![Some("GOOD0001".into()), Some("GOOD0002".into())]
    );
}

#[test]
fn msh2_too_short_skips_only_that_message() {
    let f = "malformed/v2-bad-msh2-short.hl7";
    let o = check(f, IssueCode::V2BadDelimiters, (Some(2), 3, 123), 2);
    assert_eq!(o.issues[0].severity, Severity::Error);
    assert_eq!(o.usable, vec![true, false, true]);
}

#[test]
fn msh2_with_duplicate_delimiters_skips_only_that_message() {
    let f = "malformed/v2-bad-msh2-duplicate.hl7";
    let o = check(f, IssueCode::V2BadDelimiters, (Some(2), 3, 123), 2);
    assert!(o.issues[0].detail.contains("same character"));
    assert_eq!(o.usable, vec![true, false, true]);
}

#[test]
fn segment_names_of_wrong_length_keep_the_rest_of_the_message() {
    let f = "malformed/v2-bad-segment-name.hl7";
    let o = read(f);
    let at: Vec<_> = o
        .issues
        .iter()
        .map(|i| {
            (
                i.code,
                i.location.message,
                i.location.line,
                i.location.offset,
            )
        })
        .collect();
    assert_eq!(
        at,
        vec![
            (IssueCode::V2BadSegmentName, Some(2), 4, find(f, b"PI|1")),
            (IssueCode::V2BadSegmentName, Some(2), 6, find(f, b"OBX1|")),
        ]
    );
    // PV1 between the two bad segments is still walked.
    let bytes = fixture(f);
    let (msgs, _, _) = read_all(&bytes);
    let pv1 = ira_parse::model::V2Path::parse("PV1-2").unwrap();
    assert_eq!(msgs[1].get_raw(&pv1), Some(&b"I"[..]));
    assert_eq!(msgs.len(), 3);
}

#[test]
fn name_only_segment_is_truncated() {
    let f = "malformed/v2-truncated-segment.hl7";
    check(
        f,
        IssueCode::V2TruncatedSegment,
        (Some(2), 5, find(f, b"PV\r")),
        2,
    );
}

#[test]
fn garbage_between_messages_is_one_positioned_run() {
    let f = "malformed/v2-garbage-between.hl7";
    let o = check(
        f,
        IssueCode::V2GarbageBetweenMessages,
        (None, 4, find(f, b"===")),
        2,
    );
    assert!(o.issues[0].detail.starts_with("43 bytes on 2 line(s)"));
}

#[test]
fn binary_blob_between_messages() {
    let f = "malformed/v2-binary-blob.hl7";
    let o = check(
        f,
        IssueCode::V2GarbageBetweenMessages,
        (None, 3, find(f, b"\x00\x00\x00\x01")),
        2,
    );
    assert!(o.issues[0].detail.contains("binary"));
}

#[test]
fn nul_bytes_inside_a_segment() {
    let f = "malformed/v2-nul-in-segment.hl7";
    check(
        f,
        IssueCode::V2BinaryData,
        (Some(2), 4, find(f, b"\x00")),
        2,
    );
}

#[test]
fn mllp_frame_not_closed_before_the_next_frame() {
    let f = "malformed/v2-mllp-unterminated.mllp";
    let second_open = fixture(f)
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == 0x0b)
        .nth(2)
        .unwrap()
        .0 as u64;
    check(
        f,
        IssueCode::V2MllpUnterminated,
        (Some(2), 6, second_open),
        3,
    );
}

#[test]
fn stray_mllp_end_block() {
    let f = "malformed/v2-mllp-stray-end.mllp";
    check(
        f,
        IssueCode::V2MllpStrayEnd,
        (None, 4, find(f, b"\x1c\r\x1c") + 2),
        2,
    );
}

#[test]
fn batch_trailer_count_disagrees() {
    let f = "malformed/v2-batch-wrong-count.hl7";
    let o = check(
        f,
        IssueCode::V2BatchMismatch,
        (None, 6, find(f, b"BTS|3")),
        3,
    );
    assert!(
        o.issues[0]
            .detail
            .contains("declares 3 messages, 2 were read")
    );
}

#[test]
fn invalid_utf8_under_utf8_charset() {
    let f = "malformed/v2-invalid-utf8.hl7";
    check(
        f,
        IssueCode::V2InvalidEncoding,
        (Some(2), 4, find(f, b"\xe9\xe9")),
        2,
    );
}

#[test]
fn high_bytes_under_default_ascii() {
    let f = "malformed/v2-ascii-high-bytes.hl7";
    let o = check(
        f,
        IssueCode::V2InvalidEncoding,
        (Some(2), 4, find(f, b"\xdc")),
        2,
    );
    assert_eq!(o.issues[0].severity, Severity::Warning);
}

#[test]
fn unknown_charset_reads_as_latin1() {
    let f = "malformed/v2-unknown-charset.hl7";
    check(
        f,
        IssueCode::V2UnknownCharset,
        (Some(2), 3, find(f, b"EBCDIC")),
        2,
    );
    let bytes = fixture(f);
    let (msgs, _, _) = read_all(&bytes);
    assert_eq!(msgs[1].encoding().charset, ira_parse::hl7::Charset::Latin1);
}

#[test]
fn unterminated_escape() {
    let f = "malformed/v2-unterminated-escape.hl7";
    check(f, IssueCode::V2BadEscape, (Some(2), 4, find(f, b"\\F|")), 2);
}

#[test]
fn empty_msh9() {
    let f = "malformed/v2-empty-msh9.hl7";
    let o = check(
        f,
        IssueCode::V2MissingMessageType,
        (Some(2), 3, find(f, b"||EMP0001") + 1),
        2,
    );
    assert_eq!(o.control_ids[1].as_deref(), Some("EMP0001"));
}

#[test]
fn no_issue_text_quotes_field_content() {
    // Issues describe shape and position only; no fixture value may leak into them.
    for f in std::fs::read_dir(
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/malformed"),
    )
    .unwrap()
    {
        let name = f.unwrap().file_name().into_string().unwrap();
        if !name.starts_with("v2-") {
            continue;
        }
        let o = read(&format!("malformed/{name}"));
        for i in &o.issues {
            for needle in [
                "TESTPATIENT",
                "MRN",
                "GOOD",
                "LIMA",
                "EBCDIC",
                "this line",
                "===",
            ] {
                assert!(!i.detail.contains(needle), "{name}: {}", i.detail);
            }
        }
    }
}
