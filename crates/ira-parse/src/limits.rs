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
