//! Facts of an item's FHIR path that several consumers need — the path without its
//! array indexes and its innermost repetition — worked out once per item by the walk
//! cache, with an id per distinct path without indexes (a few hundred a file), so that a
//! consumer can keep what it derives from a path in an array by id instead of stripping
//! and looking the path up by string for every item (see [`crate::model::Sample::walk_fhir`]).

use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::hash::WordHash;

/// What the walk knows of one item's path (see [`strip_plain`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PathFacts<'a> {
    /// The path without array indexes: `Patient.name.given` for `Patient.name[0].given[1]`.
    pub stripped: &'a str,
    /// The innermost index + 1 (the repetition of the innermost array level); 1 when
    /// the path has no index.
    pub rep: u64,
    /// The same id for the same `stripped`, within one table.
    pub id: PathId,
}

/// The id of a path without indexes: `index` in the table `table` (tables are numbered
/// once per process, so ids of different tables never mix).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PathId {
    pub table: u64,
    pub index: u32,
}

/// Writes `path` without its array indexes into `out` and returns one more than the
/// innermost index (1 when there is none) — or `None`, `out` unspecified, unless every
/// `[` of the path opens an index: `[`, digits that fit a `u64`, `]`. Consumers strip
/// paths in ways that differ only on other paths (a member name holding brackets), and
/// those they keep handling themselves.
pub fn strip_plain(path: &str, out: &mut String) -> Option<u64> {
    out.clear();
    let b = path.as_bytes();
    let mut rep = 1;
    // Start of the text not yet copied; one pass, paths are short.
    let mut from = 0;
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'[' {
            i += 1;
            continue;
        }
        out.push_str(path.get(from..i)?);
        let mut n: u64 = 0;
        let mut j = i + 1;
        while let Some(&d) = b.get(j).filter(|d| d.is_ascii_digit()) {
            n = n.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
            j += 1;
        }
        if j == i + 1 || b.get(j) != Some(&b']') {
            return None;
        }
        rep = n.checked_add(1)?;
        i = j + 1;
        from = i;
    }
    out.push_str(path.get(from..)?);
    Some(rep)
}

/// At most this many paths get an id in one table; crafted input with endless distinct
/// member names cannot grow it (or the consumers' arrays) without bound.
const MAX_PATHS: usize = 1 << 16;

/// Interns paths without indexes.
#[derive(Debug)]
pub(crate) struct PathTable {
    table: u64,
    ids: HashMap<Box<str>, u32, BuildHasherDefault<WordHash>>,
    /// The paths by id, one after the other, and where each ends.
    names: String,
    ends: Vec<usize>,
    /// Per id, the id interned right after it last time (`u32::MAX`: none yet), and the
    /// id interned last. Resources of one type repeat their sequence of paths, so the
    /// next path is usually the predicted one: one comparison instead of a hash.
    next: Vec<u32>,
    last: u32,
}

impl Default for PathTable {
    fn default() -> Self {
        static TABLES: AtomicU64 = AtomicU64::new(1);
        Self {
            table: TABLES.fetch_add(1, Ordering::Relaxed),
            ids: HashMap::default(),
            names: String::new(),
            ends: Vec::new(),
            next: Vec::new(),
            last: u32::MAX,
        }
    }
}

impl PathTable {
    /// The id of `stripped`, a new one if it is new; `None` when the table is full.
    pub(crate) fn intern(&mut self, stripped: &str) -> Option<u32> {
        let guess = self.next.get(self.last as usize).copied();
        if let Some(g) = guess.filter(|&g| g != u32::MAX)
            && self.get(g).0 == stripped
        {
            self.last = g;
            return Some(g);
        }
        let id = match self.ids.get(stripped) {
            Some(&id) => id,
            None => {
                if self.ends.len() >= MAX_PATHS {
                    return None;
                }
                let id = u32::try_from(self.ends.len()).ok()?;
                self.names.push_str(stripped);
                self.ends.push(self.names.len());
                self.next.push(u32::MAX);
                self.ids.insert(stripped.into(), id);
                id
            }
        };
        if let Some(n) = self.next.get_mut(self.last as usize) {
            *n = id;
        }
        self.last = id;
        Some(id)
    }

    /// The path of `id` and its [`PathId`].
    /// The [`PathId`] of `id` (without its name).
    #[inline]
    pub(crate) fn id(&self, id: u32) -> PathId {
        PathId {
            table: self.table,
            index: id,
        }
    }

    pub(crate) fn get(&self, id: u32) -> (&str, PathId) {
        let i = id as usize;
        let start = match i.checked_sub(1) {
            Some(p) => self.ends.get(p).copied().unwrap_or(0),
            None => 0,
        };
        let end = self.ends.get(i).copied().unwrap_or(start);
        let name = self.names.get(start..end).unwrap_or_default();
        (
            name,
            PathId {
                table: self.table,
                index: id,
            },
        )
    }
}

/// What a consumer derives from paths, kept by [`PathId`]: filled on first use of each
/// id, and emptied when ids of another table come.
#[derive(Debug, Clone)]
pub struct ByPath<T> {
    table: u64,
    slots: Vec<Option<T>>,
}

