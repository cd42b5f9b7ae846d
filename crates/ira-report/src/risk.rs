//! Risk items: the findings of an analysis turned into entries of a go-live risk
//! register (stable id, owner, effort, recommendation, status), and the readiness score
//! with its go / no-go.
//!
//! Everything here is derived from [`Finding`]s, which carry counts, paths, PHI-free
//! details and positions only, so a risk item never carries a sample value.
//!
//! Formulas (also in `docs/report-format.md`):
//!
//! * **id**: `<rule>-<12 hex>`, the hex being the top 48 bits of the FNV-1a 64 hash of
//!   rule, scope, source path, target path and detail (each followed by a separator, an
//!   absent path hashed differently from an empty one). Nothing else enters the hash,
//!   so the id survives reruns, sample order and thread count.
//! * **owner role**: terminology → `terminology`; patient-safety → `clinical
//!   informatics`; data-loss, data-quality, structure, compliance → `interface analyst`.
//! * **effort**: by category (data-quality S; data-loss, terminology, structure,
//!   compliance M; patient-safety L), one step up when at least half of the samples of
//!   the scope are affected, one step down when under 5% are (S and L are the bounds).
//! * **readiness** of a scope: 100 minus, for each open risk of the scope,
//!   `weight(severity) × (0.5 + 0.5 × likelihood)`, with weights critical 40, high 15,
//!   medium 5, low 1, info 0; floored at 0 and rounded to an integer. Any open risk
//!   costs at least half its weight: a rare critical problem still blocks. Accepted
//!   risks cost nothing. The interface's score is that of its weakest scope.

use std::collections::BTreeMap;

use serde::Serialize;

use ira_analyze::rules::{Category, Finding, RiskSeverity, find};
use ira_analyze::spec::{Accepted, Date, Thresholds};

/// One entry of the risk register.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RiskItem {
    /// Stable id: `IRA401-3f9c2a1b7d04` (see the module doc).
    pub id: String,
    /// The rule id (`IRA401`).
    pub rule: String,
    /// The rule name (`message-structure-violation`).
    pub rule_name: String,
    /// The risk in the words of a project plan: the rule's title, scope and paths.
    pub title: String,
    /// `data-loss`, `terminology`, `data-quality`, `structure`, `compliance`,
    /// `patient-safety`.
    pub category: String,
    /// The finding's severity (the rule's default scaled by the observed rate).
    pub severity: RiskSeverity,
    /// Share of the scope's samples affected, 0–1 (4 decimals).
    pub likelihood: f64,
    pub patient_safety: bool,
    /// Message structures or resource types concerned.
    pub scope: Vec<String>,
    /// Where in the legacy data, if the finding names a path.
    pub source: Option<SourceRef>,
    /// Where in the target, if the finding names a path.
    pub target: Option<TargetRef>,
    /// What exactly, in codes and names of the standards (never values).
    pub detail: String,
    pub evidence: RiskEvidence,
    /// The mitigation task (the rule's fix).
    pub recommendation: String,
    /// `interface analyst`, `terminology`, `clinical informatics`.
    pub owner_role: String,
    pub effort: Effort,
    pub status: Status,
    /// The acceptance that applies or applied (an expired one leaves the risk open).
    pub acceptance: Option<Acceptance>,
    /// Why the status is what it is, when that needs saying (an expired acceptance).
    pub note: Option<String>,
}

/// A path in the legacy data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SourceRef {
    /// `hl7v2` or `fhir-r4`, told from the path notation.
    pub standard: String,
    pub path: String,
}

/// A path in the target.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TargetRef {
    pub standard: String,
    pub path: String,
    /// The canonical URL of the one loaded target profile (StructureDefinition) that
    /// constrains the path's resource type; `None` when none or several do.
    pub profile: Option<String>,
}

/// Counts and positions behind a risk.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RiskEvidence {
    pub affected: u64,
    pub total: u64,
    /// `affected / total`, 4 decimals.
    pub rate: f64,
    pub examples: Vec<Example>,
}

/// One place a risk was seen.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Example {
    pub file: String,
    /// 1-based message or resource number in the file.
    pub message: Option<u32>,
    pub line: u32,
    /// Byte offset in the file.
    pub offset: u64,
    /// MSH-10 of the v2 message (read back from the file by the caller; `None` for
    /// FHIR and when unknown).
    pub control_id: Option<String>,
    /// The sample value at this position: only with `--show-values`, otherwise absent
    /// from the JSON.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// Rough size of the mitigation work.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum Effort {
    /// Small: a configuration or map row.
    S,
    /// Medium: work with the sender or target team.
    M,
    /// Large: a change on a system, or clinical review.
    L,
}

/// Whether a risk still counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Counts in readiness and the gate.
    Open,
    /// Accepted by a live `[[accepted]]` entry of the spec: listed, not counted.
    Accepted,
}

