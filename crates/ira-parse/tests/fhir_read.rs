//! The FHIR reader on the good fixtures: flattened items (snapshots), positions, decimals.

mod fhir_common;

use fhir_common::{dump, fixture, items};
use ira_parse::FileId;
use ira_parse::fhir::{read_json, read_ndjson, read_xml};
use ira_parse::model::Sample;

#[test]
fn single_patient() {
    let f = read_json(&fixture("fhir/patient.json"), FileId(1));
    assert!(f.issues.is_empty(), "{:?}", f.issues);
    assert_eq!(f.resources.len(), 1);
    insta::assert_snapshot!(dump(&f));
}

#[test]
fn transaction_bundle() {
    let f = read_json(&fixture("fhir/transaction-bundle.json"), FileId(2));
    assert!(f.issues.is_empty(), "{:?}", f.issues);
    insta::assert_snapshot!(dump(&f));
}

#[test]
fn collection_bundle() {
    let f = read_json(&fixture("fhir/collection-bundle.json"), FileId(3));
    assert!(f.issues.is_empty(), "{:?}", f.issues);
    insta::assert_snapshot!(dump(&f));
}

#[test]
fn ndjson_observations() {
    let f = read_ndjson(&fixture("fhir/observations.ndjson"), FileId(4));
    assert!(f.issues.is_empty(), "{:?}", f.issues);
    insta::assert_snapshot!(dump(&f));
}

#[test]
fn decimals_stay_as_written() {
    let json = br#"{"resourceType":"Observation","status":"final","code":{"text":"t"},
        "valueQuantity":{"value":7.50},"component":[
        {"code":{"text":"a"},"valueQuantity":{"value":1e2}},
        {"code":{"text":"b"},"valueQuantity":{"value":-0.000100}},
        {"code":{"text":"c"},"valueQuantity":{"value":2E-3}},
        {"code":{"text":"d"},"valueInteger":12345678901234567890123}]}"#;
    let f = read_json(json, FileId(0));
    assert!(f.issues.is_empty(), "{:?}", f.issues);
    let numbers: Vec<String> = items(&f.resources[0])
        .into_iter()
        .filter(|l| l.ends_with("(Number)"))
        .collect();
    assert_eq!(
        numbers,
        [
            "Observation.valueQuantity.value = 7.50 (Number)",
            "Observation.component[0].valueQuantity.value = 1e2 (Number)",
            "Observation.component[1].valueQuantity.value = -0.000100 (Number)",
            "Observation.component[2].valueQuantity.value = 2E-3 (Number)",
            "Observation.component[3].valueInteger = 12345678901234567890123 (Number)",
        ]
    );
}

#[test]
fn bundle_entry_positions_point_at_the_resource() {
    let bytes = fixture("fhir/transaction-bundle.json");
    let f = read_json(&bytes, FileId(2));
    for r in &f.resources[1..] {
        let loc = r.location();
        let at = &bytes[loc.offset as usize..];
        assert!(at.starts_with(b"{"), "{}", r.resource_type());
        let line = 1 + bytes[..loc.offset as usize]
            .iter()
            .filter(|&&c| c == b'\n')
            .count();
        assert_eq!(loc.line as usize, line);
        let head = String::from_utf8_lossy(&at[..60]);
        assert!(head.contains(r.resource_type()), "{head}");
    }
    let messages: Vec<_> = f.resources.iter().map(|r| r.location().message).collect();
    assert_eq!(messages, (1..=7).map(Some).collect::<Vec<_>>());
    assert!(f.resources[0].is_bundle_shell());
    // Each item of a JSON resource is located at its own value.
    let obs = &f.resources[3];
    let mut n = 0;
    obs.walk(&mut |item| {
        let at = item.location.offset as usize;
        let line = 1 + bytes[..at].iter().filter(|&&c| c == b'\n').count();
        assert_eq!(item.location.line as usize, line, "{}", item.path);
        assert_eq!(item.location.message, Some(4));
        let text = item.value.text();
        let expected = match item.hint {
            ira_parse::model::TypeHint::Text => format!("\"{text}\""),
            _ => text.into_owned(),
        };
        assert!(
            bytes[at..].starts_with(expected.as_bytes()),
            "{}",
            item.path
        );
        n += 1;
    });
    assert_eq!(n, 17);
    // The shell's JSON is written by the reader: its items are at the Bundle.
    let shell = &f.resources[0];
    shell.walk(&mut |item| assert_eq!(item.location, shell.location()));
}

