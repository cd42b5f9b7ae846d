//! Validated values of a spec: each checks itself while the spec is parsed, so an error
//! points at the value's own line and column.

use serde::{Deserialize, Serialize};

use ira_parse::model::V2Path;

/// A calendar date, `YYYY-MM-DD`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(try_from = "DateRepr", into = "String")]
pub struct Date {
    pub year: u16,
    pub month: u8,
    pub day: u8,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum DateRepr {
    Toml(toml::value::Datetime),
    Text(String),
}

impl Date {
    /// Parses `YYYY-MM-DD` (a real calendar day).
    pub fn parse(s: &str) -> Option<Date> {
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let num = |r: std::ops::Range<usize>| -> Option<u16> {
            let t = s.get(r)?;
            t.bytes()
                .all(|c| c.is_ascii_digit())
                .then(|| t.parse().ok())?
        };
        let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        let days = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return None,
        };
        (year > 0 && (1..=days).contains(&day)).then_some(Date {
            year,
            month: month as u8,
            day: day as u8,
        })
    }
}

impl std::fmt::Display for Date {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl From<Date> for String {
    fn from(d: Date) -> String {
        d.to_string()
    }
}

impl TryFrom<DateRepr> for Date {
    type Error = String;
    fn try_from(r: DateRepr) -> Result<Self, String> {
        let text = match r {
            DateRepr::Toml(dt) => {
                if dt.time.is_some() || dt.offset.is_some() {
                    return Err("a date YYYY-MM-DD was expected, without a time".into());
                }
                dt.to_string()
            }
            DateRepr::Text(s) => s,
        };
        Date::parse(&text)
            .ok_or_else(|| "a date YYYY-MM-DD (a real calendar day) was expected".into())
    }
}

/// A v2 field as map overrides name it: `SEG-n` (`ZPI-1`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(try_from = "String", into = "String")]
pub struct V2Field(pub String);

impl TryFrom<String> for V2Field {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        let ok = V2Path::parse(&s).is_some_and(|p| {
            p.field > 0
                && p.occurrence == 1
                && p.repetition == 1
                && p.component == 0
                && p.to_string() == s
        });
        if ok {
            Ok(V2Field(s))
        } else {
            Err("a v2 field of the form SEG-n was expected (three-character segment id, field number, e.g. ZPI-1)".into())
        }
    }
}

impl From<V2Field> for String {
    fn from(f: V2Field) -> String {
        f.0
    }
}

/// A FHIR element path as map overrides name it: `Resource.element…`, no indexes.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(try_from = "String", into = "String")]
pub struct FhirPathSpec(pub String);

impl TryFrom<String> for FhirPathSpec {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        let mut parts = s.split('.');
        let ident =
            |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        let first = parts.next().unwrap_or_default();
        let ok = first.starts_with(|c: char| c.is_ascii_uppercase())
            && ident(first)
            && s.contains('.')
            && parts.all(ident);
        if ok {
            Ok(FhirPathSpec(s))
        } else {
            Err(
                "a FHIR path of the form Resource.element was expected (no indexes, no spaces)"
                    .into(),
            )
        }
    }
}

impl From<FhirPathSpec> for String {
    fn from(f: FhirPathSpec) -> String {
        f.0
    }
}

/// A message type and trigger, `ADT^A01`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(try_from = "String", into = "String")]
pub struct MessageType(pub String);

impl TryFrom<String> for MessageType {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        let ok = s.split_once('^').is_some_and(|(t, e)| {
            t.len() == 3
                && t.bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
                && (1..=3).contains(&e.len())
                && e.bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        });
        if ok {
            Ok(MessageType(s))
        } else {
            Err("a message type of the form TYP^TRG was expected (e.g. ADT^A01)".into())
        }
    }
}

impl From<MessageType> for String {
    fn from(m: MessageType) -> String {
        m.0
    }
}

/// Risk severity, for thresholds: the rules' own scale.
pub use crate::rules::RiskSeverity;
