//! The statistics of one path, each mergeable: merging is associative and commutative,
//! so a profile does not depend on how files were split between threads or machines.
//!
//! Capped collections (codes, shapes, locations) keep the *smallest* keys by a fixed
//! order, never "the first seen": the smallest `k` of a union are the smallest `k` of
//! the partial results' smallest `k`, so truncating early and merging later gives the
//! same result as truncating once at the end.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Lengths up to this are counted exactly; longer ones in power-of-two buckets.
pub const EXACT_LENGTHS: u64 = 256;
/// Distinct coded values kept per path (the lexicographically smallest ones past it).
pub const CODES_CAP: usize = 1000;
/// Distinct shape classes kept per path and datatype.
pub const SHAPES_CAP: usize = 64;
/// First locations kept per path.
pub const LOCATIONS_KEPT: usize = 3;
/// Coded values longer than this (in characters) are not recorded: no code is that long,
/// and a long value in a coded field is more likely text sent in the wrong field.
pub const CODE_MAX_CHARS: usize = 64;

/// Whether a value of a coded field may be recorded in a profile: at most
/// [`CODE_MAX_CHARS`] characters and no whitespace. Text sent in a coded field (a name, a
/// clinical note in OBR-13 of a v2.5 message, free text in a FHIR `code`) has spaces;
/// recording it would put patient data in the profile.
pub fn is_code_shaped(value: &str) -> bool {
    value.chars().count() <= CODE_MAX_CHARS && !value.contains(char::is_whitespace)
}

/// [`is_code_shaped`] for the UTF-8 bytes of a string, without decoding ASCII.
pub fn is_code_shaped_utf8(value: &[u8]) -> bool {
    if value.is_ascii() {
        // The ASCII characters `char::is_whitespace` names: \t \n \x0B \x0C \r and space.
        value.len() <= CODE_MAX_CHARS && !value.iter().any(|&b| matches!(b, b' ' | b'\t'..=b'\r'))
    } else {
        is_code_shaped(&String::from_utf8_lossy(value))
    }
}

/// Value lengths in characters (decoded text).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LengthStats {
    /// Values measured.
    pub count: u64,
    /// Shortest (0 when `count` is 0).
    pub min: u64,
    pub max: u64,
    /// 95th percentile (nearest rank); above 256 the upper bound of its bucket, at most `max`.
    pub p95: u64,
    /// Length → count. Keys up to 256 are exact lengths; a larger key `k` (a power of
    /// two) counts the lengths in `(k/2, k]`.
    pub histogram: BTreeMap<u64, u64>,
}

impl LengthStats {
    /// The histogram key of a length.
    pub fn bucket(len: u64) -> u64 {
        if len <= EXACT_LENGTHS {
            len
        } else {
            len.checked_next_power_of_two().unwrap_or(u64::MAX)
        }
    }

    /// Counts one value of `len` characters. Call [`LengthStats::finish`] before reading `p95`.
    pub fn add(&mut self, len: u64) {
        if self.count == 0 {
            self.min = len;
            self.max = len;
        } else {
            self.min = self.min.min(len);
            self.max = self.max.max(len);
        }
        self.count += 1;
        *self.histogram.entry(Self::bucket(len)).or_default() += 1;
    }

    /// Counts `n` values of `len` characters (the same as `n` calls of [`LengthStats::add`]).
    pub fn add_n(&mut self, len: u64, n: u64) {
        if n == 0 {
            return;
        }
        if self.count == 0 {
            self.min = len;
            self.max = len;
        } else {
            self.min = self.min.min(len);
            self.max = self.max.max(len);
        }
        self.count += n;
        *self.histogram.entry(Self::bucket(len)).or_default() += n;
    }

    /// Adds `other`'s counts.
    pub fn merge(&mut self, other: &LengthStats) {
        if other.count == 0 {
            return;
        }
        if self.count == 0 {
            self.min = other.min;
            self.max = other.max;
        } else {
            self.min = self.min.min(other.min);
            self.max = self.max.max(other.max);
        }
        self.count = self.count.saturating_add(other.count);
        for (&k, &n) in &other.histogram {
            let c = self.histogram.entry(k).or_default();
            *c = c.saturating_add(n);
        }
        self.finish();
    }

    /// Recomputes `p95` from the histogram.
    pub fn finish(&mut self) {
        self.p95 = self.percentile(95);
    }

    /// The `pct`th percentile by nearest rank (see `p95`).
    pub fn percentile(&self, pct: u64) -> u64 {
        if self.count == 0 {
            return 0;
        }
        let rank = self.count.saturating_mul(pct).div_ceil(100).max(1);
        let mut seen = 0u64;
        for (&k, &n) in &self.histogram {
            seen = seen.saturating_add(n);
            if seen >= rank {
                return k.min(self.max);
            }
        }
        self.max
    }
}

