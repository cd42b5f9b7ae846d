//! The risk report as one self-contained HTML file (`ira analyze --format html`), for a
//! person with a browser: a header with the interface, the go / no-go and the
//! readiness score; the gate's checks and what pulls the score down; charts (risks by
//! severity, risks by category, readiness by scope) drawn here as inline SVG; a
//! sortable risk table; the details of each risk (detail, evidence, places,
//! recommendation, acceptance); the inputs with their digests. With a baseline
//! ([`Report::baseline`]) the header gives the comparison, the table and the details
//! are those of the new risks, and a table lists the risks resolved since.
//!
//! **Self-contained.** No URL of any kind: the CSS, the script and the charts are
//! inline, and a Content-Security-Policy meta allows exactly this file's one style
//! element and one script (by their SHA-256), nothing else — no network, no other
//! script, even if a string slipped through unescaped.
//!
//! **Works without the script.** The table is written already sorted by severity
//! (critical first; the report's order among equals). The script only adds sorting:
//! a click on a column heading sorts by it (counts as numbers, severity and effort by
//! rank), a second click reverses; the URL fragment `#sort=KEY-asc|desc` (keys are
//! the `data-key`s of the headings: `id`, `severity`, `rule`, `title`, `scope`,
//! `source`, `target`, `affected`, `owner`, `effort`, `status`) sorts at load. When it
//! has wired the table it sets `data-ira-ready="1"` on `<html>` (the browser test
//! looks for it).
//!
//! Every string from the report is HTML-escaped ([`escape`]). Like every format, it
//! renders a [`Report`] and so carries no sample values, unless the report was made
//! with `--show-values` ([`Report::show_values`]): then a banner at the top says the
//! page holds patient data and each example's value is shown next to its place. The
//! bytes depend on the report only (no clock, no hash-map order).

use std::fmt::Write as _;

use ira_analyze::rules::{RiskSeverity, find};
use sha2::{Digest, Sha256};

use crate::csv::percent;
use crate::report_json::Report;
use crate::risk::{Decision, Effort, RiskItem, Status};

/// Severities from the most to the least severe.
const SEVERITIES: [RiskSeverity; 5] = [
    RiskSeverity::Critical,
    RiskSeverity::High,
    RiskSeverity::Medium,
    RiskSeverity::Low,
    RiskSeverity::Info,
];

/// The rule categories, in the order of the catalogue's id ranges.
const CATEGORIES: [&str; 6] = [
    "data-loss",
    "terminology",
    "data-quality",
    "structure",
    "compliance",
    "patient-safety",
];

/// The report as a self-contained HTML document, ending with a newline.
pub fn html(report: &Report) -> String {
    let mut o = String::with_capacity(48 * 1024);
    let name = report.interface.as_deref().unwrap_or("interface");
    let _ = write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{}\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"{} {}\">\n\
         <title>ira risk report: {}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        csp(),
        escape(report.tool.name),
        escape(report.tool.version),
        escape(name),
    );
    header(&mut o, report);
    o.push_str("<main>\n");
    gate(&mut o, report);
    charts(&mut o, report);
    scopes(&mut o, report);
    let order = by_severity(report);
    table(&mut o, report, &order);
    details(&mut o, &order);
    resolved(&mut o, report);
    provenance(&mut o, report);
    o.push_str("</main>\n");
    let holds = if report.show_values {
        "It was made with <code>--show-values</code>: besides counts, element paths, codes \
         and positions it holds sample values, i.e. patient data."
    } else {
        "It holds counts, element paths, codes and positions only: no sample values."
    };
    let _ = write!(
        o,
        "<footer><p>Written by {} {} from the report <code>{}</code>. {holds}</p></footer>\n\
         <script>{SCRIPT}</script>\n</body>\n</html>\n",
        escape(report.tool.name),
        escape(report.tool.version),
        escape(report.schema),
    );
    o
}

/// Text for HTML: `&`, `<`, `>`, `"` and `'` as character references, so the result
/// is safe in element content and in a quoted attribute value alike; control
/// characters HTML does not allow (all C0 but tab, line feed and carriage return, and
/// DEL) become U+FFFD.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c.is_control() && (c < '\u{80}') => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// The policy: nothing may load, only this file's style element and script run.
fn csp() -> String {
    format!(
        "default-src 'none'; style-src 'sha256-{}'; script-src 'sha256-{}'; \
         img-src 'none'; base-uri 'none'; form-action 'none'",
        base64(&Sha256::digest(STYLE.as_bytes())),
        base64(&Sha256::digest(SCRIPT.as_bytes())),
    )
}

/// Standard base64 with padding (RFC 4648), as CSP hash sources want it.
fn base64(bytes: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut s = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (i, shift) in [18u32, 12, 6, 0].into_iter().enumerate() {
            if i <= chunk.len() {
                s.push(char::from(ABC[((n >> shift) & 63) as usize]));
            } else {
                s.push('=');
            }
        }
    }
    s
}

