//! The risk report as SARIF 2.1.0 (`ira analyze --format sarif`), for code-scanning
//! dashboards (GitHub code scanning, Azure DevOps, IDE viewers).
//!
//! - `runs[0].tool.driver.rules`: the whole rule catalogue, each rule with its title,
//!   what it finds, its why / fix / example as Markdown help, and its category,
//!   patient-safety flag and default level as properties;
//! - `runs[0].results`: one per risk, located in the sample files by the risk's
//!   evidence examples (the first in `locations`, the others in `relatedLocations`;
//!   file as the run named it, line, byte offset), with the stable
//!   risk id as partial fingerprint so dashboards follow a risk across runs. Accepted
//!   risks carry an external `accepted` suppression with its justification.
//!
//! With a baseline (`--baseline`), every result carries `baselineState`: `new` for
//! the report's risks (the new ones), and each resolved risk of the baseline is an
//! `absent` result (level `none`, no location).
//!
//! Levels: critical and high → `error`, medium → `warning`, low and info → `note`.
//! Results carry counts, paths and standard vocabulary only, never a sample value.
//! Written with serde (no SARIF crate): the same report gives the same bytes.

use serde::Serialize;

use ira_analyze::rules::{RiskSeverity, RuleMeta, all};

use crate::baseline::ResolvedRisk;
use crate::report_json::Report;
use crate::risk::{Example, RiskItem, Status};

/// The `$schema` of SARIF 2.1.0 documents.
pub const SARIF_SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// The key of the risk id in `partialFingerprints`.
pub const FINGERPRINT_KEY: &str = "iraRiskId/v1";

/// The SARIF level of a severity: critical and high → `error`, medium → `warning`,
/// low and info → `note`.
pub fn level(s: RiskSeverity) -> &'static str {
    match s {
        RiskSeverity::Critical | RiskSeverity::High => "error",
        RiskSeverity::Medium => "warning",
        RiskSeverity::Low | RiskSeverity::Info => "note",
    }
}

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool<'a>,
    /// Where the run's URIs are relative to: the directory `ira` ran in.
    original_uri_base_ids: UriBases,
    results: Vec<SarifResult<'a>>,
    properties: RunProperties<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
struct UriBases {
    srcroot: BaseLocation,
}

/// An artifactLocation without a URI: the base is wherever `ira` ran.
#[derive(Serialize)]
struct BaseLocation {
    description: Description,
}

#[derive(Serialize)]
struct Description {
    text: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RunProperties<'a> {
    schema: &'static str,
    generated_at: &'a str,
    interface: Option<&'a str>,
    readiness: u8,
}

#[derive(Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver<'a> {
    name: &'static str,
    version: &'a str,
    semantic_version: &'a str,
    rules: Vec<Rule>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    id: String,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    short_description: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    full_description: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    help: Option<Help>,
    default_configuration: Configuration,
    properties: RuleProperties,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct Help {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct RuleProperties {
    category: String,
    patient_safety: bool,
    default_severity: &'static str,
    tags: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'a str,
    rule_index: usize,
    level: &'static str,
    message: Text,
    /// The first example: code-scanning viewers show one location per result.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    locations: Vec<Location>,
    /// The other examples: independent occurrences, not places that all need a change.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<Location>,
    partial_fingerprints: Fingerprints<'a>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suppressions: Vec<Suppression<'a>>,
    /// Only with a baseline: `new` for the report's risks, `absent` for resolved ones.
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline_state: Option<&'static str>,
    properties: Properties<'a>,
}

/// A risk's properties, or the little a baseline says about a resolved one.
#[derive(Serialize)]
#[serde(untagged)]
enum Properties<'a> {
    Risk(ResultProperties<'a>),
    Resolved(ResolvedProperties<'a>),
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResolvedProperties<'a> {
    risk_id: &'a str,
    severity: &'static str,
    scope: &'a [String],
    status: &'static str,
}

#[derive(Serialize)]
struct Fingerprints<'a> {
    #[serde(rename = "iraRiskId/v1")]
    risk_id: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    physical_location: PhysicalLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Text>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
    byte_offset: u64,
}

#[derive(Serialize)]
struct Suppression<'a> {
    kind: &'static str,
    status: &'static str,
    justification: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResultProperties<'a> {
    risk_id: &'a str,
    severity: &'static str,
    scope: &'a [String],
    likelihood: f64,
    affected: u64,
    total: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    target: Option<&'a str>,
    owner_role: &'a str,
    effort: String,
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<&'a str>,
}

