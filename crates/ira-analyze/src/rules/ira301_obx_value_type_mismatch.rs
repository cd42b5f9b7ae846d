//! IRA301 obx-value-type-mismatch: OBX-5 content that does not fit the value type OBX-2
//! declares, and value types the standard does not know.

use ira_parse::hl7::{Delimiters, Segment};
use ira_parse::model::Sample;

use super::{Category, RiskSeverity, RuleDoc, RuleMeta, SampleRule, Tally, TallyKey};

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

    fn observe(&self, sample: &dyn Sample, scope: &str, tally: &mut Tally) {
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
                        scope: scope.to_owned(),
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
    let shown = if value_type.len() <= 4 && value_type.iter().all(u8::is_ascii_alphanumeric) {
        String::from_utf8_lossy(value_type).into_owned()
    } else {
        return Some("OBX-2 not a value type code".to_owned());
    };
    if !VALUE_TYPES.contains(&value_type) {
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
        Some(format!("OBX-2 {shown}: OBX-5 {what}"))
    }
}

fn first_component<'a>(v: &'a [u8], d: &Delimiters) -> &'a [u8] {
    v.split(|&b| b == d.component).next().unwrap_or_default()
}

/// HL7 NM: optional sign, digits, optional decimal point; leading and trailing spaces
/// are tolerated by the standard.
pub(crate) fn is_number(v: &[u8]) -> bool {
    let v = v.trim_ascii();
    let v = v
        .strip_prefix(b"+")
        .or_else(|| v.strip_prefix(b"-"))
        .unwrap_or(v);
    let mut digits = 0;
    let mut points = 0;
    for &b in v {
        match b {
            b'0'..=b'9' => digits += 1,
            b'.' => points += 1,
            _ => return false,
        }
    }
    digits > 0 && points <= 1
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

/// DT/DTM/TS: `YYYY[MM[DD[HH[MM[SS[.S{1,4}]]]]]][+/-ZZZZ]`, at most `max_digits` digits
/// before the fraction (8 for DT).
pub(crate) fn is_date_time(v: &[u8], max_digits: usize) -> bool {
    let (body, tz) = split_zone(v);
    if !tz_ok(tz) || (max_digits == 8 && !tz.is_empty()) {
        return false;
    }
    let (whole, frac) = match body.iter().position(|&b| b == b'.') {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    if !whole.iter().all(u8::is_ascii_digit) {
        return false;
    }
    if !matches!(whole.len(), 4 | 6 | 8 | 10 | 12 | 14) || whole.len() > max_digits {
        return false;
    }
    if let Some(f) = frac {
        if whole.len() != 14 || f.is_empty() || f.len() > 4 || !f.iter().all(u8::is_ascii_digit) {
            return false;
        }
    }
    let num = |a: usize, b: usize| -> u32 {
        whole
            .get(a..b)
            .and_then(|s| std::str::from_utf8(s).ok())
            .and_then(|s| s.parse().ok())
            .unwrap_or(0)
    };
    let in_range =
        |a: usize, lo: u32, hi: u32| whole.len() < a + 2 || (lo..=hi).contains(&num(a, a + 2));
    in_range(4, 1, 12)
        && in_range(6, 1, 31)
        && in_range(8, 0, 23)
        && in_range(10, 0, 59)
        && in_range(12, 0, 59)
}

/// TM: `HH[MM[SS[.S{1,4}]]][+/-ZZZZ]`.
fn is_time(v: &[u8]) -> bool {
    let (body, tz) = split_zone(v);
    if !tz_ok(tz) {
        return false;
    }
    let (whole, frac) = match body.iter().position(|&b| b == b'.') {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    matches!(whole.len(), 2 | 4 | 6)
        && whole.iter().all(u8::is_ascii_digit)
        && frac.is_none_or(|f| {
            whole.len() == 6 && !f.is_empty() && f.len() <= 4 && f.iter().all(u8::is_ascii_digit)
        })
}

fn split_zone(v: &[u8]) -> (&[u8], &[u8]) {
    match v.iter().position(|&b| b == b'+' || b == b'-') {
        Some(i) => (&v[..i], &v[i..]),
        None => (v, &[]),
    }
}

fn tz_ok(tz: &[u8]) -> bool {
    tz.is_empty() || (tz.len() == 5 && tz[1..].iter().all(u8::is_ascii_digit))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        for ok in ["5", "5.5", "-0.25", "+3", " 12 ", ".5", "5."] {
            assert!(is_number(ok.as_bytes()), "{ok}");
        }
        for bad in ["<5", "pending", "5,5", "1.2.3", "", "-", "1e3", "5 mg"] {
            assert!(!is_number(bad.as_bytes()), "{bad}");
        }
    }

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

    #[test]
    fn dates_and_times() {
        for ok in [
            "2024",
            "202402",
            "20240229",
            "202402291230",
            "20240229123059.1234-0500",
            "20240229123059+0100",
        ] {
            assert!(is_date_time(ok.as_bytes(), 24), "{ok}");
        }
        for bad in [
            "24",
            "2024-02-29",
            "20241301",
            "20240229 1230",
            "20240229123059.",
            "20240229123059+01",
            "202402292512",
        ] {
            assert!(!is_date_time(bad.as_bytes(), 24), "{bad}");
        }
        assert!(is_date_time(b"20240229", 8));
        assert!(!is_date_time(b"202402291230", 8));
        for ok in ["12", "1230", "123059", "123059.5", "1230+0100"] {
            assert!(is_time(ok.as_bytes()), "{ok}");
        }
        for bad in ["1", "12:30", "123059.12345", "x"] {
            assert!(!is_time(bad.as_bytes()), "{bad}");
        }
    }
}
