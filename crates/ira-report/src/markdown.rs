//! The risk report as GitHub-flavoured Markdown (`ira analyze --format markdown`), for a
//! person and for a pull-request comment: a heading with the interface, the go / no-go
//! and readiness; a summary table by severity; readiness by scope; the open risks
//! grouped by severity, each group a compact table followed by the mitigation tasks
//! (one per rule);
//! the accepted risks on their own.
//!
//! No HTML: text from rules and the spec is escaped so it cannot open a tag, a link or
//! emphasis, and `|` cannot break a table. Like every format, it renders a [`Report`]
//! and so carries no sample values.

use std::fmt::Write as _;

use ira_analyze::rules::{RiskSeverity, find};

use crate::csv::percent;
use crate::report_json::Report;
use crate::risk::{Decision, RiskItem, Status};

/// Severities from the most to the least severe.
const SEVERITIES: [RiskSeverity; 5] = [
    RiskSeverity::Critical,
    RiskSeverity::High,
    RiskSeverity::Medium,
    RiskSeverity::Low,
    RiskSeverity::Info,
];

/// How many example positions a risk row shows.
const MAX_PLACES: usize = 2;

/// The report as Markdown, ending with a newline.
pub fn markdown(report: &Report) -> String {
    let mut o = String::new();
    heading(&mut o, report);
    summary(&mut o, report);
    gate(&mut o, report);
    scopes(&mut o, report);
    open_risks(&mut o, report);
    accepted(&mut o, report);
    resolved(&mut o, report);
    footer(&mut o, report);
    o
}

fn heading(o: &mut String, r: &Report) {
    let name = r
        .interface
        .as_deref()
        .map(text)
        .unwrap_or_else(|| "interface".to_owned());
    let _ = writeln!(o, "# ira risk report: {name}\n");
    let verdict = match r.readiness.gate.as_ref().map(|g| g.decision) {
        Some(Decision::Go) => "✅ **GO**",
        Some(Decision::NoGo) => "❌ **NO-GO**",
        None => "**No gate** (the spec sets no thresholds)",
    };
    // Naming the weakest scope only says something when it is below 100.
    let weakest = r
        .readiness
        .weakest_scope
        .as_deref()
        .filter(|_| r.readiness.interface.score < 100)
        .map(|s| format!(" (weakest scope: {})", code(s)))
        .unwrap_or_default();
    let s = &r.summary;
    let _ = writeln!(
        o,
        "{verdict} · readiness **{}**/100{weakest} · {} {}: {} open, {} accepted\n",
        r.readiness.interface.score,
        s.risks,
        plural(s.risks, "risk", "risks"),
        s.risks - s.accepted,
        s.accepted
    );
    if r.show_values {
        o.push_str(
            "> ⚠ **This report contains patient data.** It was made with `--show-values`: \
             evidence examples show sample values. Share and store it as PHI.\n\n",
        );
    }
    if let Some(b) = &r.baseline {
        let _ = writeln!(
            o,
            "Compared with the baseline {}: **{} new**, {} unchanged, {} resolved. Only new \
             risks are listed below, and the gate's `fail_on` (like `--fail-on`) counts new \
             open risks only; readiness and the tables describe the whole run.\n",
            code(&b.path),
            b.new,
            b.unchanged,
            b.resolved.len()
        );
    }
}

fn summary(o: &mut String, r: &Report) {
    let open = &r.summary.open;
    let mut accepted = [0u64; 5];
    for risk in r.risks.iter().filter(|x| x.status == Status::Accepted) {
        accepted[rank(risk.severity)] += 1;
    }
    o.push_str("| Severity | Open | Accepted |\n| --- | ---: | ---: |\n");
    let counts = [open.critical, open.high, open.medium, open.low, open.info];
    for (i, sev) in SEVERITIES.iter().enumerate() {
        let _ = writeln!(o, "| {} | {} | {} |", label(*sev), counts[i], accepted[i]);
    }
    let _ = writeln!(
        o,
        "| **Total** | **{}** | **{}** |\n",
        counts.iter().sum::<u64>(),
        r.summary.accepted
    );
}