fn header(o: &mut String, r: &Report) {
    let name = r.interface.as_deref().unwrap_or("interface");
    let (class, verdict) = match r.readiness.gate.as_ref().map(|g| g.decision) {
        Some(Decision::Go) => ("go", "GO"),
        Some(Decision::NoGo) => ("no-go", "NO-GO"),
        None => ("none", "No gate"),
    };
    let score = r.readiness.interface.score;
    let weakest = r
        .readiness
        .weakest_scope
        .as_deref()
        .filter(|_| score < 100)
        .map(|s| format!(" · weakest scope <code>{}</code>", escape(s)))
        .unwrap_or_default();
    let s = &r.summary;
    let c = &s.counts;
    let _ = writeln!(o, "<header>\n<h1>ira risk report: {}</h1>", escape(name));
    if r.show_values {
        // Right under the heading, before anything else a reader could copy or share.
        o.push_str(
            "<p class=\"phi\" id=\"phi-warning\" role=\"alert\"><strong>⚠ This report \
             contains patient data.</strong> It was made with <code>--show-values</code>: \
             evidence examples show sample values. Share and store it as PHI.</p>\n",
        );
    }
    let _ = write!(
        o,
        "<p class=\"headline\">\
         <span class=\"verdict {class}\" id=\"verdict\">{verdict}</span> \
         <span class=\"score {}\">readiness <strong id=\"score\">{score}</strong>/100</span>{weakest}</p>\n\
         <p class=\"meta\">{} {}: {} open, {} accepted · {} {} · generated {} · \
         {} legacy {} ({} {}), {} target {}, {} {}</p>\n",
        band(score),
        s.risks,
        plural(s.risks, "risk", "risks"),
        s.risks.saturating_sub(s.accepted),
        s.accepted,
        escape(r.tool.name),
        escape(r.tool.version),
        escape(&r.generated_at),
        c.legacy_files,
        plural(c.legacy_files as u64, "file", "files"),
        c.legacy_samples,
        plural(c.legacy_samples, "sample", "samples"),
        c.target_files,
        plural(c.target_files as u64, "file", "files"),
        c.profiles,
        plural(c.profiles as u64, "profile", "profiles"),
    );
    if let Some(b) = &r.baseline {
        let _ = writeln!(
            o,
            "<p class=\"baseline\" id=\"baseline\">Compared with the baseline <code>{}</code>: \
             <strong>{} new</strong>, {} unchanged, <a href=\"#resolved\">{} resolved</a>. \
             Only new risks are listed below, and the gate's <code>fail_on</code> (like \
             <code>--fail-on</code>) counts new open risks only; readiness and the scopes \
             describe the whole run.</p>",
            escape(&b.path),
            b.new,
            b.unchanged,
            b.resolved.len(),
        );
    }
    o.push_str("</header>\n");
}

fn gate(o: &mut String, r: &Report) {
    o.push_str("<section id=\"gate\">\n<h2>Go / no-go</h2>\n");
    match &r.readiness.gate {
        None => o.push_str("<p>The spec sets no thresholds, so there is no gate.</p>\n"),
        Some(g) => {
            o.push_str(
                "<table class=\"checks\">\n<thead><tr><th scope=\"col\">Threshold</th>\
                 <th scope=\"col\" class=\"num\">Limit</th><th scope=\"col\" class=\"num\">Actual</th>\
                 <th scope=\"col\">Result</th></tr></thead>\n<tbody>\n",
            );
            for c in &g.checks {
                let _ = writeln!(
                    o,
                    "<tr><td><code>{}</code></td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
                     <td class=\"{}\">{}</td></tr>",
                    escape(&c.threshold),
                    escape(&c.limit),
                    escape(&c.actual),
                    if c.pass { "pass" } else { "fail" },
                    if c.pass { "✓ pass" } else { "✗ fail" },
                );
            }
            o.push_str("</tbody>\n</table>\n");
        }
    }
    let pulled = &r.readiness.interface.pulled_down_by;
    if !pulled.is_empty() {
        let scope = r
            .readiness
            .weakest_scope
            .as_deref()
            .map(|s| format!(" its weakest scope, <code>{}</code>", escape(s)))
            .unwrap_or_default();
        let _ = writeln!(
            o,
            "<p>The interface's readiness, {}/100, is that of{scope}. The open risks that \
             pull it down:</p>\n<ol class=\"pulled\">",
            r.readiness.interface.score
        );
        for p in pulled {
            let id = escape(&p.risk);
            // With a baseline an unchanged risk has no details here to link to.
            let risk = if r.risks.iter().any(|x| x.id == p.risk) {
                format!("<a href=\"#r-{id}\"><code>{id}</code></a>")
            } else {
                format!("<code>{id}</code> <small>(unchanged)</small>")
            };
            let _ = writeln!(
                o,
                "<li>{risk} {} −{} points</li>",
                sev_badge(p.severity),
                points(p.points),
            );
        }
        o.push_str("</ol>\n");
    }
    o.push_str("</section>\n");
}

