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

#[test]
fn a_bad_limit() {
    let spec = "fixtures/demo/ira.toml";
    let (code, err) = ira(&["analyze", "--spec", spec, "--limit", "max_depth=3"]);
    assert_eq!(code, Some(2));
    assert!(
        err.starts_with("ira: error: no limit `max_depth`; the limits are max_file_bytes,"),
        "{err}"
    );
    let (code, err) = ira(&["analyze", "--spec", spec, "--limit", "max_json_depth"]);
    assert_eq!(code, Some(2));
    assert_eq!(
        err,
        "ira: error: --limit max_json_depth: expected NAME=VALUE\n"
    );
    let (code, err) = ira(&["parse", "fixtures/v2", "--limit", "max_json_depth=0"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("`0` is not a positive whole number"), "{err}");
}

/// A limit from the command line is applied: files over it are not read, and the
/// report's accounts say why (they are data, not an error: exit 0 without a gate).
#[test]
fn a_limit_is_applied_and_accounted() {
    let out = Command::new(env!("CARGO_BIN_EXE_ira"))
        .args([
            "analyze",
            "--legacy",
            "fixtures/demo/legacy",
            "--limit",
            "max_file_bytes=1K",
            "--format",
            "json",
        ])
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let accounts = report["accounts"].as_array().unwrap();
    assert!(!accounts.is_empty());
    let too_large: Vec<_> = accounts
        .iter()
        .filter(|a| a["unreadable"] == "input-too-large")
        .collect();
    assert!(!too_large.is_empty(), "{accounts:?}");
    for a in too_large {
        assert_eq!(a["found"], 0);
    }
    let parse = Command::new(env!("CARGO_BIN_EXE_ira"))
        .args([
            "parse",
            "fixtures/v2/batch.hl7",
            "--limit",
            "max_file_bytes=100",
        ])
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."))
        .output()
        .unwrap();
    let text = String::from_utf8(parse.stdout).unwrap();
    assert!(
        text.contains(
            "error[input-too-large] byte 0: file of 547 bytes, over the limit of 100 bytes"
        ),
        "{text}"
    );
}