fn gate(o: &mut String, r: &Report) {
    let Some(g) = &r.readiness.gate else {
        return;
    };
    o.push_str("## Gate\n\n| Threshold | Limit | Actual | Result |\n| --- | ---: | ---: | --- |\n");
    for c in &g.checks {
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} |",
            code(&c.threshold),
            text(&c.limit),
            text(&c.actual),
            if c.pass { "✅ pass" } else { "❌ fail" }
        );
    }
    o.push('\n');
}

fn scopes(o: &mut String, r: &Report) {
    if r.readiness.scopes.is_empty() {
        return;
    }
    o.push_str(
        "## Readiness by scope\n\n| Scope | Score | Critical | High | Medium | Low | Info | Accepted |\n\
         | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n",
    );
    for (name, s) in &r.readiness.scopes {
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} | {} | {} | {} | {} |",
            code(name),
            s.score,
            s.open.critical,
            s.open.high,
            s.open.medium,
            s.open.low,
            s.open.info,
            s.accepted
        );
    }
    o.push('\n');
}

fn open_risks(o: &mut String, r: &Report) {
    let open: Vec<&RiskItem> = r
        .risks
        .iter()
        .filter(|x| x.status == Status::Open)
        .collect();
    // With a baseline the risks are the new ones, under a heading of their own.
    let level = if r.baseline.is_some() {
        let _ = writeln!(o, "## New risks ({})\n", open.len());
        if open.is_empty() {
            o.push_str("None.\n\n");
            return;
        }
        "###"
    } else {
        if open.is_empty() {
            o.push_str("## Open risks\n\nNone.\n\n");
            return;
        }
        "##"
    };
    for sev in SEVERITIES {
        let group: Vec<&RiskItem> = open.iter().copied().filter(|x| x.severity == sev).collect();
        if group.is_empty() {
            continue;
        }
        let _ = writeln!(o, "{level} {} ({})\n", label(sev), group.len());
        o.push_str(
            "| ID | Risk | Where | Evidence | Owner | Effort |\n| --- | --- | --- | --- | --- | :---: |\n",
        );
        for x in &group {
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} | {} | {:?} |",
                code(&x.id),
                risk_cell(x),
                where_cell(x),
                evidence_cell(x),
                text(&x.owner_role),
                x.effort
            );
        }
        o.push('\n');
        // One mitigation per rule (its risks share it), in the table's order; notes
        // (a lapsed acceptance) under it, per risk.
        let mut rules: Vec<&str> = Vec::new();
        for x in &group {
            if !rules.contains(&x.rule.as_str()) {
                rules.push(&x.rule);
            }
        }
        for rule in rules {
            let of_rule: Vec<&&RiskItem> = group.iter().filter(|x| x.rule == rule).collect();
            let Some(first) = of_rule.first() else {
                continue;
            };
            let count = if of_rule.len() > 1 {
                format!(" ({} risks)", of_rule.len())
            } else {
                String::new()
            };
            let _ = writeln!(
                o,
                "- **{}** {}{count}: {}",
                text(rule),
                text(&first.rule_name),
                prose(&first.recommendation, false)
            );
            for x in of_rule {
                if let Some(n) = &x.note {
                    let _ = writeln!(o, "  - ⚠ {}: {}", code(&x.id), text(n));
                }
            }
        }
        o.push('\n');
    }
}

