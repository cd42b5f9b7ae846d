use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::sync::Arc;

use super::*;

fn p(s: &str) -> V2Path {
    V2Path::parse(s).unwrap()
}

fn map() -> &'static Map {
    Map::try_builtin().expect("the embedded map data loads")
}

/// Targets of the main map only (`PID[Patient]` for PID), as `full_path` strings.
fn paths_in(targets: &[Target], seg_map: &str) -> Vec<String> {
    targets
        .iter()
        .filter(|t| t.map == seg_map)
        .map(Target::full_path)
        .collect()
}

#[test]
fn pid_3_feeds_patient_identifier_through_cx() {
    let rows: Vec<_> = map()
        .field("PID", 3)
        .iter()
        .filter(|r| r.map == "PID[Patient]")
        .collect();
    assert_eq!(rows.len(), 1);
    let r = rows[0];
    assert_eq!(r.name, "Patient Identifier List");
    assert_eq!(r.v2_type, "CX");
    assert_eq!(
        r.v2_card,
        Some(Card {
            min: 1,
            max: Max::Unbounded
        })
    );
    let t = r.rule.target.as_ref().unwrap();
    assert_eq!(t.path, "Patient.identifier");
    assert_eq!(t.fhir_type.as_deref(), Some("Identifier"));
    assert_eq!(r.rule.datatype_map.as_deref(), Some("CX[Identifier]"));
    assert!(r.rule.condition.is_none());

    // PID-3 as a whole (component 0) is CX.1, the identifier's value.
    let targets = map().targets(&p("PID-3"));
    assert_eq!(
        paths_in(&targets, "PID[Patient]"),
        ["Patient.identifier.value"]
    );
    // Occurrence and repetition do not matter.
    assert_eq!(map().targets(&p("PID[2]-3[4]")), targets);
}

#[test]
fn pid_3_4_1_resolves_to_the_assigner_through_hd() {
    let targets = map().targets(&p("PID-3.4.1"));
    let main: Vec<_> = targets.iter().filter(|t| t.map == "PID[Patient]").collect();
    assert_eq!(main.len(), 2, "{main:#?}");
    assert_eq!(main[0].path, "Patient.identifier.assigner");
    assert_eq!(main[0].via, ["Organization.identifier.value"]);
    assert_eq!(
        main[0].datatype_maps,
        ["CX[Identifier]", "HD[Organization]"]
    );
    assert!(main[0].exact);
    // … or, when the authority is a registered system, the identifier's system.
    assert_eq!(main[1].path, "Patient.identifier.system");
    assert_eq!(main[1].datatype_maps, ["CX[Identifier]", "HD[uri]"]);
    assert!(matches!(main[1].conditions[..], [Condition::Other(_)]));
}

#[test]
fn pid_5_1_resolves_to_name_family() {
    for s in ["PID-5.1", "PID-5", "PID-5.1.1"] {
        let targets = map().targets(&p(s));
        assert_eq!(
            paths_in(&targets, "PID[Patient]"),
            ["Patient.name.family"],
            "{s}"
        );
        assert_eq!(
            targets[0].datatype_maps,
            ["XPN[HumanName]", "FN[HumanName]"]
        );
    }
    let given = map().targets(&p("PID-5.2"));
    assert_eq!(paths_in(&given, "PID[Patient]"), ["Patient.name.given"]);
}

#[test]
fn pid_8_feeds_gender_through_table_0001() {
    let targets = map().targets(&p("PID-8"));
    assert_eq!(paths_in(&targets, "PID[Patient]"), ["Patient.gender"]);
    assert_eq!(targets[0].vocabulary.as_deref(), Some("AdministrativeSex"));

    let sex = map().vocabulary("0001").unwrap();
    assert_eq!(sex.name, "AdministrativeSex");
    assert_eq!(sex.table.as_deref(), Some("0001"));
    let f = sex.lookup("F").unwrap();
    assert_eq!(
        (f.system.as_str(), f.code.as_str(), f.display.as_deref()),
        (
            "http://hl7.org/fhir/administrative-gender",
            "female",
            Some("Female")
        )
    );
    assert_eq!(sex.lookup("A").map(|c| c.code.as_str()), Some("other"));
    assert_eq!(sex.lookup("Z"), None);
    // Same map by name and by the other spellings of the table.
    for key in ["AdministrativeSex", "1", "HL70001", "HL7-0001"] {
        assert_eq!(map().vocabulary(key).map(|v| &v.name), Some(&sex.name));
    }
}

