//! `ira profile` output: the profile as JSON (the serialised profile, schema
//! `ira.profile/1`, loadable with [`from_json`] for `ira profile --merge`) or as a
//! compact text table per group.
//!
//! The text never shows coded values unless asked ([`TextOptions::show_codes`]): by
//! default it gives the number of distinct codes only. Neither format carries other
//! values: a profile holds none (see `ira_analyze::profile`).

use std::fmt::Write as _;

use ira_analyze::profile::{Group, PathProfile, Profile, SCHEMA_MISMATCH};

/// Coded values shown per path with [`TextOptions::show_codes`].
pub const SHOWN_CODES: usize = 10;

/// Options of [`text`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TextOptions {
    /// List the most frequent coded values of each coded path (at most [`SHOWN_CODES`]).
    pub show_codes: bool,
}

/// The profile as pretty JSON, ending with a newline. Byte-identical for equal profiles.
pub fn json(profile: &Profile) -> String {
    // Serialising plain data with string keys cannot fail; fall back to an empty object
    // rather than panic if it ever did.
    let mut s = serde_json::to_string_pretty(profile).unwrap_or_else(|_| "{}".to_owned());
    s.push('\n');
    s
}

/// Why a text is not a loadable profile. The message quotes nothing from the text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LoadError {
    /// Not JSON at all (or cut short).
    NotJson { line: usize, column: usize },
    /// JSON, but its `schema` is not `ira.profile/1`.
    OtherSchema,
    /// JSON of another shape than a profile.
    NotAProfile { line: usize, column: usize },
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LoadError::NotJson { line, column } => {
                write!(f, "not JSON (line {line}, column {column})")
            }
            LoadError::OtherSchema => {
                f.write_str("not an ira profile: schema is not ira.profile/1")
            }
            LoadError::NotAProfile { line, column } => write!(
                f,
                "not an ira profile (unexpected content at line {line}, column {column})"
            ),
        }
    }
}

impl std::error::Error for LoadError {}

/// Loads a saved profile (the output of [`json`]).
pub fn from_json(text: &str) -> Result<Profile, LoadError> {
    serde_json::from_str(text).map_err(|e| {
        let (line, column) = (e.line(), e.column());
        if e.is_syntax() || e.is_eof() || e.is_io() {
            LoadError::NotJson { line, column }
        } else if e.to_string().starts_with(SCHEMA_MISMATCH) {
            LoadError::OtherSchema
        } else {
            LoadError::NotAProfile { line, column }
        }
    })
}

/// The profile for a person: per group, one line per path with presence (share of the
/// group's samples), the highest repetition and the share of carrying samples in which it
/// repeats, the most values in one sample, lengths, datatype problems and the number of
/// distinct coded values.
pub fn text(profile: &Profile, options: TextOptions) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "profile of {} file{}, {} sample{}, {} group{}",
        profile.files,
        plural(profile.files),
        profile.samples,
        plural(profile.samples),
        profile.groups.len(),
        plural(profile.groups.len() as u64)
    );
    for g in profile.groups.values() {
        out.push('\n');
        group_block(&mut out, g, options);
    }
    out
}

fn group_block(out: &mut String, g: &Group, options: TextOptions) {
    let std = match g.standard {
        ira_analyze::profile::GroupStandard::V2 => "hl7v2",
        ira_analyze::profile::GroupStandard::Fhir => "fhir",
    };
    let name = if g.name.is_empty() {
        "(no message type)"
    } else {
        g.name.as_str()
    };
    let version = g
        .version
        .as_deref()
        .map(|v| format!(" {v}"))
        .unwrap_or_default();
    let kinds: Vec<String> = g
        .kinds
        .iter()
        .filter(|(k, _)| k.as_str() != g.name)
        .map(|(k, n)| format!("{} ×{n}", if k.is_empty() { "(none)" } else { k }))
        .collect();
    let kinds = if kinds.is_empty() {
        String::new()
    } else {
        format!(": {}", kinds.join(", "))
    };
    let _ = writeln!(
        out,
        "{std} {name}{version} — {} sample{}{kinds}",
        g.samples,
        plural(g.samples)
    );
    let width = g
        .paths
        .keys()
        .map(|k| k.0.chars().count())
        .max()
        .unwrap_or(4)
        .max(4);
    let _ = writeln!(
        out,
        "  {:<width$}  {:>7}  {:>4}  {:>9}  {:>5}  {:>15}  datatypes and codes",
        "path", "present", "reps", "repeating", "max/s", "len min/p95/max"
    );
    for (key, p) in &g.paths {
        let lens = if p.length.count == 0 {
            "-".to_owned()
        } else {
            format!("{}/{}/{}", p.length.min, p.length.p95, p.length.max)
        };
        let reps = if p.repeating_samples > 0 {
            format!("{}", p.max_repetitions)
        } else {
            "1".to_owned()
        };
        let mut notes = datatype_notes(p);
        if let Some(c) = &p.codes {
            let mut s = format!("{} code{}", c.values.len(), plural(c.values.len() as u64));
            if c.over_cap {
                s.push('+');
            }
            if c.too_long > 0 {
                let _ = write!(s, " ({} too long)", c.too_long);
            }
            notes.push(s);
        }
        if p.nulls > 0 {
            notes.push(format!("{} null{}", p.nulls, plural(p.nulls)));
        }
        let line = format!(
            "  {:<width$}  {:>7}  {:>4}  {:>9}  {:>5}  {:>15}  {}",
            key.0,
            percent(p.samples, g.samples),
            reps,
            if p.repeating_samples > 0 {
                percent(p.repeating_samples, p.samples)
            } else {
                "-".to_owned()
            },
            p.max_per_sample,
            lens,
            notes.join("; ")
        );
        out.push_str(line.trim_end());
        out.push('\n');
        if options.show_codes
            && let Some(c) = &p.codes
        {
            let top: Vec<String> = c
                .top(SHOWN_CODES)
                .into_iter()
                .map(|(code, n)| format!("{code} ×{n}"))
                .collect();
            let more = c.values.len().saturating_sub(SHOWN_CODES);
            let more = if more > 0 {
                format!(", … {more} more")
            } else {
                String::new()
            };
            let _ = writeln!(out, "  {:<width$}    codes: {}{more}", "", top.join(", "));
        }
    }
}

