//! Nothing lost: every input file's account reconciles (samples found = analysed +
//! rejected, rejections by issue code), on the whole malformed corpus, through the
//! library and through `ira analyze --format json`. Inputs are never written, and a
//! report that cannot be written leaves no partial file behind.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use ira::analyze::account::{FileAccount, Role, UNATTRIBUTED};
use ira::analyze::analysis::{AnalysisInput, analyze};
use ira::analyze::map::Map;
use ira::analyze::target::Artifacts;
use ira::parse::document::ReadOptions;
use ira::parse::input::{self, Discovery, SourceFile};
use ira::parse::{Issue, IssueCode, Limits, Location};

mod support;
use support::ira_binary;

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

fn accounts<L>(
    legacy: &Discovery,
    target: Option<&Discovery>,
    load: &L,
    options: ReadOptions<'_>,
) -> Vec<FileAccount>
where
    L: Fn(&SourceFile) -> Result<Vec<u8>, Issue> + Sync,
{
    let result = analyze(
        AnalysisInput {
            legacy,
            target,
            artifacts: Artifacts::default(),
            map: Map::builtin(),
            spec: None,
        },
        load,
        options,
    );
    result.files
}

fn corpus() -> Discovery {
    input::discover(&[
        root().join("fixtures/malformed"),
        root().join("fixtures/limits"),
    ])
    .unwrap()
}

fn name(a: &FileAccount) -> &str {
    Path::new(&a.path).file_name().unwrap().to_str().unwrap()
}

#[test]
fn every_file_of_the_malformed_corpus_reconciles() {
    let d = corpus();
    // The corpus as legacy and as target: both sides are accounted for.
    let all = accounts(&d, Some(&d), &input::read_file, ReadOptions::default());
    assert_eq!(all.len(), 2 * d.table.len());
    assert!(all[..d.table.len()].iter().all(|a| a.role == Role::Legacy));
    assert!(all[d.table.len()..].iter().all(|a| a.role == Role::Target));
    let mut rejected = 0;
    for a in &all {
        assert!(a.reconciles(), "{a:?}");
        assert!(!a.rejected_by.contains_key(UNATTRIBUTED), "{a:?}");
        assert_eq!(a.unreadable, None, "{a:?}");
        rejected += a.rejected;
    }
    assert!(rejected >= 2 * 20, "{rejected} rejected");

    // Spot checks: the reason is the issue that rejected the sample.
    let by: BTreeMap<&str, &FileAccount> =
        all[..d.table.len()].iter().map(|a| (name(a), a)).collect();
    let reasons = |n: &str| {
        let a = by[n];
        let r: Vec<(&str, u32)> = a.rejected_by.iter().map(|(k, v)| (*k, *v)).collect();
        (a.found, a.analysed, r)
    };
    assert_eq!(
        reasons("v2-bad-msh2-short.hl7"),
        (3, 2, vec![("v2-bad-delimiters", 1)])
    );
    assert_eq!(reasons("v2-no-msh.hl7"), (2, 2, vec![]));
    assert_eq!(
        reasons("fhir-broken-line.ndjson"),
        (5, 3, vec![("fhir-bad-ndjson-line", 2)])
    );
    assert_eq!(
        reasons("fhir-ndjson-deep-line.ndjson"),
        (3, 2, vec![("fhir-limit-depth", 1)])
    );
    assert_eq!(
        reasons("fhir-unknown-resource-type.json"),
        (4, 3, vec![("fhir-unknown-resource-type", 1)])
    );
    assert_eq!(
        reasons("fhir-truncated-bundle.xml"),
        (3, 2, vec![("fhir-invalid-xml", 1)])
    );
    assert_eq!(reasons("v2-limit-fields.hl7"), (3, 3, vec![]));
    // Files that are not samples are accounted for too, with nothing found.
    let g = by["generate.py"];
    assert_eq!((g.found, g.format), (0, ira::parse::Format::Unknown));
}

