//! Building the profile of one file: a [`SampleSink`] that folds every item into per-path
//! slots. Path keys and their datatype resolution are interned per group, so the hot path
//! is a hash lookup and a few counters per item (plus decoding the value's text).

use std::collections::BTreeMap;

use std::path::PathBuf;

use ira_parse::document::{ReadOptions, SampleSink, read_samples};
use ira_parse::fhir::{ByPath, PathFacts};
use ira_parse::input::{SourceFile, detect};
use ira_parse::model::{ElementPath, Item, Sample, SampleInfo, Standard, TypeHint, V2Path};
use ira_parse::{FileId, Issue};

use super::stats::{CodeStats, LOCATIONS_KEPT, PathProfile, SeenAt, is_code_shaped_utf8};
use super::types::{self, Check, Leaf};
use super::{Group, GroupStandard, PathKey, Profile};
use crate::map::Map;
use crate::rules::Structure;

use crate::fasthash::{FastMap, StrCounter, pack_short_bytes};

/// A location kept as one of a path's first: (offset, line, message).
type At = (u64, u32, Option<u32>);

/// One path of one group while a file is read: what is touched for every value, kept
/// small and together (a file has thousands of slots; each value reads one). The rest
/// of the path's profile waits in [`SlotInfo`]. Laid out by hand (`repr(C)`, a cache
/// line apart): the first line is what every value touches, the second what a coded
/// value touches; the rest is touched when a run ends or a location is kept.
#[repr(C, align(64))]
struct Slot {
    /// The sample that last touched the slot, and what it did there so far.
    stamp: u64,
    values: u64,
    in_sample: u64,
    reps: u64,
    nulls: u64,
    /// The last length counted and how many values in a row had it, not yet in
    /// `lengths`: most fields keep their length from value to value (dates, codes,
    /// ids), and a slot's length array is a cache miss away (thousands of slots).
    run: (usize, u64),
    /// The byte offset of the last of the first locations once all are kept
    /// (`u64::MAX` until then): a later value, further in the file, is not looked at.
    first_full: u64,
    /// Coded values: how many, how many too long to count, and the last short code
    /// with the values in a row that had it, not yet in `codes` (a field's code
    /// repeats from message to message more often than not).
    code_total: u64,
    code_too_long: u64,
    code_run: (u128, u64),
    /// Coded values in this file (capped when the file is finished): a hash table is
    /// cheaper per value than the capped ordered map.
    codes: Option<Box<FileCodes>>,
    /// Values per exact length up to [`EXACT_LENGTHS`] (into the length statistics at
    /// the end: an array slot per value instead of an ordered-map entry).
    lengths: Vec<u64>,
    /// First locations in this file, sorted, `first_len` of them.
    first: [At; LOCATIONS_KEPT],
    first_len: usize,
}

/// The parts of a path's profile touched once per sample or at the end of the file.
struct SlotInfo {
    key: String,
    prof: PathProfile,
}

/// Datatype statistics of one leaf while a file is read: counters, and shape classes in
/// a short list (a leaf sees few distinct classes; valid ones are static names, compared
/// by address first), folded into a [`super::TypeStats`] at the end.
#[derive(Default)]
struct LeafCounts {
    checked: u64,
    invalid: u64,
    timezone: Option<(u64, u64)>,
    table: Option<(u64, u64)>,
    shapes: Vec<(std::borrow::Cow<'static, str>, u64)>,
    /// Shape classes beyond [`LOCAL_SHAPES`], capped as in a profile.
    spill: Option<Box<super::TypeStats>>,
}

/// Distinct shape classes a leaf counts locally before spilling into capped statistics.
const LOCAL_SHAPES: usize = 4 * super::stats::SHAPES_CAP;

impl LeafCounts {
    fn add_shape(&mut self, class: std::borrow::Cow<'static, str>, valid: bool, tz: Option<bool>) {
        self.checked += 1;
        if !valid {
            self.invalid += 1;
        }
        if let Some(tz) = tz {
            let t = self.timezone.get_or_insert((0, 0));
            if tz {
                t.0 += 1;
            } else {
                t.1 += 1;
            }
        }
        let same = |k: &std::borrow::Cow<'static, str>| {
            std::ptr::eq(k.as_ptr(), class.as_ptr()) && k.len() == class.len()
                || k.as_ref() == class.as_ref()
        };
        if let Some(e) = self.shapes.iter_mut().find(|(k, _)| same(k)) {
            e.1 += 1;
            return;
        }
        if self.shapes.len() >= LOCAL_SHAPES {
            let spill = self.spill.get_or_insert_with(Default::default);
            for (k, n) in self.shapes.drain(..) {
                spill.add_shape_count(&k, n);
            }
        }
        self.shapes.push((class, 1));
    }

