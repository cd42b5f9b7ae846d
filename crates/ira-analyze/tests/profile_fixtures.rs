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
fn adt_v23_feed_groups_by_structure_and_counts_repetitions() {
    let p = fixture("v2/adt_v23_feed.hl7");
    // v2.3 messages without MSH-9.3 group by the structure the standard assigns to
    // their trigger (A01, A04, A08 → ADT_A01; A03 → ADT_A03), as the rules do.
    let names: Vec<&str> = p.groups.values().map(|g| g.name.as_str()).collect();
    assert_eq!(names, ["ADT_A01", "ADT_A03"], "{names:?}");
    let a04 = group(&p, "ADT_A01");
    assert_eq!(
        a04.kinds.keys().map(String::as_str).collect::<Vec<_>>(),
        ["ADT^A01", "ADT^A04", "ADT^A08"]
    );
    assert_eq!(a04.version.as_deref(), Some("2.3"));
    let pid3 = path(a04, "PID-3.1");
    assert_eq!((pid3.max_repetitions, pid3.repeating_samples), (2, 1));
    // One identifier in the A01 and the A08, two in the A04.
    assert_eq!(pid3.values, 4);
    let auth = path(a04, "PID-3.4").codes.as_ref().unwrap();
    assert_eq!(auth.values.keys().collect::<Vec<_>>(), ["GOODHOSP", "NHS"]);
    // Z-segments: unknown to the map, shape statistics only.
    let a01 = group(&p, "ADT_A01");
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

/// Every fixture, damaged ones included, profiles without panicking, and its statistics
/// hold together.
#[test]
fn every_fixture_profiles_consistently() {
    let root = format!("{}/../../fixtures", env!("CARGO_MANIFEST_DIR"));
    let mut seen = 0;
    for dir in ["v2", "fhir", "malformed"] {
        let mut entries: Vec<_> = std::fs::read_dir(format!("{root}/{dir}"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for path in entries {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let p = fixture(&format!("{dir}/{name}"));
            seen += 1;
            let group_samples: u64 = p.groups.values().map(|g| g.samples).sum();
            assert_eq!(group_samples, p.samples, "{name}");
            for g in p.groups.values() {
                assert_eq!(g.kinds.values().sum::<u64>(), g.samples, "{name}");
                for (k, s) in &g.paths {
                    let ctx = format!("{name} {} {k}", g.name);
                    assert!(s.samples >= 1 && s.samples <= g.samples, "{ctx}");
                    assert!(
                        s.values >= s.samples && s.max_per_sample <= s.values,
                        "{ctx}"
                    );
                    assert!(s.max_repetitions >= 1, "{ctx}");
                    assert_eq!(s.length.count + s.nulls, s.values, "{ctx}");
                    if s.length.count > 0 {
                        assert!(
                            s.length.min <= s.length.p95 && s.length.p95 <= s.length.max,
                            "{ctx}"
                        );
                    }
                    assert!(!s.first_seen.is_empty() && s.first_seen.len() <= 3, "{ctx}");
                    assert!(s.first_seen.windows(2).all(|w| w[0] <= w[1]), "{ctx}");
                    for t in s.datatypes.values() {
                        assert!(t.invalid <= t.checked && t.checked <= s.values, "{ctx}");
                    }
                }
            }
            let json = serde_json::to_string(&p).unwrap();
            assert_eq!(serde_json::from_str::<Profile>(&json).unwrap(), p, "{name}");
        }
    }
    assert!(seen > 30, "{seen} fixtures");
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

    /// Damaged bytes are data: flipping, cutting or inserting bytes in a sample never
    /// makes profiling panic.
    #[test]
    fn damaged_samples_never_panic(
        which in 0usize..3,
        edits in proptest::collection::vec((0usize..4096, proptest::prelude::any::<u8>(), 0u8..3), 1..12),
    ) {
        let rel = ["v2/oru_r01_v251.hl7", "v2/adt_v23_feed.hl7", "fhir/transaction-bundle.json"][which];
        let mut bytes = std::fs::read(format!("{}/../../fixtures/{rel}", env!("CARGO_MANIFEST_DIR"))).unwrap();
        for (at, b, op) in edits {
            let at = at % (bytes.len() + 1);
            match op {
                0 if at < bytes.len() => bytes[at] = b,
                1 => bytes.insert(at, b),
                _ => bytes.truncate(at.max(1)),
            }
        }
        let p = profile_bytes("damaged", &bytes);
        let json = serde_json::to_string(&p).unwrap();
        proptest::prop_assert_eq!(serde_json::from_str::<Profile>(&json).unwrap(), p);
    }
}
