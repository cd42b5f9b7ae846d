//! Context rules on their fixtures: each rule has `fixtures/rules/<ID>/fires/` (the rule
//! must report) and `silent/` (a near-miss: it must not), each holding `legacy/` (HL7 v2
//! samples), optionally `target/` (FHIR or v2 samples), `profiles/` (StructureDefinitions,
//! ValueSets, CodeSystems) and `ira.toml`. The harness builds the analysis context the way
//! the driver does, runs every context rule, and snapshots the findings of the rule.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use ira_analyze::map::Map;
use ira_analyze::profile::{Profile, profile_bytes};
use ira_analyze::rules::{AnalysisContext, Finding, context_rules};
use ira_analyze::spec::{Spec, TargetKind};
use ira_analyze::target::{Artifacts, Requirements, TargetUsage, V2Requirements};
use ira_parse::FileId;
use ira_parse::document::{ReadOptions, read_samples};
use ira_parse::input::{Format, SourceFile, detect};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/rules")
}

/// Files of a folder, sorted (none when it does not exist).
fn files(dir: &Path) -> Vec<PathBuf> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut v: Vec<PathBuf> = rd
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    v.sort();
    v
}

/// Everything a context is built from, owned.
struct Case {
    map: Map,
    legacy: Profile,
    requirements: Requirements,
    target_v2: Option<V2Requirements>,
    spec: Option<Spec>,
}

fn load(dir: &Path) -> Case {
    let spec = std::fs::read_to_string(dir.join("ira.toml"))
        .ok()
        .map(|t| Spec::from_toml_str(&t, "ira.toml").unwrap());
    let map = match &spec {
        Some(s) => Map::with_overrides(&s.map_overrides(&BTreeMap::new())).unwrap(),
        None => Map::builtin().clone(),
    };
    let legacy_files = files(&dir.join("legacy"));
    assert!(
        !legacy_files.is_empty(),
        "{}: no legacy samples",
        dir.display()
    );
    let legacy = Profile::merged(legacy_files.iter().map(|p| {
        let name = format!("legacy/{}", p.file_name().unwrap().to_str().unwrap());
        profile_bytes(&name, &std::fs::read(p).unwrap())
    }));
    let mut requirements = Requirements::new();
    for p in files(&dir.join("profiles")) {
        let text = std::fs::read_to_string(&p).unwrap();
        let name = p.file_name().unwrap().to_str().unwrap();
        requirements.add_artifacts(Artifacts::from_json(&text, name).unwrap());
    }
    let v2_target = spec
        .as_ref()
        .is_some_and(|s| s.target.kind == TargetKind::Hl7v2);
    let mut usage = TargetUsage::new();
    let mut target_v2 = V2Requirements::new();
    let target_files = files(&dir.join("target"));
    for (i, p) in target_files.iter().enumerate() {
        let bytes = std::fs::read(p).unwrap();
        let format = detect(&bytes, Some(p));
        assert_ne!(format, Format::Unknown, "{}", p.display());
        let file = SourceFile {
            id: FileId(i as u32),
            path: p.clone(),
            walked: false,
        };
        if v2_target || format == Format::Hl7v2 {
            read_samples(
                &file,
                format,
                &bytes,
                ReadOptions::default(),
                &mut target_v2,
            );
        } else {
            read_samples(&file, format, &bytes, ReadOptions::default(), &mut usage);
        }
    }
    let has_v2 = !target_v2.messages.is_empty();
    if !usage.samples.is_empty() {
        requirements.set_usage(usage);
    }
    Case {
        map,
        legacy,
        requirements,
        target_v2: has_v2.then_some(target_v2),
        spec,
    }
}

