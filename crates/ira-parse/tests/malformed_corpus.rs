//! The malformed corpus, table-driven: every file under `fixtures/malformed/` (HL7 v2
//! and FHIR) and `fixtures/limits/` (well-formed files read under lowered limits) read
//! through [`read_samples`], as analysis reads it. For each file the
//! table lists every issue expected — code, message number, line, byte offset — and the
//! samples read, in order, so the good messages and resources before and after each
//! defect are checked to come through. A file missing from the table fails the test, so
//! the corpus and the table cannot drift apart.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use ira_parse::document::{Counts, ReadOptions, SampleSink, read_samples};
use ira_parse::input::{SourceFile, detect};
use ira_parse::model::Sample;
use ira_parse::{FileId, Issue, IssueCode, Limits};

use IssueCode::*;

/// Where an issue is expected: its byte offset, given directly or found in the file.
#[derive(Clone, Copy, Debug)]
enum Off {
    /// This byte offset.
    At(u64),
    /// The first occurrence of these bytes.
    Find(&'static [u8]),
    /// The `n`th (0-based) occurrence of these bytes.
    Nth(&'static [u8], usize),
    /// The first occurrence of these bytes, plus this many bytes.
    Plus(&'static [u8], u64),
    /// The end of the file.
    End,
}

/// (code, message number, line, offset) of one expected issue.
type Expect = (IssueCode, Option<u32>, u32, Off);

struct Case {
    file: &'static str,
    /// Lowered limits for the limit cases (`None`: the defaults).
    limits: Option<fn() -> Limits>,
    issues: &'static [Expect],
    /// Ids of the samples handed to analysis, in order: MSH-10 for v2 (`-` when empty),
    /// `Type/id` for FHIR (`Bundle/-` for a Bundle shell).
    read: &'static [&'static str],
}

const fn case(
    file: &'static str,
    issues: &'static [Expect],
    read: &'static [&'static str],
) -> Case {
    Case {
        file,
        limits: None,
        issues,
        read,
    }
}

const fn limited(
    file: &'static str,
    limits: fn() -> Limits,
    issues: &'static [Expect],
    read: &'static [&'static str],
) -> Case {
    Case {
        file,
        limits: Some(limits),
        issues,
        read,
    }
}

const G12: &[&str] = &["GOOD0001", "GOOD0002"];

fn small_lines() -> Limits {
    Limits {
        max_line_bytes: 1024,
        ..Limits::default()
    }
}
fn few_fields() -> Limits {
    Limits {
        max_fields_per_segment: 200,
        ..Limits::default()
    }
}
fn few_reps() -> Limits {
    Limits {
        max_repetitions_per_field: 200,
        ..Limits::default()
    }
}
fn few_segments() -> Limits {
    Limits {
        max_segments_per_message: 50,
        ..Limits::default()
    }
}