/// `22`, `3.5`, `9.38`: at most 2 decimals, no trailing zeros.
fn points(x: f64) -> String {
    let s = format!("{x:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// One bar of a chart: a label, stacked segments (CSS class, value), the value as
/// text after the bar, and a sentence for its tooltip and the chart's description.
struct Bar {
    label: String,
    segments: Vec<(&'static str, u64)>,
    text: String,
    said: String,
}

/// Geometry of the charts (SVG user units).
const CHART_W: u32 = 440;
const LABEL_W: u32 = 118;
const BAR_W: u32 = 220;
const ROW_H: u32 = 24;

fn charts(o: &mut String, r: &Report) {
    o.push_str("<section id=\"charts\">\n<h2>At a glance</h2>\n<div class=\"charts\">\n");
    // Risks by severity and by category: open and accepted stacked.
    let mut sev: Vec<Bar> = Vec::new();
    for s in SEVERITIES {
        let open = count(r, |x| x.severity == s && x.status == Status::Open);
        let acc = count(r, |x| x.severity == s && x.status == Status::Accepted);
        sev.push(stacked(label(s), sev_class(s), open, acc));
    }
    let mut cats: Vec<&str> = CATEGORIES.to_vec();
    // A category this renderer does not know yet still gets its bar.
    let mut extra: Vec<&str> = r
        .risks
        .iter()
        .map(|x| x.category.as_str())
        .filter(|c| !CATEGORIES.contains(c))
        .collect();
    extra.sort_unstable();
    extra.dedup();
    cats.extend(extra);
    let cat: Vec<Bar> = cats
        .iter()
        .map(|c| {
            let open = count(r, |x| x.category == *c && x.status == Status::Open);
            let acc = count(r, |x| x.category == *c && x.status == Status::Accepted);
            stacked(c, "cat", open, acc)
        })
        .collect();
    let max = |bars: &[Bar]| {
        bars.iter()
            .map(|b| b.segments.iter().map(|s| s.1).sum::<u64>())
            .max()
            .unwrap_or(0)
            .max(1)
    };
    let acc_key = "<span class=\"key acc\"></span> accepted (not counted in readiness or the gate)";
    // With a baseline the report's risks are the new ones, and so are these bars.
    let (by_sev, by_cat) = if r.baseline.is_some() {
        ("New risks by severity", "New risks by category")
    } else {
        ("Risks by severity", "Risks by category")
    };
    chart(
        o,
        "chart-severity",
        by_sev,
        &sev,
        max(&sev),
        None,
        &format!("<p class=\"legend\">{acc_key}</p>"),
    );
    let legend = format!("<p class=\"legend\"><span class=\"key open\"></span> open {acc_key}</p>");
    chart(o, "chart-category", by_cat, &cat, max(&cat), None, &legend);
    // Readiness by scope, out of 100, with the spec's minimum when it sets one.
    let scopes: Vec<Bar> = r
        .readiness
        .scopes
        .iter()
        .map(|(name, s)| Bar {
            label: name.clone(),
            segments: vec![(band(s.score), u64::from(s.score))],
            text: format!("{}/100", s.score),
            said: format!("{name}: readiness {} of 100", s.score),
        })
        .collect();
    let min = r.readiness.gate.as_ref().and_then(|g| {
        g.checks
            .iter()
            .find(|c| c.threshold == "min_readiness")
            .and_then(|c| c.limit.parse::<u64>().ok())
            .filter(|m| *m <= 100)
    });
    let note = match min {
        Some(m) => format!(
            "<p class=\"legend\"><span class=\"key line\"></span> the spec's minimum, {m}</p>"
        ),
        None => String::new(),
    };
    if scopes.is_empty() {
        o.push_str(
            "<figure class=\"chart\"><figcaption>Readiness by scope</figcaption>\
             <p>No scope was seen.</p></figure>\n",
        );
    } else {
        chart(
            o,
            "chart-readiness",
            "Readiness by scope",
            &scopes,
            100,
            min,
            &note,
        );
    }
    o.push_str("</div>\n</section>\n");
}

fn count(r: &Report, f: impl Fn(&RiskItem) -> bool) -> u64 {
    r.risks.iter().filter(|x| f(x)).count() as u64
}

fn stacked(label: &str, class: &'static str, open: u64, acc: u64) -> Bar {
    let total = open + acc;
    let text = if acc > 0 {
        format!("{total} ({acc} accepted)")
    } else {
        total.to_string()
    };
    Bar {
        label: label.to_owned(),
        segments: vec![(class, open), ("acc", acc)],
        said: format!(
            "{label}: {open} open {}, {acc} accepted",
            plural(open, "risk", "risks")
        ),
        text,
    }
}

/// A horizontal bar chart as inline SVG in a figure: one `g.bar` per bar, with its
/// label, its segments, its value as text and a tooltip; the chart's title and a
/// description with every number, for assistive technology.
fn chart(
    o: &mut String,
    id: &str,
    title: &str,
    bars: &[Bar],
    max: u64,
    rule_at: Option<u64>,
    after: &str,
) {
    let h = bars.len() as u32 * ROW_H + 8;
    let desc: Vec<&str> = bars.iter().map(|b| b.said.as_str()).collect();
    let _ = write!(
        o,
        "<figure class=\"chart\" id=\"{id}\">\n<figcaption>{t}</figcaption>\n\
         <svg viewBox=\"0 0 {CHART_W} {h}\" width=\"{CHART_W}\" height=\"{h}\" role=\"img\" \
         aria-labelledby=\"{id}-t {id}-d\">\n<title id=\"{id}-t\">{t}</title>\n\
         <desc id=\"{id}-d\">{}.</desc>\n",
        escape(&desc.join("; ")),
        t = escape(title),
    );
    let scale = |v: u64| v as f64 * f64::from(BAR_W) / max as f64;
    for (i, b) in bars.iter().enumerate() {
        let y = 4 + i as u32 * ROW_H;
        let _ = write!(
            o,
            "<g class=\"bar\"><title>{}</title>\
             <text class=\"label\" x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
            escape(&b.said),
            LABEL_W - 8,
            y + 15,
            escape(&b.label),
        );
        let mut x = f64::from(LABEL_W);
        for (class, v) in &b.segments {
            if *v == 0 {
                continue;
            }
            let w = scale(*v);
            let _ = write!(
                o,
                "<rect class=\"{class}\" x=\"{x:.1}\" y=\"{}\" width=\"{w:.1}\" height=\"{}\"/>",
                y + 3,
                ROW_H - 8,
            );
            x += w;
        }
        let _ = writeln!(
            o,
            "<text class=\"value\" x=\"{:.1}\" y=\"{}\">{}</text></g>",
            x + 6.0,
            y + 15,
            escape(&b.text),
        );
    }
    if let Some(m) = rule_at {
        let x = f64::from(LABEL_W) + scale(m);
        let _ = writeln!(
            o,
            "<line class=\"min\" x1=\"{x:.1}\" y1=\"2\" x2=\"{x:.1}\" y2=\"{}\"/>",
            h - 2
        );
    }
    let _ = writeln!(o, "</svg>\n{after}\n</figure>");
}

fn scopes(o: &mut String, r: &Report) {
    if r.readiness.scopes.is_empty() {
        return;
    }
    o.push_str(
        "<section id=\"scopes\">\n<h2>Scopes</h2>\n<table class=\"scopes\">\n<thead><tr>\
         <th scope=\"col\">Scope</th><th scope=\"col\" class=\"num\">Score</th>\
         <th scope=\"col\" class=\"num\">Critical</th><th scope=\"col\" class=\"num\">High</th>\
         <th scope=\"col\" class=\"num\">Medium</th><th scope=\"col\" class=\"num\">Low</th>\
         <th scope=\"col\" class=\"num\">Info</th><th scope=\"col\" class=\"num\">Accepted</th>\
         </tr></thead>\n<tbody>\n",
    );
    for (name, s) in &r.readiness.scopes {
        let _ = writeln!(
            o,
            "<tr><th scope=\"row\"><code>{}</code></th><td class=\"num {}\">{}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            escape(name),
            band(s.score),
            s.score,
            s.open.critical,
            s.open.high,
            s.open.medium,
            s.open.low,
            s.open.info,
            s.accepted
        );
    }
    o.push_str("</tbody>\n</table>\n</section>\n");
}

/// The risks by severity, most severe first, the report's order among equals (the
/// static order of the table and the details).
fn by_severity(r: &Report) -> Vec<&RiskItem> {
    let mut v: Vec<&RiskItem> = r.risks.iter().collect();
    v.sort_by_key(|x| std::cmp::Reverse(x.severity));
    v
}

/// The table's columns: key, heading, numeric (sorted as numbers), first click
/// descending.
const COLUMNS: [(&str, &str, bool, bool); 11] = [
    ("id", "ID", false, false),
    ("severity", "Severity", true, true),
    ("rule", "Rule", false, false),
    ("title", "Title", false, false),
    ("scope", "Scope", false, false),
    ("source", "Source", false, false),
    ("target", "Target", false, false),
    ("affected", "Affected", true, true),
    ("owner", "Owner", false, false),
    ("effort", "Effort", true, true),
    ("status", "Status", false, false),
];

fn table(o: &mut String, r: &Report, risks: &[&RiskItem]) {
    if r.baseline.is_some() {
        let _ = writeln!(
            o,
            "<section id=\"register\">\n<h2>New risks ({})</h2>\n<p>Risks of this run that \
             the baseline does not have.</p>",
            risks.len()
        );
        if risks.is_empty() {
            o.push_str("<p>No new risks.</p>\n</section>\n");
            return;
        }
    } else {
        o.push_str("<section id=\"register\">\n<h2>Risk register</h2>\n");
        if risks.is_empty() {
            o.push_str("<p>No risks.</p>\n</section>\n");
            return;
        }
    }
    o.push_str(
        "<p class=\"hint\">Sorted by severity. Click a column heading to sort by it, again to \
         reverse; an ID opens the risk's details.</p>\n\
         <div class=\"scroll\"><table id=\"risk-table\" data-sort=\"severity-desc\">\n<thead><tr>",
    );
    for (key, head, num, desc) in COLUMNS {
        let sort = if key == "severity" {
            "descending"
        } else {
            "none"
        };
        let _ = write!(
            o,
            "<th scope=\"col\" data-key=\"{key}\" data-type=\"{}\" data-first=\"{}\" aria-sort=\"{sort}\"\
             {}><button type=\"button\">{head}</button></th>",
            if num { "num" } else { "text" },
            if desc { "desc" } else { "asc" },
            if num { " class=\"num\"" } else { "" },
        );
    }
    o.push_str("</tr></thead>\n<tbody>\n");
    for x in risks {
        let id = escape(&x.id);
        let rule_title = find(&x.rule).map_or(x.title.as_str(), |m| m.title);
        let ps = if x.patient_safety {
            " <span class=\"ps\" title=\"patient safety\">patient safety</span>"
        } else {
            ""
        };
        let path = |p: Option<&str>| match p {
            Some(p) => format!("<td><code>{}</code></td>", breakable(p)),
            None => "<td data-v=\"\" class=\"none\">—</td>".to_owned(),
        };
        let e = &x.evidence;
        let _ = writeln!(
            o,
            "<tr class=\"risk {status}\" data-id=\"{id}\"><td><a href=\"#r-{id}\"><code>{id}</code></a></td>\
             <td data-v=\"{}\">{}</td><td>{}</td><td>{}{ps}</td><td>{}</td>{}{}\
             <td class=\"num\" data-v=\"{}\">{}/{} <small>({})</small></td><td>{}</td>\
             <td class=\"num\" data-v=\"{}\">{:?}</td><td data-v=\"{status}\">{}</td></tr>",
            rank(x.severity),
            sev_badge(x.severity),
            escape(&x.rule),
            escape(rule_title),
            escape(&x.scope.join(", ")),
            path(x.source.as_ref().map(|s| s.path.as_str())),
            path(x.target.as_ref().map(|t| t.path.as_str())),
            e.affected,
            e.affected,
            e.total,
            percent(e.rate),
            escape(&x.owner_role),
            effort_rank(x.effort),
            x.effort,
            status_cell(x),
            status = status_class(x),
        );
    }
    o.push_str("</tbody>\n</table></div>\n</section>\n");
}

fn status_class(x: &RiskItem) -> &'static str {
    match (x.status, &x.acceptance) {
        (Status::Accepted, _) => "accepted",
        (Status::Open, Some(_)) => "open expired",
        (Status::Open, None) => "open",
    }
}

fn status_cell(x: &RiskItem) -> String {
    match (x.status, &x.acceptance) {
        (Status::Accepted, Some(a)) => format!(
            "<span class=\"status accepted\">✓ accepted</span> <small>until {}</small>",
            escape(&a.expires)
        ),
        (Status::Accepted, None) => "<span class=\"status accepted\">✓ accepted</span>".into(),
        (Status::Open, Some(a)) => format!(
            "<span class=\"status open\">open</span> <small class=\"warn\">⚠ acceptance expired {}</small>",
            escape(&a.expires)
        ),
        (Status::Open, None) => "<span class=\"status open\">open</span>".into(),
    }
}

fn details(o: &mut String, risks: &[&RiskItem]) {
    if risks.is_empty() {
        return;
    }
    o.push_str("<section id=\"details\">\n<h2>Risk details</h2>\n");
    for x in risks {
        let id = escape(&x.id);
        let accepted = if x.status == Status::Accepted {
            " <span class=\"status accepted\">✓ accepted</span>"
        } else if x.acceptance.is_some() {
            " <span class=\"warn\">⚠ acceptance expired</span>"
        } else {
            ""
        };
        let _ = writeln!(
            o,
            "<details id=\"r-{id}\" class=\"risk {}\">\n<summary>{} <code>{id}</code> {}{accepted}</summary>\n<dl>",
            status_class(x),
            sev_badge(x.severity),
            escape(&x.title),
        );
        let cat = if x.patient_safety && x.category != "patient-safety" {
            format!("{}, patient safety", escape(&x.category))
        } else {
            escape(&x.category)
        };
        let _ = writeln!(
            o,
            "<dt>Rule</dt><dd><code>{}</code> {} ({cat})</dd>",
            escape(&x.rule),
            escape(&x.rule_name)
        );
        let _ = writeln!(o, "<dt>Detail</dt><dd>{}</dd>", prose(&x.detail));
        let mut place = Vec::new();
        if let Some(s) = &x.source {
            place.push(format!(
                "source <code>{}</code> ({})",
                escape(&s.path),
                escape(&s.standard)
            ));
        }
        if let Some(t) = &x.target {
            let mut p = format!(
                "target <code>{}</code> ({})",
                escape(&t.path),
                escape(&t.standard)
            );
            if let Some(profile) = &t.profile {
                let _ = write!(p, ", profile <code>{}</code>", escape(profile));
            }
            place.push(p);
        }
        let _ = writeln!(
            o,
            "<dt>Where</dt><dd>scope <code>{}</code>{}{}</dd>",
            escape(&x.scope.join(", ")),
            if place.is_empty() { "" } else { "; " },
            place.join("; ")
        );
        let e = &x.evidence;
        let _ = writeln!(
            o,
            "<dt>Evidence</dt><dd>{} of {} {} affected ({}); severity {}, likelihood {}</dd>",
            e.affected,
            e.total,
            plural(e.total, "sample", "samples"),
            percent(e.rate),
            x.severity.as_str(),
            percent(x.likelihood),
        );
        if !e.examples.is_empty() {
            o.push_str("<dt>Seen at</dt><dd><ul class=\"places\">");
            for p in &e.examples {
                let msg = p
                    .message
                    .map(|m| format!("sample {m}, "))
                    .unwrap_or_default();
                // Only with `--show-values` (the header then warns).
                let value = p
                    .value
                    .as_deref()
                    .map(|v| format!(" = <code class=\"value\">{}</code>", escape(v)))
                    .unwrap_or_default();
                let _ = write!(
                    o,
                    "<li><code>{}:{}</code>{value} <small>({msg}byte {})</small></li>",
                    escape(&p.file),
                    p.line,
                    p.offset
                );
            }
            o.push_str("</ul></dd>\n");
        }
        let _ = writeln!(
            o,
            "<dt>Recommendation</dt><dd>{}</dd>\n<dt>Owner, effort</dt><dd>{}, {:?}</dd>",
            prose(&x.recommendation),
            escape(&x.owner_role),
            x.effort
        );
        if let Some(a) = &x.acceptance {
            let _ = writeln!(
                o,
                "<dt>{}</dt><dd>{} <small>({}, {} {})</small></dd>",
                if a.expired {
                    "Acceptance (expired)"
                } else {
                    "Accepted"
                },
                escape(&a.justification),
                escape(&a.owner),
                if a.expired { "expired" } else { "until" },
                escape(&a.expires),
            );
        }
        if let Some(n) = &x.note {
            let _ = writeln!(o, "<dt>Note</dt><dd class=\"warn\">⚠ {}</dd>", escape(n));
        }
        o.push_str("</dl>\n</details>\n");
    }
    o.push_str("</section>\n");
}

/// The risks of the baseline this run no longer has (only with a baseline).
fn resolved(o: &mut String, r: &Report) {
    let Some(b) = &r.baseline else {
        return;
    };
    let _ = writeln!(
        o,
        "<section id=\"resolved\">\n<h2>Resolved since the baseline ({})</h2>",
        b.resolved.len()
    );
    if b.resolved.is_empty() {
        o.push_str("<p>None: every risk of the baseline is still found.</p>\n</section>\n");
        return;
    }
    o.push_str(
        "<p>In the baseline, no longer found.</p>\n<div class=\"scroll\"><table class=\"resolved\">\n\
         <thead><tr><th scope=\"col\">ID</th><th scope=\"col\">Rule</th>\
         <th scope=\"col\">Title</th><th scope=\"col\">Severity</th></tr></thead>\n<tbody>\n",
    );
    for x in &b.resolved {
        let _ = writeln!(
            o,
            "<tr data-id=\"{id}\"><td><code>{id}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&x.rule),
            escape(&x.title),
            sev_badge(x.severity),
            id = escape(&x.id),
        );
    }
    o.push_str("</tbody>\n</table></div>\n</section>\n");
}

fn provenance(o: &mut String, r: &Report) {
    let spec = match &r.spec {
        None => "none".to_owned(),
        Some(s) => match &s.sha256 {
            Some(h) => format!("SHA-256 <code class=\"hash\">{}</code>", escape(h)),
            None => "given, digest unknown".to_owned(),
        },
    };
    let baseline = r
        .baseline
        .as_ref()
        .map(|b| {
            format!(
                "<dt>Baseline</dt><dd><code>{}</code>, SHA-256 <code class=\"hash\">{}</code></dd>",
                escape(&b.path),
                escape(&b.sha256)
            )
        })
        .unwrap_or_default();
    let _ = writeln!(
        o,
        "<section id=\"provenance\">\n<h2>Inputs and provenance</h2>\n<dl class=\"prov\">\
         <dt>Report</dt><dd><code>{}</code></dd><dt>Tool</dt><dd>{} {}</dd>\
         <dt>Generated at</dt><dd><time>{}</time></dd><dt>Interface</dt><dd>{}</dd>\
         <dt>Spec</dt><dd>{spec}</dd>{baseline}</dl>",
        escape(r.schema),
        escape(r.tool.name),
        escape(r.tool.version),
        escape(&r.generated_at),
        r.interface
            .as_deref()
            .map(escape)
            .unwrap_or_else(|| "not named".to_owned()),
    );
    if r.inputs.is_empty() {
        o.push_str("<p>No input files were recorded.</p>\n</section>\n");
        return;
    }
    o.push_str(
        "<div class=\"scroll\"><table class=\"inputs\">\n<thead><tr><th scope=\"col\">Role</th>\
         <th scope=\"col\">Path</th><th scope=\"col\" class=\"num\">Bytes</th>\
         <th scope=\"col\">SHA-256</th></tr></thead>\n<tbody>\n",
    );
    for f in &r.inputs {
        let role = serde_json::to_value(f.role)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        let _ = writeln!(
            o,
            "<tr><td>{}</td><td><code>{}</code></td><td class=\"num\">{}</td>\
             <td><code class=\"hash\">{}</code></td></tr>",
            escape(&role),
            escape(&f.path),
            f.bytes,
            escape(&f.sha256)
        );
    }
    o.push_str("</tbody>\n</table></div>\n</section>\n");
}

/// Escaped text in which `` `code` `` spans (as rule docs and details write names)
/// become `<code>`; with an odd number of backticks everything is plain text.
fn prose(s: &str) -> String {
    let parts: Vec<&str> = s.split('`').collect();
    if parts.len() % 2 == 0 {
        return escape(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for (i, p) in parts.iter().enumerate() {
        if i % 2 == 0 {
            out.push_str(&escape(p));
        } else {
            let _ = write!(out, "<code>{}</code>", escape(p));
        }
    }
    out
}

/// An escaped path that may wrap after its dots (`Patient.identifier.system`), so a
/// narrow table column breaks it between names rather than inside one.
fn breakable(path: &str) -> String {
    escape(path).replace('.', ".<wbr>")
}

fn sev_badge(s: RiskSeverity) -> String {
    format!("<span class=\"sev {}\">{}</span>", sev_class(s), s.as_str())
}

fn sev_class(s: RiskSeverity) -> &'static str {
    match s {
        RiskSeverity::Critical => "sev-critical",
        RiskSeverity::High => "sev-high",
        RiskSeverity::Medium => "sev-medium",
        RiskSeverity::Low => "sev-low",
        RiskSeverity::Info => "sev-info",
    }
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

/// Sort rank: the higher, the more severe.
fn rank(s: RiskSeverity) -> u8 {
    match s {
        RiskSeverity::Critical => 5,
        RiskSeverity::High => 4,
        RiskSeverity::Medium => 3,
        RiskSeverity::Low => 2,
        RiskSeverity::Info => 1,
    }
}

fn effort_rank(e: Effort) -> u8 {
    match e {
        Effort::S => 1,
        Effort::M => 2,
        Effort::L => 3,
    }
}

/// Colour band of a readiness score.
fn band(score: u8) -> &'static str {
    match score {
        80.. => "good",
        50..=79 => "fair",
        _ => "poor",
    }
}

fn plural<'a>(n: u64, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}

/// The style sheet (its SHA-256 is in the policy, so any change is allowed
/// automatically). No `style` attributes anywhere: the policy would block them.
const STYLE: &str = r##"
:root{--fg:#1d2530;--muted:#5b6573;--line:#d8dde3;--bg:#fff;--soft:#f4f6f8;
--critical:#9b1c1c;--high:#c2410c;--medium:#a16207;--low:#1d4ed8;--info:#52606d;--acc:#b8c0c8;
--good:#15803d;--fair:#b45309;--poor:#b91c1c;--cat:#3b5b92}
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
header,main,footer{max-width:1200px;margin:0 auto;padding:0 20px}
header{padding-top:18px;border-bottom:1px solid var(--line)}
h1{font-size:1.6em;margin:.3em 0}
h2{font-size:1.2em;margin:1.4em 0 .5em;border-bottom:1px solid var(--line);padding-bottom:.2em}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.9em;background:var(--soft);padding:0 .25em;border-radius:3px;overflow-wrap:anywhere}
.headline{font-size:1.15em;margin:.4em 0}
.verdict{display:inline-block;padding:.15em .7em;border-radius:4px;font-weight:700;color:#fff;background:var(--info)}
.verdict.go{background:var(--good)}.verdict.no-go{background:var(--poor)}
.score strong{font-size:1.4em}
.score.good strong{color:var(--good)}.score.fair strong{color:var(--fair)}.score.poor strong{color:var(--poor)}
.meta,.hint,.legend,footer{color:var(--muted);font-size:.9em}
table{border-collapse:collapse;width:100%;font-size:.92em}
th,td{border-bottom:1px solid var(--line);padding:.35em .5em;text-align:left;vertical-align:top}
thead th{background:var(--soft);white-space:nowrap}
#risk-table td:first-child code{white-space:nowrap}
#risk-table code{overflow-wrap:normal}
.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
table.checks{width:auto}
td.pass{color:var(--good);font-weight:600}td.fail{color:var(--poor);font-weight:600}
td.good{color:var(--good);font-weight:600}td.fair{color:var(--fair);font-weight:600}td.poor{color:var(--poor);font-weight:600}
.pulled{margin:.3em 0}
.charts{display:flex;flex-wrap:wrap;gap:16px}
figure.chart{margin:0;flex:1 1 380px;border:1px solid var(--line);border-radius:6px;padding:10px}
figure.chart figcaption{font-weight:600;margin-bottom:4px}
figure.chart svg{width:100%;height:auto;max-width:560px;display:block}
svg text{font-size:12px;fill:var(--fg)}
svg text.value{fill:var(--muted)}
svg rect.sev-critical{fill:var(--critical)}svg rect.sev-high{fill:var(--high)}svg rect.sev-medium{fill:var(--medium)}
svg rect.sev-low{fill:var(--low)}svg rect.sev-info{fill:var(--info)}svg rect.acc{fill:var(--acc)}svg rect.cat{fill:var(--cat)}
svg rect.good{fill:var(--good)}svg rect.fair{fill:var(--fair)}svg rect.poor{fill:var(--poor)}
svg line.min{stroke:var(--fg);stroke-dasharray:4 3;stroke-width:1.5}
.key{display:inline-block;width:.9em;height:.9em;vertical-align:-.1em;margin-left:.6em;background:var(--cat)}
.key.acc{background:var(--acc)}.key.line{width:1.6em;height:0;border-top:2px dashed var(--fg)}
.scroll{overflow-x:auto}
#risk-table th button{font:inherit;font-weight:600;background:none;border:0;padding:0;cursor:pointer;color:inherit}
#risk-table th button::after{content:" \2195";color:var(--muted);font-weight:400}
#risk-table th[aria-sort=ascending] button::after{content:" \25B2";color:var(--fg)}
#risk-table th[aria-sort=descending] button::after{content:" \25BC";color:var(--fg)}
tr.accepted td{background:#f3f5f7;color:var(--muted)}
.sev{display:inline-block;min-width:4.6em;text-align:center;padding:0 .4em;border-radius:3px;color:#fff;font-size:.85em;font-weight:600}
.sev.sev-critical{background:var(--critical)}.sev.sev-high{background:var(--high)}.sev.sev-medium{background:var(--medium)}
.sev.sev-low{background:var(--low)}.sev.sev-info{background:var(--info)}
.ps{display:inline-block;padding:0 .35em;border:1px solid var(--critical);color:var(--critical);border-radius:3px;font-size:.8em}
.status.accepted{color:var(--good);font-weight:600}
.warn{color:var(--fair)}
.phi{margin:.6em 0;padding:.6em .9em;border:2px solid var(--poor);border-radius:6px;background:#fdecec;color:var(--poor);font-size:1.05em}
.phi code{color:var(--fg)}
.baseline{margin:.5em 0;padding:.4em .8em;border-left:4px solid var(--cat);background:var(--soft)}
code.value{border:1px dashed var(--fair)}
td.none{color:var(--muted)}
details.risk{border:1px solid var(--line);border-radius:6px;margin:.5em 0;padding:.3em .7em}
details.risk.accepted{background:#f7f9fa}
details.risk summary{cursor:pointer}
details.risk dl{display:grid;grid-template-columns:max-content 1fr;gap:.2em 1em;margin:.6em 0}
details.risk dt{font-weight:600;color:var(--muted)}details.risk dd{margin:0}
ul.places{margin:0;padding-left:1.1em}
dl.prov{display:grid;grid-template-columns:max-content 1fr;gap:.2em 1em}
dl.prov dt{font-weight:600;color:var(--muted)}dl.prov dd{margin:0}
code.hash{font-size:.8em}
footer{border-top:1px solid var(--line);margin-top:2em;padding:10px 20px 24px}
@media print{.hint{display:none}#risk-table th button::after{content:""}}
"##;

/// The table's sorting (see the module doc). Its SHA-256 is in the policy.
const SCRIPT: &str = r##"
(function () {
  "use strict";
  var table = document.getElementById("risk-table");
  if (table) {
    var body = table.tBodies[0];
    var heads = table.tHead.rows[0].cells;
    var rows = Array.prototype.slice.call(body.rows);
    var order = new Map();
    rows.forEach(function (r, i) { order.set(r, i); });
    var value = function (row, col, num) {
      var c = row.cells[col];
      var v = c.hasAttribute("data-v") ? c.getAttribute("data-v") : c.textContent;
      return num ? Number(v) : v.toLowerCase();
    };
    var sortBy = function (key, dir) {
      var col = -1, num = false;
      for (var i = 0; i < heads.length; i++) {
        if (heads[i].getAttribute("data-key") === key) {
          col = i;
          num = heads[i].getAttribute("data-type") === "num";
        }
      }
      if (col < 0 || (dir !== "asc" && dir !== "desc")) { return false; }
      var sign = dir === "asc" ? 1 : -1;
      rows.slice().sort(function (a, b) {
        var x = value(a, col, num), y = value(b, col, num);
        var c = x < y ? -1 : (x > y ? 1 : 0);
        return c !== 0 ? sign * c : order.get(a) - order.get(b);
      }).forEach(function (r) { body.appendChild(r); });
      for (var j = 0; j < heads.length; j++) {
        heads[j].setAttribute("aria-sort", j !== col ? "none" : (dir === "asc" ? "ascending" : "descending"));
      }
      table.setAttribute("data-sort", key + "-" + dir);
      return true;
    };
    Array.prototype.forEach.call(heads, function (th) {
      var button = th.querySelector("button");
      if (!button) { return; }
      button.addEventListener("click", function () {
        var key = th.getAttribute("data-key"), first = th.getAttribute("data-first");
        var dir = table.getAttribute("data-sort") === key + "-" + first ? (first === "asc" ? "desc" : "asc") : first;
        if (sortBy(key, dir)) {
          try { history.replaceState(null, "", "#sort=" + key + "-" + dir); } catch (e) { /* some browsers refuse it on local files */ }
        }
      });
    });
    var fromHash = function () {
      var h = location.hash.slice(1);
      var m = /^sort=([a-z]+)-(asc|desc)$/.exec(h);
      if (m) { sortBy(m[1], m[2]); return; }
      var d = h ? document.getElementById(h) : null;
      if (d && d.tagName === "DETAILS") { d.open = true; }
    };
    window.addEventListener("hashchange", fromHash);
    fromHash();
  }
  document.documentElement.setAttribute("data-ira-ready", "1");
})();
"##;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_covers_markup_quotes_and_controls() {
        assert_eq!(
            escape("<script>alert('x')</script>"),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"
        );
        assert_eq!(escape("a & b"), "a &amp; b");
        assert_eq!(escape("&amp;"), "&amp;amp;");
        assert_eq!(
            escape(r#"q&a <old> "v1".hl7"#),
            "q&amp;a &lt;old&gt; &quot;v1&quot;.hl7"
        );
        assert_eq!(escape("tab\tnl\ncr\r"), "tab\tnl\ncr\r");
        assert_eq!(
            escape("nul\0bel\u{7}del\u{7f}"),
            "nul\u{FFFD}bel\u{FFFD}del\u{FFFD}"
        );
        assert_eq!(escape("é → ✓"), "é → ✓");
    }

    #[test]
    fn prose_turns_code_spans_into_code() {
        assert_eq!(
            prose("add `[[x]]` <now>"),
            "add <code>[[x]]</code> &lt;now&gt;"
        );
        assert_eq!(prose("odd ` <tick>"), "odd ` &lt;tick&gt;");
        assert_eq!(prose("`<b>`"), "<code>&lt;b&gt;</code>");
    }

    #[test]
    fn base64_matches_rfc4648() {
        for (input, out) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(input.as_bytes()), out, "{input}");
        }
        // A SHA-256 is 44 characters with one pad.
        let h = base64(&Sha256::digest(b"abc"));
        assert_eq!(h, "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=");
    }

    #[test]
    fn points_and_bands() {
        assert_eq!(points(22.0), "22");
        assert_eq!(points(3.5), "3.5");
        assert_eq!(points(9.375), "9.38");
        assert_eq!(
            (band(100), band(80), band(79), band(50), band(49)),
            ("good", "good", "fair", "fair", "poor")
        );
    }
}