impl<T> Default for ByPath<T> {
    fn default() -> Self {
        Self {
            table: 0,
            slots: Vec::new(),
        }
    }
}

impl<T: Clone> ByPath<T> {
    /// The value kept for `id`, if any.
    #[inline]
    pub fn get(&mut self, id: PathId) -> Option<T> {
        if id.table != self.table {
            self.table = id.table;
            self.slots.clear();
        }
        self.slots.get(id.index as usize).cloned().flatten()
    }

    /// Keeps `v` for `id`.
    pub fn insert(&mut self, id: PathId, v: T) {
        if id.table != self.table {
            self.table = id.table;
            self.slots.clear();
        }
        let i = id.index as usize;
        if self.slots.len() <= i {
            self.slots.resize(i + 1, None);
        }
        if let Some(s) = self.slots.get_mut(i) {
            *s = Some(v);
        }
    }

    /// The value kept for `id`, or `derive()` kept for it.
    #[inline]
    pub fn get_or(&mut self, id: PathId, derive: impl FnOnce() -> T) -> T {
        if let Some(v) = self.get(id) {
            return v;
        }
        let v = derive();
        self.insert(id, v.clone());
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_plain_paths_only() {
        let mut b = String::new();
        assert_eq!(strip_plain("Patient.name[0].given[2]", &mut b), Some(3));
        assert_eq!(b, "Patient.name.given");
        assert_eq!(strip_plain("Patient.birthDate", &mut b), Some(1));
        assert_eq!(b, "Patient.birthDate");
        assert_eq!(strip_plain("A.b[12][0]", &mut b), Some(1));
        assert_eq!(b, "A.b");
        for odd in [
            "A.b[]",
            "A.b[x]",
            "A.b[1",
            "A[[0]",
            "A.b[99999999999999999999]",
            "A.b[18446744073709551615]",
        ] {
            assert_eq!(strip_plain(odd, &mut b), None, "{odd}");
        }
        assert_eq!(strip_plain("A.b]", &mut b), Some(1));
    }

    #[test]
    fn predicted_ids_are_the_ids_of_the_map() {
        // Repeated sequences (predictions hit), changed ones (they miss), a path met
        // after different predecessors: every id is the first id given to that path.
        let seqs: [&[&str]; 4] = [
            &["Patient.id", "Patient.name.given", "Patient.name.family"],
            &["Patient.id", "Patient.name.given", "Patient.name.family"],
            &["Patient.id", "Patient.gender", "Patient.name.given"],
            &[
                "Observation.id",
                "Patient.id",
                "Patient.gender",
                "Patient.id",
            ],
        ];
        let mut t = PathTable::default();
        let mut first: std::collections::HashMap<&str, u32> = Default::default();
        for seq in seqs {
            for p in seq {
                let id = t.intern(p).unwrap();
                assert_eq!(*first.entry(p).or_insert(id), id, "{p}");
                assert_eq!(t.get(id).0, *p);
            }
        }
        assert_eq!(first.len(), 5);
    }

    #[test]
    fn interns_and_keeps_by_id() {
        let (mut t, mut u) = (PathTable::default(), PathTable::default());
        let a = t.intern("Patient.name.given");
        let b = t.intern("Patient.id");
        assert_eq!(t.intern("Patient.name.given"), a);
        assert_ne!(a, b);
        let (Some(a), Some(b)) = (a, b) else {
            panic!("no id")
        };
        assert_eq!(t.get(a).0, "Patient.name.given");
        assert_eq!(t.get(b).0, "Patient.id");
        let c = u.intern("Patient.id").map(|i| u.get(i).1);
        assert_ne!(Some(t.get(b).1), c);
        let mut kept: ByPath<usize> = ByPath::default();
        assert_eq!(kept.get_or(t.get(b).1, || 7), 7);
        assert_eq!(kept.get_or(t.get(b).1, || 8), 7);
        // Another table: what was kept is not used.
        if let Some(c) = c {
            assert_eq!(kept.get_or(c, || 9), 9);
        }
    }
}

/// Which FHIR paths a consumer wants (see [`crate::model::Sample::walk_fhir_where`]):
/// `wants` is asked once per path id, with the path without indexes, and its answer
/// kept. Keep the filter from sample to sample (per file), so that it asks once.
#[derive(Debug, Clone)]
pub struct PathFilter {
    wants: fn(&str) -> bool,
    known: ByPath<bool>,
}

impl PathFilter {
    /// A filter that asks `wants` about each path without indexes.
    pub fn new(wants: fn(&str) -> bool) -> Self {
        Self {
            wants,
            known: ByPath::default(),
        }
    }

    /// Whether items at the path `id` are wanted; `stripped` gives the path without
    /// indexes, called only the first time `id` is met.
    #[inline]
    pub fn wants<'s>(&mut self, id: PathId, stripped: impl FnOnce() -> &'s str) -> bool {
        match self.known.get(id) {
            Some(b) => b,
            None => {
                let b = (self.wants)(stripped());
                self.known.insert(id, b);
                b
            }
        }
    }
}