/// Where a path was seen: a file path (not a file id, which differs between runs) and a
/// position in it. Ordered by file, then byte offset.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SeenAt {
    pub file: String,
    pub offset: u64,
    pub line: u32,
    /// 1-based message or resource number in the file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<u32>,
}

/// Merges two sorted lists of locations, keeping the [`LOCATIONS_KEPT`] smallest.
pub fn merge_locations(into: &mut Vec<SeenAt>, other: Vec<SeenAt>) {
    into.extend(other);
    into.sort();
    into.truncate(LOCATIONS_KEPT);
}

/// Adds `n` to `key` in a map capped at `cap` distinct keys (the smallest kept).
/// Returns whether keys were dropped.
fn capped_add(map: &mut BTreeMap<String, u64>, key: &str, n: u64, cap: usize) -> bool {
    if let Some(c) = map.get_mut(key) {
        *c = c.saturating_add(n);
        return false;
    }
    if map.len() >= cap {
        // Full: the new key is kept only if it is smaller than the largest kept one.
        match map.last_key_value() {
            Some((last, _)) if key < last.as_str() => {
                map.pop_last();
            }
            _ => return true,
        }
        map.insert(key.to_owned(), n);
        return true;
    }
    map.insert(key.to_owned(), n);
    false
}

fn capped_merge(
    into: &mut BTreeMap<String, u64>,
    other: &BTreeMap<String, u64>,
    cap: usize,
) -> bool {
    let mut dropped = false;
    for (k, &n) in other {
        dropped |= capped_add(into, k, n, cap);
    }
    dropped
}

/// Values of coded fields and how often each was seen.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeStats {
    /// Values seen (recorded or not).
    pub total: u64,
    /// Values not recorded because they do not look like codes: longer than 64
    /// characters, or with whitespace (text in a coded field). Counted only.
    pub too_long: u64,
    /// More than 1000 distinct values were seen: only the 1000 smallest (by code) are
    /// kept, the others count in `total` only.
    pub over_cap: bool,
    /// Code → count.
    pub values: BTreeMap<String, u64>,
}

impl CodeStats {
    /// Counts one coded value.
    pub fn add(&mut self, code: &str) {
        self.total += 1;
        if !is_code_shaped(code) {
            self.too_long += 1;
            return;
        }
        self.over_cap |= capped_add(&mut self.values, code, 1, CODES_CAP);
    }

    /// The statistics of `total` values of which `too_long` were too long and the others
    /// are counted in `counts` (any order; the cap is applied here). Equal to adding the
    /// values one by one.
    pub fn from_counts(
        total: u64,
        too_long: u64,
        counts: impl IntoIterator<Item = (String, u64)>,
    ) -> CodeStats {
        let mut all: Vec<(String, u64)> = counts.into_iter().collect();
        all.sort_unstable();
        let over_cap = all.len() > CODES_CAP;
        all.truncate(CODES_CAP);
        CodeStats {
            total,
            too_long,
            over_cap,
            values: all.into_iter().collect(),
        }
    }

    pub fn merge(&mut self, other: &CodeStats) {
        self.total = self.total.saturating_add(other.total);
        self.too_long = self.too_long.saturating_add(other.too_long);
        self.over_cap |= other.over_cap;
        self.over_cap |= capped_merge(&mut self.values, &other.values, CODES_CAP);
    }

    /// Values counted in `total` but neither recorded nor too long (dropped by the cap).
    pub fn other(&self) -> u64 {
        let kept = self.values.values().fold(0u64, |a, &n| a.saturating_add(n));
        self.total
            .saturating_sub(kept.saturating_add(self.too_long))
    }

    /// The `n` most frequent codes: by count descending, then code ascending.
    pub fn top(&self, n: usize) -> Vec<(&str, u64)> {
        let mut v: Vec<(&str, u64)> = self.values.iter().map(|(k, &c)| (k.as_str(), c)).collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        v.truncate(n);
        v
    }
}

/// Timezone present or absent, for date-time values.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimezoneCounts {
    pub present: u64,
    pub absent: u64,
}

/// Codes of an `ID`/`IS` value (or a coded component) checked against its HL7 table.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableCounts {
    pub in_table: u64,
    pub not_in_table: u64,
}

