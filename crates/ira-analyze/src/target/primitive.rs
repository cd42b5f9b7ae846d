//! The FHIR R4 primitive datatype rules (the regular expressions and constraints of the
//! R4 datatype definitions), as plain functions: no regex engine needed.

use serde::Serialize;

/// Why a value is not a valid instance of a FHIR primitive type. Says what is wrong
/// with the shape, never repeats the value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PrimitiveProblem {
    /// Empty, or only whitespace: FHIR primitives are never empty strings.
    Empty,
    /// A control character other than tab, CR, LF in a string.
    ControlCharacter,
    /// Not `true` or `false`.
    NotBoolean,
    /// Not an integer (`-?(0|[1-9][0-9]*)`).
    NotInteger,
    /// An integer outside the 32-bit signed range.
    IntegerOutOfRange,
    /// Not a positive integer (1 or more).
    NotPositiveInt,
    /// Not an unsigned integer (0 or more).
    NotUnsignedInt,
    /// Not a decimal (`-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`).
    NotDecimal,
    /// Not a date: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`, a real calendar day.
    BadDate,
    /// Not a dateTime (a date, or a date with `Thh:mm:ss[.f]` and a zone).
    BadDateTime,
    /// A dateTime with a time of day but no time zone (R4: "if hours and minutes are
    /// specified, a time zone SHALL be populated").
    TimeWithoutTimezone,
    /// An instant is not a full date and time to the second with a zone.
    BadInstant,
    /// Not a time (`hh:mm:ss[.f]`).
    BadTime,
    /// Not an id: 1 to 64 of `A-Z a-z 0-9 - .`.
    BadId,
    /// A code with leading, trailing or repeated whitespace, or whitespace other than
    /// single spaces.
    CodeWhitespace,
    /// A uri (url, canonical) containing whitespace.
    UriWhitespace,
    /// An oid that is not `urn:oid:` followed by a dotted number.
    BadOid,
    /// A uuid that is not `urn:uuid:` followed by a lower-case RFC 4122 UUID.
    BadUuid,
    /// Not base64 (groups of four of `A-Z a-z 0-9 + / =`, whitespace allowed).
    BadBase64,
}

impl PrimitiveProblem {
    /// Stable identifier, for reports.
    pub fn code(self) -> &'static str {
        match self {
            Self::Empty => "empty",
            Self::ControlCharacter => "control-character",
            Self::NotBoolean => "not-boolean",
            Self::NotInteger => "not-integer",
            Self::IntegerOutOfRange => "integer-out-of-range",
            Self::NotPositiveInt => "not-positive-int",
            Self::NotUnsignedInt => "not-unsigned-int",
            Self::NotDecimal => "not-decimal",
            Self::BadDate => "bad-date",
            Self::BadDateTime => "bad-date-time",
            Self::TimeWithoutTimezone => "time-without-timezone",
            Self::BadInstant => "bad-instant",
            Self::BadTime => "bad-time",
            Self::BadId => "bad-id",
            Self::CodeWhitespace => "code-whitespace",
            Self::UriWhitespace => "uri-whitespace",
            Self::BadOid => "bad-oid",
            Self::BadUuid => "bad-uuid",
            Self::BadBase64 => "bad-base64",
        }
    }
}

impl std::fmt::Display for PrimitiveProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Empty => "empty value",
            Self::ControlCharacter => "control character in a string",
            Self::NotBoolean => "not true or false",
            Self::NotInteger => "not an integer",
            Self::IntegerOutOfRange => "integer outside the 32-bit range",
            Self::NotPositiveInt => "not a positive integer",
            Self::NotUnsignedInt => "not an unsigned integer",
            Self::NotDecimal => "not a decimal",
            Self::BadDate => "not a date (YYYY, YYYY-MM or YYYY-MM-DD)",
            Self::BadDateTime => "not a dateTime",
            Self::TimeWithoutTimezone => "dateTime with a time but no time zone",
            Self::BadInstant => "instant without full time to the second and time zone",
            Self::BadTime => "not a time (hh:mm:ss)",
            Self::BadId => "not an id (1-64 letters, digits, '-' or '.')",
            Self::CodeWhitespace => "code with leading, trailing or repeated whitespace",
            Self::UriWhitespace => "uri containing whitespace",
            Self::BadOid => "not an oid (urn:oid:…)",
            Self::BadUuid => "not a uuid (urn:uuid:…)",
            Self::BadBase64 => "not base64",
        })
    }
}

