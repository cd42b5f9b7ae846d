//! Replays every input the fuzzers found a problem with (`fixtures/fuzz/<target>/*`)
//! through the same entry point as its fuzz target (`fuzz/src/entry.rs`), on stable, so
//! a fixed crash stays fixed. See docs/RELIABILITY.md for how each was found and fixed.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[allow(dead_code)]
#[path = "../fuzz/src/entry.rs"]
mod entry;

use std::path::PathBuf;

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

#[test]
fn fhir_regressions() {
    for (name, bytes) in inputs("fhir") {
        eprintln!("fhir/{name}");
        entry::fhir(&bytes, Some(&ira_conform::FhirboltConformance));
    }
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