#[test]
fn obx_5_feeds_observation_value_x_by_value_type() {
    let rows: Vec<_> = map()
        .field("OBX", 5)
        .iter()
        .filter(|r| r.map == "OBX[Observation]")
        .collect();
    assert!(rows.len() > 10);
    // Every mapped row goes to a value[x] choice (or its extension for ED/RP), and
    // is conditioned on OBX-2.
    for r in &rows {
        let Some(t) = &r.rule.target else { continue };
        assert!(
            t.path.starts_with("Observation.value") || t.path.starts_with("Observation.extension"),
            "{}",
            t.path
        );
    }
    let nm = rows
        .iter()
        .find(|r| {
            r.rule.condition
                == Some(Condition::IfIn(
                    V2Ref::parse("OBX-2").unwrap(),
                    vec!["NM".into()],
                ))
        })
        .unwrap();
    let t = nm.rule.target.as_ref().unwrap();
    assert_eq!(t.path, "Observation.valueQuantity.value");
    assert_eq!(nm.rule.datatype_map.as_deref(), Some("NM[Quantity]"));

    // Table 0125: derived from those rows.
    let vt = map().vocabulary("0125").unwrap();
    assert_eq!(vt.lookup("NM").map(|c| c.code.as_str()), Some("Quantity"));
    assert_eq!(
        vt.lookup("CWE").map(|c| c.code.as_str()),
        Some("CodeableConcept")
    );
    // SN depends on OBX-5 itself: several conditional rows.
    assert!(vt.entries("SN").count() >= 4);
    assert!(vt.entries("SN").all(|c| c.condition.is_some()));
}

#[test]
fn pv1_2_feeds_encounter_class_through_table_0004() {
    let rows: Vec<_> = map()
        .field("PV1", 2)
        .iter()
        .filter(|r| r.rule.target.is_some())
        .collect();
    assert_eq!(rows[0].map, "PV1[Encounter]");
    let t = rows[0].rule.target.as_ref().unwrap();
    assert_eq!(t.path, "Encounter.class");
    assert_eq!(
        rows[0].rule.vocabulary.as_deref(),
        Some("PatientClass[EncounterClass]")
    );
    // The second row sets the status, only without a discharge date.
    let status = rows[1];
    assert_eq!(
        status.rule.target.as_ref().unwrap().path,
        "Encounter.status"
    );
    assert_eq!(
        status.rule.condition,
        Some(Condition::IfNotValued(V2Ref::parse("PV1-45").unwrap()))
    );

    let class = map().vocabulary("0004").unwrap();
    assert_eq!(class.name, "PatientClass[EncounterClass]");
    let i = class.lookup("I").unwrap();
    assert_eq!(
        (i.system.as_str(), i.code.as_str()),
        ("http://terminology.hl7.org/CodeSystem/v3-ActCode", "IMP")
    );
    let names: Vec<_> = map()
        .vocabularies_for("0004")
        .iter()
        .map(|v| v.name.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "PatientClass[EncounterClass]",
            "PatientClass[EncounterStatus]"
        ]
    );
}

#[test]
fn pid_24_condition_is_parsed() {
    let rows = map().field("PID", 24);
    let r = rows.iter().find(|r| r.map == "PID[Patient]").unwrap();
    assert_eq!(
        r.rule.target.as_ref().unwrap().path,
        "Patient.multipleBirthBoolean"
    );
    assert_eq!(
        r.rule.condition_text.as_deref(),
        Some("IF PID-25 NOT VALUED")
    );
    assert_eq!(
        r.rule.condition,
        Some(Condition::IfNotValued(V2Ref::Path(p("PID-25"))))
    );
    // A prose-only condition is kept as text.
    let ssn = map().field("PID", 19);
    assert!(ssn.iter().any(|r| matches!(
        &r.rule.condition,
        Some(Condition::Other(t)) if t.starts_with("If in the US")
    )));
}

#[test]
fn message_structures_name_their_segment_maps() {
    let a01 = map().message("ADT_A01").unwrap();
    let pid: Vec<_> = a01
        .segment("PID")
        .iter()
        .filter_map(|s| s.segment_map.as_deref())
        .collect();
    assert_eq!(pid[0], "PID[Patient]");
    // NK1 feeds a RelatedPerson unless it is an emergency contact/employer…
    let nk1 = a01.segment("NK1");
    let related = nk1
        .iter()
        .find(|s| s.segment_map.as_deref() == Some("NK1[RelatedPerson]"))
        .unwrap();
    assert_eq!(related.resource.as_deref(), Some("RelatedPerson"));
    assert!(matches!(
        &related.condition,
        Some(Condition::IfNotIn(V2Ref::Path(p), codes)) if p.to_string() == "NK1-3.1" && codes.contains(&"EMR".to_string())
    ));
    // A segment the guide maps nowhere in the structure.
    assert!(a01.segment("OH1").iter().all(|s| s.segment_map.is_none()));
    // Every segment map a message names exists (EVN's position may use an MSH map).
    for m in map().messages() {
        for s in &m.segments {
            if let Some(sm) = &s.segment_map {
                assert!(
                    map()
                        .segment(&sm[..3])
                        .is_some_and(|seg| seg.maps.contains(sm)),
                    "{} {sm}",
                    m.structure
                );
            }
        }
    }
    let oru = map().message("ORU_R01").unwrap();
    assert!(
        oru.segment("OBX")
            .iter()
            .any(|s| s.segment_map.as_deref() == Some("OBX[Observation]"))
    );
    assert!(map().message("ZZZ_Z99").is_none());
}

