//! A resource walked once, its items kept: analysis walks each resource several times
//! (the profiler and each rule that looks at FHIR), and replaying kept items costs far
//! less than walking the JSON text again.
//!
//! Items are kept as byte ranges into the resource's text (not borrowed values), so the
//! buffers carry no lifetime: the NDJSON reader fills them while it reads a line, before
//! the resource exists (see [`super::NdjsonReader::next_walked`]), and one set of buffers
//! serves every resource of a file.

use std::borrow::Cow;
use std::cell::{Cell, RefCell};

use super::lite::{Leaf, MemberCache, PathIds, unescape};
use super::path::{PathFacts, PathFilter, PathTable};
use super::{Resource, walk};
use crate::model::{ElementPath, Item, Sample, SampleInfo, TypeHint, Value};

/// [`Kept::id`] of an item whose path has no facts (see [`strip_plain`]).
const NO_ID: u32 = u32::MAX;

/// Buffers for the items of one resource at a time, reused from resource to resource
/// (see [`WalkCache::sample`]).
#[derive(Debug, Default)]
pub struct WalkCache {
    /// The paths of the items, one after the other.
    paths: String,
    /// Strings whose escapes were decoded, one after the other.
    decoded: String,
    items: Vec<Kept>,
    /// While filling: whether the text has line feeds, and the last counted position and
    /// line feeds before it.
    multiline: bool,
    counted: (usize, u32),
    /// The paths without indexes, kept for every resource of the cache.
    table: PathTable,
    /// The object members the one-pass read met (see [`WalkCache::read_clean`]).
    members: MemberCache,
    scratch: String,
}

/// One item: its path ends at `end` in [`WalkCache::paths`] (it starts where the one
/// before ends); `at`: the byte offset of its value in the text; `lines`: line feeds
/// before `at` in the text.
#[derive(Debug, Clone, Copy)]
struct Kept {
    end: usize,
    value: KeptValue,
    at: usize,
    lines: u32,
    /// The path's id in [`WalkCache::table`] ([`NO_ID`]: none), and its innermost
    /// repetition.
    id: u32,
    rep: u64,
}

#[derive(Debug, Clone, Copy)]
enum KeptValue {
    /// A string without escapes: a range of the text.
    Text(usize, usize),
    /// A string with escapes, decoded: a range of [`WalkCache::decoded`].
    Decoded(usize, usize),
    /// A number as written: a range of the text.
    Number(usize, usize),
    Bool(bool),
    Null,
}

impl WalkCache {
    /// `resource` as a [`Sample`] whose first walk walks its text and keeps the items,
    /// and whose further walks replay them (the same items in the same order).
    pub fn sample<'c, 'r>(&'c mut self, resource: &'r Resource) -> CachedResource<'c, 'r> {
        self.begin(&resource.text);
        CachedResource {
            resource,
            cache: RefCell::new(self),
            kept: Cell::new(false),
        }
    }

    /// [`WalkCache::sample`] for a resource whose items the reader kept already, filling
    /// this cache from the resource's own text.
    pub(crate) fn sample_walked<'c, 'r>(
        &'c mut self,
        resource: &'r Resource,
    ) -> CachedResource<'c, 'r> {
        CachedResource {
            resource,
            cache: RefCell::new(self),
            kept: Cell::new(true),
        }
    }

    /// Empties the cache before the leaves of `text` are kept.
    pub(crate) fn begin(&mut self, text: &str) {
        self.paths.clear();
        self.decoded.clear();
        self.items.clear();
        self.multiline = memchr::memchr(b'\n', text.as_bytes()).is_some();
        self.counted = (0, 0);
    }

