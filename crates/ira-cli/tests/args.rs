//! The binary's argument handling and exit codes. (End-to-end runs on the fixtures are in
//! the workspace's `tests/`.)

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Command;

fn ira() -> Command {
    Command::new(env!("CARGO_BIN_EXE_ira"))
}

#[test]
fn version_and_help_exit_zero() {
    let out = ira().arg("--version").output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("ira "));
    let out = ira().args(["parse", "--help"]).output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("--format"));
}

#[test]
fn usage_errors_exit_two() {
    // clap's own usage errors use exit code 2, like ours.
    let out = ira().arg("parse").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = ira().arg("frobnicate").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_missing_input_path_is_an_error_naming_it() {
    let out = ira()
        .args(["parse", "no/such/dir/feed.hl7"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.starts_with("ira: error: "), "{err}");
    assert!(err.trim_end().ends_with("(no/such/dir/feed.hl7)"), "{err}");
    assert_eq!(err.lines().count(), 1, "one line, no backtrace: {err}");
}

#[test]
fn out_file_is_written_and_no_temporary_is_left() {
    let dir = std::env::temp_dir().join(format!("ira-out-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let sample = dir.join("one.hl7");
    std::fs::write(
        &sample,
        b"MSH|^~\\&|A|B|C|D|20240101120000||ADT^A01^ADT_A01|X1|P|2.5.1\rPID|1||123^^^H^MR\r",
    )
    .unwrap();
    let out_path = dir.join("overview.json");
    let out = ira()
        .args(["parse", "--format", "json", "--out"])
        .arg(&out_path)
        .arg(&sample)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.is_empty());
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&out_path).unwrap()).unwrap();
    assert_eq!(json["schema"], "ira.parse/1");
    assert_eq!(json["totals"]["messages"]["found"], 1);
    let left: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(left.len(), 2, "{left:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn rules_lists_the_catalogue_and_explain_shows_one_rule() {
    let out = ira().arg("rules").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    insta::assert_snapshot!("rules_table", text);

    let out = ira().args(["explain", "IRA401"]).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with("## IRA401 message-structure-violation"),
        "{text}"
    );
    for head in ["What it finds", "Why it matters at go-live", "How to fix"] {
        assert!(text.contains(head), "{head}");
    }
    // By name too.
    let by_name = ira()
        .args(["explain", "message-structure-violation"])
        .output()
        .unwrap();
    assert_eq!(by_name.stdout, text.as_bytes());

    let out = ira().args(["explain", "IRA999"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no rule `IRA999`"));
}