    fn add_table(&mut self, known: bool) {
        self.checked += 1;
        let t = self.table.get_or_insert((0, 0));
        if known {
            t.0 += 1;
        } else {
            t.1 += 1;
            self.invalid += 1;
        }
    }

    fn finish(self) -> super::TypeStats {
        let mut t = self.spill.map(|b| *b).unwrap_or_default();
        t.checked = self.checked;
        t.invalid = self.invalid;
        for (k, n) in self.shapes {
            t.add_shape_count(&k, n);
        }
        t.timezone = self
            .timezone
            .map(|(present, absent)| super::stats::TimezoneCounts { present, absent });
        t.table = self
            .table
            .map(|(in_table, not_in_table)| super::stats::TableCounts {
                in_table,
                not_in_table,
            });
        t
    }
}

/// Keeps `at` among the `LOCATIONS_KEPT` smallest locations in `first` (sorted, `len`
/// of them).
#[inline]
fn keep_first(first: &mut [At; LOCATIONS_KEPT], len: &mut usize, at: At) {
    let n = (*len).min(LOCATIONS_KEPT);
    if n == LOCATIONS_KEPT && first.last().is_some_and(|l| at >= *l) {
        return;
    }
    let i = first[..n].partition_point(|l| *l <= at);
    let end = n.min(LOCATIONS_KEPT - 1);
    first.copy_within(i..end, i + 1);
    if let Some(f) = first.get_mut(i) {
        *f = at;
    }
    *len = (n + 1).min(LOCATIONS_KEPT);
}

/// Lengths counted in [`Slot::lengths`]; longer ones go to the statistics directly.
const EXACT_LENGTHS: usize = 256;

#[derive(Default)]
struct FileCodes {
    counts: StrCounter,
}