    /// Reads the JSON text of a resource of R4 type `resource_type` in one pass and
    /// keeps its leaves (see [`super::lite::read_clean`]: `false` when the text must be
    /// read the usual way, the cache then holds nothing of it). Each leaf's path id
    /// comes from the member cache, not from its path string.
    pub(crate) fn read_clean(
        &mut self,
        text: &str,
        max_depth: usize,
        resource_type: &str,
        path: &mut String,
    ) -> bool {
        self.begin(text);
        let Self {
            paths,
            decoded,
            items,
            multiline,
            counted,
            table,
            members,
            scratch,
        } = self;
        let mut keep = Keeper {
            paths,
            decoded,
            items,
            multiline: *multiline,
            counted,
        };
        let ids = PathIds {
            members,
            table,
            scratch,
        };
        let clean = super::lite::read_clean(
            text,
            max_depth,
            resource_type,
            path,
            ids,
            &mut |path, leaf, at, facts| keep.keep(text, path, leaf, at, facts),
        );
        if !clean {
            self.begin("");
        }
        clean
    }

    /// Keeps one leaf of `text` (the text given to [`WalkCache::begin`]), met at byte
    /// `at` (leaves come in text order).
    pub(crate) fn keep(&mut self, text: &str, path: &str, leaf: Leaf<'_>, at: usize) {
        let facts = PathIds {
            members: &mut self.members,
            table: &mut self.table,
            scratch: &mut self.scratch,
        }
        .by_string(path);
        Keeper {
            paths: &mut self.paths,
            decoded: &mut self.decoded,
            items: &mut self.items,
            multiline: self.multiline,
            counted: &mut self.counted,
        }
        .keep(text, path, leaf, at, facts);
    }

    /// Calls `visit` with every kept item of `resource` (whose text was kept) and the
    /// facts of its path.
    fn replay(
        &self,
        resource: &Resource,
        mut filter: Option<&mut PathFilter>,
        visit: &mut dyn FnMut(&Item<'_>, Option<&PathFacts<'_>>),
    ) {
        let text = &*resource.text;
        let mut start = 0;
        for k in &self.items {
            let from = start;
            start = k.end;
            // Skipped before anything is built for the item.
            if let Some(f) = filter.as_deref_mut()
                && k.id != NO_ID
                && !f.wants(self.table.id(k.id), || self.table.get(k.id).0)
            {
                continue;
            }
            let path = self.paths.get(from..k.end).unwrap_or_default();
            let (value, hint) = match k.value {
                KeptValue::Text(a, b) => (
                    Value::Text(Cow::Borrowed(range(text, a, b))),
                    TypeHint::Text,
                ),
                KeptValue::Decoded(a, b) => (
                    Value::Text(Cow::Borrowed(range(&self.decoded, a, b))),
                    TypeHint::Text,
                ),
                KeptValue::Number(a, b) => (
                    Value::Number(Cow::Borrowed(range(text, a, b))),
                    TypeHint::Number,
                ),
                KeptValue::Bool(b) => (Value::Bool(b), TypeHint::Boolean),
                KeptValue::Null => (Value::Null, TypeHint::Null),
            };
            // Located at the value when the text stands as it is in the file; else at
            // the resource.
            let mut location = resource.location;
            if resource.verbatim {
                location.offset += k.at as u64;
                location.line = location.line.saturating_add(k.lines);
            }
            let facts = (k.id != NO_ID).then(|| {
                let (stripped, id) = self.table.get(k.id);
                PathFacts {
                    stripped,
                    rep: k.rep,
                    id,
                }
            });
            let item = Item {
                path: ElementPath::Fhir(path),
                value,
                hint,
                location,
            };
            visit(&item, facts.as_ref());
        }
    }
}

/// The item buffers of a [`WalkCache`], borrowed apart from its path table.
struct Keeper<'k> {
    paths: &'k mut String,
    decoded: &'k mut String,
    items: &'k mut Vec<Kept>,
    multiline: bool,
    counted: &'k mut (usize, u32),
}

