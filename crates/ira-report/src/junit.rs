//! The risk report as JUnit XML (`ira analyze --format junit`), for CI dashboards
//! (GitLab, Jenkins, Azure DevOps and the like show it as test results).
//!
//! - one `<testsuite>` per rule of the catalogue (plus any rule a risk names that the
//!   catalogue does not know), named `IRA201 code-not-in-vocabulary`;
//! - in each, one `<testcase>` per scope of the report (message structure or resource
//!   type, `classname` `ira.IRA201`), so a dashboard shows which rule × scope pairs pass;
//! - a test case **fails** when the scope has open risks of the rule at or above the
//!   threshold (default [`DEFAULT_THRESHOLD`], medium), with a `<failure>` listing those
//!   risks (id, severity, title, detail, counts, where seen);
//! - otherwise it is **skipped** when the scope has accepted risks of the rule (listed
//!   with owner and expiry in the `<skipped>` message), and passes otherwise; open
//!   risks below the threshold are listed in `<system-out>`.
//!
//! Written by hand (no XML crate at run time) with the five XML escapes and the
//! characters XML 1.0 forbids replaced by U+FFFD; times are 0 and the timestamp is the
//! report's, so the same report gives the same bytes. Risks carry no sample values.

use std::fmt::Write as _;

use ira_analyze::rules::{RiskSeverity, all};

use crate::report_json::Report;
use crate::risk::{RiskItem, Status};

/// The threshold a test case fails at when none is given: medium.
pub const DEFAULT_THRESHOLD: RiskSeverity = RiskSeverity::Medium;

/// `s` escaped for XML text and attribute values (double or single quoted). Characters
/// XML 1.0 does not allow become U+FFFD; in attributes, tab and line breaks become
/// character references so a parser gives them back unchanged.
pub fn escape(s: &str, attribute: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' if attribute => {
                let _ = write!(out, "&#{};", u32::from(c));
            }
            '\t' | '\n' | '\r' => out.push(c),
            c if u32::from(c) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// One rule × scope: what the test case reports.
struct Case<'a> {
    scope: &'a str,
    failing: Vec<&'a RiskItem>,
    accepted: Vec<&'a RiskItem>,
    below: Vec<&'a RiskItem>,
}

fn risk_line(r: &RiskItem) -> String {
    let mut s = format!(
        "{} [{}] {}: {}; {} of {} samples affected ({:.1}%)",
        r.id,
        r.severity.as_str(),
        r.title,
        r.detail,
        r.evidence.affected,
        r.evidence.total,
        r.evidence.rate * 100.0
    );
    if !r.evidence.examples.is_empty() {
        let seen: Vec<String> = r
            .evidence
            .examples
            .iter()
            .map(|e| format!("{}:{}", e.file, e.line))
            .collect();
        let _ = write!(s, "; seen at {}", seen.join(", "));
    }
    if let Some(n) = &r.note {
        let _ = write!(s, "; {n}");
    }
    s
}

