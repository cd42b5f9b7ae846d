//! The rule catalogue as Markdown: `docs/RULES.md` is this output (a test keeps it
//! current), and `ira explain RULE` will print one entry of it.

use std::fmt::Write as _;

use ira_analyze::rules::{RuleMeta, all};

/// One rule's entry: heading, facts, then what / why / example / fix / references.
pub fn rule_markdown(m: &RuleMeta) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "## {} {}\n", m.id, m.name);
    let _ = writeln!(s, "**{}**\n", m.title);
    let _ = writeln!(
        s,
        "Category: {} · default severity: {} · patient safety: {}\n",
        m.category.as_str(),
        m.severity.as_str(),
        if m.patient_safety { "yes" } else { "no" }
    );
    for (head, text) in [
        ("What it finds", m.doc.what),
        ("Why it matters at go-live", m.doc.why),
        ("Example", m.doc.example),
        ("How to fix", m.doc.fix),
    ] {
        let _ = writeln!(s, "### {head}\n\n{}\n", squeeze(text));
    }
    let _ = writeln!(s, "### References\n");
    for r in m.doc.references {
        let _ = writeln!(s, "- {r}");
    }
    s
}

/// The whole catalogue.
pub fn catalogue_markdown() -> String {
    let rules = all();
    let mut s = String::from(
        "# Rules\n\n<!-- Generated from the rules' own docs (crates/ira-analyze/src/rules/). \
         Do not edit: run `IRA_UPDATE_DOCS=1 cargo test -p ira-report --test rules_doc`. -->\n\n\
         Every rule has a stable id that is never reused. Id ranges: 1xx data loss, \
         2xx terminology, 3xx data quality, 4xx structure, 5xx compliance, 6xx patient safety. \
         A finding's severity starts from the rule's default and is one step lower when \
         under 5% of the samples are affected, except for patient-safety rules.\n\n\
         | id | name | category | default severity | patient safety |\n| --- | --- | --- | --- | --- |\n",
    );
    for m in &rules {
        let _ = writeln!(
            s,
            "| [{}](#{}) | {} | {} | {} | {} |",
            m.id,
            format!("{}-{}", m.id, m.name).to_ascii_lowercase(),
            m.name,
            m.category.as_str(),
            m.severity.as_str(),
            if m.patient_safety { "yes" } else { "no" }
        );
    }
    for m in &rules {
        s.push('\n');
        s.push_str(&rule_markdown(m));
    }
    s
}

/// The catalogue as a plain table for a terminal (`ira rules`).
pub fn catalogue_table() -> String {
    let rules = all();
    let name_w = rules.iter().map(|m| m.name.len()).max().unwrap_or(4);
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{:<6}  {:<name_w$}  {:<14}  {:<8}  safety  title",
        "id", "name", "category", "severity"
    );
    for m in &rules {
        let _ = writeln!(
            s,
            "{:<6}  {:<name_w$}  {:<14}  {:<8}  {:<6}  {}",
            m.id,
            m.name,
            m.category.as_str(),
            m.severity.as_str(),
            if m.patient_safety { "yes" } else { "" },
            m.title
        );
    }
    s
}

/// Source strings are wrapped with `\` continuations; collapse runs of spaces.
fn squeeze(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
