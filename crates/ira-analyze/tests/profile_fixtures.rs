//! Profiles of the fixtures: a snapshot of one serialised profile, and the statistics
//! that matter checked one by one.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use ira_analyze::profile::{Group, GroupStandard, PathProfile, Profile, profile_bytes};

fn fixture(rel: &str) -> Profile {
    let path = format!("{}/../../fixtures/{rel}", env!("CARGO_MANIFEST_DIR"));
    let bytes = std::fs::read(&path).unwrap();
    profile_bytes(&format!("fixtures/{rel}"), &bytes)
}

fn group<'a>(p: &'a Profile, name: &str) -> &'a Group {
    p.groups
        .values()
        .find(|g| g.name == name)
        .unwrap_or_else(|| panic!("no group {name}"))
}

fn path<'a>(g: &'a Group, key: &str) -> &'a PathProfile {
    g.paths
        .iter()
        .find(|(k, _)| k.0 == key)
        .map(|(_, p)| p)
        .unwrap_or_else(|| panic!("no path {key} in {}", g.name))
}

#[test]
fn oru_fixture_profile_snapshot() {
    let p = fixture("v2/oru_r01_v251.hl7");
    insta::assert_snapshot!(serde_json::to_string_pretty(&p).unwrap());
}

#[test]
fn oru_obx5_is_typed_by_obx2() {
    let p = fixture("v2/oru_r01_v251.hl7");
    let g = group(&p, "ORU_R01");
    assert_eq!(
        (g.standard, g.version.as_deref(), g.samples),
        (GroupStandard::V2, Some("2.5.1"), 1)
    );
    let obx5 = path(g, "OBX-5");
    // NM, DT and TS values are checked as such; ST and TX keep lengths only.
    let types: Vec<&str> = obx5.datatypes.keys().map(String::as_str).collect();
    assert_eq!(types, ["DT", "DTM", "NM"]);
    assert_eq!(obx5.datatypes["DTM"].timezone.unwrap().present, 1);
    assert!(obx5.codes.is_none(), "text values are not coded");
    assert_eq!(obx5.max_repetitions, 2, "the TX value repeats");
    assert_eq!(obx5.repeating_samples, 1);
    // CWE and CE values: their codes are.
    let codes = path(g, "OBX-5.1").codes.as_ref().unwrap();
    assert_eq!(codes.values.keys().collect::<Vec<_>>(), ["A", "YEL"]);
    // OBX-1 in 8 OBX segments of one message.
    let obx1 = path(g, "OBX-1");
    assert_eq!((obx1.samples, obx1.values, obx1.max_per_sample), (1, 8, 8));
    assert_eq!(obx1.first_seen.len(), 3);
    assert_eq!(obx1.first_seen[0].line, 4);
    assert_eq!(obx1.first_seen[0].message, Some(1));
    assert!(obx1.first_seen.windows(2).all(|w| w[0] < w[1]));
    // Identifier and name: lengths, no values.
    assert!(path(g, "PID-3.1").codes.is_none());
    assert!(path(g, "PID-5.1").codes.is_none());
    assert_eq!(path(g, "PID-7").datatypes["DTM"].shapes["YYYYMMDD"], 1);
    let sex = &path(g, "PID-8").datatypes["CWE:0001"];
    assert_eq!(sex.table.unwrap().in_table, 1);
}

#[test]
fn adt_v23_feed_groups_by_message_type_and_counts_repetitions() {
    let p = fixture("v2/adt_v23_feed.hl7");
    // v2.3 messages without MSH-9.3 group by message type.
    let names: Vec<&str> = p.groups.values().map(|g| g.name.as_str()).collect();
    assert!(
        names.contains(&"ADT^A01") && names.contains(&"ADT^A04"),
        "{names:?}"
    );
    let a04 = group(&p, "ADT^A04");
    assert_eq!(a04.version.as_deref(), Some("2.3"));
    let pid3 = path(a04, "PID-3.1");
    assert_eq!((pid3.max_repetitions, pid3.repeating_samples), (2, 1));
    assert_eq!(pid3.values, 2);
    let auth = path(a04, "PID-3.4").codes.as_ref().unwrap();
    assert_eq!(auth.values.keys().collect::<Vec<_>>(), ["GOODHOSP", "NHS"]);
    // Z-segments: unknown to the map, shape statistics only.
    let a01 = group(&p, "ADT^A01");
    let zpi = path(a01, "ZPI-2.1");
    assert!(zpi.codes.is_none() && zpi.datatypes.is_empty());
    assert_eq!(zpi.length.max, 3);
}

#[test]
fn fhir_bundle_groups_by_resource_type() {
    let p = fixture("fhir/transaction-bundle.json");
    let patient = group(&p, "Patient");
    assert_eq!(patient.standard, GroupStandard::Fhir);
    assert_eq!(patient.version.as_deref(), Some("4.0.1"));
    let bd = path(patient, "Patient.birthDate");
    assert_eq!(bd.datatypes["date"].shapes["YYYY-MM-DD"], 1);
    assert!(bd.codes.is_none());
    assert!(path(patient, "Patient.identifier.value").codes.is_none());
    assert!(path(patient, "Patient.name.family").codes.is_none());
    assert_eq!(
        path(patient, "Patient.gender")
            .codes
            .as_ref()
            .unwrap()
            .values["female"],
        1
    );
    assert_eq!(
        path(patient, "Patient.identifier.system")
            .codes
            .as_ref()
            .unwrap()
            .total,
        1
    );
    let enc = group(&p, "Encounter");
    let start = &path(enc, "Encounter.period.start").datatypes["dateTime"];
    assert_eq!(start.timezone.unwrap().present, 1);
    let shell = group(&p, "Bundle");
    assert!(
        path(shell, "Bundle.entry.request.ifNoneExist")
            .codes
            .is_none()
    );
    let method = path(shell, "Bundle.entry.request.method");
    assert!(
        method.max_repetitions >= 3,
        "one per entry: {}",
        method.max_repetitions
    );
    // Items are located at their own value in JSON.
    assert!(bd.first_seen[0].line > 1);
}