/// Conformance of the values of one path to one datatype.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TypeStats {
    /// Values checked.
    pub checked: u64,
    /// Of those, values not of a valid shape for the type (or not in the table).
    pub invalid: u64,
    /// Shape class → count (at most 64 classes, the smallest names kept).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub shapes: BTreeMap<String, u64>,
    /// For date-time types.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<TimezoneCounts>,
    /// For coded values of a field whose HL7 table ira knows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table: Option<TableCounts>,
}

impl TypeStats {
    /// Counts one value's shape.
    pub fn add_shape(&mut self, class: &str, valid: bool, timezone: Option<bool>) {
        self.checked += 1;
        if !valid {
            self.invalid += 1;
        }
        capped_add(&mut self.shapes, class, 1, SHAPES_CAP);
        if let Some(tz) = timezone {
            let t = self.timezone.get_or_insert_with(TimezoneCounts::default);
            if tz {
                t.present += 1;
            } else {
                t.absent += 1;
            }
        }
    }

    /// Adds `n` values of shape `class` to the shape counts only (the builder counts
    /// `checked`, `invalid` and timezones itself).
    pub(crate) fn add_shape_count(&mut self, class: &str, n: u64) {
        capped_add(&mut self.shapes, class, n, SHAPES_CAP);
    }

    /// Counts one coded value checked against a table.
    pub fn add_table(&mut self, in_table: bool) {
        self.checked += 1;
        let t = self.table.get_or_insert_with(TableCounts::default);
        if in_table {
            t.in_table += 1;
        } else {
            t.not_in_table += 1;
            self.invalid += 1;
        }
    }

    pub fn merge(&mut self, other: &TypeStats) {
        self.checked = self.checked.saturating_add(other.checked);
        self.invalid = self.invalid.saturating_add(other.invalid);
        capped_merge(&mut self.shapes, &other.shapes, SHAPES_CAP);
        if let Some(o) = other.timezone {
            let t = self.timezone.get_or_insert_with(TimezoneCounts::default);
            t.present = t.present.saturating_add(o.present);
            t.absent = t.absent.saturating_add(o.absent);
        }
        if let Some(o) = other.table {
            let t = self.table.get_or_insert_with(TableCounts::default);
            t.in_table = t.in_table.saturating_add(o.in_table);
            t.not_in_table = t.not_in_table.saturating_add(o.not_in_table);
        }
    }
}

