//! The risk report as JUnit XML.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod risk_fixture;

use quick_xml::Reader;
use quick_xml::events::Event;

use ira_analyze::rules::{RiskSeverity, all};
use ira_report::junit::{DEFAULT_THRESHOLD, escape, junit};

/// An element as parsed back: name, attributes (unescaped), text (unescaped), children.
#[derive(Debug, Default)]
struct El {
    name: String,
    attrs: Vec<(String, String)>,
    text: String,
    children: Vec<El>,
}

impl El {
    fn attr(&self, k: &str) -> &str {
        self.attrs
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
            .unwrap_or_else(|| panic!("{} has no {k}", self.name))
    }
    fn child(&self, name: &str) -> Option<&El> {
        self.children.iter().find(|c| c.name == name)
    }
    fn all(&self, name: &str) -> Vec<&El> {
        self.children.iter().filter(|c| c.name == name).collect()
    }
}

fn el(e: &quick_xml::events::BytesStart<'_>) -> El {
    El {
        name: String::from_utf8(e.name().as_ref().to_vec()).unwrap(),
        attrs: e
            .attributes()
            .map(|a| {
                let a = a.unwrap();
                (
                    String::from_utf8(a.key.as_ref().to_vec()).unwrap(),
                    a.unescape_value().unwrap().into_owned(),
                )
            })
            .collect(),
        ..El::default()
    }
}

/// Parses with quick-xml, which checks that end tags match; fails on anything
/// malformed (unbalanced tags, bad references, text after the root).
fn parse(xml: &str) -> El {
    let mut r = Reader::from_str(xml);
    let mut stack: Vec<El> = vec![El::default()];
    loop {
        match r.read_event().unwrap() {
            Event::Start(e) => stack.push(el(&e)),
            Event::Empty(e) => stack.last_mut().unwrap().children.push(el(&e)),
            Event::End(_) => {
                let done = stack.pop().unwrap();
                stack.last_mut().unwrap().children.push(done);
            }
            Event::Text(t) => stack
                .last_mut()
                .unwrap()
                .text
                .push_str(&t.decode().unwrap()),
            Event::GeneralRef(g) => {
                let name = g.decode().unwrap();
                let c = match &*name {
                    "amp" => "&".to_owned(),
                    "lt" => "<".to_owned(),
                    "gt" => ">".to_owned(),
                    "quot" => "\"".to_owned(),
                    "apos" => "'".to_owned(),
                    _ => g.resolve_char_ref().unwrap().unwrap().to_string(),
                };
                stack.last_mut().unwrap().text.push_str(&c);
            }
            Event::Decl(_) => {}
            Event::Eof => break,
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(stack.len(), 1, "unclosed elements");
    let mut doc = stack.pop().unwrap();
    assert_eq!(doc.children.len(), 1, "one root element");
    doc.children.pop().unwrap()
}

#[test]
fn junit_snapshot() {
    insta::assert_snapshot!("junit", junit(&risk_fixture::report(), DEFAULT_THRESHOLD));
}

#[test]
fn one_suite_per_rule_one_case_per_scope() {
    let report = risk_fixture::report();
    let root = parse(&junit(&report, DEFAULT_THRESHOLD));
    assert_eq!(root.name, "testsuites");
    assert_eq!(root.attr("name"), "ira: Demo ADT feed");
    let suites = root.all("testsuite");
    let catalogue = all();
    assert_eq!(suites.len(), catalogue.len());
    let scopes = ["ADT_A01", "ADT_A04", "ADT_A08", "Bundle", "ORU_R01"];
    for (s, m) in suites.iter().zip(&catalogue) {
        assert_eq!(s.attr("name"), format!("{} {}", m.id, m.name));
        let cases = s.all("testcase");
        let names: Vec<&str> = cases.iter().map(|c| c.attr("name")).collect();
        assert_eq!(names, scopes);
        assert_eq!(s.attr("tests"), "5");
        for c in cases {
            assert_eq!(c.attr("classname"), format!("ira.{}", m.id));
        }
    }
    // Totals add up.
    let sum = |k: &str| -> usize {
        suites
            .iter()
            .map(|s| s.attr(k).parse::<usize>().unwrap())
            .sum()
    };
    assert_eq!(root.attr("tests").parse::<usize>().unwrap(), sum("tests"));
    assert_eq!(root.attr("failures"), sum("failures").to_string());
    assert_eq!(root.attr("skipped"), sum("skipped").to_string());
    // Medium threshold: IRA101 (medium, expired acceptance), IRA201 (high), IRA601
    // (critical) in ADT_A01, IRA301 (medium) in ORU_R01 and IRA404 (high) in Bundle
    // fail; IRA302 (low, accepted) is skipped; IRA402 (info) passes.
    assert_eq!(root.attr("failures"), "5");
    assert_eq!(root.attr("skipped"), "1");
}

fn case<'a>(root: &'a El, rule: &str, scope: &str) -> &'a El {
    root.all("testsuite")
        .into_iter()
        .find(|s| s.attr("name").starts_with(rule))
        .unwrap()
        .all("testcase")
        .into_iter()
        .find(|c| c.attr("name") == scope)
        .unwrap()
}