/// Checks `text` against the rules of the FHIR R4 primitive type `fhir_type` (`date`,
/// `dateTime`, `instant`, `time`, `id`, `code`, `uri`, `url`, `canonical`, `oid`,
/// `uuid`, `decimal`, `integer`, `positiveInt`, `unsignedInt`, `boolean`,
/// `base64Binary`, `string`, `markdown`). `None` when valid, or when the type has no
/// rule here (complex types).
pub fn check_primitive(fhir_type: &str, text: &str) -> Option<PrimitiveProblem> {
    Primitive::of(fhir_type).and_then(|kind| kind.check(text))
}

/// An R4 primitive type [`check_primitive`] checks, told from its name once (a caller
/// checking many values of one element keeps it instead of the name).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Primitive {
    Boolean,
    Integer,
    PositiveInt,
    UnsignedInt,
    Decimal,
    Date,
    DateTime,
    Instant,
    Time,
    Id,
    Code,
    /// `uri`, `url`, `canonical`.
    Uri,
    Oid,
    Uuid,
    Base64Binary,
    /// `string`, `markdown`.
    Text,
}

impl Primitive {
    /// The primitive type named `fhir_type`, `None` for one not checked.
    pub fn of(fhir_type: &str) -> Option<Self> {
        use Primitive as K;
        Some(match fhir_type {
            "boolean" => K::Boolean,
            "integer" => K::Integer,
            "positiveInt" => K::PositiveInt,
            "unsignedInt" => K::UnsignedInt,
            "decimal" => K::Decimal,
            "date" => K::Date,
            "dateTime" => K::DateTime,
            "instant" => K::Instant,
            "time" => K::Time,
            "id" => K::Id,
            "code" => K::Code,
            "uri" | "url" | "canonical" => K::Uri,
            "oid" => K::Oid,
            "uuid" => K::Uuid,
            "base64Binary" => K::Base64Binary,
            "string" | "markdown" => K::Text,
            _ => return None,
        })
    }

    /// What is wrong with `text` as a value of this type, `None` if nothing.
    pub fn check(self, text: &str) -> Option<PrimitiveProblem> {
        use Primitive as K;
        use PrimitiveProblem as P;
        if text.trim().is_empty() {
            return Some(P::Empty);
        }
        let ok = |b: bool, p: PrimitiveProblem| if b { None } else { Some(p) };
        match self {
            K::Boolean => ok(text == "true" || text == "false", P::NotBoolean),
            K::Integer => {
                if !is_integer(text) {
                    Some(P::NotInteger)
                } else {
                    ok(text.parse::<i32>().is_ok(), P::IntegerOutOfRange)
                }
            }
            K::PositiveInt => {
                let t = text.strip_prefix('+').unwrap_or(text);
                if !is_integer(t) || t.starts_with('-') || t == "0" {
                    Some(P::NotPositiveInt)
                } else {
                    ok(t.parse::<i32>().is_ok(), P::IntegerOutOfRange)
                }
            }
            K::UnsignedInt => {
                if !is_integer(text) || text.starts_with('-') {
                    Some(P::NotUnsignedInt)
                } else {
                    ok(text.parse::<i32>().is_ok(), P::IntegerOutOfRange)
                }
            }
            K::Decimal => ok(is_decimal(text), P::NotDecimal),
            K::Date => ok(date(text).is_some_and(|rest| rest.is_empty()), P::BadDate),
            K::DateTime => date_time(text),
            K::Instant => ok(instant(text), P::BadInstant),
            K::Time => ok(time(text).is_some_and(|rest| rest.is_empty()), P::BadTime),
            K::Id => ok(
                text.len() <= 64
                    && text
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.'),
                P::BadId,
            ),
            K::Code => ok(
                text.split(' ')
                    .all(|w| !w.is_empty() && !w.chars().any(char::is_whitespace)),
                P::CodeWhitespace,
            ),
            K::Uri => ok(!text.chars().any(char::is_whitespace), P::UriWhitespace),
            K::Oid => ok(is_oid(text), P::BadOid),
            K::Uuid => ok(is_uuid(text), P::BadUuid),
            K::Base64Binary => ok(is_base64(text), P::BadBase64),
            K::Text => ok(
                !text
                    .chars()
                    .any(|c| c.is_control() && !matches!(c, '\t' | '\r' | '\n')),
                P::ControlCharacter,
            ),
        }
    }
}

fn digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// `-?(0|[1-9][0-9]*)`
fn is_integer(s: &str) -> bool {
    let s = s.strip_prefix('-').unwrap_or(s);
    digits(s) && (s == "0" || !s.starts_with('0'))
}