#[test]
fn sample_info_is_resource_type_and_r4() {
    let f = read_json(&fixture("fhir/patient.json"), FileId(1));
    let info = f.resources[0].info();
    assert_eq!(info.kind, "Patient");
    assert_eq!(info.version.as_deref(), Some("4.0.1"));
    assert_eq!(info.standard, ira_parse::model::Standard::Fhir);
}

#[test]
fn xml_patient_gives_the_same_items_as_json() {
    let json = read_json(&fixture("fhir/patient.json"), FileId(1));
    let xml = read_xml(&fixture("fhir/patient.xml"), FileId(5));
    assert!(xml.issues.is_empty(), "{:?}", xml.issues);
    assert_eq!(xml.resources.len(), 1);
    assert_eq!(items(&xml.resources[0]), items(&json.resources[0]));
    assert_eq!(xml.resources[0].to_json(), json.resources[0].to_json());
    let loc = xml.resources[0].location();
    assert_eq!((loc.line, loc.offset, loc.message), (2, 39, Some(1)));
}

#[test]
fn xml_bundle_gives_the_same_resources_as_json() {
    let json = read_json(&fixture("fhir/collection-bundle.json"), FileId(3));
    let bytes = fixture("fhir/collection-bundle.xml");
    let xml = read_xml(&bytes, FileId(6));
    assert!(xml.issues.is_empty(), "{:?}", xml.issues);
    assert_eq!(xml.resources.len(), 3);
    for (x, j) in xml.resources.iter().zip(&json.resources) {
        assert_eq!(x.resource_type(), j.resource_type());
        assert_eq!(items(x), items(j));
        assert_eq!(x.location().message, j.location().message);
    }
    // Entry resources are located at their own start tag.
    let obs = xml.resources[2].location();
    assert!(bytes[obs.offset as usize..].starts_with(b"<Observation>"));
    assert_eq!(obs.line, 21);
    assert_eq!(xml.summary, json.summary);
}

#[test]
fn ndjson_reader_streams_the_same_as_read_ndjson() {
    use ira_parse::fhir::NdjsonReader;
    let bytes = fixture("malformed/fhir-broken-line.ndjson");
    let whole = read_ndjson(&bytes, FileId(9));
    let batches: Vec<_> = NdjsonReader::new(&bytes, FileId(9)).collect();
    assert_eq!(batches.len(), 5); // one per non-blank line
    let resources: Vec<_> = batches.iter().flat_map(|b| b.resources.clone()).collect();
    let issues: Vec<_> = batches.iter().flat_map(|b| b.issues.clone()).collect();
    assert_eq!(resources, whole.resources);
    assert_eq!(issues, whole.issues);
    let skipped: u32 = batches.iter().map(|b| b.summary.skipped).sum();
    assert_eq!(skipped, whole.summary.skipped);
}

#[test]
fn nested_bundles_are_split_in_json_and_xml() {
    let json = br#"{"resourceType":"Bundle","type":"searchset","entry":[{"resource":
        {"resourceType":"Bundle","type":"message","entry":[
            {"resource":{"resourceType":"MessageHeader","eventCoding":{"code":"x"},"source":{"endpoint":"urn:e"}}},
            {"resource":{"resourceType":"Patient","id":"n-1"}}]}}]}"#;
    let xml = br#"<Bundle xmlns="http://hl7.org/fhir"><type value="searchset"/><entry><resource>
        <Bundle><type value="message"/>
          <entry><resource><MessageHeader><eventCoding><code value="x"/></eventCoding><source><endpoint value="urn:e"/></source></MessageHeader></resource></entry>
          <entry><resource><Patient><id value="n-1"/></Patient></resource></entry>
        </Bundle></resource></entry></Bundle>"#;
    let j = read_json(json, FileId(0));
    let x = read_xml(xml, FileId(0));
    assert!(
        j.issues.is_empty() && x.issues.is_empty(),
        "{:?} {:?}",
        j.issues,
        x.issues
    );
    let kinds = |f: &ira_parse::fhir::FhirFile| -> Vec<(String, Option<u32>)> {
        f.resources
            .iter()
            .map(|r| (r.resource_type().to_owned(), r.location().message))
            .collect()
    };
    let expected = [
        ("Bundle".to_owned(), Some(1)),
        ("Bundle".to_owned(), Some(2)),
        ("MessageHeader".to_owned(), Some(3)),
        ("Patient".to_owned(), Some(4)),
    ];
    assert_eq!(kinds(&j), expected);
    assert_eq!(kinds(&x), expected);
    for (a, b) in j.resources.iter().zip(&x.resources) {
        assert_eq!(items(a), items(b));
    }
}
