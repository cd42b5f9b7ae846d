//! Nothing leaked: `fixtures/canary/` holds synthetic samples of every type (HL7 v2 ADT,
//! ORU, ORM, SIU; FHIR JSON, Bundle, NDJSON, XML; damaged ones of each) whose patient
//! fields — names, identifiers, birth dates, addresses, phones, free text, NTE, OBX-5
//! text — hold canary tokens. This test runs the built `ira` over every command, every
//! output format (stdout and `--out` files) and the error paths, and fails if any
//! output, standard error included, holds a canary.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod support;
use support::ira_binary;

/// Every `ira analyze --format`. Add a format here when it lands (e.g. `html`).
const ANALYZE_FORMATS: &[&str] = &["text", "json", "csv", "markdown", "sarif", "junit", "html"];

/// What a canary looks like in output: the token prefix (upper case; the folder name
/// `canary` in paths is lower case) and the canary birth date in v2 and FHIR form.
const CANARY_MARKS: &[&str] = &["CANARY", "18870412", "1887-04-12"];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn run(args: &[&str]) -> Output {
    Command::new(ira_binary())
        .args(args)
        .current_dir(root())
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .output()
        .unwrap()
}

fn leaks(text: &str) -> Vec<&'static str> {
    CANARY_MARKS
        .iter()
        .copied()
        .filter(|m| text.contains(m))
        .collect()
}

/// Runs `args`, checks stdout, stderr and the `--out` file if any; returns stdout.
fn clean(args: &[&str], failures: &mut Vec<String>) -> String {
    let out = run(args);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    for (stream, text) in [("stdout", &stdout), ("stderr", &stderr)] {
        let found = leaks(text);
        if !found.is_empty() {
            failures.push(format!("ira {}: {stream} holds {found:?}", args.join(" ")));
        }
    }
    if let Some(i) = args.iter().position(|a| *a == "--out") {
        let path = Path::new(args[i + 1]);
        if let Ok(bytes) = std::fs::read(path) {
            let found = leaks(&String::from_utf8_lossy(&bytes));
            if !found.is_empty() {
                failures.push(format!(
                    "ira {}: --out file holds {found:?}",
                    args.join(" ")
                ));
            }
        } else if out.status.code() == Some(0) {
            failures.push(format!("ira {}: no --out file written", args.join(" ")));
        }
    }
    stdout
}

/// The canary fixtures really hold the canaries (else the test proves nothing).
#[test]
fn canary_fixtures_hold_canaries_in_every_type() {
    let dir = root().join("fixtures/canary");
    let mut kinds = Vec::new();
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        let ext = p.extension().unwrap().to_str().unwrap().to_owned();
        if ext == "py" {
            continue;
        }
        let text = String::from_utf8_lossy(&std::fs::read(&p).unwrap()).into_owned();
        assert!(text.contains("CANARY"), "{}: no canary", p.display());
        kinds.push(ext);
    }
    kinds.sort();
    kinds.dedup();
    assert_eq!(kinds, ["hl7", "json", "ndjson", "xml"]);
    let adt = std::fs::read_to_string(dir.join("adt_a01.hl7")).unwrap();
    for field in [
        "CANARYFAMILY1",
        "CANARYMRN3",
        "18870412",
        "CANARYSTREET4",
        "CANARYPHONE6",
        "CANARYNOTE7",
    ] {
        assert!(adt.contains(field), "{field}");
    }
}