/// Collapses runs of whitespace (rule docs are wrapped source text).
fn squeeze(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn rule_of(m: &RuleMeta) -> Rule {
    let why = squeeze(m.doc.why);
    let fix = squeeze(m.doc.fix);
    let example = m.doc.example.trim();
    Rule {
        id: m.id.to_owned(),
        name: m.name.to_owned(),
        short_description: Some(Text {
            text: m.title.to_owned(),
        }),
        full_description: Some(Text {
            text: squeeze(m.doc.what),
        }),
        help: Some(Help {
            text: format!("Why: {why}\nFix: {fix}\nExample: {example}"),
            markdown: format!(
                "**Why it matters.** {why}\n\n**Fix.** {fix}\n\n**Example.** {example}"
            ),
        }),
        default_configuration: Configuration {
            level: level(m.severity),
        },
        properties: RuleProperties {
            category: m.category.as_str().to_owned(),
            patient_safety: m.patient_safety,
            default_severity: m.severity.as_str(),
            tags: {
                let mut t = vec![m.category.as_str().to_owned()];
                if m.patient_safety && m.category.as_str() != "patient-safety" {
                    t.push("patient-safety".to_owned());
                }
                t
            },
        },
    }
}

/// A rule a risk names that the catalogue does not know (a newer report): listed with
/// what the risk says, so every `ruleId` resolves in `driver.rules`.
fn unknown_rule(r: &RiskItem) -> Rule {
    Rule {
        id: r.rule.clone(),
        name: r.rule_name.clone(),
        short_description: None,
        full_description: None,
        help: None,
        default_configuration: Configuration {
            level: level(r.severity),
        },
        properties: RuleProperties {
            category: r.category.clone(),
            patient_safety: r.patient_safety,
            default_severity: r.severity.as_str(),
            tags: vec![r.category.clone()],
        },
    }
}

fn message(r: &RiskItem) -> String {
    let pct = r.evidence.rate * 100.0;
    let mut s = format!(
        "{}. {}: {} of {} samples affected ({pct:.1}%).",
        r.title, r.detail, r.evidence.affected, r.evidence.total
    );
    if r.status == Status::Accepted {
        s.push_str(" Accepted risk.");
    }
    if let Some(n) = &r.note {
        s.push_str(&format!(" Note: {n}."));
    }
    s
}

/// The SARIF artifact location of a file path as the run named it: a relative path
/// stays relative (to `SRCROOT`), an absolute one becomes a `file://` URI. Forward
/// slashes; bytes outside the URI path alphabet percent-encoded.
fn artifact(path: &str) -> ArtifactLocation {
    let p = path.replace('\\', "/");
    let mut uri = String::with_capacity(p.len());
    for b in p.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=:@".contains(&b) {
            uri.push(char::from(b));
        } else {
            uri.push_str(&format!("%{b:02X}"));
        }
    }
    let windows_drive = p.as_bytes().get(1) == Some(&b':');
    if p.starts_with('/') {
        ArtifactLocation {
            uri: format!("file://{uri}"),
            uri_base_id: None,
        }
    } else if windows_drive {
        ArtifactLocation {
            uri: format!("file:///{uri}"),
            uri_base_id: None,
        }
    } else {
        ArtifactLocation {
            uri,
            uri_base_id: Some("SRCROOT"),
        }
    }
}

/// Where an example was seen; related locations carry an id and say what they are.
fn location(e: &Example, id: Option<usize>) -> Location {
    Location {
        id,
        physical_location: PhysicalLocation {
            artifact_location: artifact(&e.file),
            region: Region {
                start_line: e.line.max(1),
                byte_offset: e.offset,
            },
        },
        message: id.map(|_| Text {
            text: "Also seen here.".to_owned(),
        }),
    }
}