#[test]
fn unmapped_positions_have_no_exact_target() {
    // PID-1 (Set ID) goes nowhere.
    assert!(
        map()
            .field("PID", 1)
            .iter()
            .all(|r| r.rule.target.is_none())
    );
    assert!(map().targets(&p("PID-1")).is_empty());
    // CX.9 (assigning jurisdiction) has no row target: PID-3.9 is lost in Patient.
    let t = map().targets(&p("PID-3.9"));
    assert!(t.iter().all(|t| t.map != "PID[Patient]"));
    assert!(t.iter().all(|t| !t.exact));
    // Unknown segments resolve to nothing.
    assert!(map().targets(&p("ZZZ-1")).is_empty());
    assert!(map().field("ZZZ", 1).is_empty());
}

#[test]
fn assigned_values_are_not_source_data() {
    // PID-13 without a use code gets `home` assigned.
    let rows = map().field("PID", 13);
    let home = rows
        .iter()
        .find(|r| r.rule.assigned.as_deref() == Some("home"))
        .unwrap();
    assert_eq!(
        home.rule.target.as_ref().unwrap().path,
        "Patient.telecom.use"
    );
    assert!(!home.rule.carries_value());
    assert_eq!(
        home.rule.condition,
        Some(Condition::IfNotValued(V2Ref::Path(p("PID-13.2"))))
    );
}

#[test]
fn resource_building_datatype_maps_start_a_reference_hop() {
    // PV1-7 attending doctor → Encounter.participant.individual → Practitioner.
    let t = map().targets(&p("PV1-7.2"));
    assert!(
        t.iter().any(
            |t| t.full_path() == "Encounter.participant.individual -> Practitioner.name.family"
        ),
        "{t:#?}"
    );
    // PID-21 (mother's identifier) builds a RelatedPerson.
    let t = map().targets(&p("PID-21"));
    assert_eq!(
        paths_in(&t, "PID[Patient]"),
        ["Patient -> RelatedPerson.identifier.value"]
    );
}

#[test]
fn datatype_maps_by_name_and_by_type() {
    let cx = map().datatype("CX").unwrap();
    assert_eq!(cx.name, "CX[Identifier]");
    assert_eq!(cx.fhir_type, "Identifier");
    assert_eq!(
        cx.component(1)[0].rule.target.as_ref().unwrap().path,
        "value"
    );
    assert_eq!(
        cx.component(5)[0].rule.vocabulary.as_deref(),
        Some("IdentifierType")
    );
    assert_eq!(
        map().datatype("cx[identifier]").map(|d| &d.name),
        Some(&cx.name)
    );
    for (v2, fhir) in [
        ("XPN", "HumanName"),
        ("XAD", "Address"),
        ("XTN", "ContactPoint"),
        ("CWE", "CodeableConcept"),
        ("CE", "CodeableConcept"),
        ("CNE", "CodeableConcept"),
        ("PL", "Location"),
        ("XCN", "Practitioner"),
        ("EI", "Identifier"),
    ] {
        assert!(
            map().datatypes_for(v2).iter().any(|d| d.fhir_type == fhir),
            "{v2} → {fhir}"
        );
    }
    assert!(map().datatype("CWE[Coding]").is_some());
    assert!(map().datatype("TS[dateTime]").is_some());
    assert!(map().datatype("DTM[dateTime]").is_some());
}

#[test]
fn required_vocabularies_carry_their_facts() {
    let check = |table: &str, code: &str, system: &str, fhir: &str| {
        let v = map().vocabulary(table).unwrap_or_else(|| panic!("{table}"));
        let c = v.lookup(code).unwrap_or_else(|| panic!("{table} {code}"));
        assert_eq!(
            (c.system.as_str(), c.code.as_str()),
            (system, fhir),
            "{table} {code}"
        );
    };
    check(
        "0002",
        "M",
        "http://terminology.hl7.org/CodeSystem/v3-MaritalStatus",
        "M",
    );
    check(
        "0002",
        "U",
        "http://terminology.hl7.org/CodeSystem/v3-NullFlavor",
        "UNK",
    );
    check(
        "0007",
        "E",
        "http://terminology.hl7.org/CodeSystem/v2-0007",
        "E",
    );
    check(
        "0063",
        "SPO",
        "http://terminology.hl7.org/CodeSystem/v3-RoleCode",
        "SPS",
    );
    check(
        "0078",
        "H",
        "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation",
        "H",
    );
    check(
        "0085",
        "F",
        "http://hl7.org/fhir/observation-status",
        "final",
    );
    check(
        "0203",
        "MR",
        "http://terminology.hl7.org/CodeSystem/v2-0203",
        "MR",
    );
    // A code the table knows but the guide does not map: known, no target.
    let status = map().vocabulary("0085").unwrap();
    assert!(status.entry("I").is_some());
    assert!(status.lookup("I").is_none());
    // A user-defined table: only FHIR targets.
    let lang = map().vocabulary("PrimaryLanguage").unwrap();
    assert!(lang.is_target_only());
}