fn accepted_line(r: &RiskItem) -> String {
    match &r.acceptance {
        Some(a) => format!(
            "{} [{}] accepted by {} until {}: {}",
            r.id,
            r.severity.as_str(),
            a.owner,
            a.expires,
            a.justification
        ),
        None => format!("{} [{}] accepted", r.id, r.severity.as_str()),
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The report as JUnit XML: a test case fails when its rule has open risks at or
/// above `threshold` in its scope (see the module doc).
pub fn junit(report: &Report, threshold: RiskSeverity) -> String {
    // Rules: the catalogue, then unknown rule ids in the order risks name them.
    let mut rules: Vec<(String, String)> = all()
        .into_iter()
        .map(|m| (m.id.to_owned(), m.name.to_owned()))
        .collect();
    for r in &report.risks {
        if !rules.iter().any(|(id, _)| *id == r.rule) {
            rules.push((r.rule.clone(), r.rule_name.clone()));
        }
    }
    let scopes: Vec<&str> = report.readiness.scopes.keys().map(String::as_str).collect();
    let ts = escape(&report.generated_at, true);
    let thr = threshold.as_str();

    let mut suites = String::new();
    let (mut tests, mut failures, mut skipped) = (0usize, 0usize, 0usize);
    for (id, name) in &rules {
        let cases: Vec<Case<'_>> = scopes
            .iter()
            .map(|&scope| {
                let mut c = Case {
                    scope,
                    failing: Vec::new(),
                    accepted: Vec::new(),
                    below: Vec::new(),
                };
                for r in report
                    .risks
                    .iter()
                    .filter(|r| r.rule == *id && r.scope.iter().any(|s| s == scope))
                {
                    match r.status {
                        Status::Accepted => c.accepted.push(r),
                        Status::Open if r.severity >= threshold => c.failing.push(r),
                        Status::Open => c.below.push(r),
                    }
                }
                c
            })
            .collect();
        let f = cases.iter().filter(|c| !c.failing.is_empty()).count();
        let s = cases
            .iter()
            .filter(|c| c.failing.is_empty() && !c.accepted.is_empty())
            .count();
        tests += cases.len();
        failures += f;
        skipped += s;
        let _ = writeln!(
            suites,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{f}\" errors=\"0\" skipped=\"{s}\" time=\"0\" timestamp=\"{ts}\">",
            escape(&format!("{id} {name}"), true),
            cases.len(),
        );
        let _ = writeln!(
            suites,
            "    <properties>\n      <property name=\"threshold\" value=\"{thr}\"/>\n    </properties>"
        );
        for c in &cases {
            let _ = write!(
                suites,
                "    <testcase name=\"{}\" classname=\"{}\" time=\"0\"",
                escape(c.scope, true),
                escape(&format!("ira.{id}"), true),
            );
            let mut body = String::new();
            if !c.failing.is_empty() {
                let worst = c
                    .failing
                    .iter()
                    .map(|r| r.severity)
                    .max()
                    .unwrap_or(threshold);
                let lines: Vec<String> = c.failing.iter().map(|r| risk_line(r)).collect();
                let _ = writeln!(
                    body,
                    "      <failure message=\"{}\" type=\"{}\">{}</failure>",
                    escape(
                        &format!(
                            "{} at or above {thr}",
                            plural(c.failing.len(), "open risk", "open risks")
                        ),
                        true
                    ),
                    worst.as_str(),
                    escape(&lines.join("\n"), false),
                );
            } else if !c.accepted.is_empty() {
                let lines: Vec<String> = c.accepted.iter().map(|r| accepted_line(r)).collect();
                let _ = writeln!(
                    body,
                    "      <skipped message=\"{}\"/>",
                    escape(
                        &format!(
                            "{}: {}",
                            plural(c.accepted.len(), "accepted risk", "accepted risks"),
                            lines.join("; ")
                        ),
                        true
                    ),
                );
            }
            // Accepted risks next to a failure, and open risks under the threshold,
            // are still worth seeing on the dashboard.
            let mut notes: Vec<String> = Vec::new();
            if !c.failing.is_empty() {
                notes.extend(c.accepted.iter().map(|r| accepted_line(r)));
            }
            notes.extend(
                c.below
                    .iter()
                    .map(|r| format!("below {thr}: {}", risk_line(r))),
            );
            if !notes.is_empty() {
                let _ = writeln!(
                    body,
                    "      <system-out>{}</system-out>",
                    escape(&notes.join("\n"), false)
                );
            }
            if body.is_empty() {
                suites.push_str("/>\n");
            } else {
                suites.push_str(">\n");
                suites.push_str(&body);
                suites.push_str("    </testcase>\n");
            }
        }
        suites.push_str("  </testsuite>\n");
    }

    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"{}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\" time=\"0\" timestamp=\"{ts}\">",
        escape(
            &match &report.interface {
                Some(i) => format!("ira: {i}"),
                None => "ira".to_owned(),
            },
            true
        ),
    );
    out.push_str(&suites);
    out.push_str("</testsuites>\n");
    out
}
