//! The FHIR R4 primitive rules, table-driven: valid values give no problem, each invalid
//! one its specific problem.

use ira_analyze::target::{PrimitiveProblem as P, check_primitive};

#[test]
fn valid_values_pass() {
    let valid: &[(&str, &str)] = &[
        ("boolean", "true"),
        ("boolean", "false"),
        ("integer", "0"),
        ("integer", "-12"),
        ("integer", "2147483647"),
        ("integer", "-2147483648"),
        ("positiveInt", "1"),
        ("positiveInt", "+7"),
        ("unsignedInt", "0"),
        ("unsignedInt", "42"),
        ("decimal", "0"),
        ("decimal", "-1.50"),
        ("decimal", "3.65e1"),
        ("decimal", "1E-3"),
        ("date", "2024"),
        ("date", "2024-02"),
        ("date", "2024-02-29"),
        ("dateTime", "2024"),
        ("dateTime", "2024-03"),
        ("dateTime", "2024-03-05"),
        ("dateTime", "2024-03-05T10:15:00Z"),
        ("dateTime", "2024-03-05T10:15:00.123+01:00"),
        ("dateTime", "2024-03-05T23:59:60-14:00"),
        ("dateTime", "2024-03-05T10:15:00+14:00"),
        ("instant", "2024-03-05T10:15:00Z"),
        ("instant", "2024-03-05T10:15:00.5-05:00"),
        ("time", "10:15:00"),
        ("time", "23:59:59.999"),
        ("id", "p-beta.1"),
        ("id", &"a".repeat(64)),
        ("code", "female"),
        ("code", "two words"),
        ("uri", "http://example.org/fhir/Patient/1"),
        ("uri", "urn:oid:1.2.3"),
        ("url", "https://example.org/x?y=1"),
        (
            "canonical",
            "http://hl7.org/fhir/ValueSet/administrative-gender|4.0.1",
        ),
        ("oid", "urn:oid:2.16.840.1.113883.3.9999.1"),
        ("uuid", "urn:uuid:c757873d-ec9a-4326-a141-556f43239520"),
        ("base64Binary", "SGVsbG8="),
        ("base64Binary", "SGVs bG8h"),
        ("string", "line one\nline two\ttab"),
        ("markdown", "**bold**"),
        // Not primitives: no rule here.
        ("HumanName", ""),
        ("Quantity", "anything"),
    ];
    for (ty, v) in valid {
        assert_eq!(check_primitive(ty, v), None, "{ty} {v:?}");
    }
}

