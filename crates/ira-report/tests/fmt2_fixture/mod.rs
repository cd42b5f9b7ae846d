//! The fixed set of risks the SARIF and JUnit tests render, built the way
//! `tests/risk_report.rs` builds its report: several categories and severities, an
//! accepted risk, an expired acceptance, a detail with XML-special characters and a
//! file name with a space.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, dead_code)]

use ira_analyze::profile::SeenAt;
use ira_analyze::rules::{Finding, RiskSeverity};
use ira_analyze::spec::Spec;
use ira_report::report_json::{
    Counts, InputFile, InputRole, Provenance, Report, ReportInput, Timestamp, build, sha256_hex,
};

fn at(file: &str, line: u32, message: u32) -> SeenAt {
    SeenAt {
        file: file.into(),
        offset: u64::from(line) * 40,
        line,
        message: Some(message),
    }
}

#[allow(clippy::too_many_arguments)]
fn finding(
    rule: &'static str,
    name: &'static str,
    severity: RiskSeverity,
    scope: &str,
    source: Option<&str>,
    target: Option<&str>,
    detail: &str,
    affected: u64,
    total: u64,
) -> Finding {
    Finding {
        rule,
        name,
        severity,
        scope: scope.into(),
        source: source.map(Into::into),
        target: target.map(Into::into),
        detail: detail.into(),
        affected,
        total,
        examples: vec![at("legacy/adt.hl7", 3, 1), at("legacy/adt.hl7", 9, 2)],
    }
}

/// The shared findings.
pub fn findings() -> Vec<Finding> {
    use RiskSeverity::*;
    let mut oru = finding(
        "IRA301",
        "obx-value-type-mismatch",
        Medium,
        "ORU_R01",
        Some("OBX-5"),
        Some("Observation.valueQuantity"),
        "OBX-2 <NM> & value not numeric \"as declared\"",
        5,
        50,
    );
    oru.examples = vec![at("legacy/lab results.hl7", 12, 4)];
    vec![
        finding(
            "IRA101",
            "source-without-target",
            Medium,
            "ADT_A01",
            Some("ZPI-3"),
            None,
            "field not in the map",
            4,
            10,
        ),
        finding(
            "IRA201",
            "code-not-in-vocabulary",
            High,
            "ADT_A01",
            Some("PID-8"),
            Some("Patient.gender"),
            "table 0001",
            6,
            10,
        ),
        oru,
        finding(
            "IRA302",
            "timestamp-without-timezone",
            Low,
            "ORU_R01",
            Some("MSH-7"),
            None,
            "time without UTC offset",
            1,
            50,
        ),
        finding(
            "IRA601",
            "identifier-without-authority",
            Critical,
            "ADT_A01",
            Some("PID-3.4"),
            Some("Patient.identifier.system"),
            "identifier without assigning authority (CX.4)",
            1,
            10,
        ),
    ]
}

/// The shared spec: thresholds, a live acceptance and an expired one.
pub const SPEC: &str = r#"
[interface]
name = "Demo ADT feed"

[target]
kind = "fhir-r4"

[thresholds]
fail_on = "high"
max_critical = 0

[[accepted]]
rule = "timestamp-without-timezone"
justification = "Sender is in one time zone & the target <assumes> it."
owner = "Integration lead"
expires = 2030-01-31

[[accepted]]
rule = "IRA101"
path = "ZPI-3"
justification = "Local field, no longer used."
owner = "Interface analyst"
expires = 2020-01-01
"#;

/// The shared report.
pub fn report() -> Report {
    report_of(&findings())
}

/// A report of `findings` with the shared spec and provenance.
pub fn report_of(findings: &[Finding]) -> Report {
    let spec = Spec::from_toml_str(SPEC, "ira.toml").unwrap();
    let prov = Provenance {
        generated_at: Timestamp(1_764_067_157),
        spec_sha256: Some(sha256_hex(SPEC.as_bytes())),
        inputs: vec![InputFile {
            role: InputRole::Legacy,
            path: "legacy/adt.hl7".into(),
            bytes: 3,
            sha256: sha256_hex(b"abc"),
        }],
    };
    build(ReportInput {
        findings,
        spec: Some(&spec),
        scopes: &["ADT_A01".into(), "ORU_R01".into(), "ADT_A08".into()],
        counts: Counts {
            legacy_files: 2,
            legacy_samples: 60,
            target_files: 0,
            profiles: 0,
        },
        provenance: &prov,
    })
}

/// The report of the demo interface (legacy and target samples, no spec).
pub fn demo_report() -> Report {
    use ira_analyze::analysis::{AnalysisInput, analyze};
    use ira_analyze::map::Map;
    use ira_analyze::target::Artifacts;
    use ira_parse::document::ReadOptions;
    use ira_parse::input;
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/demo");
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
    build(ReportInput {
        findings: &result.findings,
        spec: None,
        scopes: &[],
        counts: Counts::default(),
        provenance: &Provenance {
            generated_at: Timestamp(0),
            spec_sha256: None,
            inputs: vec![],
        },
    })
}

/// Sample values of the demo's PHI fields (names, MRNs, birth dates, result values,
/// free text) that must never reach a rendering.
pub const CANARIES: &[&str] = &[
    "TESTPATIENT",
    "ÉLODIE",
    "MRN10",
    "1980-01-01",
    "19800101",
    "<2.5",
    "&lt;2.5",
    "haemolysed",
];