#[test]
fn limits_and_unreadable_files_are_accounted_for() {
    let d = corpus();
    // Lowered limits: the limit files lose their middle message, each under its code.
    let lowered = |f: fn(&mut Limits)| {
        let mut l = Limits::default();
        f(&mut l);
        ReadOptions {
            limits: l,
            ..ReadOptions::default()
        }
    };
    let cases: [(&str, &str, ReadOptions<'_>); 5] = [
        (
            "v2-limit-fields.hl7",
            "v2-limit-fields",
            lowered(|l| l.max_fields_per_segment = 200),
        ),
        (
            "v2-limit-repetitions.hl7",
            "v2-limit-repetitions",
            lowered(|l| l.max_repetitions_per_field = 200),
        ),
        (
            "v2-limit-segment-length.hl7",
            "v2-limit-segment-length",
            lowered(|l| l.max_line_bytes = 1024),
        ),
        (
            "v2-limit-segments.hl7",
            "v2-limit-segments",
            lowered(|l| l.max_segments_per_message = 50),
        ),
        (
            "fhir-ndjson-long-line.ndjson",
            "fhir-limit-line-length",
            lowered(|l| l.max_line_bytes = 1024),
        ),
    ];
    let lim = input::discover(&[root().join("fixtures/limits")]).unwrap();
    for (file, code, options) in cases {
        let all = accounts(&lim, None, &input::read_file, options);
        assert!(all.iter().all(FileAccount::reconciles));
        let a = all.iter().find(|a| name(a) == file).unwrap();
        assert_eq!((a.found, a.analysed, a.rejected), (3, 2, 1), "{file}");
        assert_eq!(a.rejected_by.get(code), Some(&1), "{file}: {a:?}");
    }
    // A file over the size limit is unreadable, not lost.
    let tiny = ReadOptions {
        limits: Limits {
            max_file_bytes: 300,
            ..Limits::default()
        },
        ..ReadOptions::default()
    };
    let all = accounts(&d, None, &input::read_file, tiny);
    let big = all
        .iter()
        .find(|a| name(a) == "v2-limit-fields.hl7")
        .unwrap();
    assert_eq!(big.unreadable, Some("input-too-large"));
    assert!(big.reconciles());
    // A file the loader cannot read (vanished, permission denied) is unreadable.
    let failing = |f: &SourceFile| -> Result<Vec<u8>, Issue> {
        if f.path.ends_with("v2-no-msh.hl7") {
            Err(Issue::new(
                IssueCode::InputUnreadable,
                Location::new(f.id, None, 0, 0),
                "cannot read",
            ))
        } else {
            input::read_file(f)
        }
    };
    let all = accounts(&d, None, &failing, ReadOptions::default());
    let gone = all.iter().find(|a| name(a) == "v2-no-msh.hl7").unwrap();
    assert_eq!((gone.unreadable, gone.found), (Some("input-unreadable"), 0));
    assert_eq!(all.len(), d.table.len());
}

#[test]
fn the_json_report_and_the_text_summary_carry_the_reconciliation() {
    let out = run(&[
        "analyze",
        "--legacy",
        "fixtures/malformed",
        "--format",
        "json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let accounts = json["accounts"].as_array().unwrap();
    assert!(accounts.len() >= 60, "{}", accounts.len());
    // Each entry has exactly the keys docs/report.schema.json declares.
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("docs/report.schema.json")).unwrap(),
    )
    .unwrap();
    let items = &schema["properties"]["accounts"]["items"];
    let mut declared: Vec<&str> = items["required"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k.as_str().unwrap())
        .collect();
    declared.sort_unstable();
    for a in accounts {
        let n = |k: &str| a[k].as_u64().unwrap();
        assert_eq!(n("found"), n("analysed") + n("rejected"), "{a}");
        let by: u64 = a["rejected_by"]
            .as_object()
            .unwrap()
            .values()
            .map(|v| v.as_u64().unwrap())
            .sum();
        assert_eq!(by, n("rejected"), "{a}");
        assert_eq!(a["role"], "legacy");
        let mut keys: Vec<&str> = a.as_object().unwrap().keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(keys, declared);
    }
    let out = run(&["analyze", "--legacy", "fixtures/malformed"]);
    let text = String::from_utf8(out.stdout).unwrap();
    let line = text
        .lines()
        .find(|l| l.starts_with("Reconciliation: "))
        .unwrap();
    assert!(line.contains(" analysed + "), "{line}");
    assert!(
        text.lines().any(|l| l.contains(
            "v2-bad-msh2-short.hl7: 3 found = 2 analysed + 1 rejected (v2-bad-delimiters 1)"
        )),
        "{text}"
    );
}

/// Every file under `fixtures/`, with its bytes' digest and modification time.
fn snapshot_fixtures() -> BTreeMap<PathBuf, (String, std::time::SystemTime)> {
    fn walk(dir: &Path, out: &mut BTreeMap<PathBuf, (String, std::time::SystemTime)>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            let m = std::fs::symlink_metadata(&p).unwrap();
            if m.is_dir() {
                walk(&p, out);
            } else if m.is_file() {
                let digest = ira::report::report_json::sha256_hex(&std::fs::read(&p).unwrap());
                out.insert(p, (digest, m.modified().unwrap()));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(&root().join("fixtures"), &mut out);
    out
}

#[test]
fn inputs_are_never_written() {
    let before = snapshot_fixtures();
    for args in [
        &["parse", "fixtures/"][..],
        &["profile", "fixtures/v2", "fixtures/malformed"],
        &[
            "analyze",
            "--legacy",
            "fixtures/malformed",
            "fixtures/v2",
            "--target",
            "fixtures/fhir",
            "--format",
            "json",
        ],
        &[
            "analyze",
            "--spec",
            "fixtures/demo/ira.toml",
            "--format",
            "sarif",
        ],
    ] {
        let out = run(args);
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let after = snapshot_fixtures();
    assert_eq!(
        before.len(),
        after.len(),
        "files appeared or vanished under fixtures/"
    );
    for (path, b) in &before {
        assert_eq!(Some(b), after.get(path), "{} was written", path.display());
    }
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ira-reconcile-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    v.sort();
    v
}

#[test]
fn a_failed_report_write_leaves_no_partial_file() {
    let dir = temp_dir("atomic");
    // The target is an existing directory: the rename fails after the temporary file
    // was written; it must be removed, the directory left as it was.
    let target = dir.join("report.json");
    std::fs::create_dir_all(&target).unwrap();
    std::fs::write(target.join("keep.txt"), b"x").unwrap();
    let t = target.to_str().unwrap();
    let out = run(&[
        "analyze",
        "--legacy",
        "fixtures/v2",
        "--format",
        "json",
        "--out",
        t,
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot write"));
    assert_eq!(entries(&dir), ["report.json"]);
    assert_eq!(entries(&target), ["keep.txt"]);

    // The parent does not exist: nothing is created anywhere.
    let missing = dir.join("no/such/dir/report.json");
    let out = run(&[
        "analyze",
        "--legacy",
        "fixtures/v2",
        "--out",
        missing.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(!dir.join("no").exists());

    // A good write replaces an old report whole, with no temporary file left.
    let file = dir.join("ok.json");
    std::fs::write(&file, b"old").unwrap();
    let out = run(&[
        "analyze",
        "--legacy",
        "fixtures/v2",
        "--format",
        "json",
        "--out",
        file.to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let written: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(written["schema"], "ira.report/1");
    assert_eq!(entries(&dir), ["ok.json", "report.json"]);
    let _ = std::fs::remove_dir_all(&dir);
}
