//! End to end: the `ira` binary on the bundled fixtures.
//!
//! The binary is built by `cargo test --workspace` (ira-cli has integration tests of its
//! own, which makes cargo build it); we find it beside this test's executable.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::{Command, Output};

mod support;
use support::ira_binary;

fn run(args: &[&str]) -> Output {
    Command::new(ira_binary())
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap()
}

#[test]
fn parse_summarises_every_fixture() {
    let out = run(&["parse", "fixtures/"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    insta::assert_snapshot!("parse_fixtures_text", text);
}

#[test]
fn parse_json_is_the_same_overview_for_machines() {
    let out = run(&["parse", "--format", "json", "fixtures/"]);
    assert_eq!(out.status.code(), Some(0));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["schema"], "ira.parse/1");
    let files = json["files"].as_array().unwrap();
    assert!(files.len() >= 20, "{} files", files.len());
    // Every malformed fixture is reported with at least one positioned issue.
    for f in files {
        let path = f["path"].as_str().unwrap();
        if path.contains("/malformed/") {
            let issues = f["issues"].as_array().unwrap();
            assert!(!issues.is_empty(), "{path}: no issue reported");
            for i in issues {
                assert!(i["location"]["line"].as_u64().is_some(), "{path}: {i}");
                assert!(i["location"]["offset"].as_u64().is_some(), "{path}: {i}");
            }
        }
    }
    // Snapshot serde_json's own rendering: insta's JSON serialiser does not know the
    // arbitrary-precision numbers the workspace turns on.
    let totals = serde_json::to_string_pretty(&json["totals"]).unwrap();
    insta::assert_snapshot!("parse_fixtures_json_totals", totals);
}

#[test]
fn output_is_identical_whatever_the_thread_count() {
    let one = Command::new(ira_binary())
        .args(["parse", "--format", "json", "fixtures/"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("RAYON_NUM_THREADS", "1")
        .output()
        .unwrap();
    let four = Command::new(ira_binary())
        .args(["parse", "--format", "json", "fixtures/"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("RAYON_NUM_THREADS", "4")
        .output()
        .unwrap();
    assert!(one.status.success() && four.status.success());
    assert_eq!(one.stdout, four.stdout);
}
