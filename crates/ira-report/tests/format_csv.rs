//! `ira analyze --format csv`: the risk register for issue trackers and plan tools.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod risk_fixture;

use ira_report::csv::{COLUMNS, csv};
use risk_fixture::{findings, report, report_with, spec};

/// Splits RFC 4180 text into records of fields (a tiny reader, for the tests only).
fn parse(s: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let mut rec = Vec::new();
    let mut field = String::new();
    let mut chars = s.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        if quoted {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    chars.next();
                    field.push('"');
                } else {
                    quoted = false;
                }
            } else {
                field.push(c);
            }
            continue;
        }
        match c {
            '"' => {
                assert!(field.is_empty(), "quote inside an unquoted field");
                quoted = true;
            }
            ',' => rec.push(std::mem::take(&mut field)),
            '\r' => {
                assert_eq!(chars.next(), Some('\n'), "CR without LF outside quotes");
                rec.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut rec));
            }
            '\n' => panic!("bare LF outside quotes: records end with CRLF"),
            _ => field.push(c),
        }
    }
    assert!(!quoted, "unterminated quote");
    assert!(
        field.is_empty() && rec.is_empty(),
        "last record without CRLF"
    );
    records
}

#[test]
fn csv_snapshot() {
    insta::assert_snapshot!("risk_register_csv", csv(&report()));
}

#[test]
fn one_record_per_risk_with_the_tracker_columns() {
    let r = report();
    let out = csv(&r);
    let rows = parse(&out);
    assert_eq!(rows[0], COLUMNS);
    assert_eq!(rows.len(), 1 + r.risks.len());
    for (row, risk) in rows[1..].iter().zip(&r.risks) {
        assert_eq!(row.len(), 8);
        assert_eq!(row[0], risk.id);
        assert_eq!(row[1], risk.title);
        assert!(row[2].starts_with(&format!("Detail: {}\n", risk.detail)));
        assert!(row[2].contains(&format!("Recommendation: {}", risk.recommendation)));
        assert_eq!(row[5], risk.owner_role);
    }
    let by = |rule: &str| {
        rows.iter()
            .find(|row| row[0].starts_with(&format!("{rule}-")))
            .unwrap()
    };
    // Priority from severity; labels without spaces; status from acceptance.
    assert_eq!(by("IRA601")[3], "Highest");
    assert_eq!(by("IRA201")[3], "High");
    assert_eq!(by("IRA101")[3], "Medium");
    assert_eq!(by("IRA302")[3], "Low");
    assert_eq!(
        by("IRA601")[4],
        "ira IRA601 patient-safety severity-critical ADT_A01"
    );
    assert_eq!(
        by("IRA201")[4],
        "ira IRA201 terminology severity-high ADT_A01"
    );
    assert_eq!(by("IRA302")[7], "Accepted");
    assert_eq!(by("IRA101")[7], "Open", "expired acceptance counts again");
    assert!(by("IRA101")[2].contains("Acceptance (expired): "));
    assert!(by("IRA101")[2].contains("Note: acceptance expired on 2020-01-01"));
    assert_eq!(by("IRA201")[6], "L");
    // Evidence counts and the first three places only.
    let odd = by("IRA404");
    assert!(odd[2].contains("Evidence: 2 of 8 samples (25%)"));
    assert!(odd[2].contains(
        "Seen at: target/bundle, v2.json (sample 1, line 12); target/bundle, v2.json (sample 3, line 40); \
         target/bundle, v2.json (sample 5, line 77)\n"
    ));
    assert!(!odd[2].contains("line 90"));
    // The detail with a comma, quotes and a pipe comes back intact.
    assert!(
        odd[2].contains("reference \"Patient/*\", not in the bundle | <contained> or local_ref")
    );
}

#[test]
fn same_report_same_bytes_and_input_order_does_not_matter() {
    let a = csv(&report());
    assert_eq!(a, csv(&report()));
    let mut rev = findings();
    rev.reverse();
    assert_eq!(a, csv(&report_with(&rev, Some(&spec()))));
}

#[test]
fn no_risks_gives_the_header_only() {
    let out = csv(&report_with(&[], None));
    assert_eq!(
        out,
        "ID,Summary,Description,Priority,Labels,Owner,Effort,Status\r\n"
    );
}
