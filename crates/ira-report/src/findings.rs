//! `ira analyze` output: the findings, for a person (text) and for machines (JSON).
//!
//! Findings carry counts, paths, codes of coded fields and positions — never other
//! sample values — so both formats are safe to paste into a ticket or a CI log.

use std::fmt::Write as _;

use serde::Serialize;

use ira_analyze::account::FileAccount;
use ira_analyze::rules::{Finding, RiskSeverity};

use crate::baseline::BaselineDiff;

/// The JSON schema id of `ira analyze --format json` (until the risk report of
/// `ira.report/1` replaces it).
pub const JSON_SCHEMA: &str = "ira.findings/1";

/// What was analysed, for the heading.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Summary {
    /// The interface name from the spec.
    pub interface: Option<String>,
    pub legacy_files: usize,
    pub legacy_samples: u64,
    pub target_files: usize,
    pub profiles: usize,
}

#[derive(Serialize)]
struct Doc<'a> {
    schema: &'static str,
    tool: Tool,
    summary: &'a Summary,
    findings: &'a [Finding],
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

/// The findings as pretty JSON.
pub fn json(summary: &Summary, findings: &[Finding]) -> String {
    let doc = Doc {
        schema: JSON_SCHEMA,
        tool: Tool {
            name: "ira",
            version: env!("CARGO_PKG_VERSION"),
        },
        summary,
        findings,
    };
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_else(|_| "{}".to_owned());
    s.push('\n');
    s
}

/// What [`text_with`] adds to the plain findings.
#[derive(Clone, Copy, Debug, Default)]
pub struct TextOptions<'a> {
    /// The run was made with `--show-values`: a warning line says the output holds
    /// patient data, and examples show their value.
    pub show_values: bool,
    /// Sample values of examples, keyed by (file, byte offset); shown only with
    /// `show_values`.
    pub values: Option<&'a std::collections::BTreeMap<(String, u64), String>>,
    /// The comparison with a baseline: `findings` are then the new ones, and the
    /// resolved risks are listed after them.
    pub baseline: Option<&'a BaselineDiff>,
}

/// The findings for a person: most severe first, each with its evidence.
pub fn text(summary: &Summary, findings: &[Finding]) -> String {
    text_with(summary, findings, TextOptions::default())
}

/// [`text`] with a values warning and a baseline comparison (see [`TextOptions`]).
pub fn text_with(summary: &Summary, findings: &[Finding], options: TextOptions<'_>) -> String {
    let mut out = String::new();
    if options.show_values {
        let _ = writeln!(
            out,
            "WARNING: this output contains patient data (--show-values): handle it as PHI.\n"
        );
    }
    if let Some(name) = &summary.interface {
        let _ = writeln!(out, "{name}");
    }
    let _ = writeln!(
        out,
        "legacy: {} sample{} in {} file{}; target: {} file{}, {} profile{}\n",
        summary.legacy_samples,
        plural(summary.legacy_samples as usize),
        summary.legacy_files,
        plural(summary.legacy_files),
        summary.target_files,
        plural(summary.target_files),
        summary.profiles,
        plural(summary.profiles),
    );
    if let Some(b) = options.baseline {
        let _ = writeln!(
            out,
            "baseline {}: {} new, {} unchanged, {} resolved (only new risks are listed; \
             --fail-on counts them only)\n\nNew ({}):\n",
            b.path,
            b.new,
            b.unchanged,
            b.resolved.len(),
            findings.len()
        );
    }
    let mut order: Vec<&Finding> = findings.iter().collect();
    // Most severe first; within a severity, the analysis order (rule, scope, paths).
    order.sort_by_key(|f| std::cmp::Reverse(f.severity));
    for f in &order {
        let _ = writeln!(
            out,
            "{:<8} {} {}  [{}]",
            f.severity.as_str().to_uppercase(),
            f.rule,
            f.name,
            f.scope
        );
        let mut what = f.detail.clone();
        match (&f.source, &f.target) {
            (Some(s), Some(t)) => {
                let _ = write!(what, ": {s} → {t}");
            }
            (Some(s), None) => {
                let _ = write!(what, ": {s}");
            }
            (None, Some(t)) => {
                let _ = write!(what, ": → {t}");
            }
            (None, None) => {}
        }
        let pct = if f.total == 0 {
            0.0
        } else {
            100.0 * f.affected as f64 / f.total as f64
        };
        let _ = writeln!(
            out,
            "         {what} — {} of {} sample{} ({pct:.0}%)",
            f.affected,
            f.total,
            plural(f.total as usize)
        );
        if !f.examples.is_empty() {
            let at: Vec<String> = f
                .examples
                .iter()
                .map(|e| {
                    let mut at = match e.message {
                        Some(m) => format!("{}:{} (message {m})", e.file, e.line),
                        None => format!("{}:{}", e.file, e.line),
                    };
                    let value = options
                        .values
                        .filter(|_| options.show_values)
                        .and_then(|v| v.get(&(e.file.clone(), e.offset)));
                    if let Some(v) = value {
                        let _ = write!(at, " = {v:?}");
                    }
                    at
                })
                .collect();
            let _ = writeln!(out, "         at {}", at.join(", "));
        }
    }
    let count = |s: RiskSeverity| findings.iter().filter(|f| f.severity == s).count();
    let _ = writeln!(
        out,
        "\n{} finding{}: {} critical, {} high, {} medium, {} low, {} info",
        findings.len(),
        plural(findings.len()),
        count(RiskSeverity::Critical),
        count(RiskSeverity::High),
        count(RiskSeverity::Medium),
        count(RiskSeverity::Low),
        count(RiskSeverity::Info),
    );
    if let Some(b) = options.baseline {
        let _ = writeln!(out, "\nResolved ({}):", b.resolved.len());
        for r in &b.resolved {
            let _ = writeln!(
                out,
                "{:<8} {} {}",
                r.severity.as_str().to_uppercase(),
                r.id,
                r.title
            );
        }
    }
    out
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// The reconciliation for a person: totals (found = analysed + rejected), then only the
/// files that lost something — rejected samples by issue code, or unreadable — so a
/// clean run of thousands of files stays one line.
pub fn accounts_text(accounts: &[FileAccount]) -> String {
    let mut out = String::new();
    if accounts.is_empty() {
        return out;
    }
    let sum = |f: fn(&FileAccount) -> u32| accounts.iter().map(|a| u64::from(f(a))).sum::<u64>();
    let unreadable = accounts.iter().filter(|a| a.unreadable.is_some()).count();
    let _ = writeln!(
        out,
        "\nReconciliation: {} file(s), {} sample(s) found = {} analysed + {} rejected; {} file(s) unreadable",
        accounts.len(),
        sum(|a| a.found),
        sum(|a| a.analysed),
        sum(|a| a.rejected),
        unreadable
    );
    for a in accounts {
        if let Some(code) = a.unreadable {
            let _ = writeln!(out, "  {}: not read ({code})", a.path);
        } else if a.rejected > 0 {
            let by: Vec<String> = a
                .rejected_by
                .iter()
                .map(|(code, n)| format!("{code} {n}"))
                .collect();
            let _ = writeln!(
                out,
                "  {}: {} found = {} analysed + {} rejected ({})",
                a.path,
                a.found,
                a.analysed,
                a.rejected,
                by.join(", ")
            );
        }
    }
    out
}
