//! `ira parse` output: what was read, file by file, and every issue with its position.
//!
//! Neither format carries a patient value: an overview holds counts, types, versions,
//! paths and positions only (issue details are PHI-free by construction in ira-parse).

use std::fmt::Write as _;

use serde::Serialize;

use ira_analyze::overview::{FileOverview, Overview};
use ira_parse::document::Counts;
use ira_parse::input::Format;
use ira_parse::{Issue, Severity};

/// The JSON schema id of `ira parse --format json`.
pub const JSON_SCHEMA: &str = "ira.parse/1";

#[derive(Serialize)]
struct JsonDoc<'a> {
    schema: &'static str,
    tool: Tool,
    #[serde(flatten)]
    overview: &'a Overview,
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

/// The overview as pretty JSON (`{"schema": "ira.parse/1", "tool", "files", …}`).
pub fn json(overview: &Overview) -> String {
    let doc = JsonDoc {
        schema: JSON_SCHEMA,
        tool: Tool {
            name: "ira",
            version: env!("CARGO_PKG_VERSION"),
        },
        overview,
    };
    // Serialising plain data with string keys cannot fail; fall back to an empty object
    // rather than panic if it ever did.
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_else(|_| "{}".to_owned());
    s.push('\n');
    s
}

/// The overview for a person: one block per file, then the totals.
pub fn text(overview: &Overview) -> String {
    let mut out = String::new();
    for f in &overview.files {
        file_block(&mut out, f);
    }
    if !overview.input_problems.is_empty() {
        out.push_str("inputs\n");
        for i in &overview.input_problems {
            let _ = writeln!(
                out,
                "  {}[{}]: {}",
                severity_word(i.severity),
                i.code,
                i.detail
            );
        }
    }
    let t = &overview.totals;
    let _ = writeln!(
        out,
        "\n{} file{}, {}: {}; {}; {}",
        t.files,
        plural(t.files),
        human_bytes(t.bytes),
        counts_phrase(&t.messages, "message"),
        counts_phrase(&t.resources, "resource"),
        issues_phrase(t.issues, t.errors, t.warnings),
    );
    out
}

fn file_block(out: &mut String, f: &FileOverview) {
    let what = match f.format {
        Format::Hl7v2 => counts_phrase(&f.counts, "message"),
        Format::FhirJson | Format::FhirNdjson | Format::FhirXml => {
            counts_phrase(&f.counts, "resource")
        }
        Format::Unknown => "not read".to_owned(),
    };
    let _ = writeln!(
        out,
        "{}  [{}, {}] {}",
        f.path,
        f.format,
        human_bytes(f.bytes),
        what
    );
    if !f.kinds.is_empty() {
        let kinds: Vec<String> = f
            .kinds
            .iter()
            .map(|k| {
                let kind = if k.kind.is_empty() {
                    "(no message type)"
                } else {
                    k.kind.as_str()
                };
                match k.version.as_deref() {
                    Some(v) if v.starts_with(|c: char| c.is_ascii_digit()) => {
                        format!("{kind} v{v} ×{}", k.count)
                    }
                    Some(v) => format!("{kind} ({v}) ×{}", k.count),
                    None => format!("{kind} ×{}", k.count),
                }
            })
            .collect();
        let _ = writeln!(out, "    {}", kinds.join(", "));
    }
    for i in &f.issues {
        issue_line(out, &f.path, i);
    }
}

fn issue_line(out: &mut String, path: &str, i: &Issue) {
    let l = &i.location;
    let mut pos = String::new();
    if let Some(m) = l.message {
        let _ = write!(pos, "message {m}, ");
    }
    let _ = write!(pos, "byte {}", l.offset);
    let _ = writeln!(
        out,
        "    {path}:{}: {}[{}] {pos}: {}",
        l.line,
        severity_word(i.severity),
        i.code,
        i.detail
    );
}

fn severity_word(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

fn counts_phrase(c: &Counts, noun: &str) -> String {
    let mut s = format!("{} {noun}{}", c.found, plural(c.found));
    if c.found > 0 {
        let mut parts = vec![format!("{} read", c.read())];
        if c.damaged > 0 {
            parts.push(format!("{} damaged", c.damaged));
        }
        if c.skipped > 0 {
            parts.push(format!("{} skipped", c.skipped));
        }
        let _ = write!(s, " ({})", parts.join(", "));
    }
    s
}

fn issues_phrase(total: u32, errors: u32, warnings: u32) -> String {
    if total == 0 {
        return "no issues".to_owned();
    }
    let notes = total - errors - warnings;
    format!(
        "{total} issue{} ({errors} error{}, {warnings} warning{}, {notes} note{})",
        plural(total),
        plural(errors),
        plural(warnings),
        plural(notes)
    )
}

fn plural(n: u32) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn human_bytes(b: u64) -> String {
    const K: f64 = 1024.0;
    let f = b as f64;
    if f < K {
        format!("{b} B")
    } else if f < K * K {
        format!("{:.1} KiB", f / K)
    } else if f < K * K * K {
        format!("{:.1} MiB", f / (K * K))
    } else {
        format!("{:.2} GiB", f / (K * K * K))
    }
}