/// The spec's `[[accepted]]` entry that matched a risk.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Acceptance {
    pub justification: String,
    pub owner: String,
    /// `YYYY-MM-DD`, inclusive.
    pub expires: String,
    pub expired: bool,
}

/// The stable id of a finding's risk (see the module doc).
pub fn risk_id(f: &Finding) -> String {
    let mut h = Fnv::new();
    h.part(Some(f.rule));
    h.part(Some(&f.scope));
    h.part(f.source.as_deref());
    h.part(f.target.as_deref());
    h.part(Some(&f.detail));
    format!("{}-{:012x}", f.rule, h.0 >> 16)
}

/// FNV-1a 64: fixed, tiny, and independent of the platform and of Rust's `Hash`.
struct Fnv(u64);

impl Fnv {
    fn new() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
    fn bytes(&mut self, b: &[u8]) {
        for &c in b {
            self.0 ^= u64::from(c);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    /// A part and its separator; `None` hashes as 0x01, which no path or detail holds.
    fn part(&mut self, s: Option<&str>) {
        match s {
            Some(s) => self.bytes(s.as_bytes()),
            None => self.bytes(&[1]),
        }
        self.bytes(&[0]);
    }
}

/// `hl7v2` for a v2 path (`PID-3.4`, `OBX[2]-5`, `MSH`), else `fhir-r4`.
fn standard_of(path: &str) -> &'static str {
    let b = path.as_bytes();
    let seg = b.len() >= 3
        && b[0].is_ascii_uppercase()
        && b[1..3]
            .iter()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
    if seg && matches!(b.get(3), None | Some(b'-') | Some(b'[')) {
        "hl7v2"
    } else {
        "fhir-r4"
    }
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

fn owner_role(c: Category) -> &'static str {
    match c {
        Category::Terminology => "terminology",
        Category::PatientSafety => "clinical informatics",
        Category::DataLoss | Category::DataQuality | Category::Structure | Category::Compliance => {
            "interface analyst"
        }
    }
}

fn effort(c: Category, rate: f64) -> Effort {
    let base = match c {
        Category::DataQuality => Effort::S,
        Category::PatientSafety => Effort::L,
        Category::DataLoss | Category::Terminology | Category::Structure | Category::Compliance => {
            Effort::M
        }
    };
    if rate >= 0.5 {
        match base {
            Effort::S => Effort::M,
            _ => Effort::L,
        }
    } else if rate < 0.05 {
        match base {
            Effort::L => Effort::M,
            _ => Effort::S,
        }
    } else {
        base
    }
}

/// Collapses runs of whitespace (rule docs are wrapped source text).
fn squeeze(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Whether `path` is `limit` or lies under it (`PID-5` covers `PID-5.1`, not `PID-50`).
fn path_within(path: &str, limit: &str) -> bool {
    path.strip_prefix(limit)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with(['.', '[', '-']))
}

fn acceptance_matches(a: &Accepted, item: &RiskItem) -> bool {
    let who = match (&a.rule, &a.risk) {
        (Some(r), _) => r.eq_ignore_ascii_case(&item.rule) || *r == item.rule_name,
        (None, Some(id)) => *id == item.id,
        (None, None) => false,
    };
    let place = match &a.path {
        None => true,
        Some(p) => {
            item.source
                .as_ref()
                .is_some_and(|s| path_within(&s.path, p))
                || item
                    .target
                    .as_ref()
                    .is_some_and(|t| path_within(&t.path, p))
        }
    };
    who && place
}

/// One risk item per finding, sorted by rule, scope, source, target, detail (so the
/// order of `findings` does not matter), with status from `accepted` as of `today`.
pub fn build_risks(findings: &[Finding], accepted: &[Accepted], today: Date) -> Vec<RiskItem> {
    let mut sorted: Vec<&Finding> = findings.iter().collect();
    sorted.sort_by(|a, b| {
        (a.rule, &a.scope, &a.source, &a.target, &a.detail)
            .cmp(&(b.rule, &b.scope, &b.source, &b.target, &b.detail))
    });
    sorted
        .into_iter()
        .map(|f| {
            let mut item = risk_item(f);
            apply_acceptance(&mut item, accepted, today);
            item
        })
        .collect()
}

fn risk_item(f: &Finding) -> RiskItem {
    let meta = find(f.rule);
    let rate = if f.total == 0 {
        0.0
    } else {
        f.affected as f64 / f.total as f64
    };
    let category = meta.map_or(Category::Structure, |m| m.category);
    let mut title = format!(
        "{}: {}",
        meta.map_or(f.rule, |m| m.title),
        if f.scope.is_empty() { "all" } else { &f.scope }
    );
    match (&f.source, &f.target) {
        (Some(s), Some(t)) => title.push_str(&format!(" {s} → {t}")),
        (Some(p), None) | (None, Some(p)) => title.push_str(&format!(" {p}")),
        (None, None) => {}
    }
    RiskItem {
        id: risk_id(f),
        rule: f.rule.to_owned(),
        rule_name: f.name.to_owned(),
        title,
        category: category.as_str().to_owned(),
        severity: f.severity,
        likelihood: round4(rate),
        patient_safety: meta.is_some_and(|m| m.patient_safety),
        scope: vec![f.scope.clone()],
        source: f.source.as_ref().map(|p| SourceRef {
            standard: standard_of(p).to_owned(),
            path: p.clone(),
        }),
        target: f.target.as_ref().map(|p| TargetRef {
            standard: standard_of(p).to_owned(),
            path: p.clone(),
            profile: None,
        }),
        detail: f.detail.clone(),
        evidence: RiskEvidence {
            affected: f.affected,
            total: f.total,
            rate: round4(rate),
            examples: f
                .examples
                .iter()
                .map(|e| Example {
                    file: e.file.clone(),
                    message: e.message,
                    line: e.line,
                    offset: e.offset,
                    control_id: None,
                    value: None,
                })
                .collect(),
        },
        recommendation: meta.map(|m| squeeze(m.doc.fix)).unwrap_or_default(),
        owner_role: owner_role(category).to_owned(),
        effort: effort(category, rate),
        status: Status::Open,
        acceptance: None,
        note: None,
    }
}

/// A live acceptance wins over an expired one; among equals, the spec's order.
fn apply_acceptance(item: &mut RiskItem, accepted: &[Accepted], today: Date) {
    let matching: Vec<&Accepted> = accepted
        .iter()
        .filter(|a| acceptance_matches(a, item))
        .collect();
    let chosen = matching
        .iter()
        .find(|a| !a.is_expired(today))
        .or_else(|| matching.first());
    if let Some(a) = chosen {
        let expired = a.is_expired(today);
        item.acceptance = Some(Acceptance {
            justification: a.justification.clone(),
            owner: a.owner.clone(),
            expires: a.expires.to_string(),
            expired,
        });
        if expired {
            item.status = Status::Open;
            item.note = Some(format!(
                "acceptance expired on {}; the risk counts again",
                a.expires
            ));
        } else {
            item.status = Status::Accepted;
        }
    }
}

/// Readiness weight of one severity.
fn weight(s: RiskSeverity) -> u64 {
    match s {
        RiskSeverity::Critical => 40,
        RiskSeverity::High => 15,
        RiskSeverity::Medium => 5,
        RiskSeverity::Low => 1,
        RiskSeverity::Info => 0,
    }
}

/// What an open risk costs, in hundredths of a point (integers keep sums exact).
fn penalty_hundredths(r: &RiskItem) -> u64 {
    // weight × (0.5 + 0.5 × likelihood) × 100 = weight × (50 + 50 × likelihood)
    let l = r.likelihood.clamp(0.0, 1.0);
    (weight(r.severity) as f64 * (50.0 + 50.0 * l)).round() as u64
}

/// A readiness score and what pulls it down.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Score {
    /// 0–100.
    pub score: u8,
    /// Open risks by severity.
    pub open: SeverityCounts,
    /// Accepted risks (they cost nothing).
    pub accepted: u64,
    /// The open risks that cost points, most costly first (then by id).
    pub pulled_down_by: Vec<Penalty>,
}