#[test]
fn overrides_add_a_z_segment_row_and_local_codes() {
    let overrides = MapOverrides {
        fields: vec![FieldOverride {
            field: "ZPI-1".into(),
            fhir_path: "Patient.extension.valueCodeableConcept".into(),
            fhir_type: Some("CodeableConcept".into()),
            v2_type: Some("CWE".into()),
            name: Some("Local risk class".into()),
            datatype_map: Some("CWE".into()),
            vocabulary: Some("LocalRisk".into()),
            ..Default::default()
        }],
        vocabularies: vec![
            VocabularyOverride {
                map: "LocalRisk".into(),
                concepts: vec![ConceptOverride {
                    v2_code: "R1".into(),
                    system: "http://example.org/risk".into(),
                    code: "low".into(),
                    display: None,
                }],
                ..Default::default()
            },
            VocabularyOverride {
                map: "0001".into(),
                concepts: vec![ConceptOverride {
                    v2_code: "X".into(),
                    system: "http://hl7.org/fhir/administrative-gender".into(),
                    code: "other".into(),
                    display: Some("Other".into()),
                }],
                ..Default::default()
            },
        ],
    };
    let m = Map::with_overrides(&overrides).unwrap();
    let z = m.field("ZPI", 1);
    assert_eq!(z.len(), 1);
    assert_eq!(z[0].map, "ZPI[Patient]");
    assert_eq!(z[0].rule.origin, Origin::Project);
    assert_eq!(
        z[0].rule.datatype_map.as_deref(),
        Some("CWE[CodeableConcept]")
    );
    let t = m.targets(&p("ZPI-1.1"));
    assert_eq!(
        t.iter().map(Target::full_path).collect::<Vec<_>>(),
        ["Patient.extension.valueCodeableConcept.coding.code"]
    );
    assert_eq!(
        m.vocabulary("LocalRisk")
            .and_then(|v| v.lookup("R1"))
            .map(|c| c.code.as_str()),
        Some("low")
    );
    // The local code joins the guide's table, which keeps its own codes.
    let sex = m.vocabulary("0001").unwrap();
    assert_eq!(sex.lookup("X").map(|c| c.code.as_str()), Some("other"));
    assert_eq!(sex.lookup("F").map(|c| c.code.as_str()), Some("female"));
    assert_eq!(sex.entry("X").map(|c| c.origin), Some(Origin::Project));
    // The built-in map is untouched.
    assert!(map().field("ZPI", 1).is_empty());
    assert!(map().vocabulary("0001").unwrap().lookup("X").is_none());
}

#[test]
fn the_builtin_map_equals_one_built_anew() {
    let fresh = Map::build_builtin().unwrap();
    let b = map();
    assert!(b.segments().eq(fresh.segments()));
    assert!(b.datatypes().eq(fresh.datatypes()));
    assert!(b.vocabularies().eq(fresh.vocabularies()));
    assert!(b.messages().eq(fresh.messages()));
    assert_eq!(b.datatype_default, fresh.datatype_default);
    assert_eq!(b.table_default, fresh.table_default);
    assert_eq!(b.datatypes.by_v2_type, fresh.datatypes.by_v2_type);
    // The index by v2 type lists what a scan of every datatype map finds.
    for ty in ["CX", "CWE", "XPN", "HD", "ST", "NOPE"] {
        let scan: Vec<&DatatypeMap> = b.datatypes().filter(|d| d.v2_type == ty).collect();
        assert_eq!(b.datatypes_for(ty), scan, "{ty}");
        let mut components: BTreeMap<u16, BTreeSet<String>> = BTreeMap::new();
        for r in scan.iter().flat_map(|d| d.rows()) {
            components
                .entry(r.component)
                .or_default()
                .insert(r.v2_type.clone());
        }
        assert_eq!(
            b.type_components(ty).cloned().unwrap_or_default(),
            components,
            "{ty}"
        );
    }
}