#[test]
fn no_command_and_no_format_shows_a_canary() {
    let tmp = std::env::temp_dir().join(format!("ira-leak-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).unwrap();
    let out = |name: &str| tmp.join(name).to_str().unwrap().to_owned();
    let mut failures = Vec::new();
    let f = &mut failures;

    // parse
    clean(&["parse", "fixtures/canary"], f);
    clean(&["parse", "--format", "json", "fixtures/canary"], f);
    clean(
        &[
            "parse",
            "--no-conformance",
            "fixtures/canary/malformed.json",
            "fixtures/canary/malformed.hl7",
        ],
        f,
    );
    clean(
        &[
            "parse",
            "--format",
            "json",
            "--out",
            &out("parse.json"),
            "fixtures/canary",
        ],
        f,
    );

    // profile, and merging saved profiles
    clean(&["profile", "fixtures/canary"], f);
    clean(&["profile", "--show-codes", "fixtures/canary"], f);
    let saved_a = out("profile-a.json");
    let saved_b = out("profile-b.json");
    clean(&["profile", "--out", &saved_a, "fixtures/canary"], f);
    clean(
        &[
            "profile",
            "--format",
            "json",
            "--out",
            &saved_b,
            "fixtures/canary/adt_a01.hl7",
        ],
        f,
    );
    clean(&["profile", "--merge", &saved_a, &saved_b], f);
    clean(
        &["profile", "--merge", "--format", "json", &saved_a, &saved_b],
        f,
    );

    // analyze: canaries as legacy and as target, alone and beside the demo interface
    // (spec, profiles, map overrides), every format, stdout and --out.
    for format in ANALYZE_FORMATS {
        let args = [
            "analyze",
            "--legacy",
            "fixtures/canary",
            "--target",
            "fixtures/canary",
            "--format",
            format,
        ];
        clean(&args, f);
        let file = out(&format!("report.{format}"));
        let spec = [
            "analyze",
            "--spec",
            "fixtures/demo/ira.toml",
            "--legacy",
            "fixtures/canary",
            "--target",
            "fixtures/canary",
            "--format",
            format,
            "--out",
            &file,
        ];
        clean(&spec, f);
    }
    clean(
        &[
            "analyze",
            "--legacy",
            "fixtures/canary",
            "--fail-on",
            "info",
            "--jobs",
            "2",
        ],
        f,
    );

    // rules and explain (no inputs, but part of "every command")
    clean(&["rules"], f);
    let rules = run(&["rules"]);
    let first = String::from_utf8_lossy(&rules.stdout)
        .split_whitespace()
        .find(|w| w.starts_with("IRA"))
        .unwrap()
        .to_owned();
    clean(&["explain", &first], f);

    // error paths: a bad spec, samples given as profiles or saved profiles, a missing
    // path, an unwritable --out.
    clean(
        &[
            "analyze",
            "--spec",
            "fixtures/malformed/spec-wrong-type.toml",
            "--legacy",
            "fixtures/canary",
        ],
        f,
    );
    clean(
        &[
            "analyze",
            "--legacy",
            "fixtures/canary",
            "--profile",
            "fixtures/canary/malformed.ndjson",
        ],
        f,
    );
    clean(
        &[
            "analyze",
            "--legacy",
            "fixtures/canary",
            "--profile",
            "fixtures/canary/patient.json",
        ],
        f,
    );
    clean(&["profile", "--merge", "fixtures/canary/patient.json"], f);
    clean(&["profile", "--merge", "fixtures/canary/truncated.json"], f);
    clean(&["parse", "fixtures/canary/no-such-file.hl7"], f);
    clean(
        &[
            "analyze",
            "--legacy",
            "fixtures/canary",
            "--out",
            &out("no/such/dir/r.txt"),
        ],
        f,
    );

    let _ = std::fs::remove_dir_all(&tmp);
    assert!(
        failures.is_empty(),
        "canaries leaked:\n{}",
        failures.join("\n")
    );
}

/// Once `--show-values` exists, asking for values shows them, and the report says so in
/// its provenance. Runs only when `ira analyze --help` lists the flag.
#[test]
fn show_values_shows_them_and_says_so() {
    let help = String::from_utf8_lossy(&run(&["analyze", "--help"]).stdout).into_owned();
    if !help.contains("--show-values") {
        eprintln!("ira analyze has no --show-values yet: positive case not run");
        return;
    }
    let out = run(&[
        "analyze",
        "--legacy",
        "fixtures/canary",
        "--target",
        "fixtures/canary",
        "--format",
        "json",
        "--show-values",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        !leaks(&text).is_empty(),
        "--show-values shows no canary value"
    );
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    fn says_show_values(v: &serde_json::Value) -> bool {
        match v {
            serde_json::Value::Object(m) => m.iter().any(|(k, v)| {
                (k == "show_values" && v == &serde_json::Value::Bool(true)) || says_show_values(v)
            }),
            serde_json::Value::Array(a) => a.iter().any(says_show_values),
            _ => false,
        }
    }
    assert!(
        says_show_values(&json),
        "the report does not say show_values: true"
    );
}