impl Keeper<'_> {
    /// [`WalkCache::keep`] with the path's id and innermost repetition found already.
    fn keep(
        &mut self,
        text: &str,
        path: &str,
        leaf: Leaf<'_>,
        at: usize,
        facts: Option<(u32, u64)>,
    ) {
        let value = match leaf {
            Leaf::String(raw) => match unescape(raw) {
                Cow::Owned(s) => {
                    let start = self.decoded.len();
                    self.decoded.push_str(&s);
                    KeptValue::Decoded(start, self.decoded.len())
                }
                // The raw content starts after the quote at `at`.
                Cow::Borrowed(_) => KeptValue::Text(at + 1, at + 1 + raw.len()),
            },
            Leaf::Number(n) => KeptValue::Number(at, at + n.len()),
            Leaf::Bool(b) => KeptValue::Bool(b),
            Leaf::Null => KeptValue::Null,
        };
        // Lines are counted forward from the last item; a text on one line (every
        // NDJSON resource) has none to count.
        if self.multiline
            && let Some(between) = text.as_bytes().get(self.counted.0..at)
        {
            let n = memchr::memchr_iter(b'\n', between).count();
            let n = u32::try_from(n).unwrap_or(u32::MAX);
            *self.counted = (at, self.counted.1.saturating_add(n));
        }
        let (id, rep) = facts.unwrap_or((NO_ID, 1));
        self.paths.push_str(path);
        self.items.push(Kept {
            end: self.paths.len(),
            value,
            at,
            lines: self.counted.1,
            id,
            rep,
        });
    }
}

fn range(s: &str, a: usize, b: usize) -> &str {
    s.get(a..b).unwrap_or_default()
}

/// A resource whose items are kept after its first walk (see [`WalkCache`]).
#[derive(Debug)]
pub struct CachedResource<'c, 'r> {
    resource: &'r Resource,
    cache: RefCell<&'c mut WalkCache>,
    kept: Cell<bool>,
}

impl Sample for CachedResource<'_, '_> {
    fn info(&self) -> SampleInfo<'_> {
        self.resource.info()
    }

    fn walk(&self, visit: &mut dyn FnMut(&Item<'_>)) {
        self.walk_fhir(&mut |item, _| visit(item));
    }

    fn walk_fhir(&self, visit: &mut dyn FnMut(&Item<'_>, Option<&PathFacts<'_>>)) {
        self.replay_where(None, visit);
    }

    fn walk_fhir_where(
        &self,
        filter: &mut PathFilter,
        visit: &mut dyn FnMut(&Item<'_>, Option<&PathFacts<'_>>),
    ) {
        self.replay_where(Some(filter), visit);
    }

    fn as_fhir(&self) -> Option<&Resource> {
        Some(self.resource)
    }
}

