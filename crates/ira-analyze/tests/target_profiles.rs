//! Target requirements from the fixture profiles and value sets: loading, differential
//! completion from the R4 base, combination with the base and between profiles, and
//! binding membership.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

use ira_analyze::target::{
    Artifacts, BindingStrength, LoadError, Membership, Requirements, Source, StructureDefinition,
    ValueSet,
};

fn fixture(rel: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures")
        .join(rel);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn profile(rel: &str) -> StructureDefinition {
    let mut v = StructureDefinition::from_json(&fixture(rel), rel).unwrap();
    assert_eq!(v.len(), 1);
    v.remove(0)
}

fn requirements() -> Requirements {
    let mut r = Requirements::new();
    r.add_profile(profile("profiles/target-patient.json"));
    r.add_profile(profile("profiles/target-observation.json"));
    r.add_artifacts(
        Artifacts::from_json(
            &fixture("profiles/target-valuesets.json"),
            "target-valuesets.json",
        )
        .unwrap(),
    );
    r
}

#[test]
fn patient_profile_snapshot() {
    let p = profile("profiles/target-patient.json");
    assert!(p.from_snapshot && p.is_profile());
    assert_eq!(p.type_name, "Patient");
    insta::assert_snapshot!("target_patient", p.summary(true));
}

#[test]
fn observation_profile_differential_is_completed_from_base() {
    let p = profile("profiles/target-observation.json");
    assert!(!p.from_snapshot);
    // Stated: the profile's min wins; unstated halves come from the base.
    let subject = p.element("Observation.subject").unwrap();
    assert_eq!(
        (
            subject.min,
            subject.max,
            subject.min_stated,
            subject.max_stated
        ),
        (1, Some(1), true, false)
    );
    let status = p.element("Observation.status").unwrap();
    assert_eq!((status.min, status.max), (1, Some(1)));
    assert!(!status.min_stated);
    let interp = p.element("Observation.interpretation").unwrap();
    assert_eq!((interp.min, interp.max), (0, Some(1)));
    // Nested elements resolve through their datatypes (Coding.system is 0..1 in R4).
    let sys = p.element("Observation.code.coding.system").unwrap();
    assert_eq!((sys.min, sys.max), (1, Some(1)));
    assert_eq!(sys.types[0].code, "uri");
    // Elements the differential does not mention are added from the base.
    let note = p.element("Observation.note").unwrap();
    assert_eq!((note.min, note.max, note.in_differential), (0, None, false));
    assert_eq!(note.types[0].code, "Annotation");
    let code = p.element("Observation.code").unwrap();
    assert_eq!((code.min, code.max), (1, Some(1)));
    // Every element has an effective cardinality; the root comes first.
    assert_eq!(p.elements[0].path, "Observation");
    let table = ira_parse::fhir::table::r4();
    let base_top = table
        .elements()
        .filter(|d| d.path.starts_with("Observation.") && d.path.matches('.').count() == 1)
        .count();
    assert_eq!(
        p.elements
            .iter()
            .filter(|e| e.path.matches('.').count() == 1)
            .count(),
        base_top
    );
    insta::assert_snapshot!("target_observation", p.summary(true));
}

#[test]
fn requirements_combine_base_and_profiles() {
    let r = requirements();
    let id_sys = r.element("Patient.identifier[0].system").unwrap();
    assert_eq!(id_sys.path, "Patient.identifier.system");
    assert_eq!(id_sys.min.value, 1);
    assert_eq!(
        id_sys.min.source,
        Source::Profile("http://example.org/fhir/StructureDefinition/target-patient".into())
    );
    assert_eq!(id_sys.max.value, Some(1));
    assert_eq!(id_sys.max.source, Source::BaseR4);
    assert!(id_sys.is_required() && id_sys.is_must_support());
    // The MRN slice's fixed system is kept, recognisable as a slice.
    assert_eq!(id_sys.slices.len(), 1);
    assert_eq!(id_sys.slices[0].element.id, "Patient.identifier:mrn.system");
    assert_eq!(
        id_sys.slices[0]
            .element
            .fixed
            .as_ref()
            .map(|(t, v)| (t.as_str(), v.as_str())),
        Some(("Uri", Some("urn:oid:2.16.840.1.113883.3.9999.1")))
    );
    // Base only.
    let tel = r.element("Patient.telecom.system").unwrap();
    assert_eq!(
        (tel.min.value, tel.max.value, tel.min.source.clone()),
        (0, Some(1), Source::BaseR4)
    );
    assert!(tel.profiles.is_empty());
    // A profile forbids an element the base allows.
    let deceased = r.element("Patient.deceasedBoolean").unwrap();
    assert_eq!(deceased.max.value, Some(0));
    // Choice elements: a profile on value[x] applies to valueQuantity.
    let vq = r.element("Observation.valueQuantity").unwrap();
    assert!(vq.is_must_support());
    assert_eq!(vq.types, ["Quantity"]);
    // The profile's pattern is there, per profile.
    let cat = r.element("Observation.category").unwrap();
    assert_eq!(cat.pattern.len(), 1);
    assert_eq!(cat.min.value, 1);
    // A primitive's extensions resolve through Element.
    let ext = r.element("Patient.birthDate.extension[0].url").unwrap();
    assert_eq!((ext.min.value, ext.max.value), (1, Some(1)));
    assert_eq!(ext.types, ["uri"]);
    // Unknown paths.
    assert!(r.element("Patient.favouriteColour").is_none());
    assert!(r.element("NotAType.x").is_none());
    // Constrained paths of a type.
    let paths = r.constrained_paths("Patient");
    for p in [
        "Patient.birthDate",
        "Patient.gender",
        "Patient.identifier",
        "Patient.identifier.system",
        "Patient.name.family",
    ] {
        assert!(paths.iter().any(|x| x == p), "{p} in {paths:?}");
    }
    assert!(!paths.iter().any(|x| x == "Patient.photo"));
}

#[test]
fn two_profiles_of_one_type_tighter_wins_and_facts_stay_per_profile() {
    let mut r = requirements();
    let second = r#"{"resourceType": "StructureDefinition", "url": "http://example.org/fhir/StructureDefinition/other-patient",
      "name": "OtherPatient", "type": "Patient", "derivation": "constraint",
      "baseDefinition": "http://hl7.org/fhir/StructureDefinition/Patient",
      "differential": {"element": [
        {"id": "Patient.name", "path": "Patient.name", "max": "2"},
        {"id": "Patient.gender", "path": "Patient.gender", "binding": {"strength": "extensible", "valueSet": "http://hl7.org/fhir/ValueSet/administrative-gender"}},
        {"id": "Patient.birthDate", "path": "Patient.birthDate", "min": 0}
      ]}}"#;
    r.add_profile(
        StructureDefinition::from_json(second, "other.json")
            .unwrap()
            .remove(0),
    );
    let name = r.element("Patient.name").unwrap();
    assert_eq!(name.min.value, 1);
    assert_eq!(
        name.min.source,
        Source::Profile("http://example.org/fhir/StructureDefinition/target-patient".into())
    );
    assert_eq!(name.max.value, Some(2));
    assert_eq!(
        name.max.source,
        Source::Profile("http://example.org/fhir/StructureDefinition/other-patient".into())
    );
    assert_eq!(name.profiles.len(), 2);
    // A looser min in one profile does not undo a tighter one in another.
    assert_eq!(r.element("Patient.birthDate").unwrap().min.value, 1);
    let g = r.element("Patient.gender").unwrap();
    let strengths: Vec<_> = g.bindings.iter().map(|b| b.value.strength).collect();
    assert_eq!(
        strengths,
        [BindingStrength::Required, BindingStrength::Extensible]
    );
}

