//! `ira analyze` errors: one line, `ira: error: <what> (<where>)`, exit code 2, no
//! backtrace, nothing of the files' content.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::Command;

/// Runs `ira` in the workspace root; returns (exit code, standard error).
fn ira(args: &[&str]) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_ira"))
        .args(args)
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."))
        .env("RUST_BACKTRACE", "1")
        .output()
        .unwrap();
    assert!(out.stdout.is_empty(), "no output on error");
    (out.status.code(), String::from_utf8(out.stderr).unwrap())
}

fn assert_one_line(err: &str, what: &str, at: &str) {
    assert!(err.starts_with(&format!("ira: error: {what}")), "{err}");
    assert!(err.ends_with(&format!(" ({at})\n")), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(!err.contains("backtrace"), "{err}");
}

#[test]
fn a_missing_spec() {
    let (code, err) = ira(&["analyze", "--spec", "no/such/ira.toml"]);
    assert_eq!(code, Some(2));
    assert_one_line(&err, "cannot read the spec: ", "no/such/ira.toml");
}

#[test]
fn a_bad_baseline() {
    let spec = "fixtures/demo/ira.toml";
    // Not JSON at all (the spec): positioned, and its content is not quoted.
    let (code, err) = ira(&["analyze", "--spec", spec, "--baseline", spec]);
    assert_eq!(code, Some(2));
    assert_one_line(
        &err,
        "the baseline is not JSON",
        "fixtures/demo/ira.toml, line 1, column 1",
    );
    assert!(!err.contains("demo interface"), "{err}");
    // A v2 file in Latin-1: not even text.
    let (code, err) = ira(&[
        "analyze",
        "--spec",
        spec,
        "--baseline",
        "fixtures/demo/legacy/adt_v23.hl7",
    ]);
    assert_eq!(code, Some(2));
    assert_one_line(
        &err,
        "the baseline is not UTF-8 text: invalid byte at offset ",
        "fixtures/demo/legacy/adt_v23.hl7",
    );
    // JSON, but another document: a FHIR resource.
    let (code, err) = ira(&[
        "analyze",
        "--spec",
        spec,
        "--baseline",
        "fixtures/fhir/patient.json",
    ]);
    assert_eq!(code, Some(2));
    assert_one_line(
        &err,
        "the baseline is not an ira.report/1 report: no `schema` key",
        "fixtures/fhir/patient.json",
    );
    // Missing.
    let (code, err) = ira(&["analyze", "--spec", spec, "--baseline", "no/such.json"]);
    assert_eq!(code, Some(2));
    assert_one_line(&err, "cannot read the baseline: ", "no/such.json");
}

#[test]
fn zero_jobs() {
    let (code, err) = ira(&["analyze", "--legacy", "fixtures/demo/legacy", "--jobs", "0"]);
    assert_eq!(code, Some(2));
    assert_one_line(
        &err,
        "the number of worker threads must be at least 1",
        "jobs = 0",
    );
}

#[test]
fn a_missing_sample_path_and_no_samples() {
    let (code, err) = ira(&["analyze", "--legacy", "no/such/feed.hl7"]);
    assert_eq!(code, Some(2));
    assert_one_line(&err, "", "no/such/feed.hl7");
    let (code, err) = ira(&["analyze"]);
    assert_eq!(code, Some(2));
    assert!(err.starts_with("ira: error: no legacy samples"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
}
