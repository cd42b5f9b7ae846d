//! `ira analyze --format csv|markdown` on the demo interface: the risk register reaches
//! the user, the same bytes twice, and none of the demo's canary patient values.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Command;

fn analyze(format: &str, threads: &str) -> String {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    let out = Command::new(env!("CARGO_BIN_EXE_ira"))
        .args([
            "analyze",
            "--spec",
            "fixtures/demo/ira.toml",
            "--format",
            format,
        ])
        .current_dir(root)
        .env("RAYON_NUM_THREADS", threads)
        .env("SOURCE_DATE_EPOCH", "1764067157")
        .output()
        .unwrap();
    // The demo spec's gate (`fail_on = "high"`) says no: exit 1, the report is written.
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Patient values planted in fixtures/demo (see its README).
const CANARIES: [&str; 6] = [
    "TESTPATIENT",
    "ÉLODIE",
    "MRN10",
    "1980-01-01",
    "<2.5",
    "haemolysed",
];

#[test]
fn csv_and_markdown_of_the_demo() {
    let csv = analyze("csv", "1");
    assert!(csv.starts_with("ID,Summary,Description,Priority,Labels,Owner,Effort,Status\r\n"));
    assert!(csv.contains("IRA601-"), "the planted CX.4 gap is a row");
    assert_eq!(csv, analyze("csv", "4"), "same bytes whatever the threads");

    let md = analyze("markdown", "1");
    assert!(md.starts_with("# ira risk report: "));
    assert!(md.contains("**NO-GO**"), "the demo fails its fail_on gate");
    assert_eq!(md, analyze("md", "4"), "`md` is an alias; same bytes");

    for canary in CANARIES {
        assert!(!csv.contains(canary), "{canary} leaked into CSV");
        assert!(!md.contains(canary), "{canary} leaked into Markdown");
    }
}