struct GroupBuild {
    standard: GroupStandard,
    name: String,
    version: Option<String>,
    samples: u64,
    kinds: BTreeMap<String, u64>,
    slots: Vec<Slot>,
    /// Parallel to `slots`.
    info: Vec<SlotInfo>,
    leaves: Vec<Leaf>,
    /// The slot of each leaf.
    leaf_slot: Vec<usize>,
    /// Datatype statistics of each leaf, by leaf index.
    leaf_types: Vec<Option<LeafCounts>>,
    /// v2: (schema path packed in one word, OBX-5 type) → (slot, leaf).
    v2: FastMap<(u64, Option<&'static str>), (usize, usize)>,
    /// The same for paths that do not pack (component or subcomponent above 4095).
    v2_wide: FastMap<(V2Path, Option<&'static str>), (usize, usize)>,
    v2_slots: FastMap<V2Path, usize>,
    /// Per leaf: its packed key and OBX-5 type (by address; `u64::MAX`: a key that does
    /// not pack), and the leaf that followed it last time (`NONE`: not known). Messages
    /// of one group repeat the same sequence of paths, so the next leaf is usually the
    /// one predicted: a comparison instead of a hash lookup.
    leaf_keys: Vec<(u64, usize)>,
    next: Vec<u32>,
    /// The leaf that started the last sample.
    start: u32,
    /// FHIR: path without indexes → (slot, leaf).
    fhir: FastMap<Box<str>, (usize, usize)>,
    /// The same by the walk's path ids (see [`PathFacts`]).
    fhir_ids: ByPath<(usize, usize)>,
}

impl Slot {
    /// Moves the pending run of one short code into `codes`.
    fn flush_code_run(&mut self) {
        let (k, n) = std::mem::take(&mut self.code_run);
        if n > 0 {
            self.codes
                .get_or_insert_with(Default::default)
                .counts
                .add_packed(k, n);
        }
    }

    /// Moves the pending run of equal lengths into `lengths`.
    #[inline]
    fn flush_run(&mut self) {
        let (len, n) = std::mem::take(&mut self.run);
        if n > 0 {
            if self.lengths.len() <= len {
                self.lengths.resize(len + 1, 0);
            }
            if let Some(c) = self.lengths.get_mut(len) {
                *c += n;
            }
        }
    }
}

impl GroupBuild {
    fn slot(&mut self, key: String) -> usize {
        self.slots.push(Slot {
            stamp: 0,
            values: 0,
            in_sample: 0,
            reps: 0,
            nulls: 0,
            run: (0, 0),
            first_full: u64::MAX,
            code_total: 0,
            code_too_long: 0,
            code_run: (0, 0),
            codes: None,
            lengths: Vec::new(),
            first: [(0, 0, None); LOCATIONS_KEPT],
            first_len: 0,
        });
        self.info.push(SlotInfo {
            key,
            prof: PathProfile::default(),
        });
        self.slots.len() - 1
    }

    #[inline]
    fn v2_entry(&mut self, key: V2Path, obx: Option<&'static str>) -> (usize, usize) {
        let packed = pack(&key);
        let cached = match packed {
            Some(k) => self.v2.get(&(k, obx)),
            None => self.v2_wide.get(&(key, obx)),
        };
        if let Some(&e) = cached {
            return e;
        }
        let slot = match self.v2_slots.get(&key) {
            Some(&s) => s,
            None => {
                let s = self.slot(key.to_string());
                self.v2_slots.insert(key, s);
                s
            }
        };
        self.leaves.push(types::v2_leaf(Map::builtin(), &key, obx));
        self.leaf_slot.push(slot);
        self.leaf_keys
            .push((packed.unwrap_or(u64::MAX), obx_id(obx)));
        self.next.push(NONE);
        let e = (slot, self.leaves.len() - 1);
        match packed {
            Some(k) => self.v2.insert((k, obx), e),
            None => self.v2_wide.insert((key, obx), e),
        };
        e
    }

    /// [`GroupBuild::v2_entry`], trying first the leaf that followed `prev` (the
    /// previous leaf of this sample, `NONE` at its start) last time; `prev` becomes
    /// this leaf.
    #[inline]
    fn v2_next(
        &mut self,
        key: V2Path,
        obx: Option<&'static str>,
        prev: &mut u32,
    ) -> (usize, usize) {
        let guess = match *prev {
            NONE => self.start,
            p => self.next.get(p as usize).copied().unwrap_or(NONE),
        };
        if let Some(packed) = pack(&key).filter(|&k| k != u64::MAX)
            && let Some(&(k, o)) = self.leaf_keys.get(guess as usize)
            && k == packed
            && o == obx_id(obx)
            && let Some(&slot) = self.leaf_slot.get(guess as usize)
        {
            *prev = guess;
            return (slot, guess as usize);
        }
        let (slot, leaf) = self.v2_entry(key, obx);
        let l = u32::try_from(leaf).unwrap_or(NONE);
        match *prev {
            NONE => self.start = l,
            p => {
                if let Some(n) = self.next.get_mut(p as usize) {
                    *n = l;
                }
            }
        }
        *prev = l;
        (slot, leaf)
    }

    fn fhir_entry(&mut self, key: &str) -> (usize, usize) {
        if let Some(&e) = self.fhir.get(key) {
            return e;
        }
        let slot = self.slot(key.to_owned());
        self.leaves.push(types::fhir_leaf(key));
        self.leaf_slot.push(slot);
        let e = (slot, self.leaves.len() - 1);
        self.fhir.insert(key.into(), e);
        e
    }

    fn record(
        &mut self,
        slot: usize,
        leaf: usize,
        item: &Item<'_>,
        rep: u64,
        sample: u64,
        touched: &mut Vec<usize>,
    ) {
        let Some(s) = self.slots.get_mut(slot) else {
            return;
        };
        if s.stamp != sample {
            s.stamp = sample;
            s.in_sample = 0;
            s.reps = 0;
            touched.push(slot);
        }
        s.in_sample += 1;
        s.reps = s.reps.max(rep);
        s.values += 1;
        // Values come in file order, so once the first locations are kept a value
        // further in the file cannot be among them.
        if item.location.offset <= s.first_full {
            let at = (
                item.location.offset,
                item.location.line,
                item.location.message,
            );
            keep_first(&mut s.first, &mut s.first_len, at);
            if s.first_len >= LOCATIONS_KEPT
                && let Some(last) = s.first.last()
            {
                s.first_full = last.0;
            }
        }
        if item.hint == TypeHint::Null {
            s.nulls += 1;
            return;
        }
        // The value's text as UTF-8 bytes: nearly every v2 value is its own text
        // (printable ASCII, no escape), so it is neither decoded nor validated.
        let decoded;
        let text: &[u8] = match item.value.plain_bytes() {
            Some(b) => b,
            None => {
                decoded = item.value.text();
                decoded.as_bytes()
            }
        };
        let len = if text.is_ascii() {
            text.len()
        } else {
            String::from_utf8_lossy(text).chars().count()
        };
        if len <= EXACT_LENGTHS {
            if s.run.0 == len {
                s.run.1 += 1;
            } else {
                s.flush_run();
                s.run = (len, 1);
            }
        } else if let Some(info) = self.info.get_mut(slot) {
            info.prof.length.add(len as u64);
        }
        let leaf_index = leaf;
        let Some(leaf) = self.leaves.get(leaf) else {
            return;
        };
        // Datatype statistics per leaf (one index), folded into the slot's map by type
        // key at the end, instead of a lookup by string per value.
        fn stats(v: &mut Vec<Option<LeafCounts>>, i: usize) -> Option<&mut LeafCounts> {
            if v.len() <= i {
                v.resize_with(i + 1, || None);
            }
            v.get_mut(i).map(|t| t.get_or_insert_with(Default::default))
        }
        // A code of the field's HL7 table, or of the message header (no patient data:
        // `UNICODE UTF-8` in MSH-18), is recorded even with a space in it; any other
        // value only if it looks like a code.
        let mut in_table = matches!(
            item.path,
            ira_parse::model::ElementPath::V2(p) if matches!(p.segment, [b'M', b'S', b'H'])
        );
        match leaf.check {
            Check::None => {}
            Check::Table(codes) => {
                let known = codes.contains_utf8(text);
                in_table |= known;
                if let Some(t) = stats(&mut self.leaf_types, leaf_index) {
                    t.add_table(known);
                }
            }
            _ => {
                // The statistics exist once a value was checked, shape or not.
                let shape = leaf.shape(&String::from_utf8_lossy(text));
                if let (Some(shape), Some(t)) = (shape, stats(&mut self.leaf_types, leaf_index)) {
                    t.add_shape(shape.class, shape.valid, shape.timezone);
                }
            }
        }
        if leaf.coded {
            s.code_total += 1;
            if !(in_table || is_code_shaped_utf8(text)) {
                s.code_too_long += 1;
            } else {
                match pack_short_bytes(text) {
                    Some(k) if k == s.code_run.0 && s.code_run.1 > 0 => s.code_run.1 += 1,
                    Some(k) => {
                        s.flush_code_run();
                        s.code_run = (k, 1);
                    }
                    None => s
                        .codes
                        .get_or_insert_with(Default::default)
                        .counts
                        .add_utf8(text),
                }
            }
        }
    }

    fn end_sample(&mut self, touched: &mut Vec<usize>) {
        for &i in touched.iter() {
            if let (Some(s), Some(info)) = (self.slots.get(i), self.info.get_mut(i)) {
                let prof = &mut info.prof;
                prof.samples += 1;
                prof.max_per_sample = prof.max_per_sample.max(s.in_sample);
                prof.max_repetitions = prof.max_repetitions.max(s.reps);
                if s.reps > 1 {
                    prof.repeating_samples += 1;
                }
            }
        }
        touched.clear();
    }

    fn finish(mut self, file: &str) -> Group {
        for (i, t) in std::mem::take(&mut self.leaf_types).into_iter().enumerate() {
            let (Some(t), Some(slot)) = (t, self.leaf_slot.get(i).copied()) else {
                continue;
            };
            let (Some(leaf), Some(info)) = (self.leaves.get(i), self.info.get_mut(slot)) else {
                continue;
            };
            if let Some(mine) = type_stats(&mut info.prof, &leaf.type_key) {
                mine.merge(&t.finish());
            }
        }
        let paths = self
            .slots
            .into_iter()
            .zip(self.info)
            .map(|(mut s, info)| {
                s.flush_run();
                s.flush_code_run();
                let mut prof = info.prof;
                prof.values = s.values;
                prof.nulls = s.nulls;
                for (len, &n) in s.lengths.iter().enumerate() {
                    prof.length.add_n(len as u64, n);
                }
                prof.length.finish();
                if s.code_total > 0 {
                    let counts = s.codes.map(|c| c.counts).unwrap_or_default();
                    prof.codes = Some(CodeStats::from_counts(
                        s.code_total,
                        s.code_too_long,
                        counts.into_entries(),
                    ));
                }
                prof.first_seen = s.first[..s.first_len.min(LOCATIONS_KEPT)]
                    .iter()
                    .map(|&(offset, line, message)| SeenAt {
                        file: file.to_owned(),
                        offset,
                        line,
                        message,
                    })
                    .collect();
                (PathKey(info.key), prof)
            })
            .collect();
        Group {
            standard: self.standard,
            name: self.name,
            version: self.version,
            samples: self.samples,
            kinds: self.kinds,
            paths,
        }
    }
}

/// The OBX-5 value type a v2 leaf of the sample is profiled under (OBX-5 is typed by
/// OBX-2 of the same OBX, which this notes when it meets it); `None` for other leaves.
#[inline]
pub(crate) fn obx_type_of(s: &mut ProfSample, p: &V2Path, item: &Item<'_>) -> Option<&'static str> {
    // Segment ids matched byte by byte: `==` on `[u8; 3]` is a call to `memcmp` here,
    // per leaf.
    if !matches!(p.segment, [b'O', b'B', b'X']) {
        return None;
    }
    if p.field == 2 && p.repetition == 1 && p.component <= 1 {
        s.obx = (p.occurrence, types::obx_value_type(&item.value.text()));
    }
    if p.field == 5 && s.obx.0 == p.occurrence {
        s.obx.1
    } else {
        None
    }
}

/// No leaf (see [`GroupBuild::next`]).
const NONE: u32 = u32::MAX;

/// An OBX-5 value type by address (types are `&'static` names from one table; another
/// address for the same name only costs a missed prediction).
#[inline]
fn obx_id(t: Option<&'static str>) -> usize {
    t.map_or(0, |t| t.as_ptr() as usize)
}

/// A schema key (occurrence and repetition 1) in one word: segment, field, component
/// and subcomponent; `None` for a component or subcomponent above 4095.
#[inline]
pub(crate) fn pack(p: &V2Path) -> Option<u64> {
    if p.component > 0xFFF || p.subcomponent > 0xFFF {
        return None;
    }
    Some(
        (u64::from(p.segment[0]) << 56)
            | (u64::from(p.segment[1]) << 48)
            | (u64::from(p.segment[2]) << 40)
            | (u64::from(p.field) << 24)
            | (u64::from(p.component) << 12)
            | u64::from(p.subcomponent),
    )
}

/// The datatype statistics of `key`, allocating the key only the first time.
fn type_stats<'a>(p: &'a mut PathProfile, key: &str) -> Option<&'a mut super::TypeStats> {
    if !p.datatypes.contains_key(key) {
        p.datatypes.insert(key.to_owned(), Default::default());
    }
    p.datatypes.get_mut(key)
}

/// Builds the profile of one file from the samples a reader hands it.
pub struct FileProfiler {
    file: String,
    groups: Vec<GroupBuild>,
    samples: u64,
    touched: Vec<usize>,
    /// FHIR path without indexes, reused.
    buf: String,
}

impl std::fmt::Debug for FileProfiler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileProfiler")
            .field("file", &self.file)
            .field("groups", &self.groups.len())
            .field("samples", &self.samples)
            .finish()
    }
}

