//! `ira analyze --format sarif|junit` on the demo: it runs, the output has the
//! format's shape, and a pinned timestamp gives the same bytes twice.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::Command;

fn analyze(format: &str) -> String {
    let spec = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/demo/ira.toml");
    let out = Command::new(env!("CARGO_BIN_EXE_ira"))
        .args(["analyze", "--format", format, "--spec"])
        .arg(&spec)
        .env("SOURCE_DATE_EPOCH", "1764067157")
        .output()
        .unwrap();
    // The demo spec's gate (`fail_on = "high"`) says no: exit 1, output still written.
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn sarif_of_the_demo_is_sarif_and_reproducible() {
    let a = analyze("sarif");
    let v: serde_json::Value = serde_json::from_str(&a).unwrap();
    assert_eq!(v["version"], "2.1.0");
    assert!(!v["runs"][0]["results"].as_array().unwrap().is_empty());
    assert_eq!(a, analyze("sarif"));
}

#[test]
fn junit_of_the_demo_is_junit_and_reproducible() {
    let a = analyze("junit");
    assert!(a.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites "));
    assert_eq!(
        a.matches("<testsuite ").count(),
        a.matches("</testsuite>").count()
    );
    assert!(a.contains("<failure "), "the demo has open risks");
    assert!(a.contains("timestamp=\"2025-11-25T10:39:17Z\""));
    assert_eq!(a, analyze("junit"));
}
