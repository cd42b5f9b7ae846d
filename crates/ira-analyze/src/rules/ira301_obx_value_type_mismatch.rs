//! IRA301 obx-value-type-mismatch: OBX-5 content that does not fit the value type OBX-2
//! declares, and value types the standard does not know.

use ira_parse::hl7::{Delimiters, Segment};
use ira_parse::model::Sample;

use super::shapes::{is_date_time, is_number, is_time};
use super::{Category, RiskSeverity, RuleDoc, RuleMeta, SampleCx, SampleRule, Tally, TallyKey};

pub(super) struct Rule;

static META: RuleMeta = RuleMeta {
    id: "IRA301",
    name: "obx-value-type-mismatch",
    title: "Observation values that do not match their declared value type",
    category: Category::DataQuality,
    severity: RiskSeverity::High,
    patient_safety: true,
    doc: RuleDoc {
        what: "OBX segments whose OBX-5 does not have the shape OBX-2 declares: NM that is \
               not a number (`<5`, `pending`, `see note`), SN that is not a structured \
               numeric, DT, TM or TS/DTM that is not a date or time; OBX-2 values that are \
               not in HL7 table 0125; OBX-5 valued with OBX-2 empty.",
        why: "The V2-to-FHIR mapping picks Observation.value[x] from OBX-2: NM becomes \
              valueQuantity, SN valueRatio or valueRange, DT/TS valueDateTime. A result \
              whose content does not fit is rejected by the target, or mapped to the \
              wrong type and lost to decision support: a lab value of `<5` typed NM may \
              never reach the clinician's flowsheet.",
        example: "`OBX|1|NM|2345-7^Glucose^LN||<5|mmol/L|...`: 'OBX-2 NM: OBX-5 not \
                  numeric'. `OBX|2|XX|...`: 'OBX-2 XX: value type not in table 0125'.",
        fix: "Have the sending system declare SN for comparators (`<^5`) and ST or TX for \
              text results, or add an interface-engine translation; agree with the target \
              team how non-numeric results of numeric tests are to be represented \
              (valueString, dataAbsentReason, interpretation).",
        references: &[
            "HL7 v2.5.1 chapter 7, 7.4.2 OBX segment (OBX-2 Value Type, OBX-5 Observation Value)",
            "HL7 table 0125 Value type",
            "HL7 V2-to-FHIR IG, segment map OBX[Observation]: OBX-5 by OBX-2",
        ],
    },
};

/// HL7 table 0125 (value types), across versions 2.3 to 2.8.
const VALUE_TYPES: &[&[u8]] = &[
    b"AD", b"CE", b"CF", b"CK", b"CN", b"CNE", b"CP", b"CWE", b"CX", b"DR", b"DT", b"DTM", b"ED",
    b"FT", b"ID", b"IS", b"MA", b"MO", b"NA", b"NM", b"NR", b"PN", b"RP", b"SN", b"ST", b"TM",
    b"TN", b"TS", b"TX", b"XAD", b"XCN", b"XON", b"XPN", b"XTN",
];

impl SampleRule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn observe(&self, sample: &dyn Sample, cx: &SampleCx<'_>, tally: &mut Tally) {
        let Some(msg) = sample.as_v2() else {
            return;
        };
        let delims = msg.encoding().delimiters;
        // One record per message and problem, at the first OBX that shows it.
        let mut seen: Vec<String> = Vec::new();
        for seg in msg.segments().filter(|s| s.name() == b"OBX") {
            if let Some(detail) = problem(&seg, &delims) {
                if seen.contains(&detail) {
                    continue;
                }
                seen.push(detail.clone());
                tally.record(
                    TallyKey {
                        rule: META.id,
                        scope: cx.scope.to_owned(),
                        source: Some("OBX-5".to_owned()),
                        target: Some("Observation.value[x]".to_owned()),
                        detail,
                    },
                    seg.location(),
                );
            }
        }
    }
}

/// What is wrong with one OBX, described by value type only.
fn problem(seg: &Segment<'_>, d: &Delimiters) -> Option<String> {
    let value_type = first_component(seg.field(2).unwrap_or_default(), d).trim_ascii();
    let value = seg.field(5).unwrap_or_default();
    if value.is_empty() {
        return None;
    }
    if value_type.is_empty() {
        return Some("OBX-5 valued with OBX-2 empty".to_owned());
    }
    // Value types are short upper-case codes; anything else is named by its shape.
    if value_type.len() > 4 || !value_type.iter().all(u8::is_ascii_alphanumeric) {
        return Some("OBX-2 not a value type code".to_owned());
    }
    // Built only for a problem (every OBX comes here).
    let shown = || String::from_utf8_lossy(value_type);
    // Byte by byte: codes of at most four bytes, no memcmp call each.
    let same =
        |t: &&[u8]| t.len() == value_type.len() && t.iter().zip(value_type).all(|(a, b)| a == b);
    if !VALUE_TYPES.iter().any(same) {
        let shown = shown();
        return Some(format!("OBX-2 {shown}: value type not in table 0125"));
    }
    let fits = |check: fn(&[u8], &Delimiters) -> bool| {
        value
            .split(|&b| b == d.repetition)
            .filter(|r| !r.is_empty() && *r != b"\"\"")
            .all(|r| check(r, d))
    };
    let ok = match value_type {
        b"NM" => fits(|r, _| is_number(r)),
        b"SN" => fits(is_structured_numeric),
        b"DT" => fits(|r, d| is_date_time(first_component(r, d), 8)),
        b"TS" | b"DTM" => fits(|r, d| is_date_time(first_component(r, d), 24)),
        b"TM" => fits(|r, d| is_time(first_component(r, d))),
        _ => true,
    };
    if ok {
        None
    } else {
        let what = match value_type {
            b"NM" => "not numeric",
            b"SN" => "not a structured numeric",
            b"DT" => "not a date",
            b"TM" => "not a time",
            _ => "not a timestamp",
        };
        Some(format!("OBX-2 {}: OBX-5 {what}", shown()))
    }
}

fn first_component<'a>(v: &'a [u8], d: &Delimiters) -> &'a [u8] {
    v.split(|&b| b == d.component).next().unwrap_or_default()
}

/// SN: `[comparator]^num1[^separator/suffix^num2]`.
fn is_structured_numeric(v: &[u8], d: &Delimiters) -> bool {
    let mut parts = v.split(|&b| b == d.component);
    let comparator = parts.next().unwrap_or_default();
    let num1 = parts.next().unwrap_or_default();
    let sep = parts.next().unwrap_or_default();
    let num2 = parts.next().unwrap_or_default();
    let comparator_ok = matches!(comparator, b"" | b">" | b"<" | b">=" | b"<=" | b"=" | b"<>");
    let sep_ok = matches!(sep, b"" | b"-" | b"+" | b"/" | b":" | b".");
    comparator_ok
        && (num1.is_empty() || is_number(num1))
        && sep_ok
        && (num2.is_empty() || is_number(num2))
        && !(num1.is_empty() && num2.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn structured_numerics() {
        let d = Delimiters::default();
        for ok in ["<^5", ">=^10", "^1^-^3", "^1^/^2", "^7"] {
            assert!(is_structured_numeric(ok.as_bytes(), &d), "{ok}");
        }
        for bad in ["5", "<5", "~^x", "<<^5", "^^-^"] {
            assert!(!is_structured_numeric(bad.as_bytes(), &d), "{bad}");
        }
    }
}
