//! The risk report as SARIF 2.1.0.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod risk_fixture;

use serde_json::Value;

use ira_analyze::rules::{RiskSeverity, all};
use ira_report::sarif::{level, sarif};

/// What the SARIF 2.1.0 schema requires of the parts we write (sarifLog, run, tool,
/// toolComponent, reportingDescriptor, result, message, location), plus the links a
/// viewer relies on. Returns every violation.
fn sarif_errors(v: &Value) -> Vec<String> {
    let mut errs = Vec::new();
    let mut need = |ok: bool, what: &str| {
        if !ok {
            errs.push(what.to_owned());
        }
    };
    need(v["version"] == "2.1.0", "version 2.1.0");
    need(
        v["$schema"]
            .as_str()
            .is_some_and(|s| s.contains("sarif-2.1.0")),
        "$schema",
    );
    let Some(runs) = v["runs"].as_array() else {
        need(false, "runs is not an array");
        return errs;
    };
    need(runs.len() == 1, "one run");
    for run in runs {
        let driver = &run["tool"]["driver"];
        need(
            driver["name"].as_str().is_some_and(|s| !s.is_empty()),
            "tool.driver.name",
        );
        let rules = driver["rules"].as_array().cloned().unwrap_or_default();
        let mut ids = std::collections::BTreeSet::new();
        for r in &rules {
            let id = r["id"].as_str().unwrap_or("");
            need(!id.is_empty(), "rule id");
            need(ids.insert(id.to_owned()), "unique rule ids");
            if let Some(h) = r.get("help") {
                need(h["text"].is_string(), "help.text (required with help)");
            }
            for d in ["shortDescription", "fullDescription"] {
                if let Some(x) = r.get(d) {
                    need(x["text"].is_string(), "description text");
                }
            }
            let lvl = r["defaultConfiguration"]["level"].as_str().unwrap_or("");
            need(
                ["none", "note", "warning", "error"].contains(&lvl),
                "rule level",
            );
        }
        let Some(results) = run["results"].as_array() else {
            need(false, "results is not an array");
            continue;
        };
        for res in results {
            need(
                res["message"]["text"]
                    .as_str()
                    .is_some_and(|s| !s.is_empty()),
                "message.text",
            );
            let id = res["ruleId"].as_str().unwrap_or("");
            need(ids.contains(id), "ruleId in driver.rules");
            let idx = res["ruleIndex"].as_u64().unwrap_or(u64::MAX) as usize;
            need(
                rules.get(idx).is_some_and(|r| r["id"] == id),
                "ruleIndex points at ruleId",
            );
            let lvl = res["level"].as_str().unwrap_or("");
            need(
                ["none", "note", "warning", "error"].contains(&lvl),
                "result level",
            );
            need(
                res["partialFingerprints"].is_object(),
                "partialFingerprints",
            );
            let related = res["relatedLocations"].as_array().into_iter().flatten();
            for loc in res["locations"]
                .as_array()
                .into_iter()
                .flatten()
                .chain(related)
            {
                let pl = &loc["physicalLocation"];
                need(
                    pl["artifactLocation"]["uri"].is_string(),
                    "artifactLocation.uri",
                );
                need(
                    pl["region"]["startLine"].as_u64().is_some_and(|l| l >= 1),
                    "startLine ≥ 1",
                );
                need(pl["region"]["byteOffset"].is_u64(), "byteOffset ≥ 0");
            }
            for s in res["suppressions"].as_array().into_iter().flatten() {
                need(
                    ["inSource", "external"].contains(&s["kind"].as_str().unwrap_or("")),
                    "suppression kind",
                );
            }
        }
    }
    errs
}

