//! Behaviour of the FHIR generators: NDJSON lines and transaction Bundles.

// Helpers outside #[test] fns may unwrap too: these are tests.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashSet;

use ira_gen::{fhir_bundles, fhir_ndjson, write_fhir_ndjson};
use serde_json::Value;

fn lines(corpus: &[u8]) -> Vec<&str> {
    let text = std::str::from_utf8(corpus).unwrap();
    assert!(text.ends_with('\n'));
    text.lines().collect()
}

#[test]
fn ndjson_is_deterministic_prefix_stable_and_streams_the_same() {
    let a = fhir_ndjson(4, 150_000);
    assert_eq!(a, fhir_ndjson(4, 150_000));
    assert_ne!(a, fhir_ndjson(5, 150_000));
    let small = fhir_ndjson(4, 40_000);
    assert!(a.starts_with(&small) && a.len() > small.len());
    let mut streamed = Vec::new();
    let stats = write_fhir_ndjson(4, 150_000, &mut streamed).unwrap();
    assert_eq!(streamed, a);
    assert_eq!(stats.items as usize, lines(&a).len());
    assert!(fhir_ndjson(4, 0).is_empty());
}

#[test]
fn every_line_is_a_resource_and_round_trips_exactly() {
    let corpus = fhir_ndjson(1, 300_000);
    let mut types = HashSet::new();
    let mut ids = HashSet::new();
    for (n, line) in lines(&corpus).into_iter().enumerate() {
        let v: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("line {n}: {e}"));
        let rt = v["resourceType"].as_str().expect("resourceType");
        types.insert(rt.to_owned());
        // With the workspace's arbitrary_precision + preserve_order, compact re-serialisation
        // gives back the same text: decimals kept their digits, nothing was reordered.
        assert_eq!(serde_json::to_string(&v).unwrap(), line, "line {n}");
        let id = v["id"].as_str().expect("id");
        assert!(ids.insert(format!("{rt}/{id}")), "duplicate id on line {n}");
        // References point back to resources already written.
        let mut refs = Vec::new();
        collect_refs(&v, &mut refs);
        for r in refs {
            assert!(ids.contains(&r), "line {n}: dangling reference");
        }
    }
    for t in ["Patient", "Encounter", "Observation", "DiagnosticReport"] {
        assert!(types.contains(t), "{t}");
    }
}

fn collect_refs(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                match (k.as_str(), v) {
                    ("reference", Value::String(s)) => out.push(s.clone()),
                    _ => collect_refs(v, out),
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|v| collect_refs(v, out)),
        _ => {}
    }
}

#[test]
fn observations_cover_the_planned_value_kinds_with_exact_decimals() {
    let corpus = fhir_ndjson(2, 300_000);
    let text = std::str::from_utf8(&corpus).unwrap();
    for needle in [
        "\"valueQuantity\":{\"value\":",
        "\"valueCodeableConcept\":",
        "\"valueString\":",
        "\"code\":\"85354-9\"",
        "\"code\":\"8480-6\"",
        "\"system\":\"http://loinc.org\"",
        "\"telecom\":",
        "\"address\":",
    ] {
        assert!(text.contains(needle), "{needle}");
    }
    // A decimal with a trailing zero, written and kept as such.
    assert!(text.lines().any(|l| l.contains("\"value\":") && {
        let v: Value = serde_json::from_str(l).unwrap();
        let q = &v["valueQuantity"]["value"];
        q.is_number() && q.to_string().contains('.') && q.to_string().ends_with('0')
    }));
}

#[test]
fn bundles_are_pretty_transactions_with_resolvable_urn_references() {
    let bundles = fhir_bundles(3, 12);
    assert_eq!(bundles.len(), 12);
    assert_eq!(bundles, fhir_bundles(3, 12));
    assert_ne!(bundles, fhir_bundles(4, 12));
    for (i, b) in bundles.iter().enumerate() {
        let text = std::str::from_utf8(b).unwrap();
        assert!(
            text.contains("\n  \"type\": \"transaction\""),
            "bundle {i} is not pretty-printed"
        );
        let v: Value = serde_json::from_slice(b).unwrap();
        assert_eq!(v["resourceType"], "Bundle");
        let entries = v["entry"].as_array().unwrap();
        assert!(entries.len() >= 5);
        let full_urls: HashSet<&str> = entries
            .iter()
            .map(|e| e["fullUrl"].as_str().unwrap())
            .collect();
        assert_eq!(full_urls.len(), entries.len());
        for e in entries {
            assert!(e["fullUrl"].as_str().unwrap().starts_with("urn:uuid:"));
            assert_eq!(e["request"]["method"], "POST");
            assert_eq!(e["request"]["url"], e["resource"]["resourceType"]);
            let mut refs = Vec::new();
            collect_refs(&e["resource"], &mut refs);
            for r in refs {
                assert!(
                    full_urls.contains(r.as_str()),
                    "bundle {i}: unresolved reference"
                );
            }
        }
    }
}

#[test]
fn first_lines_snapshot() {
    // Guards the "same seed, same bytes" promise across releases of this crate.
    let corpus = fhir_ndjson(42, 1);
    let first = String::from_utf8(corpus).unwrap();
    let corpus = fhir_ndjson(42, 6000);
    let text = String::from_utf8(corpus).unwrap();
    assert!(text.starts_with(&first));
    let shown: Vec<&str> = text.lines().take(6).collect();
    insta::assert_snapshot!(shown.join("\n"));
}
