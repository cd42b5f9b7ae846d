//! Shape classes of values: what a value looks like, never what it is.
//!
//! Dates and times are classed by precision (`YYYYMMDD`, `YYYYMMDDHHMMSS.S+ZZZZ` where
//! `.S` is a fraction of any length, `YYYY-MM-DDThh:mm:ss+zz:zz`),
//! numbers by form (`integer`, `decimal`). Anything else is described by a character-class
//! pattern ([`pattern`]): digits become `9` (runs longer than 8 become `9+`), letter runs
//! become one `a`, space runs one space, other characters are kept if ASCII punctuation
//! and become `?` otherwise. `01/02/1960` → `99/99/9999`, `pending` → `a`, `<5` → `<9`.
//! A pattern holds no letters of the value and at most the count of its digits.

use std::borrow::Cow;

#[derive(Clone, Copy)]
enum Tz {
    Z,
    Offset,
}

/// A v2 date-time class with its timezone offset.
fn with_offset(class: &'static str) -> &'static str {
    match class {
        "YYYY" => "YYYY+ZZZZ",
        "YYYYMM" => "YYYYMM+ZZZZ",
        "YYYYMMDD" => "YYYYMMDD+ZZZZ",
        "YYYYMMDDHH" => "YYYYMMDDHH+ZZZZ",
        "YYYYMMDDHHMM" => "YYYYMMDDHHMM+ZZZZ",
        "YYYYMMDDHHMMSS" => "YYYYMMDDHHMMSS+ZZZZ",
        _ => "YYYYMMDDHHMMSS.S+ZZZZ",
    }
}

/// The longest pattern kept, in characters; longer ones end with `…`.
const PATTERN_MAX: usize = 24;

/// The character-class pattern of `s` (see the module docs).
pub fn pattern(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars().peekable();
    let mut n = 0usize;
    while let Some(c) = chars.next() {
        if n >= PATTERN_MAX {
            out.push('…');
            break;
        }
        if c.is_ascii_digit() {
            let mut run = 1;
            while chars.peek().is_some_and(|d| d.is_ascii_digit()) {
                chars.next();
                run += 1;
            }
            if run > 8 {
                out.push_str("9+");
            } else {
                out.extend(std::iter::repeat_n('9', run));
            }
        } else if c.is_alphabetic() {
            while chars.peek().is_some_and(|d| d.is_alphabetic()) {
                chars.next();
            }
            out.push('a');
        } else if c.is_whitespace() {
            while chars.peek().is_some_and(|d| d.is_whitespace()) {
                chars.next();
            }
            out.push(' ');
        } else if c.is_ascii_punctuation() {
            out.push(c);
        } else {
            out.push('?');
        }
        n = out.chars().count();
    }
    if out.is_empty() {
        out.push_str("(empty)");
    }
    out
}

/// The result of classifying one value against a datatype.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shape {
    /// The shape class: a precision name for valid values, `invalid <pattern>` else.
    pub class: Cow<'static, str>,
    pub valid: bool,
    /// For date-time types: whether a timezone offset is present.
    pub timezone: Option<bool>,
}

impl Shape {
    fn valid(class: &'static str, timezone: Option<bool>) -> Self {
        Self {
            class: Cow::Borrowed(class),
            valid: true,
            timezone,
        }
    }

    fn invalid(value: &str) -> Self {
        Self {
            class: Cow::Owned(format!("invalid {}", pattern(value))),
            valid: false,
            timezone: None,
        }
    }
}

fn all_digits(b: &[u8]) -> bool {
    !b.is_empty() && b.iter().all(u8::is_ascii_digit)
}

fn num(b: &[u8]) -> u32 {
    b.iter()
        .fold(0u32, |a, &d| a * 10 + u32::from(d.wrapping_sub(b'0')))
}

/// Range checks of the date and time parts present (month 1–12, day 1–31, hour 0–23,
/// minute 0–59, second 0–59; 60 allowed for a leap second).
fn in_range(digits: &[u8]) -> bool {
    let part = |from: usize| digits.get(from..from + 2).map(num);
    let ok = |v: Option<u32>, lo: u32, hi: u32| v.is_none_or(|v| (lo..=hi).contains(&v));
    ok(part(4), 1, 12)
        && ok(part(6), 1, 31)
        && ok(part(8), 0, 23)
        && ok(part(10), 0, 59)
        && ok(part(12), 0, 60)
}

