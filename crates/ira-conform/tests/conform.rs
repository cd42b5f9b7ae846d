//! fhirbolt conformance: good fixtures pass; each fault is named by its element path.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

use ira_conform::FhirboltConformance;
use ira_parse::fhir::{Conformance, FhirFile, read_json, read_ndjson, read_xml};
use ira_parse::{FileId, IssueCode};

fn fixture(rel: &str) -> Vec<u8> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures")
        .join(rel);
    std::fs::read(&p).unwrap()
}

fn check_all(f: &FhirFile) -> Vec<String> {
    let c = FhirboltConformance;
    f.resources
        .iter()
        .flat_map(|r| c.check(r))
        .map(|i| {
            assert_eq!(i.code, IssueCode::FhirSchema);
            format!("{} @ {}", i.detail, i.location)
        })
        .collect()
}

#[test]
fn good_fixtures_conform() {
    for (name, f) in [
        (
            "patient.json",
            read_json(&fixture("fhir/patient.json"), FileId(0)),
        ),
        (
            "transaction",
            read_json(&fixture("fhir/transaction-bundle.json"), FileId(0)),
        ),
        (
            "collection",
            read_json(&fixture("fhir/collection-bundle.json"), FileId(0)),
        ),
        (
            "ndjson",
            read_ndjson(&fixture("fhir/observations.ndjson"), FileId(0)),
        ),
        (
            "patient.xml",
            read_xml(&fixture("fhir/patient.xml"), FileId(0)),
        ),
        (
            "bundle.xml",
            read_xml(&fixture("fhir/collection-bundle.xml"), FileId(0)),
        ),
    ] {
        assert!(!f.resources.is_empty(), "{name}");
        assert_eq!(check_all(&f), Vec::<String>::new(), "{name}");
    }
}

#[test]
fn faults_are_located_by_path() {
    let f = read_ndjson(&fixture("malformed/fhir-conformance.ndjson"), FileId(3));
    insta::assert_snapshot!(check_all(&f).join("\n"));
}

#[test]
fn messages_never_quote_values() {
    // fhirbolt's own message here would be "invalid type: string ..., expected ..." with
    // the value in it.
    let f = read_json(
        br#"{"resourceType":"Patient","multipleBirthInteger":"TESTPATIENT"}"#,
        FileId(0),
    );
    let issues = FhirboltConformance.check(&f.resources[0]);
    for i in issues.iter().chain(&f.issues) {
        assert!(!i.detail.contains("TESTPATIENT"), "{}", i.detail);
    }
}

#[test]
fn empty_arrays_are_reported_by_the_reader_and_do_not_reach_fhirbolt() {
    // fhirbolt 0.4 panics on `[]`; the reader names it, the check stays quiet.
    let f = read_json(
        br#"{"resourceType":"Patient","name":[],"gender":"male"}"#,
        FileId(0),
    );
    assert_eq!(f.issues.len(), 1);
    assert_eq!(f.issues[0].code, IssueCode::FhirSchema);
    assert_eq!(
        f.issues[0].detail,
        "Patient.name: an empty array (FHIR arrays are never empty)"
    );
    assert!(FhirboltConformance.check(&f.resources[0]).is_empty());
}

#[test]
fn other_versions_are_not_checked() {
    let f = read_json(br#"{"resourceType":"DeviceUsage","status":1}"#, FileId(0));
    assert_eq!(f.resources[0].version(), "R4B or R5");
    assert!(FhirboltConformance.check(&f.resources[0]).is_empty());
}

#[test]
fn empty_array_with_whitespace_takes_the_safe_path() {
    let f = read_json(
        br#"{"resourceType":"Patient","name":[ ],"gender":"male"}"#,
        FileId(0),
    );
    assert!(FhirboltConformance.check(&f.resources[0]).is_empty());
}
