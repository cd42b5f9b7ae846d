//! `ira analyze --baseline REPORT.json` and `--show-values` on the demo interface: what
//! is new, what is resolved, the gate on new risks only; sample values only on request.
//! Reports with and without a baseline validate against docs/report.schema.json.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::schema::schema_errors;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn ira(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ira"))
        .args(args)
        .current_dir(root())
        .env("SOURCE_DATE_EPOCH", "1764067157")
        .output()
        .unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

/// A scratch directory of this test process.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ira-baseline-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

const DEMO: &str = "fixtures/demo/ira.toml";

fn demo(extra: &[&str]) -> Output {
    let mut args = vec!["analyze", "--spec", DEMO];
    args.extend_from_slice(extra);
    ira(&args)
}

/// The demo's JSON report, written to `dir/name`.
fn demo_report(dir: &Path, name: &str) -> (PathBuf, serde_json::Value) {
    let out = demo(&["--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "the demo gate fails");
    let path = dir.join(name);
    std::fs::write(&path, &out.stdout).unwrap();
    (path, serde_json::from_slice(&out.stdout).unwrap())
}

#[test]
fn the_same_run_as_baseline_has_nothing_new() {
    let dir = scratch("same");
    let (base, first) = demo_report(&dir, "base.json");
    let base_s = base.to_str().unwrap();
    let out = demo(&[
        "--format",
        "json",
        "--baseline",
        base_s,
        "--fail-on",
        "high",
    ]);
    // Nothing new: the gate passes even at --fail-on high.
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = stdout(&out);
    assert_eq!(schema_errors(&text), Vec::<String>::new());
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let b = &json["baseline"];
    assert_eq!(b["path"], base_s);
    assert_eq!(
        b["sha256"],
        ira_report::report_json::sha256_hex(&std::fs::read(&base).unwrap())
    );
    assert_eq!(b["new"], 0);
    assert_eq!(b["unchanged"], first["risks"].as_array().unwrap().len());
    assert_eq!(b["resolved"], serde_json::json!([]));
    assert_eq!(json["risks"], serde_json::json!([]));
    // Readiness describes the whole run, baseline or not; the gate's fail_on check
    // counts new risks only.
    assert_eq!(json["readiness"]["scopes"], first["readiness"]["scopes"]);
    assert_eq!(
        json["readiness"]["interface"],
        first["readiness"]["interface"]
    );
    assert_eq!(first["readiness"]["gate"]["decision"], "no-go");
    assert_eq!(json["readiness"]["gate"]["decision"], "go");
    assert_eq!(json["readiness"]["gate"]["checks"][0]["actual"], "0");

    let md = stdout(&demo(&["--format", "markdown", "--baseline", base_s]));
    insta::assert_snapshot!(
        "baseline_same_markdown",
        md.replace(base_s, "BASELINE.json")
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_risk_gone_is_resolved_and_a_new_one_is_gated() {
    let dir = scratch("diff");
    let (_, mut old) = demo_report(&dir, "first.json");
    // The baseline did not have the PV1-2 code risk (IRA201, high), and had one this
    // run does not have.
    let risks = old["risks"].as_array_mut().unwrap();
    let n = risks.len();
    risks.retain(|r| r["rule"] != "IRA201");
    assert_eq!(risks.len(), n - 1);
    risks.push(serde_json::json!({
        "id": "IRA305-0123456789ab",
        "rule": "IRA305",
        "title": "A risk the interface team fixed",
        "severity": "medium",
        "scope": ["ADT_A01"],
        "a key of a newer ira": {"ignored": true}
    }));
    let base = dir.join("base.json");
    std::fs::write(&base, serde_json::to_string_pretty(&old).unwrap()).unwrap();
    let base_s = base.to_str().unwrap();

    let out = demo(&["--format", "json", "--baseline", base_s]);
    // The new risk is high and the spec fails on high: exit 1.
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert_eq!(schema_errors(&text), Vec::<String>::new());
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut b = json["baseline"].clone();
    b["path"] = "BASELINE.json".into();
    b["sha256"] = "…".into();
    let ids: Vec<&str> = json["risks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    insta::assert_snapshot!(
        "baseline_diff_json",
        format!(
            "risks: {ids:?}\nbaseline: {}",
            serde_json::to_string_pretty(&b).unwrap()
        )
    );
    // Without the new risk's severity in the gate, the run passes.
    let out = demo(&[
        "--format",
        "json",
        "--baseline",
        base_s,
        "--fail-on",
        "critical",
    ]);
    assert_eq!(out.status.code(), Some(0));

    let md = stdout(&demo(&["--format", "markdown", "--baseline", base_s]));
    insta::assert_snapshot!(
        "baseline_diff_markdown",
        md.replace(base_s, "BASELINE.json")
    );

    let text = stdout(&demo(&["--baseline", base_s]));
    assert!(text.contains("1 new, 17 unchanged, 1 resolved"), "{text}");
    assert!(text.contains("IRA201 code-not-in-vocabulary"), "{text}");
    assert!(
        !text.contains("IRA601"),
        "unchanged risks are not listed: {text}"
    );
    assert!(
        text.contains(
            "Resolved (1):\nMEDIUM   IRA305-0123456789ab A risk the interface team fixed"
        ),
        "{text}"
    );

    let sarif: serde_json::Value =
        serde_json::from_str(&stdout(&demo(&["--format", "sarif", "--baseline", base_s]))).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let states: Vec<(&str, &str)> = results
        .iter()
        .map(|r| {
            (
                r["ruleId"].as_str().unwrap(),
                r["baselineState"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(states, [("IRA201", "new"), ("IRA305", "absent")]);
    assert!(results[1].get("locations").is_none());

    let csv = stdout(&demo(&["--format", "csv", "--baseline", base_s]));
    assert_eq!(
        csv.matches("\r\nIRA").count(),
        1,
        "one row, the new risk: {csv}"
    );
    let junit = stdout(&demo(&["--format", "junit", "--baseline", base_s]));
    assert_eq!(junit.matches("<failure ").count(), 1, "{junit}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn show_values_puts_values_in_and_says_so() {
    let json_text = stdout(&demo(&["--format", "json", "--show-values"]));
    assert_eq!(schema_errors(&json_text), Vec::<String>::new());
    let json: serde_json::Value = serde_json::from_str(&json_text).unwrap();
    assert_eq!(json["show_values"], true);
    let code = json["risks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule"] == "IRA201")
        .unwrap();
    let ex = &code["evidence"]["examples"][0];
    // PV1-2 of the demo's third message, and that message's control id.
    assert_eq!(ex["value"], "Z");
    assert_eq!(ex["control_id"], "DEMO0003");
    // The demo's canary birth date is read back where the date rule points.
    assert!(json_text.contains("\"value\": \"1980-01-01\""));

    let md = stdout(&demo(&["--format", "markdown", "--show-values"]));
    assert!(md.contains("This report contains patient data"), "{md}");
    assert!(md.contains("`1980-01-01`"), "{md}");
    let text = stdout(&demo(&["--show-values"]));
    assert!(
        text.starts_with("WARNING: this output contains patient data"),
        "{text}"
    );

    // Without the flag: no value anywhere, and the report says so.
    let plain = stdout(&demo(&["--format", "json"]));
    let json: serde_json::Value = serde_json::from_str(&plain).unwrap();
    assert_eq!(json["show_values"], false);
    assert!(!plain.contains("\"value\""));
    assert!(!plain.contains("1980-01-01"));
    let md = stdout(&demo(&["--format", "markdown"]));
    assert!(!md.contains("patient data"), "{md}");
    assert!(!stdout(&demo(&[])).contains("WARNING"));
}