fn parse(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

#[test]
fn sarif_snapshot() {
    insta::assert_snapshot!("sarif", sarif(&risk_fixture::report()));
}

#[test]
fn sarif_has_the_required_structure() {
    let v = parse(&sarif(&risk_fixture::report()));
    assert_eq!(sarif_errors(&v), Vec::<String>::new());
    // The checker does reject.
    let mut bad = v.clone();
    bad["version"] = "2.0.0".into();
    bad["runs"][0]["results"][0]["ruleId"] = "IRA999".into();
    bad["runs"][0]["results"][1]["message"]["text"] = "".into();
    bad["runs"][0]["tool"]["driver"]["name"] = Value::Null;
    assert_eq!(sarif_errors(&bad).len(), 5, "{:#?}", sarif_errors(&bad));
}

#[test]
fn rules_are_the_catalogue_with_their_docs() {
    let v = parse(&sarif(&risk_fixture::report()));
    let rules = v["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap();
    let catalogue = all();
    assert_eq!(rules.len(), catalogue.len());
    for (r, m) in rules.iter().zip(&catalogue) {
        assert_eq!(r["id"], m.id);
        assert_eq!(r["name"], m.name);
        assert_eq!(r["shortDescription"]["text"], m.title);
        let md = r["help"]["markdown"].as_str().unwrap();
        assert!(md.contains("**Why it matters.**") && md.contains("**Fix.**"));
        assert!(md.contains(m.doc.example.trim()));
        assert_eq!(r["properties"]["category"], m.category.as_str());
        assert_eq!(r["properties"]["patient-safety"], m.patient_safety);
        assert_eq!(r["defaultConfiguration"]["level"], level(m.severity));
    }
}

#[test]
fn results_are_located_fingerprinted_and_levelled() {
    let report = risk_fixture::report();
    let v = parse(&sarif(&report));
    let results = v["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), report.risks.len());
    for (res, r) in results.iter().zip(&report.risks) {
        assert_eq!(res["ruleId"], r.rule.as_str());
        assert_eq!(res["partialFingerprints"]["iraRiskId/v1"], r.id.as_str());
        assert_eq!(res["properties"]["riskId"], r.id.as_str());
        assert_eq!(res["level"], level(r.severity));
        // The first example is the location, the others related locations.
        let mut locs = res["locations"].as_array().unwrap().clone();
        assert_eq!(locs.len(), 1);
        locs.extend(
            res.get("relatedLocations")
                .and_then(|x| x.as_array())
                .cloned()
                .unwrap_or_default(),
        );
        assert_eq!(locs.len(), r.evidence.examples.len());
        for (l, e) in locs.iter().zip(&r.evidence.examples) {
            assert_eq!(l["physicalLocation"]["region"]["startLine"], e.line);
            assert_eq!(l["physicalLocation"]["region"]["byteOffset"], e.offset);
        }
    }
    let by_rule = |id: &str| results.iter().find(|r| r["ruleId"] == id).unwrap();
    // Levels: critical → error, medium → warning, low → note.
    assert_eq!(by_rule("IRA601")["level"], "error");
    assert_eq!(by_rule("IRA301")["level"], "warning");
    assert_eq!(by_rule("IRA302")["level"], "note");
    // Relative paths stay relative (to SRCROOT), percent-encoded.
    let loc = &by_rule("IRA301")["locations"][0]["physicalLocation"]["artifactLocation"];
    assert_eq!(loc["uri"], "legacy/lab%20results.hl7");
    assert_eq!(loc["uriBaseId"], "SRCROOT");
    // A file name with <, & and ": the URI percent-encodes what a URI cannot hold.
    let rel = &by_rule("IRA301")["relatedLocations"][0]["physicalLocation"]["artifactLocation"];
    assert_eq!(rel["uri"], "legacy/q&a%20%3Cold%3E%20%22v1%22.hl7");
    // A risk without source or target path still has its location.
    let charset = by_rule("IRA402");
    assert_eq!(charset["level"], "note", "info → note");
    assert!(charset["properties"].get("source").is_none());
    assert_eq!(
        charset["locations"][0]["physicalLocation"]["region"]["startLine"],
        7
    );
    // The message gives the counts.
    let msg = by_rule("IRA201")["message"]["text"].as_str().unwrap();
    assert!(msg.contains("6 of 10 samples"), "{msg}");
    // The live acceptance is a suppression; the expired one is not.
    let s = &by_rule("IRA302")["suppressions"][0];
    assert_eq!(
        (&s["kind"], &s["status"]),
        (&"external".into(), &"accepted".into())
    );
    assert!(by_rule("IRA101").get("suppressions").is_none());
    assert!(
        by_rule("IRA101")["message"]["text"]
            .as_str()
            .unwrap()
            .contains("expired")
    );
}

#[test]
fn absolute_paths_become_file_uris_and_unknown_rules_are_listed() {
    let mut f = risk_fixture::findings();
    f[0].examples[0].file = "/srv/samples/adt.hl7".into();
    f[1].rule = "IRA998";
    f[1].severity = RiskSeverity::High;
    let v = parse(&sarif(&risk_fixture::report_of(&f)));
    assert_eq!(sarif_errors(&v), Vec::<String>::new());
    let results = v["runs"][0]["results"].as_array().unwrap();
    let r = results.iter().find(|r| r["ruleId"] == "IRA101").unwrap();
    let loc = &r["locations"][0]["physicalLocation"]["artifactLocation"];
    assert_eq!(loc["uri"], "file:///srv/samples/adt.hl7");
    assert!(loc.get("uriBaseId").is_none());
    let rules = v["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap();
    assert!(rules.iter().any(|r| r["id"] == "IRA998"));
}

#[test]
fn same_report_gives_the_same_bytes() {
    let a = sarif(&risk_fixture::report());
    let mut f = risk_fixture::findings();
    f.reverse();
    assert_eq!(a, sarif(&risk_fixture::report_of(&f)));
}

/// The demo's canary values never reach the results. The rule catalogue's own
/// synthetic doc examples happen to use the same fake name and date as the demo
/// fixtures (`TESTPATIENT^ALPHA`, `1980-01-01` in IRA303's example), so the check
/// covers everything derived from the samples: results and run properties.
#[test]
fn no_sample_values_in_the_sarif_of_the_demo() {
    let v = parse(&sarif(&risk_fixture::demo_report()));
    assert_eq!(sarif_errors(&v), Vec::<String>::new());
    let run = &v["runs"][0];
    assert!(!run["results"].as_array().unwrap().is_empty());
    for part in [&run["results"], &run["properties"]] {
        let text = part.to_string();
        for canary in risk_fixture::CANARIES {
            assert!(!text.contains(canary), "{canary} leaked");
        }
    }
}