#[test]
fn binding_membership_against_the_given_value_sets() {
    let r = requirements();
    let t = r.terminology();
    let g = "http://example.org/fhir/ValueSet/target-gender";
    let ag = "http://hl7.org/fhir/administrative-gender";
    assert_eq!(t.contains(g, ag, "female"), Membership::Yes);
    assert_eq!(t.contains(g, "", "female"), Membership::Yes);
    // The target does not accept `other`.
    assert_eq!(t.contains(g, ag, "other"), Membership::No);
    assert_eq!(
        t.contains(g, "http://terminology.hl7.org/CodeSystem/v2-0001", "F"),
        Membership::No
    );
    // Whole-system include resolved through the CodeSystem, nested concepts included;
    // the binding's |version is ignored for lookup.
    let os = "http://hl7.org/fhir/ValueSet/observation-status|4.0.1";
    assert_eq!(
        t.contains(os, "http://hl7.org/fhir/observation-status", "corrected"),
        Membership::Yes
    );
    assert_eq!(t.contains(os, "", "done"), Membership::No);
    // Filters cannot be enumerated; unknown value sets neither.
    assert_eq!(
        t.contains(
            "http://example.org/fhir/ValueSet/lab-codes",
            "http://loinc.org",
            "2345-7"
        ),
        Membership::Unknown
    );
    assert_eq!(
        t.contains("http://example.org/fhir/ValueSet/nope", "", "x"),
        Membership::Unknown
    );
    // Through the requirements, per binding.
    let checks = r.check_code("Patient.gender", "", "other");
    assert_eq!(checks.len(), 1);
    assert_eq!(checks[0].0.value.strength, BindingStrength::Required);
    assert_eq!(checks[0].1, Membership::No);
    let v3 = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation";
    assert_eq!(
        r.check_code("Observation.interpretation.coding", v3, "H")
            .len(),
        0,
        "bindings sit on the CodeableConcept"
    );
    assert_eq!(
        r.check_code("Observation.interpretation", v3, "H")[0].1,
        Membership::Yes
    );
    assert_eq!(
        r.check_code("Observation.interpretation", v3, "HH")[0].1,
        Membership::No
    );
}

