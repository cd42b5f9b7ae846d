//! Property tests of the five fuzzed entry points, on stable (CI runs them; cargo-fuzz
//! runs the same entry points for hours on nightly, see docs/RELIABILITY.md).
//!
//! Each entry point (`fuzz/src/entry.rs`) asserts that it does not panic, that every
//! position it reports lies inside its input and that its counts reconcile (found =
//! read + skipped, one sample handed over per message read, every HL7 byte accounted
//! for). Inputs: arbitrary bytes, and the fixtures mutated (bytes flipped, inserted,
//! deleted, lines cut) and, for HL7 v2, re-delimited with random delimiter sets.
//!
//! `PROPTEST_CASES` raises the number of cases (default: 256 for the readers, fewer for
//! the slower pipeline and base-R4 check).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[allow(dead_code)]
#[path = "../fuzz/src/entry.rs"]
mod entry;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use ira_parse::input::Discovery;
use proptest::prelude::*;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The fixture files under `fixtures/` whose names end with one of `exts`, read once.
fn fixtures(exts: &[&str]) -> Vec<Vec<u8>> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                walk(&p, out);
            } else {
                out.push(p);
            }
        }
    }
    let mut paths = Vec::new();
    walk(&root().join("fixtures"), &mut paths);
    let files: Vec<Vec<u8>> = paths
        .iter()
        .filter(|p| {
            let name = p.to_string_lossy();
            exts.iter().any(|e| name.ends_with(e))
        })
        .map(|p| std::fs::read(p).unwrap())
        .collect();
    assert!(!files.is_empty(), "no fixtures for {exts:?}");
    files
}

fn cached(cell: &'static OnceLock<Vec<Vec<u8>>>, exts: &[&str]) -> &'static [Vec<u8>] {
    cell.get_or_init(|| fixtures(exts))
}

fn v2_fixtures() -> &'static [Vec<u8>] {
    static C: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    cached(&C, &[".hl7", ".mllp"])
}

fn json_fixtures() -> &'static [Vec<u8>] {
    static C: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    cached(&C, &[".json"])
}

fn ndjson_fixtures() -> &'static [Vec<u8>] {
    static C: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    cached(&C, &[".ndjson"])
}

fn xml_fixtures() -> &'static [Vec<u8>] {
    static C: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    cached(&C, &[".xml"])
}

fn toml_fixtures() -> &'static [Vec<u8>] {
    static C: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    cached(&C, &[".toml"])
}

fn slots() -> &'static (Discovery, Discovery) {
    static S: OnceLock<(Discovery, Discovery)> = OnceLock::new();
    S.get_or_init(|| entry::analyze_slots(&root().join("fuzz/slots")))
}

/// One edit of a mutated fixture.
#[derive(Clone, Debug)]
enum Edit {
    Flip(usize, u8),
    Insert(usize, Vec<u8>),
    Delete(usize, usize),
    /// Cut the file here (a truncated transfer).
    Truncate(usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    // Bytes that matter to the readers, more often than chance would pick them.
    let special = prop::sample::select(b"|^~\\&\r\n\x0b\x1c{}[]\":,<>/=\0\xff\xc3".to_vec());
    let byte = prop_oneof![any::<u8>(), special];
    prop_oneof![
        4 => (any::<usize>(), byte.clone()).prop_map(|(i, b)| Edit::Flip(i, b)),
        3 => (any::<usize>(), prop::collection::vec(byte, 1..8))
            .prop_map(|(i, b)| Edit::Insert(i, b)),
        3 => (any::<usize>(), 1usize..64).prop_map(|(i, n)| Edit::Delete(i, n)),
        1 => any::<usize>().prop_map(Edit::Truncate),
    ]
}

fn apply(mut bytes: Vec<u8>, edits: &[Edit]) -> Vec<u8> {
    for e in edits {
        let len = bytes.len();
        let at = |i: usize| if len == 0 { 0 } else { i % (len + 1) };
        match e {
            Edit::Flip(i, b) if len > 0 => {
                let i = i % len;
                bytes[i] = *b;
            }
            Edit::Flip(..) => {}
            Edit::Insert(i, b) => {
                let i = at(*i);
                bytes.splice(i..i, b.iter().copied());
            }
            Edit::Delete(i, n) => {
                let i = at(*i);
                let end = (i + n).min(len);
                bytes.drain(i..end);
            }
            Edit::Truncate(i) => bytes.truncate(at(*i)),
        }
    }
    bytes
}

/// A fixture picked by `pick`, with `edits` applied.
fn mutated(files: &[Vec<u8>], pick: usize, edits: &[Edit]) -> Vec<u8> {
    apply(files[pick % files.len()].clone(), edits)
}

fn edits() -> impl Strategy<Value = Vec<Edit>> {
    prop::collection::vec(edit(), 1..6)
}

/// Cases from `PROPTEST_CASES` when set, else `default`.
fn cases(default: u32) -> ProptestConfig {
    let n = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default);
    ProptestConfig {
        cases: n,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Five distinct delimiter bytes (field, component, repetition, escape, subcomponent)
/// from the printable punctuation and a few control bytes.
fn delimiters() -> impl Strategy<Value = [u8; 5]> {
    let pool: Vec<u8> = b"|^~\\&#!$%*+,-./:;<=>?@_`{}\t\x01\x7f".to_vec();
    Just(pool)
        .prop_shuffle()
        .prop_map(|p| [p[0], p[1], p[2], p[3], p[4]])
}

/// A fixture message with its standard delimiters replaced by `d`.
fn redelimit(bytes: &[u8], d: [u8; 5]) -> Vec<u8> {
    bytes
        .iter()
        .map(|&b| match b {
            b'|' => d[0],
            b'^' => d[1],
            b'~' => d[2],
            b'\\' => d[3],
            b'&' => d[4],
            _ => b,
        })
        .collect()
}

proptest! {
    #![proptest_config(cases(256))]

    #[test]
    fn hl7_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..1024)) {
        entry::hl7(&bytes);
    }