impl FileProfiler {
    /// A profiler for the file at `path` (the path string recorded in locations).
    pub fn new(path: impl Into<String>) -> Self {
        Self {
            file: path.into(),
            groups: Vec::new(),
            samples: 0,
            touched: Vec::new(),
            buf: String::with_capacity(128),
        }
    }

    fn group(&mut self, info: &SampleInfo<'_>, structure: &Structure<'_>) -> usize {
        let standard = match info.standard {
            Standard::V2 => GroupStandard::V2,
            Standard::Fhir => GroupStandard::Fhir,
        };
        // The same grouping as the rules: the declared structure, else the one the
        // standard assigns to the trigger (v2.3 feeds leave MSH-9.3 empty), else the kind.
        let name: &str = structure.name.as_deref().unwrap_or(&info.kind);
        let version = info.version.as_deref();
        if let Some(i) = self.groups.iter().position(|g| {
            g.standard == standard && g.name == name && g.version.as_deref() == version
        }) {
            return i;
        }
        self.groups.push(GroupBuild {
            standard,
            name: name.to_owned(),
            version: version.map(str::to_owned),
            samples: 0,
            kinds: BTreeMap::new(),
            slots: Vec::new(),
            info: Vec::new(),
            leaves: Vec::new(),
            leaf_slot: Vec::new(),
            leaf_types: Vec::new(),
            v2: FastMap::default(),
            v2_wide: FastMap::default(),
            v2_slots: FastMap::default(),
            leaf_keys: Vec::new(),
            next: Vec::new(),
            start: NONE,
            fhir: FastMap::default(),
            fhir_ids: ByPath::default(),
        });
        self.groups.len() - 1
    }

