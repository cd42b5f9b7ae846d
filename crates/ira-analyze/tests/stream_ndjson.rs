//! A large FHIR NDJSON file read in chunks cut after line feeds, in parallel, gives
//! exactly what a whole-file read gives: the same findings (the file rules IRA404 and
//! IRA602 decided over the whole file), profile and accounts, with file-absolute
//! positions, for any chunk size and 1 or 2 threads.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;

use ira_analyze::analysis::{Analysis, AnalysisInput, analyze_streaming};
use ira_analyze::map::Map;
use ira_analyze::profile::profile_streaming;
use ira_analyze::stream::StreamOptions;
use ira_analyze::target::Artifacts;
use ira_parse::chunk::open_file;
use ira_parse::document::ReadOptions;
use ira_parse::input::{self, Discovery, Format};

/// Lines read early in the file. Synthetic data (fake ids and MRNs).
const HEAD: &str = r#"{"resourceType":"Observation","id":"obs-early","status":"final","code":{"text":"x"},"subject":{"reference":"Patient/FAKEID-later"}}
{"resourceType":"Observation","id":"obs-missing","status":"final","code":{"text":"x"},"subject":{"reference":"Patient/FAKEID-nowhere"}}
{"resourceType":"Patient","id":"FAKEID-dup-a","identifier":[{"system":"urn:oid:2.16.840.1.113883.3.9999.1","value":"MRN-TEST-0001"}],"name":[{"family":"TESTPATIENT","given":["ALPHA"]}]}

