//! `ira analyze --format markdown`: the risk report for a person and a pull request.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod risk_fixture;

use ira_report::markdown::markdown;
use risk_fixture::{findings, report, report_with, spec};

#[test]
fn markdown_snapshot() {
    insta::assert_snapshot!("risk_report_markdown", markdown(&report()));
}

#[test]
fn heading_verdict_groups_and_accepted() {
    let r = report();
    let md = markdown(&r);
    let first = md.lines().next().unwrap();
    assert_eq!(first, "# ira risk report: Demo ADT feed");
    assert!(md.contains("❌ **NO-GO** · readiness **63**/100 (weakest scope: `ADT_A01`)"));
    // Groups in severity order, only the severities with open risks.
    let pos = |h: &str| md.find(h).unwrap_or_else(|| panic!("{h} missing"));
    assert!(pos("## Critical (1)") < pos("## High (2)"));
    assert!(pos("## High (2)") < pos("## Medium (2)"));
    assert!(pos("## Medium (2)") < pos("## Info (1)"));
    assert!(!md.contains("## Low ("), "the only low risk is accepted");
    // The accepted risk is listed apart, with its acceptance; the expired one is open.
    let acc = &md[pos("## Accepted risks (1)")..];
    let tz = r.risks.iter().find(|x| x.rule == "IRA302").unwrap();
    assert!(acc.contains(&format!("`{}`", tz.id)));
    assert!(acc.contains("| Integration lead | 2030-01-31 |"));
    let zpi = r.risks.iter().find(|x| x.rule == "IRA101").unwrap();
    let medium = &md[pos("## Medium (2)")..pos("## Info (1)")];
    assert!(medium.contains(&format!("`{}`", zpi.id)));
    assert!(medium.contains("acceptance expired on 2020-01-01"));
    // Every risk appears once in a table row.
    for x in &r.risks {
        let rows = md
            .lines()
            .filter(|l| l.starts_with(&format!("| `{}` |", x.id)))
            .count();
        assert_eq!(rows, 1, "{}", x.id);
    }
}

#[test]
fn tables_are_not_broken_and_no_html() {
    let md = markdown(&report());
    // Every table row has as many unescaped pipes as its header.
    let mut expected = None;
    for line in md.lines() {
        if !line.starts_with('|') {
            expected = None;
            continue;
        }
        let pipes = line
            .match_indices('|')
            .filter(|(i, _)| *i == 0 || &line[i - 1..*i] != "\\")
            .count();
        match expected {
            None => expected = Some(pipes),
            Some(n) => assert_eq!(pipes, n, "{line}"),
        }
    }
    // The odd detail is escaped: no raw tag, no emphasis.
    assert!(
        md.contains(
            "reference \"Patient/\\*\", not in the bundle \\| \\<contained\\> or local_ref"
        )
    );
    assert!(!md.contains("<contained>"));
}

#[test]
fn same_report_same_bytes_and_input_order_does_not_matter() {
    let a = markdown(&report());
    assert_eq!(a, markdown(&report()));
    let mut rev = findings();
    rev.reverse();
    assert_eq!(a, markdown(&report_with(&rev, Some(&spec()))));
}

#[test]
fn without_spec_or_risks() {
    let md = markdown(&report_with(&[], None));
    assert!(md.starts_with("# ira risk report: interface\n"));
    assert!(md.contains("**No gate** (the spec sets no thresholds) · readiness **100**/100 · 0 risks: 0 open, 0 accepted"));
    assert!(md.contains("## Open risks\n\nNone.\n"));
    assert!(!md.contains("## Gate"));
    assert!(!md.contains("## Accepted"));
}
