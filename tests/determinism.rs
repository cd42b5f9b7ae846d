//! Determinism: `ira analyze` writes the same bytes whatever the thread count
//! (`--jobs 1, 2, 8`) and whatever the order the input paths are given in, on the demo
//! interface (every format) and on a seeded generated corpus of a few MB.
//! `SOURCE_DATE_EPOCH` pins the report's timestamp.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Command;

use ira_gen::{Framing, Hl7Options, Terminator, fhir_bundles, fhir_ndjson, hl7_corpus};

mod support;
use support::ira_binary;

/// Every `ira analyze --format`. Add a format here when it lands (e.g. `html`).
const FORMATS: &[&str] = &["text", "json", "csv", "markdown", "sarif", "junit", "html"];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `ira analyze` with `args`; its standard output (exit 0 or 1: the gate may fail).
fn analyze(args: &[String]) -> Vec<u8> {
    let out = Command::new(ira_binary())
        .arg("analyze")
        .args(args)
        .current_dir(root())
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .output()
        .unwrap();
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "ira analyze {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!out.stdout.is_empty());
    out.stdout
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| (*s).to_owned()).collect()
}

/// The arguments for one run: inputs in the given order, a format, a thread count.
fn args(
    base: &[String],
    legacy: &[String],
    target: &[String],
    format: &str,
    jobs: u32,
) -> Vec<String> {
    let mut a = base.to_vec();
    if !legacy.is_empty() {
        a.push("--legacy".into());
        a.extend(legacy.iter().cloned());
    }
    if !target.is_empty() {
        a.push("--target".into());
        a.extend(target.iter().cloned());
    }
    a.extend([
        "--format".into(),
        format.into(),
        "--jobs".into(),
        jobs.to_string(),
    ]);
    a
}

fn first_difference(a: &[u8], b: &[u8]) -> String {
    let at = a
        .iter()
        .zip(b)
        .position(|(x, y)| x != y)
        .unwrap_or(a.len().min(b.len()));
    let show = |s: &[u8]| {
        String::from_utf8_lossy(&s[at.saturating_sub(80)..(at + 80).min(s.len())]).into_owned()
    };
    format!(
        "first difference at byte {at}:\n{}\n---\n{}",
        show(a),
        show(b)
    )
}

#[test]
fn the_demo_gives_the_same_bytes_for_any_thread_count_and_input_order() {
    let spec = strings(&["--spec", "fixtures/demo/ira.toml"]);
    // The spec names the demo's folders; the same files named one by one, in other
    // orders, are the same inputs.
    let legacy = strings(&[
        "fixtures/demo/legacy/adt_v23.hl7",
        "fixtures/demo/legacy/oru_v251.hl7",
    ]);
    let legacy_rev: Vec<String> = legacy.iter().rev().cloned().collect();
    let target = strings(&[
        "fixtures/demo/target/target_bundle.json",
        "fixtures/demo/target/",
    ]);
    let target_rev: Vec<String> = target.iter().rev().cloned().collect();
    for format in FORMATS {
        let reference = analyze(&args(&spec, &[], &[], format, 1));
        // Every format: 8 threads with the inputs in another order. JSON (the report
        // every other format but text is built from): each variation alone too.
        let mut runs = vec![args(&spec, &legacy_rev, &target_rev, format, 8)];
        if *format == "json" {
            runs.push(args(&spec, &[], &[], format, 2));
            runs.push(args(&spec, &[], &[], format, 8));
            runs.push(args(&spec, &legacy, &target, format, 1));
        }
        for run in &runs {
            let got = analyze(run);
            assert!(
                got == reference,
                "{format} {run:?}: {}",
                first_difference(&reference, &got)
            );
        }
    }
}

/// A seeded corpus of about 2 MB: HL7 v2 in three framings and terminators, FHIR
/// NDJSON and a few Bundles, written once per test run.
fn generated_corpus() -> (PathBuf, Vec<String>, Vec<String>) {
    let dir = std::env::temp_dir().join(format!("ira-determinism-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut legacy = Vec::new();
    for (name, seed, framing, terminator, kib) in [
        ("feed-a.hl7", 11, Framing::Newline, Terminator::Cr, 700),
        ("feed-b.mllp", 12, Framing::Mllp, Terminator::Cr, 500),
        ("feed-c.hl7", 13, Framing::Newline, Terminator::CrLf, 300),
    ] {
        let opts = Hl7Options {
            seed,
            target_bytes: kib << 10,
            framing,
            terminator,
        };
        let p = dir.join(name);
        std::fs::write(&p, hl7_corpus(&opts)).unwrap();
        legacy.push(p.to_str().unwrap().to_owned());
    }
    let mut target = Vec::new();
    let p = dir.join("export.ndjson");
    std::fs::write(&p, fhir_ndjson(21, 500 << 10)).unwrap();
    target.push(p.to_str().unwrap().to_owned());
    for (i, b) in fhir_bundles(22, 4).into_iter().enumerate() {
        let p = dir.join(format!("bundle-{i}.json"));
        std::fs::write(&p, b).unwrap();
        target.push(p.to_str().unwrap().to_owned());
    }
    (dir, legacy, target)
}

#[test]
fn a_generated_corpus_gives_the_same_bytes_for_any_thread_count_and_input_order() {
    let (dir, legacy, target) = generated_corpus();
    let size: u64 = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().metadata().unwrap().len())
        .sum();
    assert!(size > 2_000_000, "{size} bytes");
    // Two other orders of the same paths (a fixed permutation: the test is repeatable).
    let shuffled = |v: &[String], k: usize| {
        let mut v = v.to_vec();
        let n = v.len();
        v.rotate_left(k % n);
        v.swap(0, n - 1);
        v
    };
    let (l2, t2) = (shuffled(&legacy, 1), shuffled(&target, 2));
    assert_ne!(l2, legacy);
    assert_ne!(t2, target);
    let reference = analyze(&args(&[], &legacy, &target, "json", 1));
    for run in [
        args(&[], &legacy, &target, "json", 2),
        args(&[], &legacy, &target, "json", 8),
        args(&[], &l2, &t2, "json", 8),
    ] {
        let got = analyze(&run);
        assert!(
            got == reference,
            "{run:?}: {}",
            first_difference(&reference, &got)
        );
    }
    // The text format is built from the findings, not the report: checked too.
    let text = analyze(&args(&[], &legacy, &target, "text", 1));
    let got = analyze(&args(&[], &l2, &t2, "text", 8));
    assert!(got == text, "text: {}", first_difference(&text, &got));
    // The report holds risks, so the comparison compared something.
    let json: serde_json::Value = serde_json::from_slice(&reference).unwrap();
    assert!(!json["risks"].as_array().unwrap().is_empty());
    let _ = std::fs::remove_dir_all(Path::new(&dir));
}