/// What one open risk costs.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Penalty {
    pub risk: String,
    pub severity: RiskSeverity,
    /// Points subtracted, 2 decimals.
    pub points: f64,
}

/// Counts per severity.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SeverityCounts {
    pub critical: u64,
    pub high: u64,
    pub medium: u64,
    pub low: u64,
    pub info: u64,
}

impl SeverityCounts {
    fn add(&mut self, s: RiskSeverity) {
        match s {
            RiskSeverity::Critical => self.critical += 1,
            RiskSeverity::High => self.high += 1,
            RiskSeverity::Medium => self.medium += 1,
            RiskSeverity::Low => self.low += 1,
            RiskSeverity::Info => self.info += 1,
        }
    }
}

/// The score of a set of risks (see the module doc for the formula).
pub fn score<'a>(risks: impl IntoIterator<Item = &'a RiskItem>) -> Score {
    let mut open = SeverityCounts::default();
    let mut accepted = 0;
    let mut pens: Vec<(u64, &RiskItem)> = Vec::new();
    for r in risks {
        if r.status == Status::Accepted {
            accepted += 1;
            continue;
        }
        open.add(r.severity);
        let p = penalty_hundredths(r);
        if p > 0 {
            pens.push((p, r));
        }
    }
    let total: u64 = pens.iter().map(|(p, _)| p).sum();
    let left = 10_000u64.saturating_sub(total);
    // Round half up, in integers.
    let score = ((left + 50) / 100).min(100) as u8;
    pens.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.id.cmp(&b.1.id)));
    Score {
        score,
        open,
        accepted,
        pulled_down_by: pens
            .into_iter()
            .map(|(p, r)| Penalty {
                risk: r.id.clone(),
                severity: r.severity,
                points: p as f64 / 100.0,
            })
            .collect(),
    }
}