fn accepted(o: &mut String, r: &Report) {
    let acc: Vec<&RiskItem> = r
        .risks
        .iter()
        .filter(|x| x.status == Status::Accepted)
        .collect();
    if acc.is_empty() {
        return;
    }
    let _ = writeln!(
        o,
        "## Accepted risks ({})\n\nListed, not counted in readiness or the gate.\n",
        acc.len()
    );
    o.push_str(
        "| ID | Risk | Severity | Justification | Owner | Expires |\n| --- | --- | --- | --- | --- | --- |\n",
    );
    for x in acc {
        let (just, owner, expires) = match &x.acceptance {
            Some(a) => (text(&a.justification), text(&a.owner), text(&a.expires)),
            None => (String::new(), String::new(), String::new()),
        };
        let _ = writeln!(
            o,
            "| {} | {} | {} | {just} | {owner} | {expires} |",
            code(&x.id),
            risk_cell(x),
            label(x.severity)
        );
    }
    o.push('\n');
}

fn resolved(o: &mut String, r: &Report) {
    let Some(b) = &r.baseline else {
        return;
    };
    let _ = writeln!(o, "## Resolved risks ({})\n", b.resolved.len());
    if b.resolved.is_empty() {
        o.push_str("None.\n\n");
        return;
    }
    o.push_str(
        "In the baseline, no longer found.\n\n| ID | Risk | Severity |\n| --- | --- | --- |\n",
    );
    for x in &b.resolved {
        let _ = writeln!(
            o,
            "| {} | {} | {} |",
            code(&x.id),
            text(&x.title),
            label(x.severity)
        );
    }
    o.push('\n');
}

fn footer(o: &mut String, r: &Report) {
    let c = &r.summary.counts;
    let _ = writeln!(
        o,
        "---\n\n_{} {} · {} · {} legacy {} ({} {}), {} target {}, {} {}_",
        text(r.tool.name),
        text(r.tool.version),
        text(&r.generated_at),
        c.legacy_files,
        plural(c.legacy_files as u64, "file", "files"),
        c.legacy_samples,
        plural(c.legacy_samples, "sample", "samples"),
        c.target_files,
        plural(c.target_files as u64, "file", "files"),
        c.profiles,
        plural(c.profiles as u64, "profile", "profiles"),
    );
}

/// The rule's title (scope and paths are in their own column), the patient-safety
/// flag, the detail.
fn risk_cell(x: &RiskItem) -> String {
    let title = find(&x.rule).map_or(x.title.as_str(), |m| m.title);
    let mut s = text(title);
    if x.patient_safety {
        s.push_str(" · **patient safety**");
    }
    let _ = write!(s, " · {}", prose(&x.detail, true));
    s
}

/// Scope, then source → target paths.
fn where_cell(x: &RiskItem) -> String {
    let mut parts: Vec<String> = x.scope.iter().map(|s| code(s)).collect();
    match (&x.source, &x.target) {
        (Some(s), Some(t)) => parts.push(format!("{} → {}", code(&s.path), code(&t.path))),
        (Some(s), None) => parts.push(code(&s.path)),
        (None, Some(t)) => parts.push(format!("→ {}", code(&t.path))),
        (None, None) => {}
    }
    parts.join(" ")
}

/// `6/10 (60%)`, then the first places as `file:line`.
fn evidence_cell(x: &RiskItem) -> String {
    let e = &x.evidence;
    let mut s = format!("{}/{} ({})", e.affected, e.total, percent(e.rate));
    let places: Vec<String> = e
        .examples
        .iter()
        .take(MAX_PLACES)
        .map(|p| {
            let place = code(&format!("{}:{}", p.file, p.line));
            // Only with `--show-values` (the heading then warns).
            match &p.value {
                Some(v) => format!("{place} = {}", code(v)),
                None => place,
            }
        })
        .collect();
    if !places.is_empty() {
        let _ = write!(s, " · {}", places.join(", "));
        if e.examples.len() > MAX_PLACES {
            s.push_str(", …");
        }
    }
    s
}

fn label(s: RiskSeverity) -> &'static str {
    match s {
        RiskSeverity::Critical => "Critical",
        RiskSeverity::High => "High",
        RiskSeverity::Medium => "Medium",
        RiskSeverity::Low => "Low",
        RiskSeverity::Info => "Info",
    }
}

