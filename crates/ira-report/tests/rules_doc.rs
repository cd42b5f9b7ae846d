//! `docs/RULES.md` is generated from the rules' docs and must stay current.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

#[test]
fn rules_md_is_current() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/RULES.md");
    let generated = ira_report::rules::catalogue_markdown();
    if std::env::var_os("IRA_UPDATE_DOCS").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        on_disk == generated,
        "docs/RULES.md is stale: run `IRA_UPDATE_DOCS=1 cargo test -p ira-report --test rules_doc`"
    );
}

#[test]
fn every_rule_entry_has_all_sections() {
    for m in ira_analyze::rules::all() {
        let md = ira_report::rules::rule_markdown(m);
        for head in [
            "### What it finds",
            "### Why it matters at go-live",
            "### Example",
            "### How to fix",
            "### References",
        ] {
            assert!(md.contains(head), "{}: no {head}", m.id);
        }
    }
}
