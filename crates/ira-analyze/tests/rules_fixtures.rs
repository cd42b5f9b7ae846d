//! Every rule has a fixture that fires (`fixtures/rules/<ID>/fires.*`) and one that must
//! stay silent (`silent.*`); the findings on the firing one are snapshotted. Sample rules
//! and file rules run here; context rules have their own tests.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use ira_analyze::rules::{Finding, SampleRuleRun, all, context_rules, file_rules, sample_rules};
use ira_parse::FileId;
use ira_parse::document::{ReadOptions, read_samples};
use ira_parse::input::{SourceFile, detect};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/rules")
}

/// `fires*` or `silent*` files of a rule, sorted; at least one must exist.
fn fixture_files(id: &str, which: &str) -> Vec<PathBuf> {
    let dir = fixtures().join(id);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_stem()
                .and_then(|s| s.to_str())
                .is_some_and(|s| s.starts_with(which))
        })
        .collect();
    files.sort();
    assert!(
        !files.is_empty(),
        "{id}: no {which}* fixture in {}",
        dir.display()
    );
    files
}

fn stem(p: &Path) -> &str {
    p.file_stem().and_then(|s| s.to_str()).unwrap()
}

fn findings(path: &Path) -> Vec<Finding> {
    let bytes = std::fs::read(path).unwrap();
    let file = SourceFile {
        id: FileId(0),
        path: path.to_owned(),
        walked: false,
    };
    let mut run = SampleRuleRun::default();
    read_samples(
        &file,
        detect(&bytes, Some(path)),
        &bytes,
        ReadOptions::default(),
        &mut run,
    );
    run.finish().findings_with(&|_| "f".to_owned())
}

/// The rules this harness runs: sample rules and file rules.
fn per_sample_and_file_rule_ids() -> Vec<&'static str> {
    sample_rules()
        .iter()
        .map(|r| r.meta().id)
        .chain(file_rules().iter().map(|r| r.meta().id))
        .collect()
}

fn render(findings: &[Finding]) -> String {
    let mut s = String::new();
    for f in findings {
        let _ = write!(
            s,
            "{} {} [{}] {} {} -> {}: {}/{} samples; at",
            f.rule,
            f.severity.as_str(),
            f.scope,
            f.detail,
            f.source.as_deref().unwrap_or("-"),
            f.target.as_deref().unwrap_or("-"),
            f.affected,
            f.total,
        );
        for l in &f.examples {
            let _ = write!(s, " m{}:l{}:b{}", l.message.unwrap_or(0), l.line, l.offset);
        }
        s.push('\n');
    }
    s
}

#[test]
fn every_rule_fires_on_its_fixture_and_stays_silent_on_the_other() {
    let ids = per_sample_and_file_rule_ids();
    assert_eq!(ids.len() + context_rules().len(), all().len());
    for id in ids {
        for path in fixture_files(id, "fires") {
            let fired: Vec<Finding> = findings(&path)
                .into_iter()
                .filter(|f| f.rule == id)
                .collect();
            assert!(
                !fired.is_empty(),
                "{id}: nothing found in {}",
                path.display()
            );
            insta::assert_snapshot!(format!("{id}_{}", stem(&path)), render(&fired));
        }
        for path in fixture_files(id, "silent") {
            let silent: Vec<Finding> = findings(&path)
                .into_iter()
                .filter(|f| f.rule == id)
                .collect();
            assert!(
                silent.is_empty(),
                "{id}: {} fired:\n{}",
                path.display(),
                render(&silent)
            );
        }
    }
}

#[test]
fn findings_never_carry_sample_values() {
    // Names, record numbers and result values of the fixtures never show in findings.
    for path in per_sample_and_file_rule_ids()
        .into_iter()
        .flat_map(|id| fixture_files(id, "fires"))
    {
        let text = render(&findings(&path));
        let id = path.display();
        for canary in [
            "TESTPATIENT",
            "MRN000",
            "MÜLLER",
            "JÖRG",
            "DÉJÀ",
            "pending",
            "NHS000",
            "VN000",
            "<5",
            "5.4",
            "FAKEID",
            "8f0c1a52",
        ] {
            assert!(!text.contains(canary), "{id}: {canary} in\n{text}");
        }
    }
}
