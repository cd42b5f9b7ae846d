//! Hash maps and sets for the hot lookup tables of profiling and rules, on the readers'
//! fast hasher ([`ira_parse::hash`]), and string keys packed into integers.

use std::collections::HashMap;
use std::hash::BuildHasherDefault;

/// The hasher, shared with the readers ([`ira_parse::hash::WordHash`]).
pub(crate) use ira_parse::hash::WordHash as Fx;

pub(crate) type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<Fx>>;

pub(crate) type FastSet<K> = std::collections::HashSet<K, BuildHasherDefault<Fx>>;

/// A string of at most 15 bytes packed with its length into one integer: hashed in one
/// step and compared without a call to `memcmp`. Codes are short (`F`, `LN`, `mg/dL`).
#[inline]
fn pack_short(s: &str) -> Option<u128> {
    pack_short_bytes(s.as_bytes())
}

#[inline]
pub(crate) fn pack_short_bytes(b: &[u8]) -> Option<u128> {
    let len = u8::try_from(b.len()).ok().filter(|&n| n <= 15)?;
    // Little-endian bytes by shifts: codes are a few bytes, and copying a slice of
    // unknown length into an array is a call to `memcpy`.
    let k = b.iter().rev().fold(0u128, |k, &x| (k << 8) | u128::from(x));
    Some(k | (u128::from(len) << 120))
}

/// The string packed by [`pack_short`].
fn unpack_short(k: u128) -> String {
    let w = k.to_le_bytes();
    let len = usize::from(w[15]).min(15);
    String::from_utf8_lossy(&w[..len]).into_owned()
}

/// A set of strings, short ones packed into integers ([`pack_short`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct StrSet {
    short: FastSet<u128>,
    long: FastSet<Box<str>>,
}

impl StrSet {
    pub(crate) fn insert(&mut self, s: &str) {
        match pack_short(s) {
            Some(k) => {
                self.short.insert(k);
            }
            None => {
                self.long.insert(s.into());
            }
        }
    }

    /// Whether the set holds the string whose UTF-8 bytes are `b`.
    #[inline]
    pub(crate) fn contains_utf8(&self, b: &[u8]) -> bool {
        match pack_short_bytes(b) {
            Some(k) => self.short.contains(&k),
            None => std::str::from_utf8(b).is_ok_and(|s| self.long.contains(s)),
        }
    }
}

impl<'a> FromIterator<&'a str> for StrSet {
    fn from_iter<I: IntoIterator<Item = &'a str>>(iter: I) -> Self {
        let mut set = StrSet::default();
        iter.into_iter().for_each(|s| set.insert(s));
        set
    }
}

/// A map keyed by strings, short ones packed into integers ([`pack_short`]).
#[derive(Clone, Debug)]
pub(crate) struct StrMap<V> {
    short: FastMap<u128, V>,
    long: FastMap<Box<str>, V>,
}

impl<V> Default for StrMap<V> {
    fn default() -> Self {
        Self {
            short: FastMap::default(),
            long: FastMap::default(),
        }
    }
}

impl<V> StrMap<V> {
    #[inline]
    pub(crate) fn get(&self, s: &str) -> Option<&V> {
        match pack_short(s) {
            Some(k) => self.short.get(&k),
            None => self.long.get(s),
        }
    }

    /// The value of `s`, inserted with `f` if absent.
    pub(crate) fn entry_or_insert_with(&mut self, s: &str, f: impl FnOnce() -> V) -> &mut V {
        match pack_short(s) {
            Some(k) => self.short.entry(k).or_insert_with(f),
            None => self.long.entry(s.into()).or_insert_with(f),
        }
    }

    /// [`StrMap::entry_or_insert_with`] for the UTF-8 bytes of a string (`b` must be
    /// UTF-8: other bytes are keyed by their lossy decoding).
    #[inline]
    pub(crate) fn entry_utf8_or_insert_with(&mut self, b: &[u8], f: impl FnOnce() -> V) -> &mut V {
        match pack_short_bytes(b) {
            Some(k) => self.short.entry(k).or_insert_with(f),
            None => self
                .long
                .entry(String::from_utf8_lossy(b).into())
                .or_insert_with(f),
        }
    }

    /// Every entry, keys as strings (in no particular order).
    pub(crate) fn into_entries(self) -> impl Iterator<Item = (String, V)> {
        self.short
            .into_iter()
            .map(|(k, v)| (unpack_short(k), v))
            .chain(self.long.into_iter().map(|(k, v)| (k.into_string(), v)))
    }
}

/// Counts of strings: a [`StrMap`] behind the last short key counted, whose count waits
/// until another key comes. Coded fields repeat their last value far more often than
/// not (a status, a unit, a processing id), so most values cost one comparison instead
/// of a hash probe.
#[derive(Clone, Debug, Default)]
pub(crate) struct StrCounter {
    map: StrMap<u64>,
    /// The first [`StrCounter::FEW`] short keys met (`few[..len]`), with their counts (a
    /// key is either here or in `map`), and the index of the last one counted. Kept
    /// inline: a coded slot's counter is a cache miss away already, and a vector here
    /// was a second one per value.
    few: [(u128, u64); StrCounter::FEW],
    len: usize,
    last: usize,
}

impl StrCounter {
    /// Short keys counted without hashing: a coded field holds a handful of codes.
    const FEW: usize = 8;

