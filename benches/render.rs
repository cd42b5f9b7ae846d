//! Report rendering: every `ira analyze` output format from one generated risk set.
//!
//! The findings are synthetic but shaped like a large real run: every rule of the
//! catalogue, over a dozen scopes (message structures and resource types), with v2 source
//! paths, FHIR target paths, PHI-free details and three example locations each, drawn
//! from a fixed seed so every run renders the same set. `IRA_BENCH_FINDINGS` sets how
//! many (default 5000, a stress case: the generated 100 MiB HL7 corpus gives 113 risks).
//!
//! Rows (group `render`, throughput in findings per second):
//! - `register_build`: the risk register `ira.report/1` built from the findings (risk
//!   ids, readiness, the gate); every format below starts from it;
//! - `json`, `csv`, `markdown`, `sarif`, `junit`: each format rendered from the register;
//! - `findings_text`: the text output (`--format text`), from the findings directly.
//!
//! Run: `cargo bench --bench render` (results and method: docs/PERFORMANCE.md).

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ira_analyze::profile::SeenAt;
use ira_analyze::rules::{Finding, RiskSeverity};
use ira_gen::Rng;
use ira_report::findings::Summary;
use ira_report::report_json::{
    Counts, InputFile, InputRole, Provenance, Report, ReportInput, Timestamp,
};

/// Fixed so that every run renders the same findings.
const SEED: u64 = 20_251_125;

const SCOPES: &[&str] = &[
    "ADT_A01",
    "ADT_A03",
    "ADT_A05",
    "ADT_A09",
    "ORU_R01",
    "ORM_O01",
    "SIU_S12",
    "MDM_T02",
    "Patient",
    "Encounter",
    "Observation",
    "DiagnosticReport",
];
const SEGMENTS: &[&str] = &[
    "PID", "PV1", "OBX", "OBR", "NK1", "AL1", "DG1", "IN1", "ZPI",
];
const TARGETS: &[&str] = &[
    "Patient.identifier",
    "Patient.name",
    "Patient.address",
    "Encounter.class",
    "Encounter.location",
    "Observation.code",
    "Observation.valueQuantity",
    "Observation.referenceRange",
    "AllergyIntolerance.code",
];
const DETAILS: &[&str] = &[
    "value longer than the target allows",
    "code not in the target value set",
    "required by the target profile, absent in the samples",
    "repeats in the samples, single in the target",
    "date without a timezone",
    "no map to the target",
    "local code without a ConceptMap",
];

fn findings_wanted() -> usize {
    std::env::var("IRA_BENCH_FINDINGS")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|&n| n > 0)
        .unwrap_or(5000)
}

/// `n` distinct findings, sorted as the analysis sorts them (rule, scope, source,
/// target, detail).
fn generate_findings(n: usize) -> Vec<Finding> {
    let rules = ira_analyze::rules::all();
    let mut rng = Rng::new(SEED);
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let rule = rules[i % rules.len()];
        let scope = SCOPES[rng.below(SCOPES.len() as u64) as usize];
        let seg = SEGMENTS[rng.below(SEGMENTS.len() as u64) as usize];
        // The index makes every finding distinct, as real findings are.
        let source = format!("{seg}-{}.{}", 1 + rng.below(30), 1 + i / rules.len());
        let target = rng
            .chance(70)
            .then(|| TARGETS[rng.below(TARGETS.len() as u64) as usize].to_owned());
        let total = 1_000 + rng.below(100_000);
        let affected = 1 + rng.below(total);
        let examples = (0..3)
            .map(|k| SeenAt {
                file: format!(
                    "/data/feeds/2026-{:02}/feed-{:03}.hl7",
                    1 + k,
                    rng.below(400)
                ),
                offset: rng.below(1 << 30),
                line: 1 + rng.below(1_000_000) as u32,
                message: Some(1 + rng.below(500_000) as u32),
            })
            .collect();
        out.push(Finding {
            rule: rule.id,
            name: rule.name,
            severity: RiskSeverity::scaled(
                rule.severity,
                affected as f64 / total as f64,
                rule.patient_safety,
            ),
            scope: scope.to_owned(),
            source: Some(source),
            target,
            detail: DETAILS[rng.below(DETAILS.len() as u64) as usize].to_owned(),
            affected,
            total,
            examples,
        });
    }
    out.sort_by(|a, b| {
        (a.rule, &a.scope, &a.source, &a.target, &a.detail)
            .cmp(&(b.rule, &b.scope, &b.source, &b.target, &b.detail))
    });
    out
}

fn provenance() -> Provenance {
    let inputs = (0..200)
        .map(|i| InputFile {
            role: if i < 180 {
                InputRole::Legacy
            } else {
                InputRole::Target
            },
            path: format!("/data/feeds/2026-{:02}/feed-{i:03}.hl7", 1 + i % 12),
            bytes: 5_000_000 + i * 1_000,
            sha256: format!("{i:064x}"),
        })
        .collect();
    Provenance {
        generated_at: Timestamp(1_764_000_000),
        spec_sha256: None,
        inputs,
    }
}

fn counts() -> Counts {
    Counts {
        legacy_files: 180,
        legacy_samples: 650_000,
        target_files: 20,
        profiles: 2,
    }
}

fn build(findings: &[Finding], provenance: &Provenance) -> Report {
    ira_report::report_json::build(ReportInput {
        findings,
        spec: None,
        scopes: &[],
        counts: counts(),
        provenance,
    })
}

fn render(c: &mut Criterion) {
    let findings = generate_findings(findings_wanted());
    let provenance = provenance();
    let report = build(&findings, &provenance);
    let summary = Summary {
        interface: Some("Bench: generated risk set".to_owned()),
        legacy_files: 180,
        legacy_samples: 650_000,
        target_files: 20,
        profiles: 2,
    };
    eprintln!(
        "render: {} findings, {} risks; json {} bytes",
        findings.len(),
        report.risks.len(),
        ira_report::report_json::json(&report).len()
    );

    let mut c = std::mem::take(c)
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    let mut g = c.benchmark_group("render");
    g.throughput(Throughput::Elements(findings.len() as u64));
    g.bench_function("register_build", |b| {
        b.iter(|| build(black_box(&findings), &provenance))
    });
    g.bench_function("json", |b| {
        b.iter(|| ira_report::report_json::json(black_box(&report)))
    });
    g.bench_function("csv", |b| {
        b.iter(|| ira_report::csv::csv(black_box(&report)))
    });
    g.bench_function("markdown", |b| {
        b.iter(|| ira_report::markdown::markdown(black_box(&report)))
    });
    g.bench_function("sarif", |b| {
        b.iter(|| ira_report::sarif::sarif(black_box(&report)))
    });
    g.bench_function("junit", |b| {
        b.iter(|| ira_report::junit::junit(black_box(&report), RiskSeverity::Medium))
    });
    g.bench_function("findings_text", |b| {
        b.iter(|| ira_report::findings::text(&summary, black_box(&findings)))
    });
    g.finish();
}

criterion_group!(benches, render);
criterion_main!(benches);
