//! Risk items, readiness, go / no-go and the `ira.report/1` JSON.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod risk_fixture;
#[path = "support/schema.rs"]
mod schema;

use std::path::Path;

use ira_analyze::analysis::{AnalysisInput, analyze};
use ira_analyze::map::Map;
use ira_analyze::rules::{Finding, RiskSeverity};
use ira_analyze::spec::{Date, Spec};
use ira_analyze::target::Artifacts;
use ira_parse::document::ReadOptions;
use ira_parse::input;
use ira_report::report_json::{
    Counts, InputFile, InputRole, Provenance, Report, ReportInput, Timestamp, build, json,
    sha256_hex,
};
use ira_report::risk::{Decision, Effort, Status, build_risks, readiness, risk_id};
use risk_fixture::{SPEC, build_report, finding, findings, provenance, spec};
use schema::schema_errors;

fn day(s: &str) -> Date {
    Date::parse(s).unwrap()
}

fn report(findings: &[Finding], spec: &Spec, prov: &Provenance) -> Report {
    build_report(findings, Some(spec), prov)
}

#[test]
fn ids_are_stable_across_order_and_differ_by_content() {
    let f = findings();
    let mut rev = f.clone();
    rev.reverse();
    let a = build_risks(&f, &[], day("2026-01-01"));
    let b = build_risks(&rev, &[], day("2026-01-01"));
    assert_eq!(a, b, "input order must not matter");
    for r in &a {
        let (rule, hex) = r.id.split_once('-').unwrap();
        assert_eq!(rule, r.rule);
        assert_eq!(hex.len(), 12);
        assert!(
            hex.bytes()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
    }
    // Counts and examples do not enter the id (another run, more samples).
    let mut more = f[0].clone();
    more.affected = 40;
    more.total = 100;
    more.examples.clear();
    assert_eq!(risk_id(&more), risk_id(&f[0]));
    // Content does: detail, paths (an absent path differs from an empty one), scope.
    let mut other = f[0].clone();
    other.detail.push('x');
    assert_ne!(risk_id(&other), risk_id(&f[0]));
    let mut empty = f[0].clone();
    empty.target = Some(String::new());
    assert_ne!(risk_id(&empty), risk_id(&f[0]));
    let mut scope = f[0].clone();
    scope.scope = "ADT_A08".into();
    assert_ne!(risk_id(&scope), risk_id(&f[0]));
    // Moving a part between fields changes the id (parts are separated).
    let mut shifted = f[0].clone();
    shifted.source = None;
    shifted.detail = format!("ZPI-3{}", f[0].detail);
    assert_ne!(risk_id(&shifted), risk_id(&f[0]));
    // Pinned: a change of the hash would silently orphan every accepted risk id.
    // FNV-1a 64 of "IRA101\0ADT_A01\0ZPI-3\0\x01\0field not in the map\0", top 48
    // bits, computed independently (Python).
    assert_eq!(risk_id(&f[0]), "IRA101-2c42a9e40611");
}

#[test]
fn item_fields_are_derived_from_the_rule_and_the_finding() {
    let risks = build_risks(&findings(), &[], day("2026-01-01"));
    let r = risks.iter().find(|r| r.rule == "IRA201").unwrap();
    assert_eq!(r.rule_name, "code-not-in-vocabulary");
    assert_eq!(r.category, "terminology");
    assert_eq!(r.owner_role, "terminology");
    assert_eq!(r.likelihood, 0.6);
    assert_eq!(r.effort, Effort::L, "M for terminology, one up at ≥ 50%");
    assert_eq!(r.scope, ["ADT_A01"]);
    let s = r.source.as_ref().unwrap();
    assert_eq!((s.standard.as_str(), s.path.as_str()), ("hl7v2", "PID-8"));
    let t = r.target.as_ref().unwrap();
    assert_eq!(
        (t.standard.as_str(), t.path.as_str(), t.profile.as_deref()),
        ("fhir-r4", "Patient.gender", None)
    );
    assert!(r.title.contains("ADT_A01") && r.title.contains("PID-8"));
    assert!(!r.recommendation.is_empty() && !r.recommendation.contains("  "));
    assert!(r.evidence.examples.iter().all(|e| e.control_id.is_none()));

    // The standard is told from the path notation.
    for (path, standard) in [
        ("Bundle.entry.fullUrl", "fhir-r4"),
        ("Patient", "fhir-r4"),
        ("OBX[2]-5", "hl7v2"),
        ("MSH", "hl7v2"),
        ("ZP1-2.1", "hl7v2"),
    ] {
        let f = finding(
            "IRA404",
            "unresolved-reference",
            RiskSeverity::High,
            "Bundle",
            Some(path),
            None,
            "d",
            1,
            1,
        );
        let r = &build_risks(&[f], &[], day("2026-01-01"))[0];
        assert_eq!(r.source.as_ref().unwrap().standard, standard, "{path}");
    }

    let ps = risks.iter().find(|r| r.rule == "IRA601").unwrap();
    assert!(ps.patient_safety);
    assert_eq!(ps.owner_role, "clinical informatics");
    assert_eq!(ps.effort, Effort::L, "L for patient safety at 10%");
    let low = risks.iter().find(|r| r.rule == "IRA302").unwrap();
    assert_eq!(low.owner_role, "interface analyst");
    assert_eq!(low.effort, Effort::S, "S for data quality, under 5%");
    assert_eq!(low.likelihood, 0.02);
}

#[test]
fn acceptance_by_rule_name_id_and_path_and_expiry() {
    let spec = spec();
    let risks = build_risks(&findings(), &spec.accepted, day("2026-11-25"));
    let by = |rule: &str| risks.iter().find(|r| r.rule == rule).unwrap();
    // By rule name, live.
    let tz = by("IRA302");
    assert_eq!(tz.status, Status::Accepted);
    let a = tz.acceptance.as_ref().unwrap();
    assert_eq!((a.expires.as_str(), a.expired), ("2030-01-31", false));
    assert_eq!(a.owner, "Integration lead");
    // By rule id and path, expired: open again, with a note.
    let zpi = by("IRA101");
    assert_eq!(zpi.status, Status::Open);
    assert!(zpi.acceptance.as_ref().unwrap().expired);
    assert!(zpi.note.as_deref().unwrap().contains("2020-01-01"));
    // Untouched.
    assert_eq!(by("IRA201").status, Status::Open);
    assert!(by("IRA201").acceptance.is_none());

    // The expiry day itself still holds; the next day does not.
    let on = build_risks(&findings(), &spec.accepted, day("2030-01-31"));
    assert_eq!(
        on.iter().find(|r| r.rule == "IRA302").unwrap().status,
        Status::Accepted
    );
    let after = build_risks(&findings(), &spec.accepted, day("2030-02-01"));
    assert_eq!(
        after.iter().find(|r| r.rule == "IRA302").unwrap().status,
        Status::Open
    );

    // By risk id; a path limit that does not cover the risk leaves it open.
    let id = risk_id(&findings()[1]);
    let toml = format!(
        "{SPEC}\n[[accepted]]\nrisk = \"{id}\"\njustification = \"j\"\nowner = \"o\"\nexpires = 2030-01-01\n\
         [[accepted]]\nrule = \"IRA601\"\npath = \"PID-30\"\njustification = \"j\"\nowner = \"o\"\nexpires = 2030-01-01\n"
    );
    let spec2 = Spec::from_toml_str(&toml, "ira.toml").unwrap();
    let risks = build_risks(&findings(), &spec2.accepted, day("2026-11-25"));
    assert_eq!(
        risks.iter().find(|r| r.id == id).unwrap().status,
        Status::Accepted
    );
    assert_eq!(
        risks.iter().find(|r| r.rule == "IRA601").unwrap().status,
        Status::Open
    );
}

#[test]
fn readiness_arithmetic() {
    use RiskSeverity::*;
    let one = |sev, affected, total| {
        build_risks(
            &[finding(
                "IRA401",
                "message-structure-violation",
                sev,
                "ADT_A01",
                None,
                None,
                "d",
                affected,
                total,
            )],
            &[],
            day("2026-01-01"),
        )
    };
    // critical at 100%: 40 × (0.5 + 0.5) = 40.
    assert_eq!(
        readiness(&one(Critical, 10, 10), &[], None).interface.score,
        60
    );
    // high at 0%: 15 × 0.5 = 7.5 → 92.5, rounded half up → 93.
    let r = readiness(&one(High, 0, 10), &[], None);
    assert_eq!(r.interface.score, 93);
    assert_eq!(r.interface.pulled_down_by[0].points, 7.5);
    // medium at 50%: 5 × 0.75 = 3.75 → 96.25 → 96.
    assert_eq!(
        readiness(&one(Medium, 5, 10), &[], None).interface.score,
        96
    );
    // info costs nothing and is not listed.
    let r = readiness(&one(Info, 10, 10), &[], None);
    assert_eq!(r.interface.score, 100);
    assert!(r.interface.pulled_down_by.is_empty());
    assert_eq!(r.interface.open.info, 1);
    // Floor at 0: three criticals at 100% cost 120.
    let mut many = Vec::new();
    for d in ["a", "b", "c"] {
        many.push(finding(
            "IRA401",
            "message-structure-violation",
            Critical,
            "ADT_A01",
            None,
            None,
            d,
            1,
            1,
        ));
    }
    let r = readiness(&build_risks(&many, &[], day("2026-01-01")), &[], None);
    assert_eq!(r.interface.score, 0);
    assert_eq!(r.interface.pulled_down_by.len(), 3);

    // The shared set: per scope, accepted risks cost nothing, scopes without risks score 100.
    let spec = spec();
    let risks = build_risks(&findings(), &spec.accepted, day("2026-11-25"));
    let r = readiness(&risks, &["ADT_A08".into()], None);
    // ADT_A01: IRA101 medium 40% (5 × 0.7 = 3.5), IRA201 high 60% (15 × 0.8 = 12),
    // IRA601 critical 10% (40 × 0.55 = 22) → 100 − 37.5 = 62.5 → 63.
    assert_eq!(r.scopes["ADT_A01"].score, 63);
    let pulled: Vec<f64> = r.scopes["ADT_A01"]
        .pulled_down_by
        .iter()
        .map(|p| p.points)
        .collect();
    assert_eq!(pulled, [22.0, 12.0, 3.5]);
    // ORU_R01: IRA301 medium 10% (5 × 0.55 = 2.75) → 97.25 → 97; IRA302 is accepted
    // and costs nothing.
    assert_eq!(r.scopes["ORU_R01"].score, 97);
    assert_eq!(r.scopes["ORU_R01"].accepted, 1);
    assert_eq!(r.scopes["ORU_R01"].pulled_down_by.len(), 1);
    // Bundle: IRA404 high 25% (15 × 0.625 = 9.375) → 90.625 → 91.
    assert_eq!(r.scopes["Bundle"].score, 91);
    // ADT_A04: an info risk costs nothing; ADT_A08 has no risk.
    assert_eq!(r.scopes["ADT_A04"].score, 100);
    assert_eq!(r.scopes["ADT_A04"].open.info, 1);
    assert!(r.scopes["ADT_A04"].pulled_down_by.is_empty());
    assert_eq!(r.scopes["ADT_A08"].score, 100);
    assert_eq!(r.interface.score, 63);
    assert_eq!(r.weakest_scope.as_deref(), Some("ADT_A01"));
    // The interface counts every open risk but scores as its weakest scope.
    let open = &r.interface.open;
    assert_eq!(
        (open.critical, open.high, open.medium, open.low, open.info),
        (1, 2, 2, 0, 1)
    );
    assert_eq!(r.interface.accepted, 1);
    assert_eq!(r.interface.pulled_down_by.len(), 3, "ADT_A01's three risks");
    assert!(r.gate.is_none(), "no thresholds, no gate");

    // Two scopes with a critical each at 100%: 60 each, and the interface 60, not 20.
    let two = [
        finding(
            "IRA401",
            "message-structure-violation",
            Critical,
            "ADT_A01",
            None,
            None,
            "d",
            1,
            1,
        ),
        finding(
            "IRA401",
            "message-structure-violation",
            Critical,
            "ORU_R01",
            None,
            None,
            "d",
            1,
            1,
        ),
    ];
    let r = readiness(&build_risks(&two, &[], day("2026-01-01")), &[], None);
    assert_eq!(
        (r.scopes["ADT_A01"].score, r.scopes["ORU_R01"].score),
        (60, 60)
    );
    assert_eq!(r.interface.score, 60);
    assert_eq!(r.interface.open.critical, 2);
    assert_eq!(
        r.weakest_scope.as_deref(),
        Some("ADT_A01"),
        "first by name among equals"
    );
    assert_eq!(r.interface.pulled_down_by.len(), 1);
    // No risks, no scopes: 100.
    let r = readiness(&[], &[], None);
    assert_eq!((r.interface.score, r.weakest_scope), (100, None));
}

#[test]
fn go_no_go_against_the_thresholds() {
    let spec = spec();
    let risks = build_risks(&findings(), &spec.accepted, day("2026-11-25"));
    let r = readiness(&risks, &[], Some(&spec.thresholds));
    let gate = r.gate.unwrap();
    assert_eq!(gate.decision, Decision::NoGo);
    let check = |name: &str| gate.checks.iter().find(|c| c.threshold == name).unwrap();
    assert!(!check("max_critical").pass, "one open critical, 0 allowed");
    assert_eq!(check("max_critical").actual, "1");
    assert!(check("max_high").pass);
    assert!(check("min_readiness").pass, "63 ≥ 50");
    assert!(!check("fail_on").pass);
    assert_eq!(
        check("fail_on").actual,
        "3",
        "the two highs and the critical"
    );

    // Without the critical and the high, everything passes: go.
    let rest: Vec<Finding> = findings()
        .into_iter()
        .filter(|f| f.severity < RiskSeverity::High)
        .collect();
    let risks = build_risks(&rest, &spec.accepted, day("2026-11-25"));
    let gate = readiness(&risks, &[], Some(&spec.thresholds)).gate.unwrap();
    assert_eq!(gate.decision, Decision::Go);
    assert_eq!(gate.checks.len(), 4);

    // An accepted critical does not count against max_critical.
    let toml = format!(
        "{SPEC}\n[[accepted]]\nrule = \"IRA601\"\njustification = \"j\"\nowner = \"o\"\nexpires = 2030-01-01\n"
    );
    let spec2 = Spec::from_toml_str(&toml, "ira.toml").unwrap();
    let risks = build_risks(&findings(), &spec2.accepted, day("2026-11-25"));
    let gate = readiness(&risks, &[], Some(&spec2.thresholds))
        .gate
        .unwrap();
    assert!(
        gate.checks
            .iter()
            .find(|c| c.threshold == "max_critical")
            .unwrap()
            .pass
    );
}

#[test]
fn timestamps_and_digests() {
    assert_eq!(Timestamp(0).rfc3339(), "1970-01-01T00:00:00Z");
    assert_eq!(Timestamp(1_764_067_157).rfc3339(), "2025-11-25T10:39:17Z");
    assert_eq!(Timestamp(951_825_600).rfc3339(), "2000-02-29T12:00:00Z");
    assert_eq!(Timestamp(-1).rfc3339(), "1969-12-31T23:59:59Z");
    assert_eq!(Timestamp(951_825_600).date(), Some(day("2000-02-29")));
    assert_eq!(
        Timestamp::from_source_date_epoch(" 1764067157\n"),
        Some(Timestamp(1_764_067_157))
    );
    assert_eq!(Timestamp::from_source_date_epoch("yesterday"), None);
    // FIPS 180-2 test vectors.
    assert_eq!(
        sha256_hex(b"abc"),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    assert_eq!(
        sha256_hex(b""),
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
}

#[test]
fn report_json_snapshot() {
    let text = json(&report(&findings(), &spec(), &provenance()));
    insta::assert_snapshot!("risk_report_json", text);
}

#[test]
fn same_inputs_and_timestamp_give_the_same_bytes() {
    let spec = spec();
    let prov = provenance();
    let a = json(&report(&findings(), &spec, &prov));
    let mut shuffled = findings();
    shuffled.rotate_left(2);
    let mut prov2 = prov.clone();
    prov2.inputs.reverse();
    let b = json(&report(&shuffled, &spec, &prov2));
    assert_eq!(a, b);
    // A different timestamp changes only the timestamp (here: nothing expires between).
    let mut prov3 = prov.clone();
    prov3.generated_at = Timestamp(1_764_067_158);
    let c = json(&report(&findings(), &spec, &prov3));
    assert_ne!(a, c);
    assert_eq!(a.replace("10:39:17Z", "10:39:18Z"), c);
}

// ---- JSON Schema (validator in support/schema.rs, shared with ira-cli's tests) ----

#[test]
fn report_validates_against_the_schema() {
    let text = json(&report(&findings(), &spec(), &provenance()));
    assert_eq!(schema_errors(&text), Vec::<String>::new());
    // Without a spec: no interface, no gate, no spec digest.
    let bare = json(&build(ReportInput {
        findings: &findings(),
        spec: None,
        scopes: &[],
        counts: Counts::default(),
        provenance: &Provenance {
            generated_at: Timestamp(0),
            spec_sha256: None,
            inputs: vec![],
        },
    }));
    assert_eq!(schema_errors(&bare), Vec::<String>::new());
    // The validator does reject: a wrong schema id, a bad risk id, an extra key.
    let bad = text
        .replacen("\"ira.report/1\"", "\"ira.report/2\"", 1)
        .replacen("\"id\": \"IRA", "\"id\": \"XRA", 1)
        .replacen("\"likelihood\"", "\"extra\": 1,\n      \"likelihood\"", 1);
    let errs = schema_errors(&bad);
    assert_eq!(errs.len(), 3, "{errs:#?}");
}

/// The demo interface's canary values (patient names, MRNs, birth dates, result
/// values, free text) never reach the report.
#[test]
fn no_sample_values_in_the_report_of_the_demo() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/demo");
    let legacy = input::discover(&[root.join("legacy")]).unwrap();
    let target = input::discover(&[root.join("target")]).unwrap();
    let map = Map::builtin().clone();
    let result = analyze(
        AnalysisInput {
            legacy: &legacy,
            target: Some(&target),
            artifacts: Artifacts::default(),
            map: &map,
            spec: None,
        },
        &input::read_file,
        ReadOptions::default(),
    );
    assert!(!result.findings.is_empty());
    let mut inputs = Vec::new();
    for (role, d) in [(InputRole::Legacy, &legacy), (InputRole::Target, &target)] {
        for f in d.table.files() {
            let bytes = std::fs::read(&f.path).unwrap();
            inputs.push(InputFile {
                role,
                path: f.path.display().to_string(),
                bytes: bytes.len() as u64,
                sha256: sha256_hex(&bytes),
            });
        }
    }
    let text = json(&build(ReportInput {
        findings: &result.findings,
        spec: None,
        scopes: &[],
        counts: Counts::default(),
        provenance: &Provenance {
            generated_at: Timestamp(0),
            spec_sha256: None,
            inputs,
        },
    }));
    for canary in [
        "TESTPATIENT",
        "ÉLODIE",
        "MRN10",
        "1980-01-01",
        "19800101",
        "<2.5",
        "haemolysed",
    ] {
        assert!(!text.contains(canary), "{canary} leaked");
    }
    assert_eq!(schema_errors(&text), Vec::<String>::new());
}