impl CachedResource<'_, '_> {
    /// Walks the text the first time and keeps the items, then replays them (those
    /// `filter` wants, if any).
    fn replay_where(
        &self,
        filter: Option<&mut PathFilter>,
        visit: &mut dyn FnMut(&Item<'_>, Option<&PathFacts<'_>>),
    ) {
        // A walk from inside a walk (the cache is busy) walks the text.
        let Ok(mut cache) = self.cache.try_borrow_mut() else {
            self.resource.walk(&mut |item| visit(item, None));
            return;
        };
        let cache: &mut WalkCache = &mut cache;
        if !self.kept.get() {
            let r = self.resource;
            cache.begin(&r.text);
            walk::walk_leaves(&r.resource_type, &r.text, &mut |path, leaf, at| {
                cache.keep(&r.text, path, leaf, at);
            });
            self.kept.set(true);
        }
        cache.replay(self.resource, filter, visit);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::location::FileId;

    /// Every walk of a cached resource gives exactly the items of the resource's own walk.
    #[test]
    fn replays_the_same_items() {
        // A resource over several lines (items located line by line), and NDJSON lines.
        let json = "{\"resourceType\":\"Patient\",\"id\":\"p1\",\"name\":[{\"family\":\"TEST\\u00e9\",\"given\":[\"A\",\"B\"]}],\n\"multipleBirthInteger\":2,\"active\":true,\n\n\"_gender\":{\"id\":null}}";
        let ndjson = "{\"resourceType\":\"Patient\",\"id\":\"p2\",\"active\":false}\n{\"resourceType\":\"Observation\",\"valueQuantity\":{\"value\":7.50}}";
        let xml = "<Patient xmlns=\"http://hl7.org/fhir\"><id value=\"x\"/><active value=\"true\"/></Patient>";
        let mut resources = crate::fhir::read_json(json.as_bytes(), FileId(0)).resources;
        resources.extend(crate::fhir::read_ndjson(ndjson.as_bytes(), FileId(1)).resources);
        resources.extend(crate::fhir::read_xml(xml.as_bytes(), FileId(2)).resources);
        assert_eq!(resources.len(), 4);
        let items = |s: &dyn Sample| {
            let mut v = Vec::new();
            s.walk(&mut |i| v.push(format!("{:?}", i)));
            v
        };
        let mut cache = WalkCache::default();
        for r in &resources {
            let direct = items(r);
            assert!(!direct.is_empty());
            let cached = cache.sample(r);
            assert_eq!(items(&cached), direct);
            assert_eq!(items(&cached), direct);
            // A walk inside a walk still sees every item.
            let mut nested = 0;
            cached.walk(&mut |_| cached.walk(&mut |_| nested += 1));
            assert_eq!(nested, direct.len() * direct.len());
            assert_eq!(cached.info(), r.info());
        }
        // Items located on their own lines.
        let lines: Vec<u32> = {
            let mut v = Vec::new();
            cache
                .sample(&resources[0])
                .walk(&mut |i| v.push(i.location.line));
            v
        };
        assert_eq!(lines.first(), Some(&1));
        assert_eq!(lines.last(), Some(&4));
    }

    /// A filtered walk gives exactly the items of the whole walk whose path the filter
    /// wants, and asks the filter once per path.
    #[test]
    fn a_filtered_walk_skips_only_unwanted_paths() {
        let json = r#"{"resourceType":"Patient","id":"p1","identifier":[{"system":"s","value":"1"},{"value":"2"}],"name":[{"family":"F","given":["A","B"]}]}"#;
        let resources =
            crate::fhir::read_ndjson(format!("{json}\n{json}").as_bytes(), FileId(0)).resources;
        let mut cache = WalkCache::default();
        static ASKED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        fn wants(p: &str) -> bool {
            ASKED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            p.contains(".identifier.") || p.ends_with(".given")
        }
        let mut filter = PathFilter::new(wants);
        for r in &resources {
            let cached = cache.sample(r);
            let mut all = Vec::new();
            cached.walk_fhir(&mut |i, f| {
                all.push((format!("{i:?}"), f.map(|f| f.stripped.to_owned())))
            });
            let mut some = Vec::new();
            cached.walk_fhir_where(&mut filter, &mut |i, _| some.push(format!("{i:?}")));
            let expected: Vec<String> = all
                .into_iter()
                .filter(|(_, s)| {
                    s.as_deref()
                        .is_none_or(|s| s.contains(".identifier.") || s.ends_with(".given"))
                })
                .map(|(i, _)| i)
                .collect();
            assert_eq!(some, expected);
            assert_eq!(some.len(), 5, "{some:?}");
            // The default implementation (no walk cache) filters the same way.
            let mut direct = Vec::new();
            let mut fresh = PathFilter::new(wants);
            r.walk_fhir_where(&mut fresh, &mut |i, _| direct.push(format!("{i:?}")));
            assert_eq!(direct.len(), 7, "no facts: nothing skipped");
        }
        // Paths: id, identifier.system, identifier.value, name.family, name.given.
        assert_eq!(ASKED.load(std::sync::atomic::Ordering::Relaxed), 5);
    }
}
