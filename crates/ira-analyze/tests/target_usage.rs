//! What target samples show: TargetUsage on the FHIR fixtures, V2Requirements on the v2
//! fixtures, and both feeding Requirements.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use ira_analyze::target::{Requirements, Source, StructureDefinition, TargetUsage, V2Requirements};
use ira_parse::document::{ReadOptions, SampleSink, read_samples};
use ira_parse::input::{Format, SourceFile, detect};
use ira_parse::location::FileId;
use ira_parse::model::V2Path;

fn read_into(rel: &str, sink: &mut dyn SampleSink) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures")
        .join(rel);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let format = detect(&bytes, Some(&path));
    assert_ne!(format, Format::Unknown, "{rel}");
    let file = SourceFile {
        id: FileId(0),
        path: PathBuf::from(rel),
        walked: false,
    };
    read_samples(&file, format, &bytes, ReadOptions::default(), sink);
}

#[test]
fn target_usage_on_fhir_fixtures() {
    let mut u = TargetUsage::new();
    read_into("fhir/transaction-bundle.json", &mut u);
    read_into("fhir/collection-bundle.json", &mut u);
    read_into("fhir/patient.json", &mut u);
    assert_eq!(u.samples.get("Patient"), Some(&3));
    // Every ancestor of a leaf is populated; counts are per sample, not per value.
    assert_eq!(u.path("Patient").unwrap().samples, 3);
    assert_eq!(u.path("Patient.name").unwrap().samples, 3);
    let id_sys = u.path("Patient.identifier[0].system").unwrap();
    assert!(id_sys.samples >= 1 && id_sys.samples < 3, "{id_sys:?}");
    // Codes: a `code` element keeps its bare code, a Coding its system|code, a Quantity
    // its unit system|code.
    assert!(
        u.path("Patient.gender")
            .unwrap()
            .codes
            .contains_key("female")
    );
    let obs_code = &u.path("Observation.code.coding").unwrap().codes;
    assert_eq!(obs_code.get("http://loinc.org|2345-7"), Some(&1));
    assert!(obs_code.contains_key("http://loinc.org|85354-9"));
    let comp = &u.path("Observation.component.code.coding").unwrap().codes;
    assert_eq!(comp.len(), 2);
    let ucum = &u.path("Observation.valueQuantity").unwrap().codes;
    assert!(
        ucum.contains_key("http://unitsofmeasure.org|mmol/L"),
        "{ucum:?}"
    );
    // Two components with the same unit in one sample count once.
    assert_eq!(
        u.path("Observation.component.valueQuantity")
            .unwrap()
            .codes
            .get("http://unitsofmeasure.org|mm[Hg]"),
        Some(&1)
    );
    let status = &u.path("Observation.status").unwrap().codes;
    assert!(
        status.contains_key("final") || status.contains_key("preliminary"),
        "{status:?}"
    );
    assert_eq!(u.issues, 0);
    // A compact view of what the target populates, for review.
    let view: Vec<String> = u
        .paths
        .iter()
        .filter(|(p, _)| p.starts_with("Patient") || p.starts_with("Observation.code"))
        .map(|(p, x)| {
            let codes: Vec<String> = x.codes.iter().map(|(c, n)| format!("{c}×{n}")).collect();
            format!(
                "{p} {}{}",
                x.samples,
                if codes.is_empty() {
                    String::new()
                } else {
                    format!(" [{}]", codes.join(", "))
                }
            )
        })
        .collect();
    insta::assert_snapshot!("target_usage_fhir", view.join("\n"));
}

#[test]
fn usage_feeds_requirements() {
    let mut u = TargetUsage::new();
    read_into("fhir/transaction-bundle.json", &mut u);
    read_into("fhir/collection-bundle.json", &mut u);
    let mut r = Requirements::new();
    let p =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/profiles/target-patient.json");
    r.add_profile(
        StructureDefinition::from_json(&std::fs::read_to_string(p).unwrap(), "target-patient.json")
            .unwrap()
            .remove(0),
    );
    r.set_usage(u);
    let g = r.element("Patient.gender").unwrap();
    let usage = g.usage.unwrap();
    assert_eq!(usage.source, Source::TargetSamples);
    assert_eq!(usage.value, (1, 2));
    assert_eq!(g.target_codes, [("female".to_string(), 1)]);
    // A type the target samples never show has no usage fact.
    assert!(r.element("Encounter.status").unwrap().usage.is_some());
    assert!(r.element("Condition.code").unwrap().usage.is_none());
}

#[test]
fn v2_requirements_on_v2_fixtures() {
    let mut v = V2Requirements::new();
    read_into("v2/oru_r01_v251.hl7", &mut v);
    read_into("v2/adt_v23_feed.hl7", &mut v);
    let oru = &v.messages["ORU^R01"];
    assert_eq!(oru.samples, 1);
    assert!(oru.versions.contains("2.5.1"));
    assert!(oru.structures.contains("ORU_R01"));
    let path = |s: &str| V2Path::parse(s).unwrap();
    // OBX[3]-5 and OBX-5 share a schema key; the field level is populated through its
    // components, counted once per message.
    let obx5 = v.path("ORU^R01", &path("OBX[3]-5")).unwrap();
    assert_eq!(obx5.samples, 1);
    let pid5_1 = v.path("ORU^R01", &path("PID-5.1")).unwrap();
    assert_eq!((pid5_1.samples, pid5_1.max_len), (1, 3));
    assert_eq!(v.path("ORU^R01", &path("PID-5")).unwrap().samples, 1);
    assert!(v.path("ORU^R01", &path("ZPI-2")).is_none());
    let a01 = &v.messages["ADT^A01"];
    assert!(a01.versions.contains("2.3"));
    assert!(v.path("ADT^A01", &path("ZPI-2.1")).is_some());
    // Message types seen, with their versions: the shape a v2 → v2 comparison starts from.
    let view: Vec<String> = v
        .messages
        .iter()
        .map(|(m, u)| {
            format!(
                "{m} ×{} versions={:?} structures={:?} paths={}",
                u.samples,
                u.versions,
                u.structures,
                u.paths.len()
            )
        })
        .collect();
    insta::assert_snapshot!("v2_requirements_messages", view.join("\n"));
}