#[test]
fn overrides_copy_only_what_they_change() {
    let overrides = MapOverrides {
        fields: vec![FieldOverride {
            field: "PID-19".into(),
            fhir_path: "Patient.identifier.value".into(),
            replace: true,
            ..Default::default()
        }],
        vocabularies: vec![VocabularyOverride {
            map: "0001".into(),
            concepts: vec![ConceptOverride {
                v2_code: "X".into(),
                system: "http://example.org/sex".into(),
                code: "x".into(),
                display: None,
            }],
            ..Default::default()
        }],
    };
    let m = Map::with_overrides(&overrides).unwrap();
    let b = map();
    // The segment and the vocabulary changed are copies; the rest is the built-in map's.
    assert!(!Arc::ptr_eq(&m.segments["PID"], &b.segments["PID"]));
    assert!(Arc::ptr_eq(&m.segments["PV1"], &b.segments["PV1"]));
    assert!(Arc::ptr_eq(&m.datatypes, &b.datatypes));
    assert!(Arc::ptr_eq(&m.datatype_default, &b.datatype_default));
    assert!(!Arc::ptr_eq(
        &m.vocabularies["AdministrativeSex"],
        &b.vocabularies["AdministrativeSex"]
    ));
    let other = b.vocabulary("0004").unwrap().name.as_str();
    assert!(Arc::ptr_eq(&m.vocabularies[other], &b.vocabularies[other]));
    assert!(!m.shares_builtin_segment("PID"));
    assert!(m.shares_builtin_segment("PV1"));
    assert!(b.shares_builtin_segment("PID"));
    // Neither the built-in map nor another clone sees the change.
    assert_eq!(
        b.field("PID", 19).len(),
        b.segment("PID").unwrap().field(19).len()
    );
    assert!(
        b.field("PID", 19)
            .iter()
            .all(|r| r.rule.origin == Origin::Guide)
    );
    assert!(b.vocabulary("0001").unwrap().lookup("X").is_none());
    let fresh = Map::build_builtin().unwrap();
    let mut other = fresh.clone();
    other.extend(&overrides).unwrap();
    assert!(fresh.vocabulary("0001").unwrap().lookup("X").is_none());
    assert_eq!(
        other
            .vocabulary("0001")
            .unwrap()
            .lookup("X")
            .map(|c| c.code.as_str()),
        Some("x")
    );
    assert!(fresh.segments().eq(b.segments()));
    // A map built anew shares nothing with the built-in one.
    assert!(!fresh.shares_builtin_segment("PV1"));
}

#[test]
fn overrides_replace_a_field_and_a_vocabulary() {
    let mut m = map().clone();
    m.extend(&MapOverrides {
        fields: vec![FieldOverride {
            field: "PID-19".into(),
            fhir_path: "Patient.identifier.value".into(),
            replace: true,
            ..Default::default()
        }],
        vocabularies: vec![VocabularyOverride {
            map: "AdministrativeSex".into(),
            replace: true,
            concepts: vec![ConceptOverride {
                v2_code: "F".into(),
                system: "http://example.org/sex".into(),
                code: "f".into(),
                display: None,
            }],
            ..Default::default()
        }],
    })
    .unwrap();
    assert_eq!(m.field("PID", 19).len(), 1);
    let sex = m.vocabulary("0001").unwrap();
    assert_eq!(sex.concepts.len(), 1);
    assert_eq!(sex.lookup("M"), None);
}

#[test]
fn bad_overrides_are_rejected_and_leave_the_map_unchanged() {
    let field = |field: &str, path: &str| MapOverrides {
        fields: vec![FieldOverride {
            field: field.into(),
            fhir_path: path.into(),
            ..Default::default()
        }],
        vocabularies: Vec::new(),
    };
    let mut m = map().clone();
    for (o, err) in [
        (
            field("ZPI", "Patient.extension"),
            MapError::BadField("ZPI".into()),
        ),
        (
            field("ZPI-1.2", "Patient.extension"),
            MapError::BadField("ZPI-1.2".into()),
        ),
        (
            field("zpi-1", "Patient.extension"),
            MapError::BadField("zpi-1".into()),
        ),
        (
            field("ZPI-1", "patient.extension"),
            MapError::BadFhirPath("patient.extension".into()),
        ),
        (
            field("ZPI-1", "Patient.identifier[0]"),
            MapError::BadFhirPath("Patient.identifier[0]".into()),
        ),
        (
            field("ZPI-1", "Patient..x"),
            MapError::BadFhirPath("Patient..x".into()),
        ),
    ] {
        assert_eq!(m.extend(&o), Err(err));
    }
    let unknown_vocab = MapOverrides {
        fields: vec![
            FieldOverride {
                field: "ZPI-1".into(),
                fhir_path: "Patient.extension".into(),
                ..Default::default()
            },
            FieldOverride {
                field: "ZPI-2".into(),
                fhir_path: "Patient.extension".into(),
                vocabulary: Some("NoSuchMap".into()),
                ..Default::default()
            },
        ],
        vocabularies: Vec::new(),
    };
    assert_eq!(
        m.extend(&unknown_vocab),
        Err(MapError::UnknownVocabulary("NoSuchMap".into()))
    );
    let unknown_dt = MapOverrides {
        fields: vec![FieldOverride {
            field: "ZPI-1".into(),
            fhir_path: "Patient.extension".into(),
            datatype_map: Some("QQ[Nothing]".into()),
            ..Default::default()
        }],
        vocabularies: Vec::new(),
    };
    assert_eq!(
        m.extend(&unknown_dt),
        Err(MapError::UnknownDatatypeMap("QQ[Nothing]".into()))
    );
    let empty_code = MapOverrides {
        fields: Vec::new(),
        vocabularies: vec![VocabularyOverride {
            map: "Local".into(),
            concepts: vec![ConceptOverride {
                v2_code: "A".into(),
                system: String::new(),
                code: "a".into(),
                display: None,
            }],
            ..Default::default()
        }],
    };
    assert_eq!(
        m.extend(&empty_code),
        Err(MapError::EmptyConcept("Local".into()))
    );
    // ZPI-1 of the rejected batch was not applied.
    assert!(m.segment("ZPI").is_none());
    assert!(m.vocabulary("Local").is_none());
}