    /// The profile of what was read (one file).
    pub fn finish(self) -> Profile {
        let file = self.file;
        let mut groups = BTreeMap::new();
        for g in self.groups {
            let g = g.finish(&file);
            groups.insert(g.key(), g);
        }
        Profile {
            files: 1,
            samples: self.samples,
            groups,
        }
    }
}

/// Writes `path` without array indexes into `buf`; returns the innermost index + 1 (the
/// repetition of the innermost array level), 1 when the path has no index.
fn strip_indexes(path: &str, buf: &mut String) -> u64 {
    buf.clear();
    let mut last = 1;
    let mut rest = path;
    while let Some(i) = rest.find('[') {
        buf.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let end = after.find(']').unwrap_or(after.len());
        last = after[..end].parse::<u64>().map_or(1, |n| n + 1);
        rest = after.get(end + 1..).unwrap_or("");
    }
    buf.push_str(rest);
    last
}

/// One sample in a shared walk (see [`FileProfiler::begin_sample`]).
#[derive(Debug)]
pub struct ProfSample {
    group: usize,
    stamp: u64,
    /// OBX-5 is typed by OBX-2 of the same OBX: (occurrence, type).
    obx: (u32, Option<&'static str>),
    /// The previous v2 leaf of the sample ([`NONE`] at its start).
    prev: u32,
}

impl FileProfiler {
    /// Starts one sample. Hand every item of the sample to [`FileProfiler::item`], then
    /// call [`FileProfiler::end_sample`]; [`SampleSink::sample`] does all three.
    pub fn begin_sample(&mut self, sample: &dyn Sample) -> ProfSample {
        let info = sample.info();
        let structure = crate::rules::structure_of(&info);
        self.begin_sample_as(&info, &structure)
    }

