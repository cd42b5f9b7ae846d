//! The one fixed set of risks every output format is snapshot-tested on (JSON, CSV,
//! Markdown, SARIF, JUnit, HTML): fixed findings, a spec with thresholds and accepted
//! risks, a pinned timestamp. It covers:
//!
//! - every severity (critical, high, medium, low, info) and several categories, one
//!   patient-safety rule;
//! - a live acceptance (IRA302) and an expired one (IRA101);
//! - a risk without source or target path (IRA402), and a scope without risks
//!   (`ADT_A08`, seen but clean);
//! - a file name with a space (`legacy/lab results.hl7`), one with a comma and a space
//!   (`target/bundle, v2.json`) and one with XML/HTML special characters
//!   (`legacy/q&a <old> "v1".hl7`), in examples and in the inputs;
//! - a risk whose examples lie in two files (IRA301);
//! - details and a justification with characters each format must escape (comma,
//!   quotes, pipe, asterisk, angle brackets, ampersand, underscore).
//!
//! Also the demo interface's report and its canary values, for the no-PHI tests.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, dead_code)]

use ira_analyze::profile::SeenAt;
use ira_analyze::rules::{Finding, RiskSeverity};
use ira_analyze::spec::Spec;
use ira_report::report_json::{
    Counts, InputFile, InputRole, Provenance, Report, ReportInput, Timestamp, build, sha256_hex,
};

/// The file name with XML/HTML special characters.
pub const ODD_FILE: &str = "legacy/q&a <old> \"v1\".hl7";
/// The file name with a space.
pub const SPACE_FILE: &str = "legacy/lab results.hl7";
/// The file name with a comma and a space.
pub const COMMA_FILE: &str = "target/bundle, v2.json";

pub fn at(file: &str, line: u32, message: u32) -> SeenAt {
    SeenAt {
        file: file.into(),
        offset: u64::from(line) * 40,
        line,
        message: Some(message),
    }
}

/// A finding with two examples in `legacy/adt.hl7`.
#[allow(clippy::too_many_arguments)]
pub fn finding(
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

/// The shared findings. The first two stay IRA101 and IRA201: tests pin the id of
/// the first and accept the second by id.
pub fn findings() -> Vec<Finding> {
    use RiskSeverity::*;
    let mut obx = finding(
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
    obx.examples = vec![at(SPACE_FILE, 12, 4), at(ODD_FILE, 2, 1)];
    let mut reference = finding(
        "IRA404",
        "unresolved-reference",
        High,
        "Bundle",
        Some("Encounter.subject"),
        None,
        "reference \"Patient/*\", not in the bundle | <contained> or local_ref",
        2,
        8,
    );
    reference.examples = vec![
        at(COMMA_FILE, 12, 1),
        at(COMMA_FILE, 40, 3),
        at(COMMA_FILE, 77, 5),
        at(COMMA_FILE, 90, 6),
    ];
    let mut charset = finding(
        "IRA402",
        "non-ascii-without-charset",
        Info,
        "ADT_A04",
        None,
        None,
        "bytes above 0x7F with MSH-18 empty",
        1,
        20,
    );
    charset.examples = vec![at(ODD_FILE, 7, 2)];
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
        obx,
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
        reference,
        charset,
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
max_high = 5
min_readiness = 50

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

pub fn spec() -> Spec {
    Spec::from_toml_str(SPEC, "ira.toml").unwrap()
}

fn input(role: InputRole, path: &str, content: &[u8]) -> InputFile {
    InputFile {
        role,
        path: path.into(),
        bytes: content.len() as u64,
        sha256: sha256_hex(content),
    }
}

/// Pinned timestamp (2025-11-25T10:39:17Z), the spec and four sample files (given out
/// of order: the report sorts them).
pub fn provenance() -> Provenance {
    Provenance {
        generated_at: Timestamp(1_764_067_157),
        spec_sha256: Some(sha256_hex(SPEC.as_bytes())),
        inputs: vec![
            input(InputRole::Legacy, "legacy/adt.hl7", b"abc"),
            input(InputRole::Target, COMMA_FILE, b"{}"),
            input(InputRole::Legacy, SPACE_FILE, b"MSH"),
            input(InputRole::Spec, "ira.toml", SPEC.as_bytes()),
            input(InputRole::Legacy, ODD_FILE, b""),
        ],
    }
}

/// The shared report.
pub fn report() -> Report {
    report_with(&findings(), Some(&spec()))
}

/// A report of other findings with the shared spec, provenance and counts.
pub fn report_of(findings: &[Finding]) -> Report {
    report_with(findings, Some(&spec()))
}

/// A report of other findings or spec, with the shared provenance and counts.
pub fn report_with(findings: &[Finding], spec: Option<&Spec>) -> Report {
    build_report(findings, spec, &provenance())
}

/// A report of everything given, with the shared scopes and counts.
pub fn build_report(findings: &[Finding], spec: Option<&Spec>, provenance: &Provenance) -> Report {
    build(ReportInput {
        findings,
        spec,
        scopes: &["ADT_A01".into(), "ORU_R01".into(), "ADT_A08".into()],
        counts: Counts {
            legacy_files: 3,
            legacy_samples: 60,
            target_files: 1,
            profiles: 0,
        },
        provenance,
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