/// Readiness of the interface and of each scope, with the go / no-go.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Readiness {
    /// The whole interface: the score and `pulled_down_by` of its weakest scope, the
    /// counts (`open`, `accepted`) of every risk.
    pub interface: Score,
    /// The scope that sets the interface's score; `None` without scopes.
    pub weakest_scope: Option<String>,
    /// Per message structure or resource type, by name.
    pub scopes: BTreeMap<String, Score>,
    /// Go / no-go against the spec's `[thresholds]`; `None` without thresholds.
    pub gate: Option<Gate>,
}

/// The go / no-go decision.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Gate {
    /// `go` or `no-go`.
    pub decision: Decision,
    /// Each threshold given, with what was found.
    pub checks: Vec<Check>,
}

/// Go or no-go.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Decision {
    /// Every threshold passes.
    Go,
    /// At least one threshold fails.
    NoGo,
}

/// One threshold held against the run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Check {
    /// `max_critical`, `max_high`, `min_readiness`, `fail_on`.
    pub threshold: String,
    /// The limit, as written in the spec (`0`, `80`, `high`).
    pub limit: String,
    /// What the run has (a count, a score, or the open risks at or above `fail_on`).
    pub actual: String,
    pub pass: bool,
}

/// Readiness of `risks`. `scopes` adds scopes seen without risks (they score 100).
pub fn readiness(
    risks: &[RiskItem],
    scopes: &[String],
    thresholds: Option<&Thresholds>,
) -> Readiness {
    let mut names: Vec<&str> = scopes.iter().map(String::as_str).collect();
    names.extend(
        risks
            .iter()
            .flat_map(|r| r.scope.iter().map(String::as_str)),
    );
    names.sort_unstable();
    names.dedup();
    let scopes: BTreeMap<String, Score> = names
        .into_iter()
        .map(|s| {
            (
                s.to_owned(),
                score(risks.iter().filter(|r| r.scope.iter().any(|x| x == s))),
            )
        })
        .collect();
    // The interface is as ready as its weakest scope (the first by name among equals).
    // Summing every scope's risks would drive any real interface to 0 and make
    // `min_readiness` useless.
    let weakest = scopes
        .iter()
        .min_by_key(|(_, sc)| sc.score)
        .map(|(name, sc)| (name.clone(), sc.clone()));
    let all = score(risks);
    let interface = match &weakest {
        Some((_, w)) => Score {
            score: w.score,
            open: all.open,
            accepted: all.accepted,
            pulled_down_by: w.pulled_down_by.clone(),
        },
        None => all,
    };
    let weakest_scope = weakest.map(|(name, _)| name);
    let gate = thresholds.and_then(|t| gate(risks, &interface, t));
    Readiness {
        interface,
        weakest_scope,
        scopes,
        gate,
    }
}

/// The go / no-go; `None` when no threshold is set.
fn gate(risks: &[RiskItem], interface: &Score, t: &Thresholds) -> Option<Gate> {
    let mut checks = Vec::new();
    if let Some(max) = t.max_critical {
        checks.push(Check {
            threshold: "max_critical".into(),
            limit: max.to_string(),
            actual: interface.open.critical.to_string(),
            pass: interface.open.critical <= u64::from(max),
        });
    }
    if let Some(max) = t.max_high {
        checks.push(Check {
            threshold: "max_high".into(),
            limit: max.to_string(),
            actual: interface.open.high.to_string(),
            pass: interface.open.high <= u64::from(max),
        });
    }
    if let Some(min) = t.min_readiness {
        checks.push(Check {
            threshold: "min_readiness".into(),
            limit: min.0.to_string(),
            actual: interface.score.to_string(),
            pass: interface.score >= min.0,
        });
    }
    if let Some(level) = t.fail_on {
        let n = risks
            .iter()
            .filter(|r| r.status == Status::Open && r.severity >= level)
            .count();
        checks.push(Check {
            threshold: "fail_on".into(),
            limit: level.as_str().into(),
            actual: n.to_string(),
            pass: n == 0,
        });
    }
    if checks.is_empty() {
        return None;
    }
    let decision = if checks.iter().all(|c| c.pass) {
        Decision::Go
    } else {
        Decision::NoGo
    };
    Some(Gate { decision, checks })
}