#[test]
fn scope_segments_have_their_resource_maps() {
    for (seg, map_name) in [
        ("MSH", "MSH[MessageHeader]"),
        ("EVN", "EVN[Provenance]"),
        ("PID", "PID[Patient]"),
        ("PD1", "PD1[Patient]"),
        ("NK1", "NK1[RelatedPerson]"),
        ("PV1", "PV1[Encounter]"),
        ("PV2", "PV2[Encounter]"),
        ("AL1", "AL1[AllergyIntolerance]"),
        ("DG1", "DG1[Condition]"),
        ("PR1", "PR1[Procedure]"),
        ("IN1", "IN1[Coverage]"),
        ("ORC", "ORC[ServiceRequest]"),
        ("OBR", "OBR[ServiceRequest]"),
        ("OBR", "OBR[DiagnosticReport]"),
        ("OBX", "OBX[Observation]"),
        ("NTE", "NTE[Observation]"),
        ("SPM", "SPM[Specimen]"),
        ("RXA", "RXA[Immunization]"),
        ("SCH", "SCH[Appointment]"),
        ("AIS", "AIS[Appointment]"),
    ] {
        let s = map().segment(seg).unwrap_or_else(|| panic!("{seg}"));
        assert!(s.maps.iter().any(|m| m == map_name), "{map_name}");
        assert!(
            s.rows()
                .iter()
                .any(|r| r.map == map_name && r.rule.target.is_some()),
            "{map_name} maps something"
        );
    }
    // The main map leads.
    assert_eq!(map().segment("PID").unwrap().maps[0], "PID[Patient]");
    for (seg, main) in [
        ("PV1", "PV1[Encounter]"),
        ("OBX", "OBX[Observation]"),
        ("DG1", "DG1[Condition]"),
        ("AIS", "AIS[Appointment]"),
    ] {
        assert_eq!(map().segment(seg).unwrap().maps[0], main);
        assert_eq!(
            map().field(seg, 3)[0].map,
            main,
            "rows of the main map first"
        );
    }
}

/// The shipped data is what the generator writes: every row parses (the loader is
/// strict), keys that must be unique are, and every map a row names exists.
#[test]
fn generated_data_is_well_formed() {
    use load::{DATATYPES, MESSAGES, SEGMENTS, VOCABULARY};
    for (name, text) in [
        ("segments", SEGMENTS),
        ("datatypes", DATATYPES),
        ("vocabulary", VOCABULARY),
        ("messages", MESSAGES),
    ] {
        assert!(
            text.lines().take(3).any(|l| l.contains("8c9b414")),
            "{name}: header names the guide commit"
        );
        let mut seen = BTreeSet::new();
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            assert!(seen.insert(line), "{name}: duplicate row");
            assert_eq!(
                line.trim_end_matches('\t'),
                line.trim_end_matches(['\t', ' '])
            );
        }
    }
    let mut m = Map::from_tsv(SEGMENTS, DATATYPES, VOCABULARY).unwrap();
    m.add_messages(MESSAGES).unwrap();

    // One resource per segment map, one (v2 type, FHIR type) per datatype map.
    let mut resources: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for r in m.segments().flat_map(SegmentMap::rows) {
        resources.entry(&r.map).or_default().insert(&r.resource);
        if let Some(t) = &r.rule.target {
            assert!(t.path.starts_with(&r.resource), "{}", t.path);
            assert!(!t.path.contains('['), "{}", t.path);
        }
    }
    assert!(resources.values().all(|r| r.len() == 1));

    // Every datatype map a row names exists.
    let rules = m
        .segments()
        .flat_map(|s| s.rows().iter().map(|r| &r.rule))
        .chain(m.datatypes().flat_map(|d| d.rows().iter().map(|r| &r.rule)));
    for rule in rules {
        if let Some(d) = &rule.datatype_map {
            assert!(
                m.datatypes.by_name.contains_key(d.as_str()),
                "datatype map {d}"
            );
        }
    }

    // Vocabulary rows: (map, v2 code, condition, FHIR system, FHIR code) unique; one
    // table per map.
    let mut keys = BTreeSet::new();
    for v in m.vocabularies() {
        for c in &v.concepts {
            let t = c.target.as_ref();
            let key = (
                &v.name,
                &c.v2_code,
                c.condition.as_ref().map(ToString::to_string),
                t.map(|t| &t.system),
                t.map(|t| &t.code),
            );
            assert!(keys.insert(key.clone()), "{key:?}");
        }
    }
}

