//! Value shapes of HL7 v2 datatypes (NM, DT, DTM/TS, TM), from HL7 v2.5.1 chapter 2A.

/// HL7 NM: optional sign, digits, optional decimal point; leading and trailing spaces
/// are tolerated by the standard.
pub fn is_number(v: &[u8]) -> bool {
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

/// DT/DTM/TS: `YYYY[MM[DD[HH[MM[SS[.S{1,4}]]]]]][+/-ZZZZ]`, at most `max_digits` digits
/// before the fraction (8 for DT).
pub fn is_date_time(v: &[u8], max_digits: usize) -> bool {
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
    // `whole` is ASCII digits (checked above): no UTF-8 check or parse per part.
    let num = |a: usize, b: usize| -> u32 {
        whole.get(a..b).map_or(0, |s| {
            s.iter()
                .fold(0u32, |n, &d| n * 10 + u32::from(d.wrapping_sub(b'0')))
        })
    };
    let in_range =
        |a: usize, lo: u32, hi: u32| whole.len() < a + 2 || (lo..=hi).contains(&num(a, a + 2));
    if whole.len() >= 8 {
        // The day must exist in that month (30 February is not a date).
        let (year, month, day) = (num(0, 4), num(4, 6), num(6, 8));
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
        let days = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => 0,
        };
        if day == 0 || day > days {
            return false;
        }
    }
    in_range(4, 1, 12) && in_range(8, 0, 23) && in_range(10, 0, 59) && in_range(12, 0, 59)
}

/// TM: `HH[MM[SS[.S{1,4}]]][+/-ZZZZ]`.
pub fn is_time(v: &[u8]) -> bool {
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

/// Splits a trailing `+ZZZZ`/`-ZZZZ` offset off.
pub fn split_zone(v: &[u8]) -> (&[u8], &[u8]) {
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
            "20240230",
            "20230229",
            "20240431",
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