    #[test]
    fn hl7_arbitrary_bytes_after_msh(tail in prop::collection::vec(any::<u8>(), 0..512)) {
        let mut bytes = b"MSH|^~\\&|".to_vec();
        bytes.extend_from_slice(&tail);
        entry::hl7(&bytes);
    }

    #[test]
    fn hl7_mutated_fixtures(pick in any::<usize>(), edits in edits()) {
        entry::hl7(&mutated(v2_fixtures(), pick, &edits));
    }

    #[test]
    fn hl7_random_delimiters(pick in any::<usize>(), d in delimiters(), edits in prop::collection::vec(edit(), 0..3)) {
        let files = v2_fixtures();
        let bytes = apply(redelimit(&files[pick % files.len()], d), &edits);
        entry::hl7(&bytes);
    }

    #[test]
    fn fhir_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..1024)) {
        // Without the base-R4 check: it is exercised below on JSON that parses.
        entry::fhir(&bytes, None);
    }

    #[test]
    fn fhir_mutated_fixtures(kind in 0u8..3, pick in any::<usize>(), edits in edits()) {
        let files = match kind {
            0 => json_fixtures(),
            1 => ndjson_fixtures(),
            _ => xml_fixtures(),
        };
        let mut data = vec![kind];
        data.extend(mutated(files, pick, &edits));
        entry::fhir(&data, None);
    }

    #[test]
    fn spec_arbitrary_text(text in "\\PC{0,400}") {
        entry::spec(text.as_bytes());
    }

    #[test]
    fn spec_mutated_fixtures(pick in any::<usize>(), edits in edits()) {
        entry::spec(&mutated(toml_fixtures(), pick, &edits));
    }

    #[test]
    fn profile_loaders_arbitrary_text(text in "\\PC{0,400}") {
        entry::profile_loaders(text.as_bytes());
    }

    #[test]
    fn profile_loaders_mutated_fixtures(pick in any::<usize>(), edits in edits()) {
        entry::profile_loaders(&mutated(json_fixtures(), pick, &edits));
    }
}

proptest! {
    // The base-R4 check runs fhirbolt up to 400 times a resource; fewer cases.
    #![proptest_config(cases(24))]

    #[test]
    fn fhir_json_with_base_r4_check(pick in any::<usize>(), edits in prop::collection::vec(edit(), 1..3)) {
        let mut data = vec![0u8];
        data.extend(mutated(json_fixtures(), pick, &edits));
        entry::fhir(&data, Some(&ira_conform::FhirboltConformance));
    }
}

proptest! {
    // The whole pipeline per case: fewer, small cases.
    #![proptest_config(cases(8))]

    #[test]
    fn analyze_mutated_pairs(
        legacy in any::<usize>(),
        target in any::<usize>(),
        legacy_edits in prop::collection::vec(edit(), 0..4),
        target_edits in prop::collection::vec(edit(), 0..4),
    ) {
        let v2: Vec<Vec<u8>> = v2_fixtures().iter().filter(|f| f.len() < 8192).cloned().collect();
        let json: Vec<Vec<u8>> = json_fixtures().iter().filter(|f| f.len() < 8192).cloned().collect();
        let mut data = mutated(&v2, legacy, &legacy_edits);
        data.retain(|&b| b != 0xFF);
        data.push(0xFF);
        let mut t = mutated(&json, target, &target_edits);
        t.retain(|&b| b != 0xFF);
        data.extend(t);
        entry::analyze(&data, slots());
    }

    #[test]
    fn analyze_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..1024)) {
        entry::analyze(&bytes, slots());
    }
}
