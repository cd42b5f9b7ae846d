//! Every malformed FHIR fixture: its specific issue code and position, and the other
//! resources of the file still come through.

mod fhir_common;

use fhir_common::fixture;
use ira_parse::fhir::{FhirFile, Summary, read_json, read_ndjson, read_xml};
use ira_parse::{FileId, IssueCode, Severity};

/// (code, message, line, offset) of every issue.
fn positions(f: &FhirFile) -> Vec<(IssueCode, Option<u32>, u32, u64)> {
    f.issues
        .iter()
        .map(|i| {
            (
                i.code,
                i.location.message,
                i.location.line,
                i.location.offset,
            )
        })
        .collect()
}

fn ids(f: &FhirFile) -> Vec<String> {
    f.resources
        .iter()
        .map(|r| {
            let json = r.to_json();
            let id = json.get("id").and_then(|v| v.as_str()).unwrap_or("-");
            format!("{}/{id}", r.resource_type())
        })
        .collect()
}

fn summary(resources: u32, damaged: u32, skipped: u32) -> Summary {
    Summary {
        resources,
        damaged,
        skipped,
    }
}

#[test]
fn json_syntax_error() {
    let bytes = fixture("malformed/fhir-invalid-syntax.json");
    let f = read_json(&bytes, FileId(7));
    // The comma is missing at the end of line 4; the parser stops at `"gender"`.
    assert_eq!(positions(&f), [(IssueCode::FhirInvalidJson, None, 5, 102)]);
    assert!(bytes[102..].starts_with(b"\"gender\""));
    assert_eq!(f.issues[0].location.file, FileId(7));
    assert_eq!(f.issues[0].severity, Severity::Error);
    assert!(
        f.issues[0].detail.contains("expected `,`"),
        "{}",
        f.issues[0].detail
    );
    assert!(!f.issues[0].detail.contains("DOE"));
    assert_eq!(f.summary, summary(0, 0, 1));
}

#[test]
fn json_truncated() {
    let bytes = fixture("malformed/fhir-truncated.json");
    let f = read_json(&bytes, FileId(0));
    assert_eq!(
        positions(&f),
        [(IssueCode::FhirInvalidJson, None, 5, bytes.len() as u64)]
    );
    assert!(f.issues[0].detail.contains("truncated"));
    // The Bundle's shell is kept; its only entry, cut short, is not.
    assert_eq!(ids(&f), ["Bundle/-"]);
    assert_eq!(f.summary, summary(1, 0, 1));
}

#[test]
fn missing_resource_type_skips_that_entry_only() {
    let f = read_json(
        &fixture("malformed/fhir-missing-resource-type.json"),
        FileId(0),
    );
    assert_eq!(
        positions(&f),
        [(IssueCode::FhirMissingResourceType, None, 6, 163)]
    );
    assert_eq!(ids(&f), ["Bundle/-", "Patient/ok-1", "Patient/ok-2"]);
    assert_eq!(f.summary, summary(3, 0, 1));
}

#[test]
fn unknown_resource_type_skips_that_entry_only() {
    let f = read_json(
        &fixture("malformed/fhir-unknown-resource-type.json"),
        FileId(0),
    );
    assert_eq!(
        positions(&f),
        [(IssueCode::FhirUnknownResourceType, None, 6, 144)]
    );
    assert_eq!(ids(&f), ["Bundle/-", "Patient/ok-1", "Observation/ok-2"]);
    assert_eq!(f.summary, summary(3, 0, 1));
}

#[test]
fn resources_of_other_versions_are_kept_and_flagged() {
    let f = read_ndjson(&fixture("malformed/fhir-other-version.ndjson"), FileId(0));
    assert_eq!(
        positions(&f),
        [
            (IssueCode::FhirWrongVersion, Some(2), 2, 38),
            (IssueCode::FhirWrongVersion, Some(3), 3, 161),
        ]
    );
    assert!(f.issues[0].detail.contains("STU3"));
    assert!(f.issues[1].detail.contains("R5"));
    assert_eq!(
        ids(&f),
        [
            "Patient/v-1",
            "ProcedureRequest/stu3-1",
            "DeviceUsage/r5-1",
            "Observation/v-2"
        ]
    );
    assert_eq!(f.resources[1].version(), "STU3 or earlier");
    assert_eq!(f.resources[2].version(), "R4B or R5");
    assert_eq!(f.summary, summary(4, 2, 0));
}