/// HL7 v2 `DT`, `DTM` and `TS` (its first component): `YYYY[MM[DD[HH[MM[SS[.S[S[S[S]]]]]]]]][+/-ZZZZ]`.
/// `DT` allows only `YYYY`, `YYYYMM`, `YYYYMMDD`, without timezone.
pub fn v2_datetime(value: &str, date_only: bool) -> Shape {
    let b = value.as_bytes();
    let (main, tz) = match b.iter().position(|&c| c == b'+' || c == b'-') {
        Some(i) => (&b[..i], Some(&b[i + 1..])),
        None => (b, None),
    };
    if let Some(tz) = tz
        && (tz.len() != 4 || !all_digits(tz) || num(&tz[..2]) > 14 || num(&tz[2..]) > 59)
    {
        return Shape::invalid(value);
    }
    let (digits, frac) = match main.iter().position(|&c| c == b'.') {
        Some(i) => (&main[..i], Some(&main[i + 1..])),
        None => (main, None),
    };
    if !all_digits(digits) || !in_range(digits) {
        return Shape::invalid(value);
    }
    let class = match (digits.len(), frac) {
        (4, None) => "YYYY",
        (6, None) => "YYYYMM",
        (8, None) => "YYYYMMDD",
        (10, None) if !date_only => "YYYYMMDDHH",
        (12, None) if !date_only => "YYYYMMDDHHMM",
        (14, None) if !date_only => "YYYYMMDDHHMMSS",
        (14, Some(f)) if !date_only && (1..=4).contains(&f.len()) && all_digits(f) => {
            "YYYYMMDDHHMMSS.S"
        }
        _ => return Shape::invalid(value),
    };
    if date_only && tz.is_some() {
        return Shape::invalid(value);
    }
    if date_only {
        return Shape::valid(class, None);
    }
    match tz {
        Some(_) => Shape::valid(with_offset(class), Some(true)),
        None => Shape::valid(class, Some(false)),
    }
}

/// HL7 v2 `NM` (and `SI`): an optional sign, digits, an optional decimal point.
pub fn v2_number(value: &str, integer_only: bool) -> Shape {
    let b = value.as_bytes();
    let body = b
        .strip_prefix(b"+")
        .or_else(|| b.strip_prefix(b"-"))
        .unwrap_or(b);
    let dots = body.iter().filter(|&&c| c == b'.').count();
    let digits = body.iter().filter(|c| c.is_ascii_digit()).count();
    let ok = digits > 0 && digits + dots == body.len() && dots <= 1;
    if !ok || (integer_only && (dots > 0 || body.len() != b.len() && b[0] == b'-')) {
        return Shape::invalid(value);
    }
    Shape::valid(if dots == 0 { "integer" } else { "decimal" }, None)
}

/// A FHIR date-time primitive's type, for [`fhir_datetime`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FhirTime {
    Date,
    DateTime,
    Instant,
}

