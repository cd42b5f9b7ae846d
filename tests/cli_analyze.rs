//! End to end: `ira analyze` on the bundled fixtures.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::{Command, Output};

mod support;
use support::ira_binary;

fn run(args: &[&str], threads: &str) -> Output {
    Command::new(ira_binary())
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("RAYON_NUM_THREADS", threads)
        // Pins the report's timestamp, so runs compare byte for byte.
        .env("SOURCE_DATE_EPOCH", "1764067157")
        .output()
        .unwrap()
}

#[test]
fn analyze_the_demo_spec() {
    let out = run(&["analyze", "--spec", "fixtures/spec/ira.toml"], "2");
    // The spec's `fail_on = "high"` and the fixtures have high risks: the gate says no.
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    insta::assert_snapshot!("analyze_demo_text", text);
    // The fixtures' patients never show in findings.
    for canary in ["TESTPATIENT", "DOE^", "MRN0", "ÉLODIE", "19800101"] {
        assert!(!text.contains(canary), "{canary} leaked");
    }
}

#[test]
fn analyze_the_demo_interface_finds_the_planted_gaps() {
    let out = run(&["analyze", "--spec", "fixtures/demo/ira.toml"], "2");
    // The demo spec fails on high risks, and the demo has some: exit 1, report written.
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    // Every defect planted in fixtures/demo (see its README) is found…
    for expected in [
        "IRA201 code-not-in-vocabulary  [ADT_A01]",
        "code `Z` not in PatientClass",
        "IRA303 invalid-date-time  [ADT_A01]",
        "not a valid DTM: PID-7",
        "identifier without assigning authority (CX.4): PID-3.4",
        // ZPI-3 has no destination; ZPI-2 is mapped by the spec's override.
        "field not in the map: ZPI-3",
        "non-ASCII bytes with MSH-18 empty",
        "OBX-2 NM: OBX-5 not numeric",
        "time without UTC offset: MSH-7",
    ] {
        assert!(text.contains(expected), "missing: {expected}\n{text}");
    }
    // …and the clean parts raise nothing: no structure violation, no charset issue in
    // the UTF-8 lab feed, no value-type issue on the clean results.
    assert!(!text.contains("IRA401"), "{text}");
    assert!(!text.contains(": ZPI-2"), "the spec maps ZPI-2:\n{text}");
    assert!(
        !text.contains("non-ASCII bytes with MSH-18 empty: MSH-18 — 2"),
        "{text}"
    );
    for canary in [
        "TESTPATIENT",
        "ÉLODIE",
        "MRN10",
        "1980-01-01",
        "<2.5",
        "haemolysed",
    ] {
        assert!(!text.contains(canary), "{canary} leaked");
    }
    insta::assert_snapshot!("analyze_demo_interface_text", text);
}

#[test]
fn analyze_json_is_identical_whatever_the_thread_count() {
    let args = [
        "analyze",
        "--spec",
        "fixtures/spec/ira.toml",
        "--format",
        "json",
    ];
    let one = run(&args, "1");
    let four = run(&args, "4");
    assert_eq!(one.status.code(), Some(1));
    assert_eq!(four.status.code(), Some(1));
    assert_eq!(one.stdout, four.stdout);
    let json: serde_json::Value = serde_json::from_slice(&one.stdout).unwrap();
    assert_eq!(json["schema"], "ira.report/1");
    assert!(!json["risks"].as_array().unwrap().is_empty());
    assert_eq!(json["generated_at"], "2025-11-25T10:39:17Z");
    let spec_sha = json["spec"]["sha256"].as_str().unwrap();
    assert_eq!(spec_sha.len(), 64);
    let inputs = json["inputs"].as_array().unwrap();
    assert!(
        inputs
            .iter()
            .any(|i| i["role"] == "spec" && i["sha256"] == spec_sha)
    );
    assert!(inputs.iter().any(|i| i["role"] == "legacy"));
    assert!(
        inputs
            .iter()
            .all(|i| i["sha256"].as_str().unwrap().len() == 64)
    );
    assert!(json["readiness"]["gate"]["decision"].is_string());
}

#[test]
fn analyze_errors_name_the_file_and_exit_two() {
    let out = run(&["analyze", "--spec", "no/such/ira.toml"], "1");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    // `ira: error: <what> (<where>)`, one line.
    assert!(
        err.starts_with("ira: error: cannot read the spec: "),
        "{err}"
    );
    assert!(err.trim_end().ends_with("(no/such/ira.toml)"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");

    let out = run(
        &[
            "analyze",
            "--spec",
            "fixtures/malformed/spec-unknown-key.toml",
        ],
        "1",
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("spec-unknown-key.toml"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");

    let out = run(&["analyze"], "1");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no legacy samples"));
}

#[test]
fn fail_on_gates_the_exit_code() {
    // The demo has high risks but no critical one.
    let out = run(
        &[
            "analyze",
            "--spec",
            "fixtures/demo/ira.toml",
            "--fail-on",
            "critical",
        ],
        "1",
    );
    assert_eq!(out.status.code(), Some(0));
    let out = run(
        &[
            "analyze",
            "--spec",
            "fixtures/demo/ira.toml",
            "--fail-on",
            "high",
            "-j",
            "2",
        ],
        "1",
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(!out.stdout.is_empty(), "the report is still written");
    // A clean sample set passes the same gate.
    let out = run(
        &[
            "analyze",
            "--legacy",
            "fixtures/rules/IRA402/silent.hl7",
            "--fail-on",
            "high",
        ],
        "1",
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let out = run(
        &["analyze", "--legacy", "fixtures/demo/legacy", "-j", "0"],
        "1",
    );
    assert_eq!(out.status.code(), Some(2));
}
