//! IRA501 element-forbidden-by-profile is a context rule: its context is built here by
//! hand from `fixtures/rules/IRA501` (a Patient profile forbidding `photo` and
//! `maritalStatus`, target FHIR samples, legacy v2 samples).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use ira_analyze::map::Map;
use ira_analyze::profile::{Profile, profile_bytes};
use ira_analyze::rules::{AnalysisContext, Finding, context_rules};
use ira_analyze::target::{Requirements, StructureDefinition, TargetUsage};
use ira_parse::FileId;
use ira_parse::document::{ReadOptions, read_samples};
use ira_parse::input::{SourceFile, detect};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/rules/IRA501")
        .join(name)
}

fn requirements() -> Requirements {
    let text = std::fs::read_to_string(fixture("profile-patient.json")).unwrap();
    let mut req = Requirements::new();
    for sd in StructureDefinition::from_json(&text, "profile-patient.json").unwrap() {
        req.add_profile(sd);
    }
    req
}

fn usage(name: &str) -> TargetUsage {
    let path = fixture(name);
    let bytes = std::fs::read(&path).unwrap();
    let file = SourceFile {
        id: FileId(0),
        path: path.clone(),
        walked: false,
    };
    let mut u = TargetUsage::new();
    read_samples(
        &file,
        detect(&bytes, Some(&path)),
        &bytes,
        ReadOptions::default(),
        &mut u,
    );
    u
}

fn legacy(name: &str) -> Profile {
    let bytes = std::fs::read(fixture(name)).unwrap();
    profile_bytes(name, &bytes)
}

fn ira501(req: &Requirements, usage: Option<&TargetUsage>, legacy: &Profile) -> Vec<Finding> {
    let ctx = AnalysisContext {
        map: Map::builtin(),
        legacy,
        requirements: req,
        target_usage: usage,
        target_v2: None,
        spec: None,
    };
    let rule = context_rules()
        .iter()
        .find(|r| r.meta().id == "IRA501")
        .unwrap();
    let mut out = Vec::new();
    rule.check(&ctx, &mut out);
    out
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

#[test]
fn fires_on_target_samples_and_legacy_positions_the_profile_forbids() {
    let req = requirements();
    let u = usage("fires-target.json");
    let found = ira501(&req, Some(&u), &legacy("fires-legacy.hl7"));
    let text = render(&found);
    for canary in ["TESTPATIENT", "MRN000", "FAKEID", "1980"] {
        assert!(!text.contains(canary), "{canary} in\n{text}");
    }
    assert!(
        found
            .iter()
            .any(|f| f.target.as_deref() == Some("Patient.photo") && f.source.is_none()),
        "{text}"
    );
    assert!(
        found.iter().any(|f| f.source.as_deref() == Some("PID-16")
            && f.target.as_deref() == Some("Patient.maritalStatus")),
        "{text}"
    );
    insta::assert_snapshot!("IRA501_fires", text);
}

#[test]
fn silent_on_allowed_elements_and_without_profiles() {
    let req = requirements();
    let u = usage("silent-target.json");
    let found = ira501(&req, Some(&u), &legacy("silent-legacy.hl7"));
    assert!(found.is_empty(), "{}", render(&found));
    // The firing samples against the R4 base alone: the base forbids nothing.
    let base = Requirements::new();
    let u = usage("fires-target.json");
    let found = ira501(&base, Some(&u), &legacy("fires-legacy.hl7"));
    assert!(found.is_empty(), "{}", render(&found));
}