/// FHIR `date`, `dateTime`, `instant`: `YYYY`, `YYYY-MM`, `YYYY-MM-DD`,
/// `YYYY-MM-DDThh:mm:ss[.s+](Z|+hh:mm)`. A time needs a timezone (dateTime, instant);
/// an instant needs a time.
pub fn fhir_datetime(value: &str, ty: FhirTime) -> Shape {
    let b = value.as_bytes();
    let (date, time) = match b.iter().position(|&c| c == b'T') {
        Some(i) => (&b[..i], Some(&b[i + 1..])),
        None => (b, None),
    };
    let mut digits = [0u8; 14];
    let mut n = 0;
    let date_class = match date.len() {
        4 if all_digits(date) => "YYYY",
        7 if date[4] == b'-' && all_digits(&date[..4]) && all_digits(&date[5..]) => "YYYY-MM",
        10 if date[4] == b'-'
            && date[7] == b'-'
            && all_digits(&date[..4])
            && all_digits(&date[5..7])
            && all_digits(&date[8..]) =>
        {
            "YYYY-MM-DD"
        }
        _ => return Shape::invalid(value),
    };
    for &c in date.iter().filter(|c| c.is_ascii_digit()) {
        digits[n] = c;
        n += 1;
    }
    let Some(time) = time else {
        if !in_range(&digits[..n]) || ty == FhirTime::Instant {
            return Shape::invalid(value);
        }
        return Shape::valid(date_class, None);
    };
    if ty == FhirTime::Date || date.len() != 10 {
        return Shape::invalid(value);
    }
    // hh:mm:ss[.fraction](Z|+hh:mm|-hh:mm)
    let (clock, tz) = match time.iter().position(|&c| matches!(c, b'Z' | b'+' | b'-')) {
        Some(i) => (&time[..i], Some(&time[i..])),
        None => (time, None),
    };
    let (hms, frac) = match clock.iter().position(|&c| c == b'.') {
        Some(i) => (&clock[..i], Some(&clock[i + 1..])),
        None => (clock, None),
    };
    let hms_ok = hms.len() == 8
        && hms[2] == b':'
        && hms[5] == b':'
        && all_digits(&hms[..2])
        && all_digits(&hms[3..5])
        && all_digits(&hms[6..]);
    if !hms_ok || frac.is_some_and(|f| !all_digits(f)) {
        return Shape::invalid(value);
    }
    for &c in hms.iter().filter(|c| c.is_ascii_digit()) {
        digits[n] = c;
        n += 1;
    }
    if !in_range(&digits[..n]) {
        return Shape::invalid(value);
    }
    let tz_class = match tz {
        None => None,
        Some(b"Z") => Some(Tz::Z),
        Some(t)
            if t.len() == 6
                && t[3] == b':'
                && all_digits(&t[1..3])
                && all_digits(&t[4..])
                && num(&t[1..3]) <= 14
                && num(&t[4..]) <= 59 =>
        {
            Some(Tz::Offset)
        }
        Some(_) => return Shape::invalid(value),
    };
    let frac = frac.is_some();
    let class = match (tz_class, frac) {
        // FHIR: "if hours and minutes are specified, a timezone SHALL be populated".
        (None, false) => "invalid YYYY-MM-DDThh:mm:ss",
        (None, true) => "invalid YYYY-MM-DDThh:mm:ss.s",
        (Some(Tz::Z), false) => "YYYY-MM-DDThh:mm:ssZ",
        (Some(Tz::Z), true) => "YYYY-MM-DDThh:mm:ss.sZ",
        (Some(Tz::Offset), false) => "YYYY-MM-DDThh:mm:ss+zz:zz",
        (Some(Tz::Offset), true) => "YYYY-MM-DDThh:mm:ss.s+zz:zz",
    };
    Shape {
        class: Cow::Borrowed(class),
        valid: tz_class.is_some(),
        timezone: Some(tz_class.is_some()),
    }
}

