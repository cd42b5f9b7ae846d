//! `ira analyze --conformance` turns on the base-R4 check of FHIR resources (fhirbolt):
//! what only that check finds (a required element missing, a fraction in an integer)
//! shows as IRA406 findings with it, and not without it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::Command;

/// Runs `ira analyze --format json` on `input` in the workspace root; returns the
/// IRA406 risks as (scope, path, detail, affected).
fn ira406(input: &str, extra: &[&str]) -> Vec<(String, String, String, u64)> {
    let out = Command::new(env!("CARGO_BIN_EXE_ira"))
        .args([
            "analyze", "--legacy", input, "--format", "json", "--jobs", "2",
        ])
        .args(extra)
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."))
        .env("SOURCE_DATE_EPOCH", "0")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let text = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_owned();
    report["risks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["rule"] == "IRA406")
        .map(|r| {
            (
                text(&r["scope"][0]),
                text(&r["source"]["path"]),
                text(&r["detail"]),
                r["evidence"]["affected"].as_u64().unwrap_or(0),
            )
        })
        .collect()
}

#[test]
fn the_conformance_flag_turns_up_what_only_fhirbolt_finds() {
    let input = "fixtures/rules/IRA406/silent-without-conformance.ndjson";
    assert_eq!(ira406(input, &[]), []);
    let s = |x: &str| x.to_owned();
    assert_eq!(
        ira406(input, &["--conformance"]),
        [
            (
                s("Observation"),
                s("Observation"),
                s("required element status is missing (fhirbolt)"),
                1
            ),
            (
                s("Patient"),
                s("Patient.link"),
                s("required element other is missing (fhirbolt)"),
                1
            ),
            (
                s("Patient"),
                s("Patient.multipleBirthInteger"),
                s("value not valid for its R4 type (fhirbolt)"),
                1
            ),
        ]
    );
}

#[test]
fn the_reader_s_own_shape_check_reports_without_the_flag() {
    let found = ira406("fixtures/rules/IRA406/fires.ndjson", &[]);
    assert!(
        found
            .iter()
            .any(|(scope, path, _, _)| scope == "Patient" && path == "Patient.gender"),
        "{found:?}"
    );
}
