//! Rules of the third kind: [`FileRule`]s see every sample of one file before they
//! decide (a reference resolves to a resource later in the same Bundle; a duplicate is
//! only a duplicate once its twin has been read).
//!
//! The engine reads one file per [`SampleRuleRun`](super::SampleRuleRun): for each file
//! it asks every file rule for a fresh [`FileState`], feeds it the file's samples in
//! file order, and finishes it at the end of the file, when the state records what it
//! found in the file's [`Tally`]. State never outlives its file, so files still run in
//! parallel and tallies still merge in file order.
//!
//! A large file read in chunks gets one state per chunk: each is put back in place
//! ([`FileState::shift`]) and merged into the state of the chunks before it
//! ([`FileState::merge_next`], in chunk order), and the merged state is finished once at
//! the end of the file — the same findings as one state fed the whole file.

use std::any::Any;

use ira_parse::model::Sample;

use super::{RuleMeta, Tally};
use crate::stream::Shift;

/// A rule that decides per file, once all its samples have been seen.
pub trait FileRule: Send + Sync {
    fn meta(&self) -> &'static RuleMeta;

    /// Fresh state for one file.
    fn start(&self) -> Box<dyn FileState>;
}

/// What a [`FileRule`] keeps while one file is read. Keep shapes, ids for matching and
/// locations; what is recorded in the tally must be PHI-free like any finding.
pub trait FileState: Send + Any {
    /// Looks at the next sample of the file (whose scope, e.g. `Observation`, is given).
    fn observe(&mut self, sample: &dyn Sample, scope: &str);

    /// The file is finished: records what was found. A state records each sample at
    /// most once per key, as sample rules do.
    fn finish(self: Box<Self>, tally: &mut Tally);

    /// Moves every location kept by `by` (the state of a chunk read on its own, put back
    /// in place in its file).
    fn shift(&mut self, by: Shift);

    /// Adds the state of the next chunk of the same file (a state started by the same
    /// rule, already shifted), as if this state had gone on to observe its samples.
    fn merge_next(&mut self, next: Box<dyn FileState>);
}

/// The file rules' states over part of a file, one per rule in [`super::file_rules`]
/// order, not decided yet (empty when the part held no sample).
#[derive(Default)]
pub struct FileStates(pub(crate) Vec<Box<dyn FileState>>);

impl std::fmt::Debug for FileStates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("FileStates").field(&self.0.len()).finish()
    }
}

impl FileStates {
    /// Moves every location by `by` (see [`FileState::shift`]).
    pub fn shift(&mut self, by: Shift) {
        for s in &mut self.0 {
            s.shift(by);
        }
    }

    /// Adds the states of the next chunk of the same file.
    pub fn merge_next(&mut self, next: FileStates) {
        if self.0.is_empty() {
            *self = next;
            return;
        }
        for (mine, theirs) in self.0.iter_mut().zip(next.0) {
            mine.merge_next(theirs);
        }
    }

    /// The file is finished: every rule records what it found.
    pub fn finish(self, tally: &mut Tally) {
        for s in self.0 {
            s.finish(tally);
        }
    }
}

/// `next` as the concrete state `T` (a state merges only with a state of its own rule).
pub(super) fn downcast<T: FileState>(next: Box<dyn FileState>) -> Option<Box<T>> {
    let any: Box<dyn Any> = next;
    any.downcast::<T>().ok()
}

/// A set of key hashes ([`key_hash`]): already hashed, so a cheap hasher serves.
pub(super) type KeySet =
    std::collections::HashSet<u64, std::hash::BuildHasherDefault<crate::fasthash::Fx>>;

/// A map from key hashes ([`key_hash`]).
pub(super) type KeyMap<V> = crate::fasthash::FastMap<u64, V>;

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
