//! The risk register as CSV (`ira analyze --format csv`): one row a risk, with the
//! columns issue trackers and plan tools import (Jira, GitHub issue importers,
//! spreadsheets, MS Project): `ID, Summary, Description, Priority, Labels, Owner,
//! Effort, Status`.
//!
//! RFC 4180: comma separated, CRLF between records, a field quoted when it holds a
//! comma, quote, CR or LF (quotes doubled). UTF-8 without a byte order mark. Inside
//! the Description, lines are separated by LF. Written by hand: the format is small and
//! this keeps the crate free of another dependency.
//!
//! Like every format, it renders a [`Report`] and so carries no sample values.

use ira_analyze::rules::RiskSeverity;

use crate::report_json::Report;
use crate::risk::{RiskItem, Status};

/// The header row.
pub const COLUMNS: [&str; 8] = [
    "ID",
    "Summary",
    "Description",
    "Priority",
    "Labels",
    "Owner",
    "Effort",
    "Status",
];

/// The report's risks as CSV: the header, then one record per risk in the report's
/// order (rule, scope, paths, detail). Every record ends with CRLF.
pub fn csv(report: &Report) -> String {
    let mut out = String::new();
    record(&mut out, COLUMNS.iter().map(|s| (*s).to_owned()));
    for r in &report.risks {
        record(&mut out, row(r));
    }
    out
}

/// The cells of one risk, in [`COLUMNS`] order.
fn row(r: &RiskItem) -> [String; 8] {
    [
        r.id.clone(),
        r.title.clone(),
        description(r),
        priority(r.severity).to_owned(),
        labels(r),
        r.owner_role.clone(),
        format!("{:?}", r.effort),
        match r.status {
            Status::Open => "Open",
            Status::Accepted => "Accepted",
        }
        .to_owned(),
    ]
}

/// Jira's default priority names, which other trackers map easily.
pub fn priority(s: RiskSeverity) -> &'static str {
    match s {
        RiskSeverity::Critical => "Highest",
        RiskSeverity::High => "High",
        RiskSeverity::Medium => "Medium",
        RiskSeverity::Low => "Low",
        RiskSeverity::Info => "Lowest",
    }
}

/// Space-separated labels without spaces (Jira splits labels on spaces): `ira`, the
/// rule id, the category, the scopes, `severity-…`, and `patient-safety` when flagged.
fn labels(r: &RiskItem) -> String {
    let mut l: Vec<String> = vec![
        "ira".to_owned(),
        r.rule.clone(),
        r.category.clone(),
        format!("severity-{}", r.severity.as_str()),
    ];
    if r.patient_safety && r.category != "patient-safety" {
        l.push("patient-safety".to_owned());
    }
    l.extend(r.scope.iter().filter(|s| !s.is_empty()).map(|s| {
        s.chars()
            .map(|c| if c.is_whitespace() { '-' } else { c })
            .collect::<String>()
    }));
    l.join(" ")
}

/// How many example positions the Description lists.
const MAX_PLACES: usize = 3;

/// Detail, rule, paths, evidence counts, first places, recommendation, acceptance.
fn description(r: &RiskItem) -> String {
    let mut lines: Vec<String> = Vec::new();
    lines.push(format!("Detail: {}", r.detail));
    lines.push(format!(
        "Rule: {} {} ({}{})",
        r.rule,
        r.rule_name,
        r.category,
        if r.patient_safety && r.category != "patient-safety" {
            ", patient safety"
        } else {
            ""
        }
    ));
    lines.push(format!(
        "Severity: {}; likelihood {}",
        r.severity.as_str(),
        percent(r.likelihood)
    ));
    if !r.scope.is_empty() {
        lines.push(format!("Scope: {}", r.scope.join(", ")));
    }
    if let Some(s) = &r.source {
        lines.push(format!("Source: {} ({})", s.path, s.standard));
    }
    if let Some(t) = &r.target {
        let profile = t
            .profile
            .as_ref()
            .map(|p| format!(", profile {p}"))
            .unwrap_or_default();
        lines.push(format!("Target: {} ({}{profile})", t.path, t.standard));
    }
    let e = &r.evidence;
    lines.push(format!(
        "Evidence: {} of {} samples ({})",
        e.affected,
        e.total,
        percent(e.rate)
    ));
    if !e.examples.is_empty() {
        let places: Vec<String> = e
            .examples
            .iter()
            .take(MAX_PLACES)
            .map(|x| {
                let sample = x
                    .message
                    .map(|m| format!("sample {m}, "))
                    .unwrap_or_default();
                format!("{} ({sample}line {})", x.file, x.line)
            })
            .collect();
        lines.push(format!("Seen at: {}", places.join("; ")));
    }
    if !r.recommendation.is_empty() {
        lines.push(format!("Recommendation: {}", r.recommendation));
    }
    if let Some(a) = &r.acceptance {
        lines.push(format!(
            "Acceptance{}: {} (owner {}, expires {})",
            if a.expired { " (expired)" } else { "" },
            a.justification,
            a.owner,
            a.expires
        ));
    }
    if let Some(n) = &r.note {
        lines.push(format!("Note: {n}"));
    }
    lines.join("\n")
}

/// `0.6` → `60%`, `0.02` → `2%`, `0.0025` → `0.25%` (whole percent when exact).
pub(crate) fn percent(x: f64) -> String {
    let p = (x * 10_000.0).round() / 100.0;
    let s = format!("{p:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    format!("{s}%")
}

fn record<I: IntoIterator<Item = String>>(out: &mut String, cells: I) {
    for (i, c) in cells.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        field(out, &c);
    }
    out.push_str("\r\n");
}

/// One field, quoted when needed. A field that a spreadsheet would run as a formula
/// (leading `=`, `+`, `-`, `@`, tab, CR) gets a leading `'`: no risk text starts so
/// today, and a register must never turn into code when opened.
fn field(out: &mut String, s: &str) {
    let formula = s.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let quote = formula || s.contains([',', '"', '\r', '\n']);
    if quote {
        out.push('"');
    }
    if formula {
        out.push('\'');
    }
    for c in s.chars() {
        if c == '"' {
            out.push('"');
        }
        out.push(c);
    }
    if quote {
        out.push('"');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(s: &str) -> String {
        let mut o = String::new();
        field(&mut o, s);
        o
    }

    #[test]
    fn fields_are_quoted_only_when_needed() {
        assert_eq!(one("plain text"), "plain text");
        assert_eq!(one("a,b"), "\"a,b\"");
        assert_eq!(one("say \"x\""), "\"say \"\"x\"\"\"");
        assert_eq!(one("l1\nl2"), "\"l1\nl2\"");
        assert_eq!(one("=1+1"), "\"'=1+1\"");
        assert_eq!(one(""), "");
    }

    #[test]
    fn percentages() {
        assert_eq!(percent(0.6), "60%");
        assert_eq!(percent(0.02), "2%");
        assert_eq!(percent(0.0025), "0.25%");
        assert_eq!(percent(1.0), "100%");
        assert_eq!(percent(0.0), "0%");
        assert_eq!(percent(0.3333), "33.33%");
    }
}
