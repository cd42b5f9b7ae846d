//! One lookup per v2 leaf for both the profiler and the leaf rules.
//!
//! Both keep facts per schema position: the profiler a slot and a leaf of the message's
//! group, the rules engine the map's facts and which leaf rules want the position. Each
//! used to find its own by the leaf's path, predicting the next position from the last
//! sample. [`LeafIndex`] does that once per leaf and hands both their ids: messages of
//! one group repeat their sequence of paths, so a leaf usually costs one comparison with
//! the predicted entry.

use ira_parse::model::{Item, V2Path};

use crate::fasthash::FastMap;
use crate::profile::{FileProfiler, ProfSample, obx_type_of, pack};
use crate::rules::{RuleSample, SampleRuleRun, V2Position};

/// What both consumers know of one (group, schema position, OBX-5 type).
struct Entry<'e> {
    group: u32,
    key: u64,
    /// The OBX-5 value type by address (0: none); see `profile::obx_type_of`.
    obx: usize,
    slot: u32,
    leaf: u32,
    at: V2Position<'e>,
    wanted: u32,
    /// The entry that followed this one last time ([`NONE`]: not known).
    next: u32,
}

/// No entry.
const NONE: u32 = u32::MAX;

/// The two consumers of a sample's leaves, and where each is in the sample.
pub(crate) struct Both<'a, 'e> {
    pub profiler: &'a mut FileProfiler,
    pub p: &'a mut ProfSample,
    pub rules: &'a mut SampleRuleRun<'e>,
    pub r: &'a mut RuleSample,
}

impl Both<'_, '_> {
    /// Each finds the leaf's facts itself (the index does not cover it).
    fn each(&mut self, item: &Item<'_>) {
        self.profiler.item(self.p, item);
        self.rules.item(self.r, item);
    }
}

/// The shared per-leaf index of one file (see the module documentation).
pub(crate) struct LeafIndex<'e> {
    entries: Vec<Entry<'e>>,
    by_key: FastMap<(u32, u64, usize), u32>,
    /// The entry that started the last sample of each group.
    start: Vec<u32>,
}

impl std::fmt::Debug for LeafIndex<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LeafIndex")
            .field("entries", &self.entries.len())
            .finish()
    }
}

impl<'e> LeafIndex<'e> {
    pub(crate) fn new() -> Self {
        Self {
            entries: Vec::new(),
            by_key: FastMap::default(),
            start: Vec::new(),
        }
    }

    /// Hands one v2 leaf of the sample to the profiler and the leaf rules. `prev` is the
    /// sample's previous entry ([`LeafIndex::START`] at its start).
    #[inline]
    pub(crate) fn leaf(
        &mut self,
        prev: &mut u32,
        item: &Item<'_>,
        path: V2Path,
        to: &mut Both<'_, 'e>,
    ) {
        let obx = obx_type_of(to.p, &path, item);
        let schema = path.schema_key();
        let Some(key) = pack(&schema) else {
            // A component or subcomponent above 4095: each finds its own.
            to.each(item);
            return;
        };
        let obx_id = obx.map_or(0, |t| t.as_ptr() as usize);
        let group = FileProfiler::group_of(to.p) as u32;
        let guess = match *prev {
            NONE => self.start.get(group as usize).copied().unwrap_or(NONE),
            e => self.entries.get(e as usize).map_or(NONE, |e| e.next),
        };
        let index = match self.entries.get(guess as usize) {
            Some(e) if e.key == key && e.obx == obx_id && e.group == group => guess,
            _ => {
                let Some(i) = self.find((group, key, obx_id), schema, obx, to) else {
                    to.each(item);
                    return;
                };
                match *prev {
                    NONE => {
                        if self.start.len() <= group as usize {
                            self.start.resize(group as usize + 1, NONE);
                        }
                        if let Some(s) = self.start.get_mut(group as usize) {
                            *s = i;
                        }
                    }
                    e => {
                        if let Some(e) = self.entries.get_mut(e as usize) {
                            e.next = i;
                        }
                    }
                }
                i
            }
        };
        *prev = index;
        if let Some(e) = self.entries.get(index as usize) {
            to.profiler
                .record_v2(to.p, e.slot, e.leaf, item, u64::from(path.repetition));
            to.rules.leaf_at(to.r, item, path, &e.at, e.wanted);
        }
    }

    /// The entry of (group, key, OBX-5 type), made if new; `None` past `u32` entries.
    fn find(
        &mut self,
        (group, key, obx_id): (u32, u64, usize),
        schema: V2Path,
        obx: Option<&'static str>,
        to: &mut Both<'_, 'e>,
    ) -> Option<u32> {
        if let Some(&i) = self.by_key.get(&(group, key, obx_id)) {
            return Some(i);
        }
        let i = u32::try_from(self.entries.len())
            .ok()
            .filter(|&i| i != NONE)?;
        let (slot, leaf) = to.profiler.v2_slot(to.p, schema, obx)?;
        let (at, wanted) = to.rules.subscription(&schema);
        self.entries.push(Entry {
            group,
            key,
            obx: obx_id,
            slot,
            leaf,
            at,
            wanted,
            next: NONE,
        });
        self.by_key.insert((group, key, obx_id), i);
        Some(i)
    }

    /// `prev` at the start of a sample.
    pub(crate) const START: u32 = NONE;
}