#[test]
fn from_tsv_reports_bad_data_by_line() {
    let header = "map\tv2_type\tfhir_type\tcomponent\tname\tcomponent_type\tv2_min\tv2_max\tcondition\tnarrative\tfhir_path\tvia\tfhir_type_target\tfhir_min\tfhir_max\tdatatype_map\tvocabulary\tassigned\tderived\tproposed";
    let bad_cells = format!("# c\n{header}\nCX[Identifier]\tCX\tIdentifier\n");
    assert_eq!(
        load::datatypes(&bad_cells, |_| ()).unwrap_err(),
        MapError::Data {
            file: "datatypes.tsv",
            line: 3,
            reason: "3 cells, expected 20".into()
        }
    );
    let bad_number =
        format!("{header}\nCX[Identifier]\tCX\tIdentifier\tx\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\n");
    assert!(matches!(
        load::datatypes(&bad_number, |_| ()),
        Err(MapError::Data { line: 2, .. })
    ));
    assert!(matches!(
        load::vocabulary("map\tnope\n", |_| ()),
        Err(MapError::Data { line: 1, .. })
    ));
}

/// A compact summary of the whole map: what it covers, for review in the snapshot.
#[test]
fn summary_snapshot() {
    let m = map();
    let mut s = String::new();
    let rows: usize = m.segments().map(|s| s.rows().len()).sum();
    let mapped: usize = m
        .segments()
        .flat_map(SegmentMap::rows)
        .filter(|r| r.rule.target.is_some())
        .count();
    let dt_rows: usize = m.datatypes().map(|d| d.rows().len()).sum();
    let concepts: usize = m.vocabularies().map(|v| v.concepts.len()).sum();
    writeln!(
        s,
        "segments: {} ({} field rows, {} with a target)",
        m.segments().count(),
        rows,
        mapped
    )
    .unwrap();
    for seg in m.segments() {
        let fields = seg.fields();
        let mapped_fields = fields
            .iter()
            .filter(|&&f| seg.field(f).iter().any(|r| r.rule.target.is_some()))
            .count();
        writeln!(
            s,
            "  {}: {} fields ({} mapped), {} rows; maps: {}",
            seg.id,
            fields.len(),
            mapped_fields,
            seg.rows().len(),
            seg.maps.join(", ")
        )
        .unwrap();
    }
    writeln!(
        s,
        "datatypes: {} maps ({} component rows)",
        m.datatypes().count(),
        dt_rows
    )
    .unwrap();
    for d in m.datatypes() {
        writeln!(
            s,
            "  {} -> {}: {} rows",
            d.name,
            d.fhir_type,
            d.rows().len()
        )
        .unwrap();
    }
    writeln!(
        s,
        "vocabularies: {} maps ({} rows)",
        m.vocabularies().count(),
        concepts
    )
    .unwrap();
    for v in m.vocabularies() {
        let unmapped = v
            .v2_codes()
            .iter()
            .filter(|c| v.lookup(c).is_none())
            .count();
        writeln!(
            s,
            "  {} (table {}): {} v2 codes, {} without FHIR equivalent, {} rows",
            v.name,
            v.table.as_deref().unwrap_or("-"),
            v.v2_codes().len(),
            unmapped,
            v.concepts.len()
        )
        .unwrap();
    }
    writeln!(s, "messages: {} structures", m.messages().count()).unwrap();
    for msg in m.messages() {
        let mapped: BTreeSet<&str> = msg
            .segments
            .iter()
            .filter(|s| s.segment_map.is_some())
            .map(|s| s.segment.as_str())
            .collect();
        let unmapped: BTreeSet<&str> = msg
            .segments
            .iter()
            .map(|s| s.segment.as_str())
            .filter(|s| !mapped.contains(s))
            .collect();
        writeln!(
            s,
            "  {}: {} rows; mapped {}; unmapped {}",
            msg.structure,
            msg.segments.len(),
            mapped.into_iter().collect::<Vec<_>>().join(" "),
            unmapped.into_iter().collect::<Vec<_>>().join(" ")
        )
        .unwrap();
    }
    // References the guide makes to vocabulary maps it does not (yet) fill.
    let mut missing = BTreeSet::new();
    let rules = m
        .segments()
        .flat_map(|s| s.rows().iter().map(|r| &r.rule))
        .chain(m.datatypes().flat_map(|d| d.rows().iter().map(|r| &r.rule)));
    for rule in rules {
        if let Some(v) = &rule.vocabulary
            && m.vocabulary(v).is_none()
        {
            missing.insert(v.as_str());
        }
    }
    writeln!(
        s,
        "vocabulary maps named but empty or absent in the guide: {}",
        missing.into_iter().collect::<Vec<_>>().join(", ")
    )
    .unwrap();
    insta::assert_snapshot!(s);
}

