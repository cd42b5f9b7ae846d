//! Rules of the third kind: [`FileRule`]s see every sample of one file before they
//! decide (a reference resolves to a resource later in the same Bundle; a duplicate is
//! only a duplicate once its twin has been read).
//!
//! The engine reads one file per [`SampleRuleRun`](super::SampleRuleRun): for each file
//! it asks every file rule for a fresh [`FileState`], feeds it the file's samples in
//! file order, and finishes it at the end of the file, when the state records what it
//! found in the file's [`Tally`]. State never outlives its file, so files still run in
//! parallel and tallies still merge in file order.

use ira_parse::model::Sample;

use super::{RuleMeta, Tally};

/// A rule that decides per file, once all its samples have been seen.
pub trait FileRule: Send + Sync {
    fn meta(&self) -> &'static RuleMeta;

    /// Fresh state for one file.
    fn start(&self) -> Box<dyn FileState>;
}

/// What a [`FileRule`] keeps while one file is read. Keep shapes, ids for matching and
/// locations; what is recorded in the tally must be PHI-free like any finding.
pub trait FileState: Send {
    /// Looks at the next sample of the file (whose scope, e.g. `Observation`, is given).
    fn observe(&mut self, sample: &dyn Sample, scope: &str);

    /// The file is finished: records what was found. A state records each sample at
    /// most once per key, as sample rules do.
    fn finish(self: Box<Self>, tally: &mut Tally);
}

/// Hash of the parts of a key (`Patient`, `123`): file rules keep hashes, not the ids
/// themselves, so a state stays small on a large NDJSON file. 64 bits make a collision
/// (two distinct ids taken for one) negligible at any file size ira reads.
pub(super) fn key_hash(parts: &[&str]) -> u64 {
    use std::hash::{Hash, Hasher};
    // `DefaultHasher::new()` has fixed keys: the same hash in every run.
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for p in parts {
        p.hash(&mut h);
    }
    h.finish()
}

/// Strings a state repeats for many samples (scopes, paths, details), stored once and
/// referred to by index.
#[derive(Debug, Default)]
pub(super) struct Interner {
    strings: Vec<String>,
    index: std::collections::HashMap<String, u32>,
}

impl Interner {
    /// The index of `s`, added if new.
    pub(super) fn intern(&mut self, s: &str) -> u32 {
        if let Some(&i) = self.index.get(s) {
            return i;
        }
        let i = u32::try_from(self.strings.len()).unwrap_or(u32::MAX);
        self.strings.push(s.to_owned());
        self.index.insert(s.to_owned(), i);
        i
    }

    /// The string at `i` (empty if unknown).
    pub(super) fn get(&self, i: u32) -> &str {
        self.strings.get(i as usize).map_or("", String::as_str)
    }
}