/// Per datatype: `DTM ok, tz 0/3`, `DTM 2/10 invalid, tz 3/10`, `ID:0001 1/4 not in table`
/// (`tz` counts values with a timezone among the date-times checked).
fn datatype_notes(p: &PathProfile) -> Vec<String> {
    let mut notes = Vec::new();
    for (ty, t) in &p.datatypes {
        let mut s = if t.invalid == 0 {
            format!("{ty} ok")
        } else if t.table.is_some() {
            format!("{ty} {}/{} not in table", t.invalid, t.checked)
        } else {
            format!("{ty} {}/{} invalid", t.invalid, t.checked)
        };
        if let Some(tz) = t.timezone {
            let _ = write!(s, ", tz {}/{}", tz.present, tz.present + tz.absent);
        }
        notes.push(s);
    }
    notes
}

/// `100%`, `50%`, `<1%` (never rounded up to 100%).
fn percent(n: u64, of: u64) -> String {
    if of == 0 {
        return "-".to_owned();
    }
    if n >= of {
        return "100%".to_owned();
    }
    let p = n.saturating_mul(100) / of;
    if p == 0 && n > 0 {
        "<1%".to_owned()
    } else {
        format!("{p}%")
    }
}

fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;
    use ira_analyze::profile::profile_bytes;

    fn fixture(rel: &str) -> Profile {
        let path = format!("{}/../../fixtures/{rel}", env!("CARGO_MANIFEST_DIR"));
        profile_bytes(&format!("fixtures/{rel}"), &std::fs::read(path).unwrap())
    }

    #[test]
    fn text_of_oru_fixture() {
        insta::assert_snapshot!(text(
            &fixture("v2/oru_r01_v251.hl7"),
            TextOptions::default()
        ));
    }

    #[test]
    fn text_of_adt_v23_feed() {
        insta::assert_snapshot!(text(
            &fixture("v2/adt_v23_feed.hl7"),
            TextOptions::default()
        ));
    }

    #[test]
    fn text_of_transaction_bundle() {
        insta::assert_snapshot!(text(
            &fixture("fhir/transaction-bundle.json"),
            TextOptions::default()
        ));
    }

    #[test]
    fn codes_are_shown_only_when_asked() {
        let p = fixture("v2/oru_r01_v251.hl7");
        let plain = text(&p, TextOptions::default());
        let shown = text(&p, TextOptions { show_codes: true });
        assert!(!plain.contains("GOODHOSP") && !plain.contains("ORU_R01 ×"));
        assert!(shown.contains("codes: GOODHOSP ×1"), "{shown}");
        assert!(shown.contains("codes: F ×8"), "{shown}");
    }

    #[test]
    fn json_round_trips_and_bad_input_is_named_without_quoting_it() {
        let p = fixture("fhir/transaction-bundle.json");
        let j = json(&p);
        assert!(j.starts_with("{\n  \"schema\": \"ira.profile/1\""));
        assert_eq!(from_json(&j).unwrap(), p);
        assert!(matches!(
            from_json("{\"schema\": "),
            Err(LoadError::NotJson { .. })
        ));
        let other = from_json(r#"{"schema":"SECRETSCHEMA","files":1,"samples":1,"groups":[]}"#);
        assert_eq!(other, Err(LoadError::OtherSchema));
        let patient =
            from_json(r#"{"resourceType":"Patient","name":[{"family":"DOE"}]}"#).unwrap_err();
        assert!(matches!(patient, LoadError::NotAProfile { .. }));
        for e in [other.unwrap_err(), patient] {
            let msg = e.to_string();
            assert!(
                !msg.contains("SECRET") && !msg.contains("DOE") && !msg.contains("Patient"),
                "{msg}"
            );
        }
    }

    #[test]
    fn percent_is_never_rounded_up_to_all() {
        assert_eq!(percent(999, 1000), "99%");
        assert_eq!(percent(1, 1000), "<1%");
        assert_eq!(percent(0, 5), "0%");
        assert_eq!(percent(5, 5), "100%");
    }
}
