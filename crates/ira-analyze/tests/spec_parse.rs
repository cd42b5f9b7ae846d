//! The interface spec `ira.toml`: the annotated example parses to the expected values;
//! each malformed spec gives its own error, at its line.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use ira_analyze::map::Map;
use ira_analyze::spec::{ConceptMap, Date, RiskSeverity, Spec, SpecError, TargetKind};

fn fixture(rel: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures")
        .join(rel);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn example() -> Spec {
    Spec::from_toml_str(&fixture("spec/ira.toml"), "ira.toml").unwrap()
}

#[test]
fn the_annotated_example_parses() {
    let s = example();
    assert_eq!(
        s.interface.name,
        "Registration and lab results: legacy HIS to target EHR"
    );
    assert_eq!(s.legacy.paths, ["../v2/"]);
    assert_eq!(s.legacy.version.as_deref(), Some("2.3"));
    assert_eq!(s.legacy.message_types.len(), 5);
    assert!(s.in_scope("ORU^R01") && !s.in_scope("SIU^S12"));
    assert_eq!(s.target.kind, TargetKind::FhirR4);
    assert_eq!(s.target.paths, ["../fhir/"]);
    assert_eq!(s.target.profiles.len(), 2);
    assert_eq!(s.map.fields.len(), 1);
    assert_eq!(s.map.fields[0].field.0, "ZPI-2");
    assert_eq!(s.code_maps.len(), 2);
    assert_eq!(s.thresholds.fail_on, Some(RiskSeverity::High));
    assert_eq!(s.thresholds.max_critical, Some(0));
    assert_eq!(s.thresholds.min_readiness.map(|p| p.0), Some(80));
    assert_eq!(s.accepted.len(), 2);
    assert_eq!(s.accepted[0].expires, Date::parse("2027-01-31").unwrap());
    assert!(s.accepted[0].rule.is_some() && s.accepted[1].risk.is_some());
    assert!(!s.accepted[0].is_expired(Date::parse("2027-01-31").unwrap()));
    assert!(s.accepted[0].is_expired(Date::parse("2027-02-01").unwrap()));
    // The whole parsed structure, for review.
    insta::assert_json_snapshot!("annotated_example", s);
}

#[test]
fn spec_paths_resolve_against_the_spec_directory() {
    let s = example();
    let base = PathBuf::from("/projects/adt/spec");
    let files = s.files(&base);
    assert_eq!(files.legacy, [base.join("../v2/")]);
    assert_eq!(
        files.profiles[0],
        base.join("../profiles/target-patient.json")
    );
    assert_eq!(files.concept_maps.len(), 1);
    assert_eq!(
        files.concept_maps[0].0,
        "../profiles/legacy-sex.conceptmap.json"
    );
    // Absolute paths stay as they are.
    assert_eq!(
        ira_analyze::spec::resolve(&base, "/data/x.hl7"),
        PathBuf::from("/data/x.hl7")
    );
}

#[test]
fn the_example_map_overrides_apply_to_the_builtin_map() {
    let s = example();
    let cm = ConceptMap::from_json(
        &fixture("profiles/legacy-sex.conceptmap.json"),
        "legacy-sex.conceptmap.json",
    )
    .unwrap();
    assert_eq!(cm.len(), 1);
    let mut cms = BTreeMap::new();
    cms.insert(
        "../profiles/legacy-sex.conceptmap.json".to_string(),
        cm[0].clone(),
    );
    let o = s.map_overrides(&cms);
    assert_eq!(o.fields.len(), 1);
    assert_eq!(o.fields[0].fhir_path, "Patient.extension.valueCoding");
    assert_eq!(o.vocabularies.len(), 2);
    // The unmatched code A is not a mapping; X maps (wider) to unknown.
    let sex = &o.vocabularies[1];
    assert_eq!(sex.map, "0001");
    let codes: Vec<_> = sex
        .concepts
        .iter()
        .map(|c| (c.v2_code.as_str(), c.code.as_str()))
        .collect();
    assert_eq!(
        codes,
        [
            ("M", "male"),
            ("F", "female"),
            ("U", "unknown"),
            ("X", "unknown")
        ]
    );
    let map = Map::with_overrides(&o).unwrap();
    assert_eq!(
        map.vocabulary("0001")
            .and_then(|v| v.lookup("X"))
            .map(|c| c.code.as_str()),
        Some("unknown")
    );
    assert_eq!(
        map.vocabulary("LegacyPatientClass")
            .and_then(|v| v.lookup("O"))
            .map(|c| c.code.as_str()),
        Some("AMB")
    );
    let zpi = ira_parse::model::V2Path::parse("ZPI-2").unwrap();
    assert!(
        map.targets(&zpi)
            .iter()
            .any(|t| t.path == "Patient.extension.valueCoding")
    );
    // Without the ConceptMap loaded, that code map is left out.
    assert_eq!(s.map_overrides(&BTreeMap::new()).vocabularies.len(), 1);
}

fn error_of(file: &str) -> SpecError {
    let text = fixture(&format!("malformed/{file}"));
    Spec::from_toml_str(&text, file).unwrap_err()
}

#[test]
fn unknown_key_is_named_with_its_line() {
    let e = error_of("spec-unknown-key.toml");
    assert_eq!((e.line, e.column), (8, 1), "{e}");
    assert_eq!(e.key.as_deref(), Some("profile"));
    assert!(e.message.contains("unknown field `profile`"), "{e}");
    assert!(
        e.to_string()
            .starts_with("spec-unknown-key.toml:8:1: `profile`: "),
        "{e}"
    );
}

#[test]
fn bad_path_override_is_located_at_the_value() {
    let e = error_of("spec-bad-path-override.toml");
    assert_eq!(e.line, 13, "{e}");
    assert_eq!(e.key.as_deref(), Some("field"));
    assert!(e.message.contains("SEG-n"), "{e}");
    // The message describes the shape and does not repeat the value.
    assert!(!e.message.contains("ZPI-2.1"), "{e}");
}

#[test]
fn bad_date_is_located_at_the_value() {
    let e = error_of("spec-bad-date.toml");
    assert_eq!(e.line, 12, "{e}");
    assert_eq!(e.key.as_deref(), Some("expires"));
    assert!(e.message.contains("YYYY-MM-DD"), "{e}");
}

#[test]
fn wrong_type_is_located_at_the_value() {
    let e = error_of("spec-wrong-type.toml");
    assert_eq!(e.line, 10, "{e}");
    assert_eq!(e.key.as_deref(), Some("max_high"));
    assert!(
        e.message.contains("expected an integer of 0 or more"),
        "{e}"
    );
}

#[test]
fn more_errors_each_with_their_line() {
    let base = "[interface]\nname = \"x\"\n\n[target]\nkind = \"fhir-r4\"\n";
    let cases: &[(&str, usize, &str)] = &[
        ("[target2]\nx = 1\n", 6, "unknown field `target2`"),
        (
            "\n[[accepted]]\nrule = \"r\"\nrisk = \"k\"\njustification = \"j\"\nowner = \"o\"\nexpires = 2027-01-31\n",
            7,
            "exactly one of",
        ),
        (
            "\n[[accepted]]\nrule = \"r\"\njustification = \" \"\nowner = \"o\"\nexpires = 2027-01-31\n",
            7,
            "justification",
        ),
        (
            "\n[[accepted]]\nrule = \"r\"\njustification = \"j\"\nowner = \"o\"\nexpires = 2027-02-29\n",
            0,
            "",
        ),
        (
            "\n[[accepted]]\nrule = \"r\"\njustification = \"j\"\nowner = \"o\"\nexpires = \"2028-02-30\"\n",
            11,
            "YYYY-MM-DD",
        ),
        (
            "\n[[accepted]]\nrule = \"r\"\njustification = \"j\"\nowner = \"o\"\nexpires = 2027-01-31T10:00:00Z\n",
            11,
            "without a time",
        ),
        ("[legacy]\nmessage_types = [\"ADT-A01\"]\n", 7, "TYP^TRG"),
        ("[thresholds]\nmin_readiness = 120\n", 7, "0 to 100"),
        ("[thresholds]\nfail_on = \"severe\"\n", 7, "unknown variant"),
        (
            "\n[[map.fields]]\nfield = \"ZPI-1\"\nfhir_path = \"Patient.extension[0].valueString\"\n",
            9,
            "Resource.element",
        ),
        (
            "\n[[code_maps]]\ntable = \"0001\"\n",
            7,
            "`codes` or `concept_map`",
        ),
        (
            "\n[[code_maps]]\ntable = \"0001\"\ncodes = { \"M\" = \"male\" }\n",
            7,
            "target_system",
        ),
        (
            "\n[[code_maps]]\ntable = \"0001\"\ntarget_system = \"s\"\ncode = { \"M\" = \"male\" }\n",
            10,
            "unknown field `code`",
        ),
        (
            "\n[[accepted]]\nrule = \"r\"\njustification = \"j\"\nowner_name = \"o\"\nexpires = 2027-01-31\n",
            10,
            "unknown field `owner_name`",
        ),
        ("[target.extra]\nx = 1\n", 6, "unknown field `extra`"),
    ];
    for (extra, line, msg) in cases {
        let text = format!("{base}{extra}");
        let r = Spec::from_toml_str(&text, "t.toml");
        if msg.is_empty() {
            // 2027 is not a leap year: the TOML parser itself rejects the date literal.
            let e = r.unwrap_err();
            assert!(e.line >= 6, "{e}");
            continue;
        }
        let e = r.unwrap_err();
        assert_eq!(e.line, *line, "{extra}: {e}");
        assert!(e.message.contains(msg), "{extra}: {e}");
    }
    // A spec without the required [target] table.
    let e = Spec::from_toml_str("[interface]\nname = \"x\"\n", "t.toml").unwrap_err();
    assert!(e.message.contains("target"), "{e}");
}

proptest::proptest! {
    /// Any text is a spec or an error, never a panic; errors have a line when the text
    /// has one to point at.
    #[test]
    fn any_text_is_a_spec_or_an_error(text in "\\PC{0,200}") {
        let _ = Spec::from_toml_str(&text, "p.toml");
    }

    /// The example with one line cut out still gives a spec or a positioned error.
    #[test]
    fn the_example_with_a_line_removed(n in 0usize..150) {
        let text = fixture("spec/ira.toml");
        let cut: String = text.lines().enumerate().filter(|(i, _)| *i != n).map(|(_, l)| format!("{l}\n")).collect();
        if let Err(e) = Spec::from_toml_str(&cut, "cut.toml") {
            proptest::prop_assert!(e.line > 0 || e.message.contains("missing field"), "{}", e);
        }
    }
}