#[test]
fn failures_skips_and_passes() {
    let report = risk_fixture::report();
    let root = parse(&junit(&report, DEFAULT_THRESHOLD));
    let id = |rule: &str| {
        report
            .risks
            .iter()
            .find(|r| r.rule == rule)
            .unwrap()
            .id
            .clone()
    };

    let f = case(&root, "IRA601", "ADT_A01").child("failure").unwrap();
    assert_eq!(f.attr("type"), "critical");
    assert_eq!(f.attr("message"), "1 open risk at or above medium");
    assert!(
        f.text.contains(&id("IRA601")) && f.text.contains("1 of 10 samples"),
        "{}",
        f.text
    );
    assert!(f.text.contains("legacy/adt.hl7:3"));

    // An expired acceptance counts again, and says so.
    let f = case(&root, "IRA101", "ADT_A01").child("failure").unwrap();
    assert!(f.text.contains("acceptance expired"), "{}", f.text);

    // Escaping: the detail with <, &, " comes back unchanged.
    let f = case(&root, "IRA301", "ORU_R01").child("failure").unwrap();
    assert!(
        f.text
            .contains("OBX-2 <NM> & value not numeric \"as declared\""),
        "{}",
        f.text
    );
    assert!(f.text.contains("legacy/lab results.hl7:12"));
    // A file name with <, & and " comes back unchanged too.
    assert!(
        f.text.contains(&format!("{}:2", risk_fixture::ODD_FILE)),
        "{}",
        f.text
    );

    // Accepted: skipped, with owner, expiry and justification (escaped and back).
    let c = case(&root, "IRA302", "ORU_R01");
    assert!(c.child("failure").is_none());
    let s = c.child("skipped").unwrap();
    assert!(
        s.attr("message")
            .starts_with(&format!("1 accepted risk: {}", id("IRA302")))
    );
    assert!(
        s.attr("message")
            .contains("Integration lead until 2030-01-31")
    );
    assert!(
        s.attr("message")
            .contains("one time zone & the target <assumes> it.")
    );

    // A scope without risks passes: no child at all.
    let c = case(&root, "IRA601", "ADT_A08");
    assert!(c.children.is_empty());
}

#[test]
fn the_threshold_decides_what_fails() {
    let report = risk_fixture::report();
    let root = parse(&junit(&report, RiskSeverity::High));
    assert_eq!(root.attr("failures"), "3", "the two highs and the critical");
    // The medium risk now passes, listed in system-out.
    let c = case(&root, "IRA301", "ORU_R01");
    assert!(c.child("failure").is_none());
    assert!(
        c.child("system-out")
            .unwrap()
            .text
            .starts_with("below high: IRA301-")
    );
    let root = parse(&junit(&report, RiskSeverity::Info));
    assert_eq!(
        root.attr("failures"),
        "6",
        "the info risk fails too; the accepted low risk is still skipped"
    );
    let root = parse(&junit(&report, RiskSeverity::Critical));
    assert_eq!(root.attr("failures"), "1");
}

#[test]
fn escaping() {
    assert_eq!(
        escape(r#"a<b>&"c"'d'"#, false),
        "a&lt;b&gt;&amp;&quot;c&quot;&apos;d&apos;"
    );
    assert_eq!(
        escape("x\ny\t\u{1}\u{FFFF}", false),
        "x\ny\t\u{FFFD}\u{FFFD}"
    );
    assert_eq!(escape("x\ny\r\tz", true), "x&#10;y&#13;&#9;z");
    // Round trip through a real parser, in an attribute and in text.
    let nasty = "A&B <C> \"D\" 'E'\nF\tG → é";
    let xml = format!(
        "<r a=\"{}\">{}</r>",
        escape(nasty, true),
        escape(nasty, false)
    );
    let r = parse(&xml);
    assert_eq!(r.attr("a"), nasty);
    assert_eq!(r.text, nasty);
}

#[test]
fn unknown_rules_get_a_suite_and_bytes_are_stable() {
    let mut f = risk_fixture::findings();
    f[1].rule = "IRA998";
    let root = parse(&junit(&risk_fixture::report_of(&f), DEFAULT_THRESHOLD));
    assert!(
        root.all("testsuite")
            .iter()
            .any(|s| s.attr("name") == "IRA998 code-not-in-vocabulary")
    );
    let a = junit(&risk_fixture::report(), DEFAULT_THRESHOLD);
    let mut f = risk_fixture::findings();
    f.reverse();
    assert_eq!(a, junit(&risk_fixture::report_of(&f), DEFAULT_THRESHOLD));
}

/// The demo's canary values never reach the XML.
#[test]
fn no_sample_values_in_the_junit_of_the_demo() {
    let text = junit(&risk_fixture::demo_report(), RiskSeverity::Info);
    let root = parse(&text);
    assert_ne!(root.attr("failures"), "0");
    for canary in risk_fixture::CANARIES {
        assert!(!text.contains(canary), "{canary} leaked");
    }
}