fn is_decimal(s: &str) -> bool {
    let (mantissa, exp) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let (int, frac) = match mantissa.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (mantissa, None),
    };
    is_integer(int)
        && frac.is_none_or(digits)
        && exp.is_none_or(|e| digits(e.strip_prefix(['+', '-']).unwrap_or(e)))
}

fn num(s: &str, n: usize) -> Option<(u32, &str)> {
    let head = s.get(..n)?;
    if !digits(head) {
        return None;
    }
    Some((head.parse().ok()?, &s[n..]))
}

/// A date prefix (`YYYY`, `YYYY-MM`, `YYYY-MM-DD`, a real calendar day); returns the rest.
fn date(s: &str) -> Option<&str> {
    let (year, rest) = num(s, 4)?;
    if year == 0 {
        return None; // the R4 regex has no year 0000
    }
    let Some(rest) = rest.strip_prefix('-') else {
        return Some(rest);
    };
    let (month, rest) = num(rest, 2)?;
    if !(1..=12).contains(&month) {
        return None;
    }
    let Some(rest) = rest.strip_prefix('-') else {
        return Some(rest);
    };
    let (day, rest) = num(rest, 2)?;
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days = match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    (1..=days).contains(&day).then_some(rest)
}

/// `hh:mm:ss(.f+)?`; returns the rest.
fn time(s: &str) -> Option<&str> {
    let (h, rest) = num(s, 2)?;
    let (m, rest) = num(rest.strip_prefix(':')?, 2)?;
    let (sec, rest) = num(rest.strip_prefix(':')?, 2)?;
    if h > 23 || m > 59 || sec > 60 {
        return None;
    }
    match rest.strip_prefix('.') {
        Some(f) => {
            let n = f.bytes().take_while(u8::is_ascii_digit).count();
            (n > 0).then(|| &f[n..])
        }
        None => Some(rest),
    }
}

/// `Z` or `(+|-)hh:mm` up to 14:00.
fn zone(s: &str) -> bool {
    if s == "Z" {
        return true;
    }
    let Some(rest) = s.strip_prefix(['+', '-']) else {
        return false;
    };
    let Some((h, rest)) = num(rest, 2) else {
        return false;
    };
    let Some((m, rest)) = rest.strip_prefix(':').and_then(|r| num(r, 2)) else {
        return false;
    };
    rest.is_empty() && m <= 59 && (h < 14 || (h == 14 && m == 0))
}

fn date_time(s: &str) -> Option<PrimitiveProblem> {
    use PrimitiveProblem as P;
    let Some(rest) = date(s) else {
        return Some(P::BadDateTime);
    };
    if rest.is_empty() {
        return None;
    }
    // A time needs a full date.
    let Some(t) = rest.strip_prefix('T') else {
        return Some(P::BadDateTime);
    };
    if s.len() - rest.len() != 10 {
        return Some(P::BadDateTime);
    }
    match time(t) {
        Some("") => Some(P::TimeWithoutTimezone),
        Some(z) if zone(z) => None,
        _ => {
            // `hh:mm` without seconds is invalid in R4 whatever the zone.
            Some(P::BadDateTime)
        }
    }
}

fn instant(s: &str) -> bool {
    match date(s) {
        Some(rest) if s.len() - rest.len() == 10 => {
            rest.strip_prefix('T').and_then(time).is_some_and(zone)
        }
        _ => false,
    }
}

fn is_oid(s: &str) -> bool {
    let Some(rest) = s.strip_prefix("urn:oid:") else {
        return false;
    };
    let mut arcs = rest.split('.');
    let first_ok = matches!(arcs.next(), Some("0" | "1" | "2"));
    let mut n = 0;
    let rest_ok = arcs.all(|a| {
        n += 1;
        digits(a) && (a == "0" || !a.starts_with('0'))
    });
    first_ok && rest_ok && n > 0
}

fn is_uuid(s: &str) -> bool {
    let Some(rest) = s.strip_prefix("urn:uuid:") else {
        return false;
    };
    let lens = [8, 4, 4, 4, 12];
    let parts: Vec<&str> = rest.split('-').collect();
    parts.len() == lens.len()
        && parts.iter().zip(lens).all(|(p, n)| {
            p.len() == n
                && p.bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        })
}

fn is_base64(s: &str) -> bool {
    let chars: Vec<u8> = s.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    if chars.is_empty() || chars.len() % 4 != 0 {
        return false;
    }
    let pad = chars.iter().rev().take_while(|&&b| b == b'=').count();
    pad <= 2
        && chars[..chars.len() - pad]
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'+' || *b == b'/')
}