#[rustfmt::skip]
const CASES: &[Case] = &[
    // ---- HL7 v2: framing ---------------------------------------------------------------
    case("v2-no-msh.hl7", &[
        (V2GarbageBetweenMessages, None, 4, Off::Find(b"this line")),
        (V2NoMsh, None, 5, Off::Find(b"PID|1||MRN9999"))], G12),
    case("v2-garbage-between.hl7", &[
        (V2GarbageBetweenMessages, None, 4, Off::Find(b"=== export"))], G12),
    case("v2-binary-blob.hl7", &[
        (V2GarbageBetweenMessages, None, 3, Off::Find(b"\x00\x00\x00\x01"))], G12),
    case("v2-mllp-unterminated.mllp", &[
        (V2MllpUnterminated, Some(2), 6, Off::Nth(b"\x0bMSH", 2))], &["GOOD0001", "GOOD0002", "GOOD0003"]),
    case("v2-mllp-stray-end.mllp", &[
        (V2MllpStrayEnd, None, 4, Off::Nth(b"\x1c\r", 1))], G12),
    // A frame cut mid-segment at the end of the data: the message keeps what arrived.
    case("v2-mllp-truncated.mllp", &[
        (V2MllpUnterminated, Some(3), 8, Off::End)], &["GOOD0001", "GOOD0002", "CUT0001"]),
    case("v2-mllp-end-without-cr.mllp", &[
        (V2MllpStrayEnd, Some(2), 6, Off::Find(b"\x1c\x0b"))], &["GOOD0001", "MLP0001", "GOOD0002"]),
    case("v2-mllp-nul-padding.mllp", &[
        (V2GarbageBetweenMessages, None, 4, Off::Find(b"\x00\x00"))], G12),
    case("v2-batch-wrong-count.hl7", &[
        (V2BatchMismatch, None, 6, Off::Find(b"BTS|3"))], &["GOOD0001", "GOOD0002", "GOOD0003"]),
    case("v2-batch-fts-wrong-count.hl7", &[
        (V2BatchMismatch, None, 6, Off::Find(b"FTS|2"))], G12),
    case("v2-batch-missing-bts.hl7", &[
        (V2BatchMismatch, None, 6, Off::Find(b"BHS|^~\\&|REGADT|GOODHOSP|IRA|IRA|20241001000000||||BATCH0002"))],
        &["GOOD0001", "GOOD0002", "GOOD0003"]),
    case("v2-batch-bts-without-bhs.hl7", &[
        (V2BatchMismatch, None, 3, Off::Find(b"BTS|1"))], G12),
    case("v2-batch-bts-not-a-number.hl7", &[
        (V2BatchMismatch, None, 4, Off::Find(b"BTS|ONE"))], G12),
    // ---- HL7 v2: MSH and delimiters (the message is skipped) -----------------------------
    case("v2-bad-msh2-short.hl7", &[
        (V2BadDelimiters, Some(2), 3, Off::Find(b"|^|REGADT"))], G12),
    case("v2-bad-msh2-duplicate.hl7", &[
        (V2BadDelimiters, Some(2), 3, Off::Find(b"|^^\\&"))], G12),
    case("v2-msh1-letter.hl7", &[
        (V2BadDelimiters, Some(2), 3, Off::Find(b"X^~\\&X"))], G12),
    case("v2-msh2-empty.hl7", &[
        (V2BadDelimiters, Some(2), 3, Off::Find(b"||REGADT"))], G12),
    case("v2-empty-msh9.hl7", &[
        (V2MissingMessageType, Some(2), 3, Off::Find(b"|EMP0001"))], &["GOOD0001", "EMP0001", "GOOD0002"]),
    case("v2-missing-control-id.hl7", &[
        (V2MissingControlId, Some(2), 3, Off::Find(b"|P|2.5\rPID|1||MRN9983"))], &["GOOD0001", "-", "GOOD0002"]),
    case("v2-missing-version.hl7", &[
        (V2MissingVersion, Some(2), 3, Off::Find(b"\rPID|1||MRN9982"))], &["GOOD0001", "VER0001", "GOOD0002"]),
    // ---- HL7 v2: segments and values (the message is read, damaged) ----------------------
    case("v2-bad-segment-name.hl7", &[
        (V2BadSegmentName, Some(2), 4, Off::Find(b"PI|1||MRN9998")),
        (V2BadSegmentName, Some(2), 6, Off::Find(b"OBX1|"))], &["GOOD0001", "SEG0001", "GOOD0002"]),
    case("v2-segment-name-long.hl7", &[
        (V2BadSegmentName, Some(2), 4, Off::Find(b"PIDX|"))], &["GOOD0001", "SEG0002", "GOOD0002"]),
    case("v2-segment-name-lowercase.hl7", &[
        (V2BadSegmentName, Some(2), 4, Off::Find(b"pid|"))], &["GOOD0001", "SEG0003", "GOOD0002"]),
    case("v2-truncated-segment.hl7", &[
        (V2TruncatedSegment, Some(2), 5, Off::Find(b"PV\r"))], &["GOOD0001", "TRN0001", "GOOD0002"]),
    case("v2-nul-in-segment.hl7", &[
        (V2BinaryData, Some(2), 4, Off::Find(b"\x00\x00MIKE"))], &["GOOD0001", "NUL0001", "GOOD0002"]),
    case("v2-control-byte-in-field.hl7", &[
        (V2BinaryData, Some(2), 4, Off::Find(b"\x1bNOVEMBER"))], &["GOOD0001", "CTL0001", "GOOD0002"]),
    case("v2-invalid-utf8.hl7", &[
        (V2InvalidEncoding, Some(2), 4, Off::Find(b"\xe9\xe9"))], &["GOOD0001", "UTF0001", "GOOD0002"]),
    case("v2-utf8-truncated-sequence.hl7", &[
        (V2InvalidEncoding, Some(2), 4, Off::Find(b"\xc3\r"))], &["GOOD0001", "UTF0002", "GOOD0002"]),
    case("v2-utf8-overlong.hl7", &[
        (V2InvalidEncoding, Some(2), 4, Off::Find(b"\xc0\xaf"))], &["GOOD0001", "UTF0003", "GOOD0002"]),
    case("v2-ascii-high-bytes.hl7", &[
        (V2InvalidEncoding, Some(2), 4, Off::Find(b"\xdcLLER"))], &["GOOD0001", "ASC0001", "GOOD0002"]),
    case("v2-unknown-charset.hl7", &[
        (V2UnknownCharset, Some(2), 3, Off::Find(b"EBCDIC-TEST"))], &["GOOD0001", "CHS0001", "GOOD0002"]),
    case("v2-unterminated-escape.hl7", &[
        (V2BadEscape, Some(2), 4, Off::Find(b"\\F|1970"))], &["GOOD0001", "ESC0001", "GOOD0002"]),
    case("v2-unknown-escape.hl7", &[
        (V2BadEscape, Some(2), 4, Off::Find(b"\\Q\\"))], &["GOOD0001", "ESC0002", "GOOD0002"]),
    // ---- HL7 v2: limits (lowered here; the defaults are far above these files) -----------
    limited("../limits/v2-limit-segment-length.hl7", small_lines, &[
        (V2LimitSegmentLength, Some(2), 4, Off::Find(b"OBX|1|ED"))], G12),
    limited("../limits/v2-limit-fields.hl7", few_fields, &[
        (V2LimitFields, Some(2), 4, Off::Find(b"ZZZ|"))], G12),
    limited("../limits/v2-limit-repetitions.hl7", few_reps, &[
        (V2LimitRepetitions, Some(2), 4, Off::Find(b"PID|1||ID0~"))], G12),
    limited("../limits/v2-limit-segments.hl7", few_segments, &[
        (V2LimitSegments, Some(2), 53, Off::Find(b"NTE|50|"))], G12),
    // ---- FHIR JSON -------------------------------------------------------------------------
    case("fhir-invalid-syntax.json", &[
        (FhirInvalidJson, None, 5, Off::At(102))], &[]),
    case("fhir-truncated.json", &[
        (FhirInvalidJson, None, 5, Off::End)], &["Bundle/-"]),
    case("fhir-trailing-garbage.json", &[
        (FhirInvalidJson, None, 5, Off::Find(b"this is not json"))], &[]),
    case("fhir-top-level-array.json", &[
        (FhirInvalidJson, None, 1, Off::At(0))], &[]),
    case("fhir-deep-nesting.json", &[
        (FhirLimitDepth, None, 4, Off::Nth(b"{\"url\"", 49))], &[]),
    case("fhir-missing-resource-type.json", &[
        (FhirMissingResourceType, None, 6, Off::Find(b"{\"id\": \"no-type-1\""))],
        &["Bundle/-", "Patient/ok-1", "Patient/ok-2"]),
    case("fhir-resource-type-not-string.json", &[
        (FhirMissingResourceType, None, 6, Off::Find(b"{\"resourceType\": 7"))],
        &["Bundle/-", "Patient/ok-1", "Observation/ok-2"]),
    case("fhir-unknown-resource-type.json", &[
        (FhirUnknownResourceType, None, 6, Off::Find(b"{\"resourceType\": \"Patients\""))],
        &["Bundle/-", "Patient/ok-1", "Observation/ok-2"]),
    case("fhir-entry-without-resource.json", &[
        (FhirEntryWithoutResource, Some(1), 6, Off::Find(b"{\"fullUrl\": \"urn:uuid:00000000-0000-4000-8000-0000000000a2\""))],
        &["Bundle/-", "Patient/e-1"]),
    case("fhir-bundle-entry-not-object.json", &[
        (FhirSchema, Some(1), 1, Off::At(0))], &["Bundle/-", "Patient/ok-1", "Observation/ok-2"]),
    case("fhir-wrong-element-type.json", &[
        (FhirSchema, Some(1), 1, Off::At(0)),
        (FhirSchema, Some(1), 1, Off::At(0)),
        (FhirSchema, Some(1), 1, Off::At(0))], &["Patient/types-1"]),
    case("fhir-bundle-wrong-element-type.json", &[
        (FhirSchema, Some(3), 6, Off::Find(b"{\"resourceType\": \"Patient\", \"id\": \"bad-1\""))],
        &["Bundle/-", "Patient/ok-1", "Patient/bad-1", "Observation/ok-2"]),
    case("fhir-unknown-element.json", &[
        (FhirSchema, Some(1), 1, Off::At(0)),
        (FhirSchema, Some(1), 1, Off::At(0))], &["Patient/unknown-1"]),
    // ---- FHIR NDJSON -----------------------------------------------------------------------
    case("fhir-broken-line.ndjson", &[
        (FhirBadNdjsonLine, None, 2, Off::At(156)),
        (FhirBadNdjsonLine, None, 4, Off::Find(b"[{"))],
        &["Observation/b-1", "Observation/b-3", "Observation/b-5"]),
    case("fhir-ndjson-not-object-line.ndjson", &[
        (FhirBadNdjsonLine, None, 2, Off::Find(b"null"))], &["Observation/n-1", "Observation/n-3"]),
    case("fhir-ndjson-invalid-utf8.ndjson", &[
        (FhirBadNdjsonLine, None, 2, Off::Find(b"\xe9"))], &["Observation/i-1", "Observation/i-3"]),
    case("fhir-ndjson-truncated-last-line.ndjson", &[
        (FhirBadNdjsonLine, None, 3, Off::End)], &["Observation/t-1", "Observation/t-2"]),
    case("fhir-ndjson-missing-resource-type.ndjson", &[
        (FhirMissingResourceType, None, 2, Off::Find(b"{\"id\":\"m-2\""))], &["Observation/m-1", "Observation/m-3"]),
    case("fhir-ndjson-unknown-resource-type.ndjson", &[
        (FhirUnknownResourceType, None, 2, Off::Find(b"{\"resourceType\":\"Observaton\""))],
        &["Observation/u-1", "Observation/u-3"]),
    case("fhir-ndjson-deep-line.ndjson", &[
        // At the 100th `[`: the default depth limit.
        (FhirLimitDepth, None, 2, Off::Plus(b"[[[", 99))],
        &["Observation/d-1", "Observation/d-3"]),
    limited("../limits/fhir-ndjson-long-line.ndjson", small_lines, &[
        (FhirLimitLineLength, None, 2, Off::Find(b"{\"resourceType\":\"Observation\",\"id\":\"l-2\""))],
        &["Observation/l-1", "Observation/l-3"]),
    case("fhir-other-version.ndjson", &[
        (FhirWrongVersion, Some(2), 2, Off::Find(b"{\"resourceType\":\"ProcedureRequest\"")),
        (FhirWrongVersion, Some(3), 3, Off::Find(b"{\"resourceType\":\"DeviceUsage\""))],
        &["Patient/v-1", "ProcedureRequest/stu3-1", "DeviceUsage/r5-1", "Observation/v-2"]),
    case("fhir-conformance.ndjson", &[
        (FhirSchema, Some(4), 4, Off::Find(b"{\"resourceType\":\"Patient\",\"id\":\"c-4\""))],
        &["Observation/c-1", "Patient/c-2", "Patient/c-3", "Patient/c-4", "Observation/c-5", "Patient/c-6", "Patient/c-7"]),
    // ---- FHIR XML --------------------------------------------------------------------------
    case("fhir-invalid.xml", &[
        (FhirInvalidXml, None, 6, Off::Find(b"</nam>"))], &[]),
    case("fhir-truncated-bundle.xml", &[
        (FhirInvalidXml, None, 15, Off::End)], &["Bundle/-", "Patient/xt-1"]),
    case("fhir-xml-unknown-resource-type.xml", &[
        (FhirUnknownResourceType, None, 13, Off::Find(b"<Patients>"))],
        &["Bundle/-", "Patient/xu-1", "Patient/xu-3"]),
    case("fhir-xml-deep.xml", &[
        (FhirLimitDepth, None, 4, Off::Nth(b"<extension", 49))], &[]),
];