fn result<'a>(r: &'a RiskItem, rule_index: usize) -> SarifResult<'a> {
    SarifResult {
        rule_id: &r.rule,
        rule_index,
        level: level(r.severity),
        message: Text { text: message(r) },
        locations: r
            .evidence
            .examples
            .iter()
            .take(1)
            .map(|e| location(e, None))
            .collect(),
        related_locations: r
            .evidence
            .examples
            .iter()
            .enumerate()
            .skip(1)
            .map(|(i, e)| location(e, Some(i)))
            .collect(),
        partial_fingerprints: Fingerprints { risk_id: &r.id },
        suppressions: match (&r.status, &r.acceptance) {
            (Status::Accepted, Some(a)) => vec![Suppression {
                kind: "external",
                status: "accepted",
                justification: &a.justification,
            }],
            _ => Vec::new(),
        },
        baseline_state: None,
        properties: Properties::Risk(ResultProperties {
            risk_id: &r.id,
            severity: r.severity.as_str(),
            scope: &r.scope,
            likelihood: r.likelihood,
            affected: r.evidence.affected,
            total: r.evidence.total,
            source: r.source.as_ref().map(|s| s.path.as_str()),
            target: r.target.as_ref().map(|t| t.path.as_str()),
            owner_role: &r.owner_role,
            effort: format!("{:?}", r.effort),
            status: match r.status {
                Status::Open => "open",
                Status::Accepted => "accepted",
            },
            note: r.note.as_deref(),
        }),
    }
}

/// A risk of the baseline this run no longer has: an `absent` result, without
/// locations (it is seen nowhere now).
fn absent<'a>(r: &'a ResolvedRisk, rule_index: usize) -> SarifResult<'a> {
    SarifResult {
        rule_id: &r.rule,
        rule_index,
        level: "none",
        message: Text {
            text: format!("Resolved since the baseline: {}.", r.title),
        },
        locations: Vec::new(),
        related_locations: Vec::new(),
        partial_fingerprints: Fingerprints { risk_id: &r.id },
        suppressions: Vec::new(),
        baseline_state: Some("absent"),
        properties: Properties::Resolved(ResolvedProperties {
            risk_id: &r.id,
            severity: r.severity.as_str(),
            scope: &r.scope,
            status: "resolved",
        }),
    }
}

/// The report as a SARIF 2.1.0 log (pretty JSON, ending with a newline).
pub fn sarif(report: &Report) -> String {
    let mut rules: Vec<Rule> = all().into_iter().map(rule_of).collect();
    for r in &report.risks {
        if !rules.iter().any(|x| x.id == r.rule) {
            rules.push(unknown_rule(r));
        }
    }
    let resolved: &[ResolvedRisk] = report
        .baseline
        .as_ref()
        .map_or(&[], |b| b.resolved.as_slice());
    for r in resolved {
        if !rules.iter().any(|x| x.id == r.rule) {
            rules.push(Rule {
                id: r.rule.clone(),
                name: r.rule.clone(),
                short_description: None,
                full_description: None,
                help: None,
                default_configuration: Configuration {
                    level: level(r.severity),
                },
                properties: RuleProperties {
                    category: String::new(),
                    patient_safety: false,
                    default_severity: r.severity.as_str(),
                    tags: Vec::new(),
                },
            });
        }
    }
    let with_baseline = report.baseline.is_some();
    let mut results: Vec<SarifResult<'_>> = report
        .risks
        .iter()
        .map(|r| {
            let idx = rules.iter().position(|x| x.id == r.rule).unwrap_or(0);
            let mut res = result(r, idx);
            if with_baseline {
                res.baseline_state = Some("new");
            }
            res
        })
        .collect();
    results.extend(resolved.iter().map(|r| {
        let idx = rules.iter().position(|x| x.id == r.rule).unwrap_or(0);
        absent(r, idx)
    }));
    let log = Log {
        schema: SARIF_SCHEMA,
        version: "2.1.0",
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: report.tool.name,
                    version: report.tool.version,
                    semantic_version: report.tool.version,
                    rules,
                },
            },
            original_uri_base_ids: UriBases {
                srcroot: BaseLocation {
                    description: Description {
                        text: "The directory ira ran in; sample paths are relative to it as given.",
                    },
                },
            },
            results,
            properties: RunProperties {
                schema: report.schema,
                generated_at: &report.generated_at,
                interface: report.interface.as_deref(),
                readiness: report.readiness.interface.score,
            },
        }],
    };
    let mut s = serde_json::to_string_pretty(&log).unwrap_or_else(|_| "{}".to_owned());
    s.push('\n');
    s
}