#[test]
fn invalid_values_give_their_problem() {
    let invalid: &[(&str, &str, P)] = &[
        ("string", "", P::Empty),
        ("code", "  ", P::Empty),
        ("string", "bell\u{7}", P::ControlCharacter),
        ("boolean", "True", P::NotBoolean),
        ("boolean", "1", P::NotBoolean),
        ("integer", "1.0", P::NotInteger),
        ("integer", "007", P::NotInteger),
        ("integer", "+1", P::NotInteger),
        ("integer", "2147483648", P::IntegerOutOfRange),
        ("positiveInt", "0", P::NotPositiveInt),
        ("positiveInt", "-3", P::NotPositiveInt),
        ("unsignedInt", "-1", P::NotUnsignedInt),
        ("unsignedInt", "4294967295", P::IntegerOutOfRange),
        ("decimal", "1.", P::NotDecimal),
        ("decimal", ".5", P::NotDecimal),
        ("decimal", "1,5", P::NotDecimal),
        ("decimal", "01.5", P::NotDecimal),
        ("decimal", "1e", P::NotDecimal),
        ("date", "20240305", P::BadDate),
        ("date", "2024-02-30", P::BadDate),
        ("date", "2023-02-29", P::BadDate),
        ("date", "2024-13", P::BadDate),
        ("date", "2024-03-05T10:00:00Z", P::BadDate),
        ("date", "0000", P::BadDate),
        ("dateTime", "2024-03-05T10:15:00", P::TimeWithoutTimezone),
        (
            "dateTime",
            "2024-03-05T10:15:00.250",
            P::TimeWithoutTimezone,
        ),
        ("dateTime", "2024-03-05T10:15Z", P::BadDateTime),
        ("dateTime", "2024-03T10:15:00Z", P::BadDateTime),
        ("dateTime", "2024-03-05 10:15:00Z", P::BadDateTime),
        ("dateTime", "2024-03-05T24:00:00Z", P::BadDateTime),
        ("dateTime", "2024-03-05T10:15:00+15:00", P::BadDateTime),
        ("dateTime", "202403051015", P::BadDateTime),
        ("instant", "2024-03-05", P::BadInstant),
        ("instant", "2024-03-05T10:15:00", P::BadInstant),
        ("instant", "2024-03-05T10:15Z", P::BadInstant),
        ("time", "10:15", P::BadTime),
        ("time", "25:00:00", P::BadTime),
        ("time", "10:15:00Z", P::BadTime),
        ("id", "has space", P::BadId),
        ("id", "under_score", P::BadId),
        ("id", &"a".repeat(65), P::BadId),
        ("code", " female", P::CodeWhitespace),
        ("code", "female ", P::CodeWhitespace),
        ("code", "two  spaces", P::CodeWhitespace),
        ("code", "tab\tinside", P::CodeWhitespace),
        ("uri", "http://example.org/a b", P::UriWhitespace),
        ("canonical", " http://x", P::UriWhitespace),
        ("oid", "2.16.840.1", P::BadOid),
        ("oid", "urn:oid:3.1", P::BadOid),
        ("oid", "urn:oid:1.02", P::BadOid),
        ("uuid", "c757873d-ec9a-4326-a141-556f43239520", P::BadUuid),
        (
            "uuid",
            "urn:uuid:C757873D-EC9A-4326-A141-556F43239520",
            P::BadUuid,
        ),
        ("base64Binary", "SGVsbG8", P::BadBase64),
        ("base64Binary", "SGV$bG8=", P::BadBase64),
        ("base64Binary", "S===", P::BadBase64),
    ];
    for (ty, v, want) in invalid {
        assert_eq!(check_primitive(ty, v), Some(*want), "{ty} {v:?}");
    }
}

#[test]
fn problems_describe_the_shape_with_stable_codes() {
    assert_eq!(P::TimeWithoutTimezone.code(), "time-without-timezone");
    assert_eq!(
        P::TimeWithoutTimezone.to_string(),
        "dateTime with a time but no time zone"
    );
    // Every problem has a distinct code.
    let all = [
        P::Empty,
        P::ControlCharacter,
        P::NotBoolean,
        P::NotInteger,
        P::IntegerOutOfRange,
        P::NotPositiveInt,
        P::NotUnsignedInt,
        P::NotDecimal,
        P::BadDate,
        P::BadDateTime,
        P::TimeWithoutTimezone,
        P::BadInstant,
        P::BadTime,
        P::BadId,
        P::CodeWhitespace,
        P::UriWhitespace,
        P::BadOid,
        P::BadUuid,
        P::BadBase64,
    ];
    let mut codes: Vec<_> = all.iter().map(|p| p.code()).collect();
    codes.sort();
    codes.dedup();
    assert_eq!(codes.len(), all.len());
}

proptest::proptest! {
    /// Any text, any type name: an answer, never a panic; valid means the value is not
    /// blank.
    #[test]
    fn never_panics(ty in proptest::sample::select(vec![
        "boolean", "integer", "positiveInt", "unsignedInt", "decimal", "date", "dateTime",
        "instant", "time", "id", "code", "uri", "oid", "uuid", "base64Binary", "string",
    ]), text in "\\PC{0,40}") {
        if check_primitive(ty, &text).is_none() {
            proptest::prop_assert!(!text.trim().is_empty());
        }
    }

    /// Well-formed instants are valid dateTimes and instants.
    #[test]
    fn generated_instants_are_valid(y in 1u32..9999, mo in 1u32..=12, d in 1u32..=28, h in 0u32..24, mi in 0u32..60, s in 0u32..60, z in proptest::sample::select(vec!["Z", "+01:00", "-05:30", "+14:00"])) {
        let v = format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}{z}");
        proptest::prop_assert_eq!(check_primitive("instant", &v), None);
        proptest::prop_assert_eq!(check_primitive("dateTime", &v), None);
        let no_zone = &v[..19];
        proptest::prop_assert_eq!(check_primitive("dateTime", no_zone), Some(P::TimeWithoutTimezone));
    }
}