#[test]
fn wrong_element_types() {
    let f = read_json(
        &fixture("malformed/fhir-wrong-element-type.json"),
        FileId(0),
    );
    assert_eq!(positions(&f), [(IssueCode::FhirSchema, Some(1), 1, 0); 3]);
    let details: Vec<_> = f.issues.iter().map(|i| i.detail.as_str()).collect();
    assert_eq!(
        details,
        [
            "Patient.gender: a number where code is expected",
            "Patient.birthDate: a boolean where date is expected",
            "Patient.name: an object where an array is expected (0..*)",
        ]
    );
    // The resource is still read, damaged.
    assert_eq!(ids(&f), ["Patient/types-1"]);
    assert_eq!(f.summary, summary(1, 1, 0));
}

#[test]
fn unknown_elements() {
    let f = read_json(&fixture("malformed/fhir-unknown-element.json"), FileId(0));
    let details: Vec<_> = f
        .issues
        .iter()
        .map(|i| (i.code, i.detail.as_str()))
        .collect();
    assert_eq!(
        details,
        [
            (
                IssueCode::FhirSchema,
                "Patient.name[0].nickname: unknown element"
            ),
            (
                IssueCode::FhirSchema,
                "Patient.favouriteColour: unknown element"
            ),
        ]
    );
    assert_eq!(f.issues[0].location.message, Some(1));
    assert_eq!(ids(&f), ["Patient/unknown-1"]);
}

#[test]
fn entry_without_resource() {
    let bytes = fixture("malformed/fhir-entry-without-resource.json");
    let f = read_json(&bytes, FileId(0));
    // The POST entry without resource is flagged at the entry; the DELETE is not.
    assert_eq!(
        positions(&f),
        [(IssueCode::FhirEntryWithoutResource, Some(1), 6, 241)]
    );
    assert!(bytes[241..].starts_with(b"{\"fullUrl\""));
    assert_eq!(f.issues[0].detail, "Bundle.entry[1] has no resource");
    assert_eq!(ids(&f), ["Bundle/-", "Patient/e-1"]);
    assert_eq!(f.summary, summary(2, 1, 0));
}

#[test]
fn ndjson_broken_lines_keep_every_other_line() {
    let f = read_ndjson(&fixture("malformed/fhir-broken-line.ndjson"), FileId(0));
    assert_eq!(
        positions(&f),
        [
            (IssueCode::FhirBadNdjsonLine, None, 2, 156),
            (IssueCode::FhirBadNdjsonLine, None, 4, 236),
        ]
    );
    assert_eq!(
        ids(&f),
        ["Observation/b-1", "Observation/b-3", "Observation/b-5"]
    );
    let lines: Vec<_> = f.resources.iter().map(|r| r.location().line).collect();
    assert_eq!(lines, [1, 3, 5]);
    assert_eq!(f.summary, summary(3, 0, 2));
}

#[test]
fn invalid_xml() {
    let bytes = fixture("malformed/fhir-invalid.xml");
    let f = read_xml(&bytes, FileId(0));
    // `</nam>` closes `<name>` on line 6.
    assert_eq!(positions(&f), [(IssueCode::FhirInvalidXml, None, 6, 140)]);
    assert!(bytes[140..].starts_with(b"</nam>"));
    assert!(f.resources.is_empty());
    assert_eq!(f.summary, summary(0, 0, 1));
}

