//! Limits on input that would otherwise exhaust memory or time.
//!
//! Every limit is checked on a cold path (once per file, per line that is already long,
//! per nesting level) so the readers keep their speed. A breach is never a panic and
//! never a silent drop: it is a positioned [`Issue`](crate::Issue) with its own stable
//! code, and what it covers is skipped as documented on each field:
//!
//! | limit | default | breach | code |
//! | --- | --- | --- | --- |
//! | `max_file_bytes` | 4 GiB | file not read | `input-too-large` |
//! | `max_line_bytes` | 32 MiB | v2 message / NDJSON line skipped | `v2-limit-segment-length`, `fhir-limit-line-length` |
//! | `max_segments_per_message` | 100 000 | v2 message skipped | `v2-limit-segments` |
//! | `max_fields_per_segment` | 10 000 | v2 message skipped | `v2-limit-fields` |
//! | `max_repetitions_per_field` | 10 000 | v2 message skipped | `v2-limit-repetitions` |
//! | `max_json_depth` | 100 (at most 120) | JSON resource / NDJSON line / XML file skipped | `fhir-limit-depth` |

use serde::Serialize;

/// Nesting depth the JSON and XML readers can ever accept (their recursion bound);
/// [`Limits::max_json_depth`] above it is treated as this value.
pub const HARD_MAX_DEPTH: u32 = 120;

/// Configurable input limits. [`Limits::default`] gives the documented defaults, sized so
/// that real feeds (a base64 PDF in an OBX-5, an ORU with thousands of OBX) pass.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Limits {
    /// Largest file read, in bytes (default 4 GiB). A larger file is not read at all
    /// (`input-too-large`); its size is checked before any byte is loaded.
    pub max_file_bytes: u64,
    /// Longest HL7 v2 segment or NDJSON line, in bytes (default 32 MiB). The v2 message
    /// holding a longer segment is skipped (`v2-limit-segment-length`); a longer NDJSON
    /// line is skipped (`fhir-limit-line-length`).
    pub max_line_bytes: usize,
    /// Most segments in one HL7 v2 message (default 100 000); the message is skipped
    /// (`v2-limit-segments`), its remaining segments consumed with it.
    pub max_segments_per_message: u32,
    /// Most fields in one HL7 v2 segment (default 10 000); the message is skipped
    /// (`v2-limit-fields`).
    pub max_fields_per_segment: u32,
    /// Most repetitions of one HL7 v2 field (default 10 000); the message is skipped
    /// (`v2-limit-repetitions`).
    pub max_repetitions_per_field: u32,
    /// Deepest JSON nesting (objects and arrays) or XML element nesting (default 100,
    /// at most [`HARD_MAX_DEPTH`]); the resource or NDJSON line is skipped
    /// (`fhir-limit-depth`).
    pub max_json_depth: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_file_bytes: 4 << 30,
            max_line_bytes: 32 << 20,
            max_segments_per_message: 100_000,
            max_fields_per_segment: 10_000,
            max_repetitions_per_field: 10_000,
            max_json_depth: 100,
        }
    }
}

impl Limits {
    /// The names [`Limits::set`] takes: the field names.
    pub const NAMES: [&'static str; 6] = [
        "max_file_bytes",
        "max_line_bytes",
        "max_segments_per_message",
        "max_fields_per_segment",
        "max_repetitions_per_field",
        "max_json_depth",
    ];

    /// Sets the limit called `name` (a field name) from `value`: a whole number, with an
    /// optional binary suffix `K`, `M` or `G` (`64M` = 64 MiB). The error says what was
    /// wrong, for a person.
    pub fn set(&mut self, name: &str, value: &str) -> Result<(), String> {
        let v = value.trim();
        let (digits, unit) = match v.char_indices().last() {
            Some((i, 'K' | 'k')) => (&v[..i], 1u64 << 10),
            Some((i, 'M' | 'm')) => (&v[..i], 1u64 << 20),
            Some((i, 'G' | 'g')) => (&v[..i], 1u64 << 30),
            _ => (v, 1),
        };
        let n = digits
            .parse::<u64>()
            .ok()
            .and_then(|n| n.checked_mul(unit))
            .filter(|&n| n > 0)
            .ok_or_else(|| {
                format!("limit {name}: `{value}` is not a positive whole number (suffix K, M or G allowed)")
            })?;
        let small =
            |n: u64| u32::try_from(n).map_err(|_| format!("limit {name}: {n} is too large"));
        match name {
            "max_file_bytes" => self.max_file_bytes = n,
            "max_line_bytes" => {
                self.max_line_bytes =
                    usize::try_from(n).map_err(|_| format!("limit {name}: {n} is too large"))?
            }
            "max_segments_per_message" => self.max_segments_per_message = small(n)?,
            "max_fields_per_segment" => self.max_fields_per_segment = small(n)?,
            "max_repetitions_per_field" => self.max_repetitions_per_field = small(n)?,
            "max_json_depth" => self.max_json_depth = small(n)?,
            _ => {
                return Err(format!(
                    "no limit `{name}`; the limits are {}",
                    Self::NAMES.join(", ")
                ));
            }
        }
        Ok(())
    }

    /// The depth limit in force (never above [`HARD_MAX_DEPTH`]).
    pub fn json_depth(&self) -> usize {
        self.max_json_depth.min(HARD_MAX_DEPTH) as usize
    }

    /// Segments at least this long get the (cold) field and repetition count: a shorter
    /// one cannot breach any per-segment limit.
    pub(crate) fn long_segment(&self) -> usize {
        let fields = self.max_fields_per_segment as usize;
        let reps = self.max_repetitions_per_field as usize;
        self.max_line_bytes.saturating_add(1).min(fields).min(reps)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_parses_names_values_and_suffixes() {
        let mut l = Limits::default();
        l.set("max_file_bytes", "64M").unwrap();
        l.set("max_json_depth", "20").unwrap();
        l.set("max_line_bytes", "1k").unwrap();
        assert_eq!(
            (l.max_file_bytes, l.max_json_depth, l.max_line_bytes),
            (64 << 20, 20, 1024)
        );
        assert_eq!(
            l.set("max_depth", "3").unwrap_err(),
            "no limit `max_depth`; the limits are max_file_bytes, max_line_bytes, \
             max_segments_per_message, max_fields_per_segment, max_repetitions_per_field, \
             max_json_depth"
        );
        assert!(
            l.set("max_json_depth", "0")
                .unwrap_err()
                .contains("not a positive")
        );
        assert!(l.set("max_json_depth", "-1").is_err());
        assert!(
            l.set("max_json_depth", "5G")
                .unwrap_err()
                .contains("too large")
        );
        assert!(l.set("max_file_bytes", "99999999999999G").is_err());
    }
}
