//! No input makes a FHIR reader panic: arbitrary bytes, arbitrary JSON, JSON shaped like
//! resources and bundles with arbitrary members, and XML-ish text.

use ira_parse::FileId;
use ira_parse::fhir::{check_schema, read_json, read_ndjson, read_xml};
use ira_parse::model::Sample;
use proptest::prelude::*;
use serde_json::{Map, Value, json};

/// Reads `bytes` with every reader and walks every resource.
fn read_all(bytes: &[u8]) {
    for f in [
        read_json(bytes, FileId(0)),
        read_ndjson(bytes, FileId(0)),
        read_xml(bytes, FileId(0)),
    ] {
        let mut n = 0usize;
        for r in &f.resources {
            r.walk(&mut |_| n += 1);
            let _ = check_schema(r);
        }
        assert_eq!(f.summary.resources as usize, f.resources.len());
        for i in &f.issues {
            assert!(i.location.offset as usize <= bytes.len());
        }
    }
}

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|n| json!(n)),
        "[a-zA-Z_]{0,8}".prop_map(Value::String),
        Just(json!("Patient")),
        Just(json!("Bundle")),
    ];
    leaf.prop_recursive(5, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// Member names that mean something to the reader, and others.
fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("resourceType".to_owned()),
        Just("entry".to_owned()),
        Just("resource".to_owned()),
        Just("contained".to_owned()),
        Just("request".to_owned()),
        Just("method".to_owned()),
        Just("name".to_owned()),
        Just("_given".to_owned()),
        Just("given".to_owned()),
        Just("valueQuantity".to_owned()),
        Just("extension".to_owned()),
        Just("_".to_owned()),
        "[a-zA-Z_]{0,10}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        read_all(&bytes);
    }

    #[test]
    fn arbitrary_json(v in arb_json()) {
        read_all(v.to_string().as_bytes());
    }

    #[test]
    fn resource_shaped_json(rt in prop_oneof![Just("Patient"), Just("Bundle"), Just("Observation"), Just("Questionnaire")],
                            members in prop::collection::vec((key(), arb_json()), 0..6)) {
        let mut m = Map::new();
        m.insert("resourceType".into(), json!(rt));
        m.extend(members);
        let one = Value::Object(m.clone()).to_string();
        read_all(one.as_bytes());
        let bundle = json!({"resourceType": "Bundle", "type": "transaction",
            "entry": [{"resource": Value::Object(m)}, {"request": {"method": "POST"}}]});
        read_all(bundle.to_string().as_bytes());
        read_all(format!("{one}\n{bundle}\n").as_bytes());
    }

    #[test]
    fn xml_like_text(parts in prop::collection::vec(prop_oneof![
        Just("<Patient xmlns=\"http://hl7.org/fhir\">"), Just("</Patient>"), Just("<Bundle>"),
        Just("</Bundle>"), Just("<entry>"), Just("</entry>"), Just("<resource>"), Just("</resource>"),
        Just("<name>"), Just("</name>"), Just("<given value=\"A\"/>"), Just("<div>"), Just("</div>"),
        Just("<text>"), Just("</text>"), Just("<contained>"), Just("</contained>"),
        Just("<value value=\"1e2\"/>"), Just("<extension url=\"u\">"), Just("</extension>"),
        Just("&amp;"), Just("x"), Just("<!-- c -->"), Just("<?xml version=\"1.0\"?>"),
        Just("<id value=\"&bad;\"/>"), Just("<"), Just(">"), Just("\""),
    ], 0..30)) {
        read_all(parts.concat().as_bytes());
    }
}

#[test]
fn deep_nesting_does_not_overflow() {
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    read_all(deep.as_bytes());
    let deep = format!(
        "{{\"resourceType\":\"Patient\",\"x\":{}1{}}}",
        "{\"a\":".repeat(120),
        "}".repeat(120)
    );
    read_all(deep.as_bytes());
    let deep_xml = format!(
        "<Patient xmlns=\"http://hl7.org/fhir\">{}",
        "<contact>".repeat(100_000)
    );
    read_all(deep_xml.as_bytes());
    let deep_xml = format!(
        "<Patient xmlns=\"http://hl7.org/fhir\">{}{}</Patient>",
        "<contact>".repeat(100_000),
        "</contact>".repeat(100_000)
    );
    let f = read_xml(deep_xml.as_bytes(), FileId(0));
    assert_eq!(f.issues[0].code, ira_parse::IssueCode::FhirLimitDepth);
    read_all(deep_xml.as_bytes());
}