#[test]
fn truncated_xml_bundle_keeps_completed_entries() {
    let bytes = fixture("malformed/fhir-truncated-bundle.xml");
    let f = read_xml(&bytes, FileId(0));
    assert_eq!(
        positions(&f),
        [(IssueCode::FhirInvalidXml, None, 15, bytes.len() as u64)]
    );
    assert_eq!(ids(&f), ["Bundle/-", "Patient/xt-1"]);
    assert_eq!(f.summary, summary(2, 0, 1));
}

#[test]
fn empty_inputs() {
    for f in [read_json(b"  \n", FileId(0)), read_xml(b"\n", FileId(0))] {
        assert_eq!(f.issues.len(), 1);
        assert_eq!(f.issues[0].code, IssueCode::InputEmpty);
    }
    let f = read_ndjson(b"\n\n", FileId(0));
    assert!(f.issues.is_empty() && f.resources.is_empty());
}

#[test]
fn top_level_array_is_not_a_resource() {
    let f = read_json(b"[{\"resourceType\":\"Patient\"}]", FileId(0));
    assert_eq!(positions(&f), [(IssueCode::FhirInvalidJson, None, 1, 0)]);
}

#[test]
fn declared_fhir_version_of_conformance_resources() {
    let f = read_ndjson(
        b"{\"resourceType\":\"CapabilityStatement\",\"status\":\"active\",\"fhirVersion\":\"5.0.0\"}\n\
          {\"resourceType\":\"CapabilityStatement\",\"status\":\"active\",\"fhirVersion\":\"4.0.1\"}\n",
        FileId(0),
    );
    assert_eq!(
        positions(&f),
        [(IssueCode::FhirWrongVersion, Some(1), 1, 0)]
    );
    assert_eq!(
        f.issues[0].detail,
        "CapabilityStatement.fhirVersion declares 5.0.0, not R4 (4.0.x)"
    );
    assert_eq!(f.summary, summary(2, 1, 0));
}

#[test]
fn truncated_bundle_keeps_the_entries_before_the_error() {
    let bytes = fixture("fhir/transaction-bundle.json");
    // Cut inside the fourth entry's resource (the second Observation).
    let cut = bytes.windows(8).position(|w| w == b"882-1\", ").unwrap();
    let f = read_json(&bytes[..cut], FileId(0));
    assert_eq!(
        positions(&f),
        [(IssueCode::FhirInvalidJson, None, 48, cut as u64)]
    );
    assert_eq!(
        ids(&f)
            .iter()
            .map(|s| s.split('/').next().unwrap())
            .collect::<Vec<_>>(),
        ["Bundle", "Patient", "Encounter", "Observation"]
    );
    // The entries read are the same as in the whole file.
    let whole = read_json(&bytes, FileId(0));
    assert_eq!(f.resources[1..], whole.resources[1..4]);
    assert_eq!(f.summary, summary(4, 0, 1));
}

#[test]
fn every_truncation_of_a_bundle_keeps_a_prefix_of_its_entries() {
    let bytes = fixture("fhir/transaction-bundle.json");
    let whole = read_json(&bytes, FileId(0));
    for cut in 0..bytes.len() {
        let f = read_json(&bytes[..cut], FileId(0));
        if f.resources.is_empty() {
            continue;
        }
        assert_eq!(f.resources[0].resource_type(), "Bundle", "cut {cut}");
        let entries = &f.resources[1..];
        assert_eq!(entries, &whole.resources[1..1 + entries.len()], "cut {cut}");
        let complete = cut > bytes.iter().rposition(|&c| c == b'}').unwrap();
        assert_eq!(
            f.issues
                .iter()
                .any(|i| i.code == IssueCode::FhirInvalidJson),
            !complete,
            "cut {cut}"
        );
    }
}

#[test]
fn every_truncation_of_an_xml_bundle_is_read_without_panic() {
    let bytes = fixture("fhir/collection-bundle.xml");
    let whole = read_xml(&bytes, FileId(0));
    for cut in 0..bytes.len() {
        let f = read_xml(&bytes[..cut], FileId(0));
        let entries = f.resources.get(1..).unwrap_or_default();
        assert_eq!(entries, &whole.resources[1..1 + entries.len()], "cut {cut}");
    }
}