    /// [`FileProfiler::begin_sample`] for a sample whose info and structure the caller
    /// worked out already.
    pub fn begin_sample_as(
        &mut self,
        info: &SampleInfo<'_>,
        structure: &Structure<'_>,
    ) -> ProfSample {
        let group = self.group(info, structure);
        self.samples += 1;
        if let Some(g) = self.groups.get_mut(group) {
            g.samples += 1;
            match g.kinds.get_mut(info.kind.as_ref()) {
                Some(n) => *n += 1,
                None => {
                    g.kinds.insert(info.kind.to_string(), 1);
                }
            }
        }
        ProfSample {
            group,
            stamp: self.samples,
            obx: (0, None),
            prev: NONE,
        }
    }

    /// One item of the sample begun by [`FileProfiler::begin_sample`].
    #[inline]
    pub fn item(&mut self, s: &mut ProfSample, item: &Item<'_>) {
        self.item_with(s, item, None);
    }

    /// [`FileProfiler::item`] with the facts of a FHIR item's path, when the walk knows
    /// them ([`Sample::walk_fhir`]).
    #[inline]
    pub fn item_with(
        &mut self,
        s: &mut ProfSample,
        item: &Item<'_>,
        facts: Option<&PathFacts<'_>>,
    ) {
        let Self {
            groups,
            touched,
            buf,
            ..
        } = self;
        let Some(group) = groups.get_mut(s.group) else {
            return;
        };
        match item.path {
            ElementPath::V2(p) => {
                let ot = obx_type_of(s, &p, item);
                let (slot, leaf) = group.v2_next(p.schema_key(), ot, &mut s.prev);
                group.record(slot, leaf, item, u64::from(p.repetition), s.stamp, touched);
            }
            ElementPath::Fhir(p) => {
                let (rep, (slot, leaf)) = match facts {
                    // The same key as `strip_indexes` gives (the facts exist only for
                    // paths whose every bracket is an index).
                    Some(f) => {
                        let entry = match group.fhir_ids.get(f.id) {
                            Some(e) => e,
                            None => {
                                let e = group.fhir_entry(f.stripped);
                                group.fhir_ids.insert(f.id, e);
                                e
                            }
                        };
                        (f.rep, entry)
                    }
                    None => {
                        let rep = strip_indexes(p, buf);
                        (rep, group.fhir_entry(buf))
                    }
                };
                group.record(slot, leaf, item, rep, s.stamp, touched);
            }
        }
    }