fn rank(s: RiskSeverity) -> usize {
    match s {
        RiskSeverity::Critical => 0,
        RiskSeverity::High => 1,
        RiskSeverity::Medium => 2,
        RiskSeverity::Low => 3,
        RiskSeverity::Info => 4,
    }
}

fn plural<'a>(n: u64, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}

/// Plain text for a table cell or list item: no line breaks, and every character that
/// could start markup (emphasis, code, links, HTML, table pipes, escapes) backslash
/// escaped, except `_` inside a word (`ADT_A01`), which GitHub never reads as emphasis.
fn text(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    for (i, &c) in chars.iter().enumerate() {
        match c {
            '\r' | '\n' | '\t' => out.push(' '),
            '_' => {
                let inside = i > 0
                    && chars[i - 1].is_alphanumeric()
                    && chars.get(i + 1).is_some_and(|n| n.is_alphanumeric());
                if !inside {
                    out.push('\\');
                }
                out.push('_');
            }
            '\\' | '`' | '*' | '[' | ']' | '<' | '>' | '|' | '~' | '!' | '#' | '&' => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

/// Text from the rule catalogue, whose docs mark names with code spans
/// (`` `[[code_maps]]` ``): the spans are kept, the rest is [`text`]. With an odd number
/// of backticks there are no spans, and everything is escaped. Details use the same
/// convention (``code `Z` not in PatientClass``).
fn prose(s: &str, in_table: bool) -> String {
    let parts: Vec<&str> = s.split('`').collect();
    if parts.len() % 2 == 0 {
        return text(s);
    }
    let mut out = String::with_capacity(s.len());
    for (i, p) in parts.iter().enumerate() {
        if i % 2 == 0 {
            out.push_str(&text(p));
        } else {
            out.push_str(&span(p, in_table));
        }
    }
    out
}

/// An identifier as a code span for a table cell (see [`span`]).
fn code(s: &str) -> String {
    span(s, true)
}

/// `s` as a code span. Backticks cannot be escaped inside a span, so the fence is one
/// longer than the longest run in `s`. In a table `|` is escaped (GitHub splits cells
/// before it parses spans, and drops the backslash); elsewhere the backslash would
/// show, so it is left alone.
fn span(s: &str, in_table: bool) -> String {
    let s: String = s
        .chars()
        .map(|c| if matches!(c, '\r' | '\n') { ' ' } else { c })
        .collect();
    let mut longest = 0;
    let mut run = 0;
    for c in s.chars() {
        if c == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    let fence = "`".repeat(longest + 1);
    let pad = if s.starts_with('`') || s.ends_with('`') {
        " "
    } else {
        ""
    };
    let s = if in_table { s.replace('|', "\\|") } else { s };
    format!("{fence}{pad}{s}{pad}{fence}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_escapes_markup_but_not_words() {
        assert_eq!(text("ADT_A01"), "ADT_A01");
        assert_eq!(text("_x_ *y*"), "\\_x\\_ \\*y\\*");
        assert_eq!(text("a | b"), "a \\| b");
        assert_eq!(text("<b>[l](u)</b>"), "\\<b\\>\\[l\\](u)\\</b\\>");
        assert_eq!(text("l1\nl2"), "l1 l2");
        assert_eq!(text("&amp;"), "\\&amp;");
    }

    #[test]
    fn prose_keeps_code_spans() {
        assert_eq!(prose("add `[[x]]` *now*", false), "add `[[x]]` \\*now\\*");
        assert_eq!(prose("odd ` tick", false), "odd \\` tick");
        assert_eq!(prose("`a` and `b`", false), "`a` and `b`");
        assert_eq!(prose("`s|v`", false), "`s|v`");
        assert_eq!(prose("`s|v`", true), "`s\\|v`");
    }

    #[test]
    fn code_spans() {
        assert_eq!(code("PID-3.4"), "`PID-3.4`");
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(code("`a"), "`` `a ``");
        assert_eq!(code("x|y"), "`x\\|y`");
    }
}
