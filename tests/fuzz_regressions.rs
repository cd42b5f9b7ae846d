//! Replays every input the fuzzers found a problem with (`fixtures/fuzz/<target>/*`)
//! through the same entry point as its fuzz target (`fuzz/src/entry.rs`), on stable, so
//! a fixed crash stays fixed. See docs/RELIABILITY.md for how each was found and fixed.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[allow(dead_code)]
#[path = "../fuzz/src/entry.rs"]
mod entry;

use std::path::PathBuf;

use ira_parse::input::Format;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The inputs of one target, sorted by name.
fn inputs(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = root().join("fixtures/fuzz").join(target);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut paths: Vec<PathBuf> = entries.map(|e| e.unwrap().path()).collect();
    paths.sort();
    paths
        .into_iter()
        .filter(|p| p.is_file())
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&p).unwrap())
        })
        .collect()
}

/// Every folder of `fixtures/fuzz/` is a target this file replays.
#[test]
fn every_regression_folder_is_a_known_target() {
    let known = ["hl7", "fhir", "spec", "profile_loaders", "analyze"];
    let dir = root().join("fixtures/fuzz");
    let mut found = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            assert!(
                known.contains(&name.as_str()),
                "unknown fuzz target folder {name}"
            );
            found += inputs(&name).len();
        }
    }
    assert!(found > 0, "no regression inputs under {}", dir.display());
}

#[test]
fn hl7_regressions() {
    for (name, bytes) in inputs("hl7") {
        eprintln!("hl7/{name}");
        entry::hl7(&bytes);
    }
}

/// FHIR inputs are kept as plain `.json`, `.ndjson` or `.xml` files (so `ira parse
/// fixtures/` reads them as what they are); a file without one of those extensions is a
/// raw fuzz input whose first byte picks the reader. Every one is read with the
/// base-R4 check on, whatever its format.
fn fhir_format(name: &str) -> Option<Format> {
    match name.rsplit_once('.').map(|(_, e)| e) {
        Some("json") => Some(Format::FhirJson),
        Some("ndjson") => Some(Format::FhirNdjson),
        Some("xml") => Some(Format::FhirXml),
        _ => None,
    }
}

/// Runs `f` on another thread and fails if it takes longer than a minute: a hang
/// (fhirbolt's was an endless loop) must fail the test, not stall CI.
fn within_a_minute<T: Send + 'static>(what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(std::time::Duration::from_secs(60))
        .unwrap_or_else(|_| panic!("{what}: did not finish within a minute (hang?)"))
}

#[test]
fn fhir_regressions() {
    for (name, bytes) in inputs("fhir") {
        eprintln!("fhir/{name}");
        within_a_minute(&name.clone(), move || match fhir_format(&name) {
            Some(format) => {
                entry::read_and_walk(&bytes, format, Some(&ira_conform::FhirboltConformance));
            }
            None => entry::fhir(&bytes, Some(&ira_conform::FhirboltConformance)),
        });
    }
}

/// fhirbolt 0.4's compatibility mode loops forever on an unknown element holding a
/// non-empty array, at any depth (`"foo": [1]`, `"_baz": [null]`); ira-conform now runs
/// fhirbolt in strict mode. The unknown elements are reported once each, by the
/// reader's schema check, at their resource; nothing is reported twice by fhirbolt.
#[test]
fn fhir_unknown_elements_holding_arrays_do_not_hang_the_base_r4_check() {
    let read = |name: &'static str, format: Format| {
        let bytes = std::fs::read(root().join("fixtures/fuzz/fhir").join(name)).unwrap();
        within_a_minute(name, move || {
            let (counts, w) =
                entry::read_and_walk(&bytes, format, Some(&ira_conform::FhirboltConformance));
            let issues: Vec<String> = w
                .issues
                .iter()
                .map(|i| format!("{} {} @ {}", i.code.as_str(), i.detail, i.location))
                .collect();
            (counts, issues)
        })
    };
    let (counts, issues) = read("unknown-array-hang.json", Format::FhirJson);
    assert_eq!((counts.found, counts.skipped), (1, 0));
    assert_eq!(
        issues,
        ["fhir-schema Patient.foo: unknown element @ message 1, line 1, byte 0"]
    );
    let (counts, issues) = read("unknown-array-hang-nested.ndjson", Format::FhirNdjson);
    assert_eq!((counts.found, counts.skipped), (2, 0));
    assert_eq!(
        issues,
        [
            "fhir-schema Patient.name[0].foo: unknown element @ message 1, line 1, byte 0",
            "fhir-schema Patient._birthDate.bar: unknown element @ message 1, line 1, byte 0",
            "fhir-schema Observation._baz: unknown element @ message 2, line 2, byte 99",
        ]
    );
}

#[test]
fn spec_regressions() {
    for (name, bytes) in inputs("spec") {
        eprintln!("spec/{name}");
        entry::spec(&bytes);
    }
}

#[test]
fn profile_loaders_regressions() {
    for (name, bytes) in inputs("profile_loaders") {
        eprintln!("profile_loaders/{name}");
        entry::profile_loaders(&bytes);
    }
}

#[test]
fn analyze_regressions() {
    let slots = entry::analyze_slots(&root().join("fuzz/slots"));
    for (name, bytes) in inputs("analyze") {
        eprintln!("analyze/{name}");
        entry::analyze(&bytes, &slots);
    }
}

/// Replays a whole fuzz corpus on stable, with the base-R4 check on for FHIR (which a
/// fuzz build without the `conform` feature leaves out):
/// `IRA_FUZZ_REPLAY=fhir:fuzz/corpus/fhir cargo test --test fuzz_regressions -- --ignored`.
#[test]
#[ignore = "needs IRA_FUZZ_REPLAY=<target>:<corpus dir>"]
fn replay_a_corpus() {
    let Ok(spec) = std::env::var("IRA_FUZZ_REPLAY") else {
        return;
    };
    let (target, dir) = spec
        .split_once(':')
        .expect("IRA_FUZZ_REPLAY=<target>:<dir>");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    paths.sort();
    let slots = entry::analyze_slots(&root().join("fuzz/slots"));
    for p in &paths {
        let bytes = std::fs::read(p).unwrap();
        match target {
            "hl7" => entry::hl7(&bytes),
            "fhir" => entry::fhir(&bytes, Some(&ira_conform::FhirboltConformance)),
            "spec" => entry::spec(&bytes),
            "profile_loaders" => entry::profile_loaders(&bytes),
            "analyze" => entry::analyze(&bytes, &slots),
            other => panic!("unknown target {other}"),
        }
    }
    eprintln!("{target}: {} inputs replayed", paths.len());
}