/// Everything known about one path of one group.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PathProfile {
    /// Samples that carry the path (each counted once).
    pub samples: u64,
    /// Values seen, every occurrence and repetition (nulls included).
    pub values: u64,
    /// The most values one sample had at this path.
    pub max_per_sample: u64,
    /// The highest repetition seen: v2 field repetition, FHIR length of the innermost array.
    pub max_repetitions: u64,
    /// Samples in which the path repeats (repetition above 1).
    pub repeating_samples: u64,
    /// Explicit nulls (v2 `""`, JSON `null`): not measured, not checked.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub nulls: u64,
    /// Lengths of the other values.
    pub length: LengthStats,
    /// Datatype conformance, by datatype (`DTM`, `NM`, `ID:0001`, `dateTime`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub datatypes: BTreeMap<String, TypeStats>,
    /// Coded values (coded fields only; never identifiers, names, dates or text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub codes: Option<CodeStats>,
    /// The first locations, by file path then offset (at most 3).
    pub first_seen: Vec<SeenAt>,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl PathProfile {
    pub fn merge(&mut self, other: PathProfile) {
        self.samples = self.samples.saturating_add(other.samples);
        self.values = self.values.saturating_add(other.values);
        self.max_per_sample = self.max_per_sample.max(other.max_per_sample);
        self.max_repetitions = self.max_repetitions.max(other.max_repetitions);
        self.repeating_samples = self
            .repeating_samples
            .saturating_add(other.repeating_samples);
        self.nulls = self.nulls.saturating_add(other.nulls);
        self.length.merge(&other.length);
        for (k, t) in &other.datatypes {
            match self.datatypes.get_mut(k) {
                Some(s) => s.merge(t),
                None => {
                    self.datatypes.insert(k.clone(), t.clone());
                }
            }
        }
        if let Some(o) = &other.codes {
            self.codes.get_or_insert_with(CodeStats::default).merge(o);
        }
        merge_locations(&mut self.first_seen, other.first_seen);
    }

    /// Share of the group's samples that carry the path, in percent.
    pub fn present_pct(&self, group_samples: u64) -> f64 {
        if group_samples == 0 {
            0.0
        } else {
            self.samples as f64 * 100.0 / group_samples as f64
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_min_max_and_p95() {
        let mut l = LengthStats::default();
        for n in 1..=100 {
            l.add(n);
        }
        l.finish();
        assert_eq!((l.count, l.min, l.max, l.p95), (100, 1, 100, 95));
        assert_eq!(l.percentile(50), 50);
        let mut big = LengthStats::default();
        big.add(300);
        big.add(5000);
        big.finish();
        assert_eq!(
            big.histogram.keys().copied().collect::<Vec<_>>(),
            [512, 8192]
        );
        assert_eq!(big.p95, 5000, "capped at max");
        assert_eq!(big.percentile(50), 512);
        assert_eq!(LengthStats::default().percentile(95), 0);
    }

    #[test]
    fn length_merge_equals_adding_all() {
        let mut a = LengthStats::default();
        let mut b = LengthStats::default();
        let mut all = LengthStats::default();
        for n in [3u64, 7, 700, 0] {
            a.add(n);
            all.add(n);
        }
        for n in [1u64, 9, 12] {
            b.add(n);
            all.add(n);
        }
        all.finish();
        a.merge(&b);
        assert_eq!(a, all);
        let mut empty = LengthStats::default();
        empty.merge(&a);
        assert_eq!(empty, all);
    }

    #[test]
    fn text_in_a_coded_field_is_counted_not_recorded() {
        let mut c = CodeStats::default();
        c.add("F");
        c.add("PATIENT FASTING SINCE MIDNIGHT");
        c.add("DOE\tJANE");
        assert_eq!(c.values.keys().collect::<Vec<_>>(), ["F"]);
        assert_eq!((c.total, c.too_long), (3, 2));
        assert!(is_code_shaped("urn:oid:2.16.840.1.113883.4.1"));
        assert!(!is_code_shaped("two words"));
        for v in [
            "LN",
            "two words",
            "tab\there",
            "vt\x0Bhere",
            "",
            "é",
            "a b é",
            &"x".repeat(65),
        ] {
            assert_eq!(
                is_code_shaped_utf8(v.as_bytes()),
                is_code_shaped(v),
                "{v:?}"
            );
        }
    }

    #[test]
    fn codes_cap_keeps_smallest_and_counts_the_rest() {
        let mut c = CodeStats::default();
        for i in (0..1200).rev() {
            c.add(&format!("C{i:04}"));
        }
        c.add("C0000");
        c.add(&"X".repeat(65));
        assert_eq!(c.values.len(), CODES_CAP);
        assert!(c.over_cap);
        assert_eq!(c.values.keys().next().map(String::as_str), Some("C0000"));
        assert_eq!(c.values.keys().last().map(String::as_str), Some("C0999"));
        assert_eq!((c.total, c.too_long, c.other()), (1202, 1, 200));
        assert_eq!(c.top(2), [("C0000", 2), ("C0001", 1)]);
        let mut counts: Vec<(String, u64)> = (0..1200).map(|i| (format!("C{i:04}"), 1)).collect();
        counts[0].1 = 2;
        counts.reverse();
        assert_eq!(CodeStats::from_counts(1202, 1, counts), c);

        // Split in two halves: same result.
        let (mut a, mut b) = (CodeStats::default(), CodeStats::default());
        for i in 0..1200 {
            let t = if i % 2 == 0 { &mut a } else { &mut b };
            t.add(&format!("C{i:04}"));
        }
        a.add("C0000");
        b.add(&"X".repeat(65));
        let mut ab = a.clone();
        ab.merge(&b);
        let mut ba = b.clone();
        ba.merge(&a);
        assert_eq!(ab, c);
        assert_eq!(ba, c);
    }

    #[test]
    fn locations_keep_three_smallest() {
        let at = |f: &str, o| SeenAt {
            file: f.into(),
            offset: o,
            line: 1,
            message: Some(1),
        };
        let mut a = vec![at("b", 0), at("b", 5)];
        merge_locations(&mut a, vec![at("a", 9), at("c", 0)]);
        assert_eq!(a, [at("a", 9), at("b", 0), at("b", 5)]);
    }

    #[test]
    fn type_stats_count_shapes_timezones_and_tables() {
        let mut t = TypeStats::default();
        t.add_shape("YYYYMMDD", true, Some(false));
        t.add_shape("invalid a", false, None);
        t.add_table(false);
        assert_eq!((t.checked, t.invalid), (3, 2));
        assert_eq!(
            t.timezone,
            Some(TimezoneCounts {
                present: 0,
                absent: 1
            })
        );
        assert_eq!(
            t.table,
            Some(TableCounts {
                in_table: 0,
                not_in_table: 1
            })
        );
        let mut u = t.clone();
        u.merge(&t);
        assert_eq!((u.checked, u.shapes["YYYYMMDD"]), (6, 2));
    }
}