/// FHIR `decimal` (JSON number grammar) or an integer type (`integer`, `positiveInt`,
/// `unsignedInt`).
pub fn fhir_number(value: &str, integer_only: bool) -> Shape {
    let b = value.as_bytes();
    let body = b.strip_prefix(b"-").unwrap_or(b);
    let (int, rest) = match body.iter().position(|c| !c.is_ascii_digit()) {
        Some(i) => (&body[..i], &body[i..]),
        None => (body, &[][..]),
    };
    let int_ok = int == b"0" || (!int.is_empty() && int[0] != b'0');
    if !int_ok {
        return Shape::invalid(value);
    }
    if rest.is_empty() {
        return Shape::valid("integer", None);
    }
    if integer_only {
        return Shape::invalid(value);
    }
    let (frac, exp) = match rest.strip_prefix(b".") {
        Some(r) => {
            let end = r
                .iter()
                .position(|c| !c.is_ascii_digit())
                .unwrap_or(r.len());
            if end == 0 {
                return Shape::invalid(value);
            }
            (true, &r[end..])
        }
        None => (false, rest),
    };
    if exp.is_empty() {
        return Shape::valid(if frac { "decimal" } else { "integer" }, None);
    }
    let e = exp
        .strip_prefix(b"e")
        .or_else(|| exp.strip_prefix(b"E"))
        .map(|e| {
            e.strip_prefix(b"+")
                .or_else(|| e.strip_prefix(b"-"))
                .unwrap_or(e)
        });
    match e {
        Some(d) if all_digits(d) => Shape::valid("exponent", None),
        _ => Shape::invalid(value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_hide_letters_and_keep_digit_counts() {
        assert_eq!(pattern("01/02/1960"), "99/99/9999");
        assert_eq!(pattern("pending"), "a");
        assert_eq!(pattern("<5"), "<9");
        assert_eq!(pattern("DOE JOHN"), "a a");
        assert_eq!(pattern("1234567890123"), "9+");
        assert_eq!(pattern("Ünïcode😀x"), "a?a");
        assert_eq!(pattern(""), "(empty)");
        assert!(pattern(&"1.".repeat(40)).ends_with('…'));
        assert!(pattern(&"1.".repeat(40)).chars().count() <= PATTERN_MAX + 1);
    }

    #[test]
    fn v2_dates_by_precision_and_timezone() {
        let c = |v: &str| v2_datetime(v, false);
        assert_eq!(c("2024").class, "YYYY");
        assert_eq!(c("202402").class, "YYYYMM");
        assert_eq!(c("20240210").class, "YYYYMMDD");
        assert_eq!(c("2024021010").class, "YYYYMMDDHH");
        assert_eq!(c("202402101015").class, "YYYYMMDDHHMM");
        assert_eq!(c("20240210101500").timezone, Some(false));
        let s = c("20240210075900+0100");
        assert_eq!(
            (s.class.as_ref(), s.valid, s.timezone),
            ("YYYYMMDDHHMMSS+ZZZZ", true, Some(true))
        );
        assert_eq!(c("20240210101500.1234-0500").class, "YYYYMMDDHHMMSS.S+ZZZZ");
        assert_eq!(c("20241310").class, "invalid 99999999");
        assert!(c("20240230").valid, "day range only, not calendar");
        assert_eq!(c("01/02/1960").class, "invalid 99/99/9999");
        assert!(!c("2024021010150").valid);
        assert!(!c("20240210+01").valid);
        assert_eq!(c("UNKNOWN").class, "invalid a");
        // DT: dates only.
        assert!(v2_datetime("19600101", true).valid);
        assert!(!v2_datetime("196001011200", true).valid);
        assert!(!v2_datetime("19600101+0100", true).valid);
        assert_eq!(v2_datetime("19600101", true).timezone, None);
    }

    #[test]
    fn v2_numbers() {
        assert_eq!(v2_number("182", false).class, "integer");
        assert_eq!(v2_number("-0.5", false).class, "decimal");
        assert_eq!(v2_number("+.5", false).class, "decimal");
        assert_eq!(v2_number("<5", false).class, "invalid <9");
        assert_eq!(v2_number("pending", false).class, "invalid a");
        assert!(!v2_number("1.2.3", false).valid);
        assert!(!v2_number("-", false).valid);
        assert!(!v2_number("1.5", true).valid);
        assert!(!v2_number("-1", true).valid);
        assert!(v2_number("12", true).valid);
    }

    #[test]
    fn fhir_dates() {
        use FhirTime::*;
        assert_eq!(fhir_datetime("1960-01-01", Date).class, "YYYY-MM-DD");
        assert_eq!(fhir_datetime("1960-01", DateTime).class, "YYYY-MM");
        let s = fhir_datetime("2024-02-10T07:59:00+01:00", DateTime);
        assert_eq!(
            (s.class.as_ref(), s.timezone),
            ("YYYY-MM-DDThh:mm:ss+zz:zz", Some(true))
        );
        let s = fhir_datetime("2024-02-10T07:59:00.123Z", Instant);
        assert_eq!(s.class, "YYYY-MM-DDThh:mm:ss.sZ");
        let s = fhir_datetime("2024-02-10T07:59:00", DateTime);
        assert_eq!((s.valid, s.timezone), (false, Some(false)));
        assert_eq!(s.class, "invalid YYYY-MM-DDThh:mm:ss");
        assert!(!fhir_datetime("2024-02-10", Instant).valid);
        assert!(!fhir_datetime("2024-02-10T07:59:00Z", Date).valid);
        assert!(!fhir_datetime("2024-13-10", Date).valid);
        assert_eq!(
            fhir_datetime("10/02/2024", Date).class,
            "invalid 99/99/9999"
        );
    }

    #[test]
    fn fhir_numbers() {
        assert_eq!(fhir_number("7.50", false).class, "decimal");
        assert_eq!(fhir_number("-3", false).class, "integer");
        assert_eq!(fhir_number("1e2", false).class, "exponent");
        assert!(!fhir_number("01", false).valid);
        assert!(!fhir_number("1.", false).valid);
        assert!(!fhir_number("1.5", true).valid);
        assert!(fhir_number("0", true).valid);
    }
}