{"resourceType":"Observation","id":"obs-broken","status":"final","code":{"text":"x"}
{"resourceType":"Observation","id":"obs-crlf","status":"final","code":{"text":"x"},"encounter":{"reference":"Encounter/FAKEID-enc"}}
["not","an","object"]
{"resourceType":"NoSuchType","id":"x"}
{"resourceType":"Bundle","type":"transaction","entry":[{"fullUrl":"urn:uuid:00000000-0000-4000-8000-000000000001","resource":{"resourceType":"Patient","id":"FAKEID-in-bundle"},"request":{"method":"POST","url":"Patient"}},{"fullUrl":"urn:uuid:00000000-0000-4000-8000-000000000002","resource":{"resourceType":"Observation","status":"final","code":{"text":"x"},"subject":{"reference":"urn:uuid:00000000-0000-4000-8000-000000000009"}},"request":{"method":"POST","url":"Observation"}}]}
"#;

/// Lines read late: a duplicate of an earlier id and identifier, and the Patient the
/// first Observation refers to.
const TAIL: &str = r#"{"resourceType":"Patient","id":"FAKEID-dup-b","identifier":[{"system":"urn:oid:2.16.840.1.113883.3.9999.1","value":"MRN-TEST-0001"}],"name":[{"family":"TESTPATIENT","given":["BRAVO"]}]}
{"resourceType":"Observation","id":"obs-missing","status":"final","code":{"text":"x"}}
{"resourceType":"Patient","id":"FAKEID-later","name":[{"family":"TESTPATIENT","given":["CHARLIE"]}]}
"#;

/// The head, generated resources (references, identifiers), the tail; one CRLF line.
fn corpus(generated: usize) -> Vec<u8> {
    let mut out = HEAD.replace(
        r#""id":"obs-crlf","status":"final","code":{"text":"x"},"encounter":{"reference":"Encounter/FAKEID-enc"}}"#,
        "\"id\":\"obs-crlf\",\"status\":\"final\",\"code\":{\"text\":\"x\"},\"encounter\":{\"reference\":\"Encounter/FAKEID-enc\"}}\r",
    ).into_bytes();
    out.extend(ira_gen::fhir_ndjson(3, generated));
    out.extend_from_slice(TAIL.as_bytes());
    out
}

fn setup(name: &str, bytes: &[u8]) -> (PathBuf, Discovery) {
    let dir = std::env::temp_dir().join(format!("ira-stream-ndjson-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("big.ndjson");
    std::fs::write(&path, bytes).unwrap();
    let d = input::discover(std::slice::from_ref(&path)).unwrap();
    (dir, d)
}

fn run(d: &Discovery, threads: usize, stream: StreamOptions) -> Analysis {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    pool.install(|| {
        analyze_streaming(
            AnalysisInput {
                legacy: d,
                target: None,
                artifacts: Artifacts::default(),
                map: Map::builtin(),
                spec: None,
            },
            &open_file,
            ReadOptions::default(),
            stream,
        )
    })
}

fn chunks(bytes: &[u8], size: usize) -> usize {
    let mut c = ira_parse::chunk::Chunker::new(bytes, size);
    c.cut_lines();
    std::iter::from_fn(|| c.next_chunk().unwrap()).count()
}

/// The findings of `rule`: (detail, affected, example lines).
fn of(a: &Analysis, rule: &str) -> Vec<(String, u64, Vec<u32>)> {
    a.findings
        .iter()
        .filter(|f| f.rule == rule)
        .map(|f| {
            (
                f.detail.clone(),
                f.affected,
                f.examples.iter().map(|e| e.line).collect(),
            )
        })
        .collect()
}

#[test]
fn tiny_chunks_equal_the_whole_file_read() {
    let bytes = corpus(6 << 10);
    let (dir, d) = setup("tiny", &bytes);
    let whole = run(&d, 1, StreamOptions::whole());
    assert_eq!(whole.files[0].format, Format::FhirNdjson);

    // What the whole file gives: the reference to the Patient of the last line
    // resolves; the one to a Patient nowhere, the Encounter nowhere and the urn:uuid
    // of no entry do not; two Patients share an MRN and two Observations an id, each
    // pair split between the first and the last lines. (A Bundle line makes the file
    // say "bundle", whichever chunk holds it: a flag merged across chunks too.)
    let ira404 = of(&whole, "IRA404");
    assert_eq!(
        ira404,
        [
            (
                "reference to Encounter not in the bundle".to_owned(),
                1,
                vec![6]
            ),
            (
                "reference to Patient not in the bundle".to_owned(),
                1,
                vec![2]
            ),
            (
                "urn:uuid reference matching no fullUrl in the bundle".to_owned(),
                1,
                vec![9]
            ),
        ]
    );
    let last = u32::try_from(bytes.iter().filter(|&&b| b == b'\n').count()).unwrap();
    let ira602 = of(&whole, "IRA602");
    assert_eq!(
        ira602,
        [
            (
                "resources of one type sharing an id in one file".to_owned(),
                2,
                vec![2, last - 1]
            ),
            (
                "resources sharing an identifier (system urn:oid:2.16.840.1.113883.3.9999.1) in one file"
                    .to_owned(),
                2,
                vec![3, last - 2]
            ),
        ]
    );
    // Message numbers go on across the file (skipped lines take none).
    let dup = whole
        .findings
        .iter()
        .find(|f| f.rule == "IRA602" && f.detail.contains("an id"))
        .unwrap();
    assert_eq!(dup.examples[0].message, Some(2));
    // The second is the last resource but one.
    let read = u32::try_from(whole.legacy.samples).unwrap();
    assert!(read > 12, "{read}");
    assert_eq!(dup.examples[1].message, Some(read - 1));

    for size in [1, 2, 50, 300, 1000, 2500, 4096] {
        let n = chunks(&bytes, size);
        assert!(size > 1000 || n > 3, "size {size}: {n} chunk(s)");
        for threads in [1, 2] {
            let stream = StreamOptions {
                chunk_size: size,
                chunks_per_thread: 2,
            };
            let chunked = run(&d, threads, stream);
            let what = format!("chunk size {size} ({n} chunks), {threads} thread(s)");
            assert_eq!(chunked.findings, whole.findings, "{what}");
            assert_eq!(chunked.legacy, whole.legacy, "{what}");
            assert_eq!(chunked.files, whole.files, "{what}");
        }
    }
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn a_large_export_read_in_chunks_equals_the_whole_file_read() {
    let bytes = corpus(1 << 20);
    let (dir, d) = setup("large", &bytes);
    let small = StreamOptions {
        chunk_size: 64 << 10,
        chunks_per_thread: 2,
    };
    assert!(chunks(&bytes, small.chunk_size) > 10);
    let whole = run(&d, 1, StreamOptions::whole());
    // Positions are file-absolute: an example lies far beyond the first chunk.
    assert!(
        whole
            .findings
            .iter()
            .flat_map(|f| &f.examples)
            .any(|e| e.offset > 1 << 20 && e.line > 1000 && e.message.unwrap_or(0) > 1000)
    );
    for threads in [1, 2] {
        let chunked = run(&d, threads, small);
        assert_eq!(chunked.findings, whole.findings, "{threads} thread(s)");
        assert_eq!(chunked.legacy, whole.legacy, "{threads} thread(s)");
        assert_eq!(chunked.files, whole.files, "{threads} thread(s)");
    }
    assert_eq!(profile_streaming(&d, &open_file, small), whole.legacy);
    std::fs::remove_dir_all(dir).ok();
}

/// A first line longer than the head read for detection: the file is not cut (the head
/// alone cannot tell NDJSON from JSON), and reads as a whole-file read does.
#[test]
fn a_file_whose_head_cannot_decide_is_read_whole() {
    let long = format!(
        "{{\"resourceType\":\"Observation\",\"id\":\"o1\",\"status\":\"final\",\"code\":{{\"text\":\"{}\"}}}}\n",
        "x".repeat(70 << 10)
    );
    let mut bytes = long.into_bytes();
    bytes.extend_from_slice(TAIL.as_bytes());
    let (dir, d) = setup("head", &bytes);
    let whole = run(&d, 1, StreamOptions::whole());
    let chunked = run(
        &d,
        2,
        StreamOptions {
            chunk_size: 100,
            chunks_per_thread: 1,
        },
    );
    assert_eq!(chunked.findings, whole.findings);
    assert_eq!(chunked.legacy, whole.legacy);
    assert_eq!(chunked.files, whole.files);
    assert_eq!(whole.legacy.samples, 4);
    std::fs::remove_dir_all(dir).ok();
}

/// Lines the property test draws from: resources sharing ids and identifiers, references
/// that resolve or not (forwards and backwards), a Bundle, and damage: blank, CRLF,
/// broken and non-object lines, a byte order mark inside the file, invalid UTF-8.
const LINES: &[&str] = &[
    r#"{"resourceType":"Patient","id":"p1","identifier":[{"system":"urn:oid:2.16.840.1.113883.3.9999.1","value":"MRN-TEST-1"}]}"#,
    r#"{"resourceType":"Patient","id":"p2","identifier":[{"value":"MRN-TEST-1"}]}"#,
    r#"{"resourceType":"Observation","id":"o1","status":"final","code":{"text":"x"},"subject":{"reference":"Patient/p1"}}"#,
    r#"{"resourceType":"Observation","id":"o2","status":"final","code":{"text":"x"},"subject":{"reference":"Patient/p9"},"hasMember":[{"reference":"Observation/o1/_history/2"}]}"#,
    r#"{"resourceType":"Encounter","id":"e1","status":"finished","class":{"code":"IMP"},"subject":{"reference":"Patient/p2"}}"#,
    r#"{"resourceType":"Bundle","type":"collection","entry":[{"fullUrl":"urn:uuid:00000000-0000-4000-8000-000000000001","resource":{"resourceType":"Patient","id":"p3"}}]}"#,
    r##"{"resourceType":"Observation","id":"o3","status":"final","code":{"text":"x"},"subject":{"reference":"urn:uuid:00000000-0000-4000-8000-000000000001"},"performer":[{"reference":"#pr1"}]}"##,
    r#"{"resourceType":"Patient","id":"p1","gender":1}"#,
    "",
    "   ",
    "{\"resourceType\":\"Observation\",\"id\":\"o4\",\"status\":\"final\",\"code\":{\"text\":\"x\"}}\r",
    r#"{"resourceType":"Observation","id":"o5","#,
    r#"["not an object"]"#,
    "\u{feff}{\"resourceType\":\"Patient\",\"id\":\"p4\"}",
    r#"{"resourceType":"NoSuchType"}"#,
];

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(24))]
    /// Any mix of those lines, cut at any chunk size and read with 1 or 2 threads, gives
    /// what the whole-file read gives.
    #[test]
    fn any_lines_at_any_chunk_size(
        picks in proptest::collection::vec(0..LINES.len() + 1, 1..40),
        size in 1usize..600,
        threads in 1usize..3,
    ) {
        let mut bytes = Vec::new();
        for p in picks {
            match LINES.get(p) {
                Some(l) => bytes.extend_from_slice(l.as_bytes()),
                None => bytes.extend_from_slice(b"{\"resourceType\":\"Patient\",\"id\":\"\xff\"}"),
            }
            bytes.push(b'\n');
        }
        // NDJSON needs a first whole line and a second to be detected (and cut) as such.
        bytes.splice(0..0, LINES[0].bytes().chain(*b"\n"));
        let (dir, d) = setup(&format!("prop-{size}-{threads}"), &bytes);
        let whole = run(&d, 1, StreamOptions::whole());
        let chunked = run(&d, threads, StreamOptions { chunk_size: size, chunks_per_thread: 1 });
        std::fs::remove_dir_all(dir).ok();
        proptest::prop_assert_eq!(&whole.files[0].format, &Format::FhirNdjson);
        proptest::prop_assert_eq!(chunked.findings, whole.findings);
        proptest::prop_assert_eq!(chunked.legacy, whole.legacy);
        proptest::prop_assert_eq!(chunked.files, whole.files);
    }
}
