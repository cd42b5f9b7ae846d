//! The PHI rule: patient values never enter a profile, only the values of coded fields.
//! Canary values are planted in names, identifiers, dates and free text of both
//! standards; none may appear in the serialised profile, while a control value planted
//! in a coded field must (so the check can fail).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use ira_analyze::profile::{Profile, profile_bytes};

const V2: &str = "MSH|^~\\&|LABAPP|LABFAC|IRA|IRA|20240210101500||ORU^R01^ORU_R01|CANARYCTRL1|P|2.5.1\r\
PID|1||CANARY123^^^HOSP^MR~CANARY456^^^HOSP^MR||CANARYNAME^CANARYGIVEN^CANARYMIDDLE||CANARY19600101|ZZCONTROL|||CANARY STREET 1^^CANARYTOWN\r\
NTE|1|L|CANARY note text with details\r\
OBX|1|TX|11526-1^Pathology^LN||CANARY free text report~CANARY second line||||||F\r\
OBX|2|ST|8251-1^Comment^LN||CANARYSTRING||||||F\r\
OBX|3|NM|2093-3^Cholesterol^LN||CANARY99|mg/dL^mg/dL^UCUM|||||F\r\
OBX|4|DT|8665-2^LMP^LN||CANARYDATE||||||F\r\
ZPI|1|CANARYZ^CANARYZ2\r";

const FHIR: &str = r#"{"resourceType":"Patient","identifier":[{"system":"urn:oid:1.2.3","value":"CANARY123"}],"name":[{"family":"CANARYNAME","given":["CANARYGIVEN"],"text":"CANARY FULL NAME"}],"gender":"ZZCONTROL","birthDate":"CANARY-1960","telecom":[{"system":"phone","value":"CANARY-555"}],"address":[{"line":["CANARY STREET"],"city":"CANARYTOWN"}]}
{"resourceType":"Observation","status":"final","code":{"text":"CANARY code text"},"valueString":"CANARYVALUE","note":[{"text":"CANARY note"}],"effectiveDateTime":"CANARYWHEN"}
"#;

fn profiles() -> Profile {
    let mut p = profile_bytes("samples/feed.hl7", V2.as_bytes());
    p.merge(profile_bytes("samples/bulk.ndjson", FHIR.as_bytes()));
    p
}

#[test]
fn no_canary_in_the_serialised_profile() {
    let p = profiles();
    let json = serde_json::to_string_pretty(&p).unwrap();
    // The profile did read the canary-bearing paths…
    for path in [
        "\"PID-3.1\"",
        "\"PID-5.1\"",
        "\"PID-7\"",
        "\"NTE-3\"",
        "\"OBX-5\"",
        "\"ZPI-2.1\"",
        "\"Patient.name.family\"",
        "\"Patient.identifier.value\"",
        "\"Patient.birthDate\"",
        "\"Observation.valueString\"",
    ] {
        assert!(json.contains(path), "{path} missing from the profile");
    }
    // …the control value in a coded field is recorded…
    assert!(json.contains("ZZCONTROL"), "coded values are recorded");
    // …and no canary, in any case.
    let upper = json.to_uppercase();
    let hits: Vec<&str> = upper
        .match_indices("CANARY")
        .map(|(i, _)| &json[i.saturating_sub(60)..(i + 20).min(json.len())])
        .collect();
    assert!(hits.is_empty(), "canary values leaked: {hits:#?}");
}

#[test]
fn invalid_values_are_described_by_shape_only() {
    let p = profiles();
    let g = p.groups.values().find(|g| g.name == "ORU_R01").unwrap();
    let pid7 = g.paths.iter().find(|(k, _)| k.0 == "PID-7").unwrap().1;
    let dtm = &pid7.datatypes["DTM"];
    assert_eq!(dtm.invalid, 1);
    assert_eq!(dtm.shapes.keys().collect::<Vec<_>>(), ["invalid a99999999"]);
    let obx5 = g.paths.iter().find(|(k, _)| k.0 == "OBX-5").unwrap().1;
    assert_eq!(
        obx5.datatypes["NM"].shapes.keys().collect::<Vec<_>>(),
        ["invalid a99"]
    );
}