fn run(dir: &Path) -> Vec<Finding> {
    let case = load(dir);
    let ctx = AnalysisContext {
        map: &case.map,
        legacy: &case.legacy,
        requirements: &case.requirements,
        target_usage: case.requirements.usage(),
        target_v2: case.target_v2.as_ref(),
        spec: case.spec.as_ref(),
    };
    let mut out = Vec::new();
    for rule in context_rules() {
        rule.check(&ctx, &mut out);
    }
    out
}

/// Context rules whose fixtures follow this harness's layout (`fires/`, `silent/`
/// folders); IRA501 has its own harness (`rules_501.rs`).
fn harnessed() -> impl Iterator<Item = &'static &'static dyn ira_analyze::rules::ContextRule> {
    context_rules()
        .iter()
        .filter(|r| fixtures().join(r.meta().id).join("fires").is_dir())
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
            let _ = write!(
                s,
                " {}:m{}:l{}:b{}",
                l.file,
                l.message.unwrap_or(0),
                l.line,
                l.offset
            );
        }
        s.push('\n');
    }
    s
}

/// Patient values planted in the fixtures: none may show in a finding.
const CANARIES: &[&str] = &[
    "TESTPATIENT",
    "ALPHA",
    "BRAVO",
    "CHARLIE",
    "DELTA",
    "MRN000",
    "19800101",
    "19750615",
    "MAIN STREET",
    "LONGNAME",
];

#[test]
fn every_context_rule_fires_on_its_fixture_and_stays_silent_on_the_other() {
    let rules: Vec<_> = harnessed().collect();
    assert!(rules.len() >= 6, "{} harnessed context rules", rules.len());
    for rule in rules {
        let id = rule.meta().id;
        let dir = fixtures().join(id);
        let fired: Vec<Finding> = run(&dir.join("fires"))
            .into_iter()
            .filter(|f| f.rule == id)
            .collect();
        assert!(!fired.is_empty(), "{id}: nothing found in fires/");
        let text = render(&fired);
        for canary in CANARIES {
            assert!(!text.contains(canary), "{id}: {canary} in\n{text}");
        }
        insta::assert_snapshot!(format!("{id}_fires"), text);
        let silent: Vec<Finding> = run(&dir.join("silent"))
            .into_iter()
            .filter(|f| f.rule == id)
            .collect();
        assert!(
            silent.is_empty(),
            "{id}: silent/ fired:\n{}",
            render(&silent)
        );
    }
}

#[test]
fn findings_of_each_rule_are_sorted() {
    for rule in harnessed() {
        let id = rule.meta().id;
        let f: Vec<Finding> = run(&fixtures().join(id).join("fires"))
            .into_iter()
            .filter(|f| f.rule == id)
            .collect();
        let keys: Vec<_> = f
            .iter()
            .map(|f| (&f.scope, &f.source, &f.target, &f.detail))
            .collect();
        let mut sorted = keys.clone();
        sorted.sort();
        assert_eq!(keys, sorted, "{id}");
    }
}

#[test]
fn message_types_out_of_the_spec_scope_are_not_held_against_the_target() {
    let case = load(&fixtures().join("IRA103/fires"));
    let spec = Spec::from_toml_str(
        "[interface]\nname = \"scope\"\n[legacy]\nmessage_types = [\"ORU^R01\"]\n[target]\nkind = \"fhir-r4\"\n",
        "ira.toml",
    )
    .unwrap();
    let ctx = AnalysisContext {
        map: &case.map,
        legacy: &case.legacy,
        requirements: &case.requirements,
        target_usage: None,
        target_v2: None,
        spec: Some(&spec),
    };
    let mut out = Vec::new();
    for rule in context_rules() {
        rule.check(&ctx, &mut out);
    }
    assert!(out.iter().all(|f| f.rule != "IRA103"), "{}", render(&out));
    // IRA403 reports the out-of-scope messages instead.
    assert!(
        out.iter()
            .any(|f| f.rule == "IRA403" && f.source.as_deref() == Some("MSH-9") && f.affected == 4),
        "{}",
        render(&out)
    );
}