    /// The (slot, leaf) of the v2 schema key `key` (packed by [`pack`]) with OBX-5 type
    /// `obx` in the sample's group, made if new (see [`crate::leaves::LeafIndex`]).
    pub(crate) fn v2_slot(
        &mut self,
        s: &ProfSample,
        key: V2Path,
        obx: Option<&'static str>,
    ) -> Option<(u32, u32)> {
        let g = self.groups.get_mut(s.group)?;
        let (slot, leaf) = g.v2_entry(key, obx);
        Some((u32::try_from(slot).ok()?, u32::try_from(leaf).ok()?))
    }

    /// Records one v2 leaf of the sample at (slot, leaf) from [`FileProfiler::v2_slot`].
    #[inline]
    pub(crate) fn record_v2(
        &mut self,
        s: &ProfSample,
        slot: u32,
        leaf: u32,
        item: &Item<'_>,
        rep: u64,
    ) {
        let Self {
            groups, touched, ..
        } = self;
        if let Some(g) = groups.get_mut(s.group) {
            g.record(slot as usize, leaf as usize, item, rep, s.stamp, touched);
        }
    }

    /// The index of the sample's group (see [`crate::leaves::LeafIndex`]).
    pub(crate) fn group_of(s: &ProfSample) -> usize {
        s.group
    }

    /// Ends the sample begun by [`FileProfiler::begin_sample`].
    pub fn end_sample(&mut self, s: ProfSample) {
        if let Some(group) = self.groups.get_mut(s.group) {
            group.end_sample(&mut self.touched);
        }
    }
}

impl SampleSink for FileProfiler {
    fn sample(&mut self, sample: &dyn Sample, _issues: &[Issue]) {
        let mut s = self.begin_sample(sample);
        sample.walk_fhir(&mut |item, facts| self.item_with(&mut s, item, facts));
        self.end_sample(s);
    }