// ---------------------------------------------------------------------------------------

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/malformed")
}

#[derive(Default)]
struct Collect {
    read: Vec<String>,
    issues: Vec<Issue>,
}

impl SampleSink for Collect {
    fn sample(&mut self, sample: &dyn Sample, issues: &[Issue]) {
        let id = if let Some(m) = sample.as_v2() {
            m.control_id().unwrap_or("-").to_owned()
        } else if let Some(r) = sample.as_fhir() {
            let json = r.to_json();
            let id = json.get("id").and_then(|v| v.as_str()).unwrap_or("-");
            format!("{}/{id}", r.resource_type())
        } else {
            "?".to_owned()
        };
        self.read.push(id);
        self.issues.extend(issues.iter().cloned());
    }
    fn issue(&mut self, issue: &Issue) {
        self.issues.push(issue.clone());
    }
}

fn read(path: &Path, limits: Limits) -> (Collect, Counts, Vec<u8>) {
    let bytes = std::fs::read(path).unwrap();
    let file = SourceFile {
        id: FileId(5),
        path: path.to_owned(),
        walked: false,
    };
    let format = detect(&bytes, Some(path));
    let mut sink = Collect::default();
    let options = ReadOptions {
        limits,
        ..ReadOptions::default()
    };
    let counts = read_samples(&file, format, &bytes, options, &mut sink);
    (sink, counts, bytes)
}