/// Most of the guide's computable conditions parse; the rest stay as text. A drop
/// here means the parser or the generator lost a form.
#[test]
fn most_conditions_parse() {
    let m = map();
    let (mut parsed, mut total) = (0, 0);
    let rules = m
        .segments()
        .flat_map(|s| s.rows().iter().map(|r| &r.rule))
        .chain(m.datatypes().flat_map(|d| d.rows().iter().map(|r| &r.rule)));
    for r in rules {
        if r.condition_text.is_some() {
            total += 1;
            parsed += usize::from(!matches!(r.condition, Some(Condition::Other(_))));
        }
    }
    assert!(total > 300, "{total}");
    assert!(parsed * 100 / total >= 88, "{parsed} of {total}");
}

mod never_panics {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #[test]
        fn condition_parse_takes_any_text(s in "\\PC{0,60}") {
            let c = Condition::parse(&s);
            // Unparsed text is kept as it was (trimmed).
            if let Condition::Other(t) = &c {
                prop_assert_eq!(t.as_str(), s.trim());
            }
        }

        #[test]
        fn condition_parse_takes_condition_like_text(
            s in "(IF )?\\(?[A-Z]{2,3}[-.][0-9]{1,2}(\\.[0-9])? (NOT |IS |AND |OR |IN |EQUALS |\\(|\\)|\"[A-Zé]{0,3}\"|, |VALUED )*"
        ) {
            let _ = Condition::parse(&s);
        }

        #[test]
        fn targets_take_any_path(
            seg in "(PID|OBX|PV1|MSH|ZZZ|NK1|OBR|ORC)",
            field in 1u16..60,
            rep in 1u16..3,
            component in 0u16..30,
            subcomponent in 0u16..10,
        ) {
            let path = V2Path { segment: seg.as_bytes().try_into().unwrap(), occurrence: 1, field, repetition: rep, component, subcomponent };
            for t in map().targets(&path) {
                prop_assert!(!t.path.is_empty());
                // No array indexes; the choice marker `[x]` (`Observation.value[x]`) is
                // part of an element's name.
                prop_assert!(!t.path.replace("[x]", "").contains('['), "{}", t.path);
            }
        }
    }
}

/// Every element path reached through a field row starts with the row's prefix (the
/// inverse map of IRA103 skips the fields whose prefixes cannot lead to a query).
#[test]
fn reached_paths_start_with_the_prefix_of_their_row() {
    let m = map();
    let mut checked = 0;
    for seg in m.segments() {
        let Ok(id) = <[u8; 3]>::try_from(seg.id.as_bytes()) else {
            continue;
        };
        for row in seg.rows() {
            let Some(prefix) = resolve::prefix(m, row) else {
                assert!(row.rule.target.is_none());
                continue;
            };
            let field = V2Path::field(id, row.field);
            let mut positions = vec![field];
            if let Some(of_type) = m.type_components(&row.v2_type) {
                for (&c, ctypes) in of_type {
                    positions.push(V2Path {
                        component: c,
                        ..field
                    });
                    for sub in ctypes.iter().filter_map(|t| m.type_components(t)) {
                        for &s in sub.keys() {
                            positions.push(V2Path {
                                component: c,
                                subcomponent: s,
                                ..field
                            });
                        }
                    }
                }
            }
            for p in positions {
                resolve::visit_rows(m, [row], &p, &mut |t| {
                    checked += 1;
                    let rest = t.path.strip_prefix(prefix);
                    assert!(
                        rest.is_some_and(|r| r.is_empty() || r.starts_with('.')),
                        "{p}: {} does not start with {prefix}",
                        t.path
                    );
                });
            }
        }
    }
    assert!(checked > 10_000, "{checked} targets checked");
}