    fn issue(&mut self, _issue: &Issue) {}
}

/// The profile of one file's bytes (format detected by content).
pub fn profile_file(file: &SourceFile, bytes: &[u8]) -> Profile {
    let format = detect(bytes, Some(&file.path));
    let mut p = FileProfiler::new(file.path.display().to_string());
    read_samples(file, format, bytes, ReadOptions::default(), &mut p);
    p.finish()
}

/// The profile of in-memory bytes standing for a file at `path` (tests, embedders).
pub fn profile_bytes(path: &str, bytes: &[u8]) -> Profile {
    let file = SourceFile {
        id: FileId(0),
        path: PathBuf::from(path),
        walked: false,
    };
    profile_file(&file, bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// Where the walk gives a path's facts, they are what `strip_indexes` (and the
        /// rules' own stripping) make of the path.
        #[test]
        fn path_facts_agree_with_strip_indexes(parts in proptest::collection::vec(proptest::sample::select(vec!["a", ".b", "[0]", "[12]", "[", "]", "[x]", "_", "7"]), 0..10)) {
            let path = parts.concat();
            let mut facts = String::new();
            if let Some(rep) = ira_parse::fhir::strip_plain(&path, &mut facts) {
                let mut buf = String::new();
                proptest::prop_assert_eq!(strip_indexes(&path, &mut buf), rep);
                proptest::prop_assert_eq!(&buf, &facts);
                proptest::prop_assert_eq!(crate::target::strip_indexes(&path), facts);
            }
        }
    }

    /// Codes are counted exactly through runs of one code, more than eight distinct
    /// codes (past the counter's inline ones), long codes, values that are no code and
    /// explicit nulls; first
    /// locations are the first three values however many follow.
    #[test]
    fn coded_values_are_counted_exactly_through_runs() {
        let sexes = [
            "F",
            "F",
            "M",
            "F",
            "U",
            "U",
            "U",
            "A",
            "N",
            "O",
            "X",
            "Y",
            "Z",
            "F",
            "M",
            "\"\"",
            "AVERYLONGCODEVALUEPASTSIXTEEN",
            "F",
            "F",
            "Q",
            "not a code at all",
        ];
        let mut file = String::new();
        for (i, sex) in sexes.iter().enumerate() {
            file.push_str(&format!(
                "MSH|^~\\&|A|B|C|D|20240101||ADT^A01^ADT_A01|{i}|P|2.5.1\rPID|1||{i}^^^H^MR||DOE^J||19700101|{sex}\r"
            ));
        }
        let p = profile_bytes("codes.hl7", file.as_bytes());
        let g = p.groups.values().next().expect("one group");
        let pid8 = g
            .paths
            .iter()
            .find(|(k, _)| k.0 == "PID-8")
            .map(|(_, v)| v)
            .expect("PID-8 profiled");
        let codes = pid8.codes.as_ref().expect("PID-8 is coded");
        let mut want: std::collections::BTreeMap<String, u64> = Default::default();
        // A long code is counted (in the counter's map, not its short keys); a value that
        // does not look like a code is not.
        for s in sexes.iter().filter(|s| !s.contains(' ') && **s != "\"\"") {
            *want.entry((*s).to_owned()).or_default() += 1;
        }
        let got: std::collections::BTreeMap<String, u64> =
            codes.values.iter().map(|(k, v)| (k.clone(), *v)).collect();
        assert_eq!(got, want);
        assert_eq!(codes.too_long, 1);
        assert_eq!(
            codes.total,
            sexes.len() as u64 - 1,
            "the null is not a value"
        );
        assert_eq!(pid8.nulls, 1);
        let offsets: Vec<u64> = pid8.first_seen.iter().map(|s| s.offset).collect();
        assert_eq!(offsets.len(), LOCATIONS_KEPT);
        assert!(offsets.windows(2).all(|w| w[0] < w[1]), "{offsets:?}");
        let first = file.find("|F\r").map(|i| i as u64 + 1);
        assert_eq!(offsets.first().copied(), first);
    }

    #[test]
    fn strips_indexes_and_returns_the_innermost_repetition() {
        let mut b = String::new();
        assert_eq!(strip_indexes("Patient.name[0].given[2]", &mut b), 3);
        assert_eq!(b, "Patient.name.given");
        assert_eq!(strip_indexes("Patient.birthDate", &mut b), 1);
        assert_eq!(b, "Patient.birthDate");
        assert_eq!(strip_indexes("Patient.identifier[1].system", &mut b), 2);
        assert_eq!(b, "Patient.identifier.system");
    }
}