    /// Counts the string whose UTF-8 bytes are `b` once (other bytes are keyed by their
    /// lossy decoding, as [`StrMap::entry_utf8_or_insert_with`]).
    #[inline]
    pub(crate) fn add_utf8(&mut self, b: &[u8]) {
        let Some(k) = pack_short_bytes(b) else {
            *self.map.entry_utf8_or_insert_with(b, || 0) += 1;
            return;
        };
        let few = &mut self.few[..self.len.min(Self::FEW)];
        if let Some(e) = few.get_mut(self.last)
            && e.0 == k
        {
            e.1 += 1;
            return;
        }
        if let Some(i) = few.iter().position(|e| e.0 == k) {
            self.last = i;
            if let Some(e) = few.get_mut(i) {
                e.1 += 1;
            }
        } else if let Some(e) = self.few.get_mut(self.len) {
            *e = (k, 1);
            self.last = self.len;
            self.len += 1;
        } else {
            *self.map.short.entry(k).or_insert(0) += 1;
        }
    }

    /// Counts the short key `k` (packed by [`pack_short_bytes`]) `n` times.
    pub(crate) fn add_packed(&mut self, k: u128, n: u64) {
        let few = &mut self.few[..self.len.min(Self::FEW)];
        if let Some(i) = few.iter().position(|e| e.0 == k) {
            self.last = i;
            if let Some(e) = few.get_mut(i) {
                e.1 += n;
            }
        } else if let Some(e) = self.few.get_mut(self.len) {
            *e = (k, n);
            self.last = self.len;
            self.len += 1;
        } else {
            *self.map.short.entry(k).or_insert(0) += n;
        }
    }

    /// Every string with its count (in no particular order).
    pub(crate) fn into_entries(mut self) -> impl Iterator<Item = (String, u64)> {
        for &(k, n) in &self.few[..self.len.min(Self::FEW)] {
            *self.map.short.entry(k).or_insert(0) += n;
        }
        self.map.into_entries()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_and_long_strings_are_kept_apart_and_found() {
        let set: StrSet = ["F", "", "exactly15bytes!", "sixteen bytes..."]
            .into_iter()
            .collect();
        for s in ["F", "", "exactly15bytes!", "sixteen bytes..."] {
            assert!(set.contains_utf8(s.as_bytes()), "{s:?}");
        }
        // Same prefix, other length; NUL bytes do not collide with padding.
        for s in ["FF", "F\0", "exactly15bytes", "sixteen bytes.."] {
            assert!(!set.contains_utf8(s.as_bytes()), "{s:?}");
        }
        let mut map: StrMap<u64> = StrMap::default();
        for s in [
            "LN",
            "LN",
            "é",
            "a much longer code than fifteen bytes",
            "LN",
        ] {
            *map.entry_or_insert_with(s, || 0) += 1;
        }
        assert_eq!(map.get("LN"), Some(&3));
        // Keys given as bytes are the same keys.
        *map.entry_utf8_or_insert_with(b"LN", || 0) += 1;
        *map.entry_utf8_or_insert_with(b"a much longer code than fifteen bytes", || 0) += 1;
        *map.entry_utf8_or_insert_with("é".as_bytes(), || 0) += 1;
        assert!(set.contains_utf8(b"exactly15bytes!") && set.contains_utf8(b"sixteen bytes..."));
        assert!(!set.contains_utf8(b"FF") && !set.contains_utf8(b"sixteen bytes.."));
        assert_eq!(map.get("LN"), Some(&4));
        assert_eq!(map.get("a much longer code than fifteen bytes"), Some(&2));
        *map.entry_or_insert_with("é", || 0) += 1;
        let mut entries: Vec<_> = map.into_entries().collect();
        entries.sort();
        assert_eq!(
            entries,
            vec![
                ("LN".to_owned(), 4),
                ("a much longer code than fifteen bytes".to_owned(), 2),
                ("é".to_owned(), 3)
            ]
        );
    }

    #[test]
    fn a_counter_counts_what_a_map_counts() {
        let mut words: Vec<&[u8]> = vec![
            b"F",
            b"F",
            b"M",
            b"F",
            b"a much longer code than fifteen bytes",
            b"M",
            b"M",
            b"",
            b"\xff",
            b"F",
            b"a much longer code than fifteen bytes",
        ];
        // More distinct short keys than are counted without hashing, met again after.
        let many: Vec<String> = (0..20).map(|i| format!("C{i}")).collect();
        words.extend(many.iter().map(|s| s.as_bytes()));
        words.extend(many.iter().rev().map(|s| s.as_bytes()));
        words.extend([&b"F"[..], b"C19", b"C0"]);
        let mut counter = StrCounter::default();
        let mut map: StrMap<u64> = StrMap::default();
        for w in &words {
            counter.add_utf8(w);
            *map.entry_utf8_or_insert_with(w, || 0) += 1;
        }
        let mut a: Vec<_> = counter.into_entries().collect();
        let mut b: Vec<_> = map.into_entries().collect();
        a.sort();
        b.sort();
        assert_eq!(a, b);
        assert!(a.contains(&("F".to_owned(), 5)) && a.contains(&("M".to_owned(), 3)));
        // Nothing counted, nothing listed; one key only, still written at the end.
        assert_eq!(StrCounter::default().into_entries().count(), 0);
        let mut one = StrCounter::default();
        one.add_utf8(b"X");
        one.add_utf8(b"X");
        assert_eq!(
            one.into_entries().collect::<Vec<_>>(),
            vec![("X".to_owned(), 2)]
        );
    }

    #[test]
    fn packing_puts_the_bytes_little_endian_and_the_length_on_top() {
        for b in [
            &b""[..],
            b"F",
            b"LN",
            b"mg/dL",
            b"exactly15bytes!",
            b"\xff\x00",
        ] {
            let mut w = [0u8; 16];
            w[..b.len()].copy_from_slice(b);
            w[15] = b.len() as u8;
            assert_eq!(pack_short_bytes(b), Some(u128::from_le_bytes(w)), "{b:?}");
        }
        assert_eq!(pack_short_bytes(b"sixteen bytes..."), None);
    }
}
