//! Release-mode timing of NDJSON into the document model, walked (ignored by default):
//! `cargo test -p ira-parse --release --test fhir_speed -- --ignored --nocapture`.

use std::time::Instant;

use ira_parse::FileId;
use ira_parse::fhir::read_ndjson;
use ira_parse::model::Sample;

fn generated_ndjson(target: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(target + 1024);
    let mut i = 0u64;
    while out.len() < target {
        let line = if i % 4 == 0 {
            format!(
                r#"{{"resourceType":"Patient","id":"p{i}","meta":{{"lastUpdated":"2026-01-01T00:00:00Z"}},"identifier":[{{"system":"urn:oid:2.16.840.1.113883.3.9999.1","value":"MRN{i:08}"}}],"name":[{{"family":"TESTPATIENT","given":["ALPHA","B"]}}],"gender":"female","birthDate":"1980-02-29","address":[{{"line":["1 Test Street"],"city":"Testville","postalCode":"00000"}}]}}"#
            )
        } else {
            format!(
                r#"{{"resourceType":"Observation","id":"o{i}","status":"final","category":[{{"coding":[{{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"laboratory"}}]}}],"code":{{"coding":[{{"system":"http://loinc.org","code":"2345-7","display":"Glucose"}}]}},"subject":{{"reference":"Patient/p{}"}},"effectiveDateTime":"2026-03-02T09:20:00+01:00","valueQuantity":{{"value":7.50,"unit":"mmol/L","system":"http://unitsofmeasure.org","code":"mmol/L"}},"referenceRange":[{{"low":{{"value":3.9}},"high":{{"value":1e1}}}}]}}"#,
                i - i % 4
            )
        };
        out.extend_from_slice(line.as_bytes());
        out.push(b'\n');
        i += 1;
    }
    out
}

#[test]
#[ignore = "timing; run in release"]
fn ndjson_read_and_walk_speed() {
    let bytes = generated_ndjson(64 << 20);
    let mb = bytes.len() as f64 / 1e6;
    for _ in 0..2 {
        let t = Instant::now();
        let f = read_ndjson(&bytes, FileId(0));
        let read = t.elapsed().as_secs_f64();
        let mut items = 0usize;
        let mut len = 0usize;
        for r in &f.resources {
            r.walk(&mut |it| {
                items += 1;
                len += it.value.raw_len();
            });
        }
        let total = t.elapsed().as_secs_f64();
        assert!(f.issues.is_empty());
        println!(
            "{mb:.0} MB, {} resources, {items} items ({len} bytes): read {:.0} MB/s, read+walk {:.0} MB/s",
            f.resources.len(),
            mb / read,
            mb / total
        );
    }
}

#[test]
#[ignore = "timing; run in release"]
fn ndjson_parts_speed() {
    use ira_parse::fhir::NdjsonLines;
    let bytes = generated_ndjson(32 << 20);
    let mb = bytes.len() as f64 / 1e6;
    let t = Instant::now();
    let mut n = 0;
    for (_, line) in NdjsonLines::new(&bytes) {
        let v: serde_json::Value = serde_json::from_slice(line).unwrap();
        n += v.as_object().map_or(0, |m| m.len());
    }
    println!(
        "Value only: {:.0} MB/s ({n})",
        mb / t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    for (_, line) in NdjsonLines::new(&bytes) {
        let v: std::collections::BTreeMap<String, &serde_json::value::RawValue> =
            serde_json::from_slice(line).unwrap();
        n += v.len();
    }
    println!(
        "raw members only: {:.0} MB/s ({n})",
        mb / t.elapsed().as_secs_f64()
    );
    let f = read_ndjson(&bytes, FileId(0));
    let t = Instant::now();
    for r in &f.resources {
        n += ira_parse::fhir::check_schema(r).len();
    }
    println!(
        "schema check only: {:.0} MB/s ({n})",
        mb / t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    for r in &f.resources {
        r.walk(&mut |_| n += 1);
    }
    println!(
        "walk only: {:.0} MB/s ({n})",
        mb / t.elapsed().as_secs_f64()
    );
}