fn offset(bytes: &[u8], off: Off) -> u64 {
    let nth = |needle: &[u8], n: usize| {
        bytes
            .windows(needle.len())
            .enumerate()
            .filter(|(_, w)| *w == needle)
            .nth(n)
            .unwrap_or_else(|| panic!("needle {:?} not found", String::from_utf8_lossy(needle)))
            .0 as u64
    };
    match off {
        Off::At(o) => o,
        Off::Find(n) => nth(n, 0),
        Off::Nth(n, k) => nth(n, k),
        Off::Plus(n, k) => nth(n, 0) + k,
        Off::End => bytes.len() as u64,
    }
}

fn show(i: &Issue) -> String {
    format!(
        "({}, {:?}, {}, {}) {:?}",
        i.code, i.location.message, i.location.line, i.location.offset, i.detail
    )
}

fn check(c: &Case) -> Result<(), String> {
    let path = corpus_dir().join(c.file);
    let limits = c.limits.map_or_else(Limits::default, |f| f());
    let (got, counts, bytes) = read(&path, limits);
    let mut issues = got.issues.clone();
    issues.sort_by_key(|i| (i.location.offset, i.code));
    let actual: Vec<_> = issues
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
    let mut expected: Vec<_> = c
        .issues
        .iter()
        .map(|&(code, m, l, o)| (code, m, l, offset(&bytes, o)))
        .collect();
    expected.sort_by_key(|e| (e.3, e.0));
    let shown: Vec<_> = issues.iter().map(show).collect();
    if actual != expected {
        return Err(format!(
            "{}: issues\n  want {expected:?}\n  got  {shown:#?}",
            c.file
        ));
    }
    if got.read != c.read {
        return Err(format!(
            "{}: samples read\n  want {:?}\n  got  {:?}",
            c.file, c.read, got.read
        ));
    }
    // Every issue is located in this file.
    if let Some(i) = issues.iter().find(|i| i.location.file != FileId(5)) {
        return Err(format!("{}: issue in another file: {}", c.file, show(i)));
    }
    // Nothing lost: everything found was handed over or skipped with an error.
    if counts.found != got.read.len() as u32 + counts.skipped {
        return Err(format!(
            "{}: counts {counts:?} vs {} read",
            c.file,
            got.read.len()
        ));
    }
    Ok(())
}