#[test]
fn value_set_expansion_and_excludes() {
    let text = r#"[
      {"resourceType": "ValueSet", "url": "http://x/vs/expanded",
       "expansion": {"contains": [{"system": "http://x/cs", "code": "a"}, {"code": "grp", "system": "http://x/cs", "contains": [{"system": "http://x/cs", "code": "b"}]}]}},
      {"resourceType": "ValueSet", "url": "http://x/vs/composed",
       "compose": {"include": [{"valueSet": ["http://x/vs/expanded"]}], "exclude": [{"system": "http://x/cs", "concept": [{"code": "b"}]}]}}
    ]"#;
    let mut t = ira_analyze::target::Terminology::new();
    for vs in ValueSet::from_json(text, "inline").unwrap() {
        t.add_value_set(vs);
    }
    assert_eq!(
        t.contains("http://x/vs/expanded", "http://x/cs", "b"),
        Membership::Yes
    );
    assert_eq!(
        t.contains("http://x/vs/expanded", "http://x/cs", "c"),
        Membership::No
    );
    assert_eq!(
        t.contains("http://x/vs/composed", "http://x/cs", "a"),
        Membership::Yes
    );
    assert_eq!(
        t.contains("http://x/vs/composed", "http://x/cs", "b"),
        Membership::No
    );
}

#[test]
fn artifacts_count_other_resources_and_errors_are_positioned() {
    let a = Artifacts::from_json(
        &fixture("profiles/target-valuesets.json"),
        "target-valuesets.json",
    )
    .unwrap();
    assert_eq!(
        (
            a.value_sets.len(),
            a.code_systems.len(),
            a.structure_definitions.len()
        ),
        (4, 1, 0)
    );
    let a =
        Artifacts::from_json(&fixture("profiles/legacy-sex.conceptmap.json"), "cm.json").unwrap();
    assert_eq!(a.other, [("ConceptMap".to_string(), 1)]);

    let e: LoadError = Artifacts::from_json(
        "{\n  \"resourceType\": \"ValueSet\",\n  \"url\" \"x\"\n}",
        "broken.json",
    )
    .unwrap_err();
    assert_eq!((e.line, e.name.as_str()), (Some(3), "broken.json"));
    assert!(
        e.to_string().starts_with("broken.json line 3, column"),
        "{e}"
    );
    let e = StructureDefinition::from_json(
        r#"[{"resourceType": "StructureDefinition", "url": "u"}]"#,
        "a.json",
    )
    .unwrap_err();
    assert_eq!(e.entry, Some(0));
    assert!(e.reason.contains("without type"), "{e}");
    let e = StructureDefinition::from_json(
        r#"{"resourceType": "StructureDefinition", "url": "u", "type": "Patient", "differential": {"element": [{"path": "Patient.name", "max": "many"}]}}"#,
        "b.json",
    )
    .unwrap_err();
    assert!(e.reason.contains("max"), "{e}");
    let e = Artifacts::from_json("[1]", "c.json").unwrap_err();
    assert!(e.reason.contains("expected a JSON object"), "{e}");
    let e = Artifacts::from_json(r#"{"url": "x"}"#, "d.json").unwrap_err();
    assert!(e.reason.contains("resourceType"), "{e}");
}

#[test]
fn strip_indexes_keeps_choice_markers() {
    use ira_analyze::target::strip_indexes;
    assert_eq!(
        strip_indexes("Patient.identifier[0].system"),
        "Patient.identifier.system"
    );
    assert_eq!(
        strip_indexes("Observation.component[12].valueQuantity.value"),
        "Observation.component.valueQuantity.value"
    );
    assert_eq!(
        strip_indexes("Observation.value[x]"),
        "Observation.value[x]"
    );
    assert_eq!(strip_indexes("a[]b[1"), "a[]b[1");
}

proptest::proptest! {
    /// A fixture cut anywhere: an error with a position or the resources read, never a
    /// panic.
    #[test]
    fn truncated_artifacts_never_panic(cut in 0usize..3000) {
        let text = fixture("profiles/target-valuesets.json");
        let end = text.char_indices().map(|(i, _)| i).take_while(|&i| i <= cut).last().unwrap_or(0);
        match Artifacts::from_json(&text[..end], "cut.json") {
            Ok(_) => {}
            Err(e) => proptest::prop_assert!(e.line.is_some() || e.entry.is_some(), "{}", e),
        }
    }
}
