//! Release-mode timing of the fhirbolt check (ignored by default):
//! `cargo test -p ira-conform --release --test conform_speed -- --ignored --nocapture`.

use std::time::Instant;

use ira_conform::FhirboltConformance;
use ira_parse::FileId;
use ira_parse::fhir::{Conformance, read_ndjson};

#[test]
#[ignore = "timing; run in release"]
fn check_speed() {
    let line = r#"{"resourceType":"Observation","id":"o1","status":"final","category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"laboratory"}]}],"code":{"coding":[{"system":"http://loinc.org","code":"2345-7","display":"Glucose"}]},"subject":{"reference":"Patient/p1"},"effectiveDateTime":"2026-03-02T09:20:00+01:00","valueQuantity":{"value":7.50,"unit":"mmol/L","system":"http://unitsofmeasure.org","code":"mmol/L"}}"#;
    let text = format!("{line}\n").repeat(20_000);
    let f = read_ndjson(text.as_bytes(), FileId(0));
    let t = Instant::now();
    let n: usize = f
        .resources
        .iter()
        .map(|r| FhirboltConformance.check(r).len())
        .sum();
    let s = t.elapsed().as_secs_f64();
    assert_eq!(n, 0);
    println!(
        "{} resources checked in {s:.2} s: {:.0} MB/s",
        f.resources.len(),
        text.len() as f64 / 1e6 / s
    );
}