#[test]
fn every_malformed_file_gives_its_issues_and_keeps_the_rest() {
    let mut failures = Vec::new();
    for c in CASES {
        if let Err(e) = check(c) {
            failures.push(e);
        }
    }
    // Every data file of the corpus is in the table (specs and profiles are checked in
    // the root test `malformed_specs.rs`).
    let mut listed: Vec<_> = CASES.iter().map(|c| c.file).collect();
    listed.sort_unstable();
    for (dir, prefix) in [("", ""), ("../limits", "../limits/")] {
        for entry in std::fs::read_dir(corpus_dir().join(dir)).unwrap() {
            let name = entry.unwrap().file_name().into_string().unwrap();
            let sample = name.starts_with("v2-") || name.starts_with("fhir-");
            let name = format!("{prefix}{name}");
            if sample && listed.binary_search(&name.as_str()).is_err() {
                failures.push(format!("{name}: not in the table"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        CASES.len(),
        failures.join("\n\n")
    );
}

/// The limit files are ordinary damage-free messages under the default limits: the
/// limits table above is what makes them fail.
#[test]
fn limit_files_read_whole_under_default_limits() {
    for (file, bad) in [
        ("../limits/v2-limit-segment-length.hl7", "LIM0001"),
        ("../limits/v2-limit-fields.hl7", "LIM0002"),
        ("../limits/v2-limit-repetitions.hl7", "LIM0003"),
        ("../limits/v2-limit-segments.hl7", "LIM0004"),
    ] {
        let path = corpus_dir().join("../limits").join(file);
        let (got, counts, _) = read(&path, Limits::default());
        assert_eq!(got.read, ["GOOD0001", bad, "GOOD0002"], "{file}");
        assert!(got.issues.is_empty(), "{file}: {:?}", got.issues);
        assert_eq!(counts.skipped, 0);
    }
    let (got, _, _) = read(
        &corpus_dir().join("../limits/fhir-ndjson-long-line.ndjson"),
        Limits::default(),
    );
    assert_eq!(got.read.len(), 3);
}

/// A 50 MB single segment (an OBX-5 of base64), generated here rather than committed:
/// over the default 32 MiB segment limit, its message is skipped with a positioned
/// `v2-limit-segment-length`, quickly, and the messages around it are read.
#[test]
fn fifty_megabyte_segment_is_refused_and_its_neighbours_read() {
    let good = |n: u32| {
        format!(
            "MSH|^~\\&|REGADT|GOODHOSP|IRA|IRA|20241001080000||ADT^A08|GOOD{n:04}|P|2.5\r\
             PID|1||MRN{n:04}^^^GOODHOSP^MR||TESTPATIENT^GOOD{n}\r"
        )
    };
    let mut bytes = good(1).into_bytes();
    let big_at = bytes.len();
    bytes.extend_from_slice(
        b"MSH|^~\\&|LAB|GOODLAB|IRA|IRA|20241001080000||ORU^R01|BIG0001|P|2.5\r",
    );
    let obx_at = bytes.len();
    bytes.extend_from_slice(b"OBX|1|ED|PDF^Report||^AP^PDF^Base64^");
    bytes.resize(bytes.len() + 50 * 1000 * 1000, b'Q');
    bytes.extend_from_slice(b"\r");
    bytes.extend_from_slice(good(2).as_bytes());
    let file = SourceFile {
        id: FileId(0),
        path: PathBuf::from("big.hl7"),
        walked: false,
    };
    let mut sink = Collect::default();
    let t = std::time::Instant::now();
    let counts = read_samples(
        &file,
        detect(&bytes, None),
        &bytes,
        ReadOptions::default(),
        &mut sink,
    );
    let took = t.elapsed();
    assert_eq!(sink.read, ["GOOD0001", "GOOD0002"]);
    assert_eq!(counts.found, 3);
    assert_eq!(counts.skipped, 1);
    let got: Vec<_> = sink
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
    assert_eq!(got, [(V2LimitSegmentLength, Some(2), 4, obx_at as u64)]);
    assert!(obx_at > big_at);
    // Generous for a debug build on a shared machine; it is a linear scan.
    assert!(took.as_secs() < 20, "took {took:?}");
}
