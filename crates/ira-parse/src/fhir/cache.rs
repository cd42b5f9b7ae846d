//! A resource walked once, its items kept: analysis walks each resource several times
//! (the profiler and each rule that looks at FHIR), and replaying kept items costs far
//! less than walking the JSON text again.

use std::borrow::Cow;
use std::cell::{Cell, RefCell};

use super::{Resource, walk};
use crate::location::Location;
use crate::model::{ElementPath, Item, Sample, SampleInfo, TypeHint, Value};

/// Buffers for the items of one resource at a time, reused from resource to resource
/// (see [`WalkCache::sample`]).
#[derive(Debug, Default)]
pub struct WalkCache<'r> {
    /// The paths of the items, one after the other.
    paths: String,
    items: Vec<Kept<'r>>,
}

/// One item: its path ends at `end` in [`WalkCache::paths`] (it starts where the one
/// before ends); its value borrows from the resource text, or owns an unescaped string.
#[derive(Debug)]
struct Kept<'r> {
    end: usize,
    value: Value<'r>,
    hint: TypeHint,
    location: Location,
}

impl<'r> WalkCache<'r> {
    /// `resource` as a [`Sample`] whose first walk walks its text and keeps the items,
    /// and whose further walks replay them (the same items in the same order).
    pub fn sample<'c>(&'c mut self, resource: &'r Resource) -> CachedResource<'c, 'r> {
        self.paths.clear();
        self.items.clear();
        CachedResource {
            resource,
            cache: RefCell::new(self),
            kept: Cell::new(false),
        }
    }
}

/// A resource whose items are kept after its first walk (see [`WalkCache`]).
#[derive(Debug)]
pub struct CachedResource<'c, 'r> {
    resource: &'r Resource,
    cache: RefCell<&'c mut WalkCache<'r>>,
    kept: Cell<bool>,
}

impl Sample for CachedResource<'_, '_> {
    fn info(&self) -> SampleInfo<'_> {
        self.resource.info()
    }

    fn walk(&self, visit: &mut dyn FnMut(&Item<'_>)) {
        // A walk from inside a walk (the cache is busy) walks the text.
        let Ok(mut cache) = self.cache.try_borrow_mut() else {
            self.resource.walk(visit);
            return;
        };
        let cache: &mut WalkCache<'_> = &mut cache;
        if !self.kept.get() {
            let r = self.resource;
            walk::walk_values(
                &r.resource_type,
                &r.text,
                r.location,
                r.verbatim,
                &mut |path, value, hint, location| {
                    visit(&Item {
                        path: ElementPath::Fhir(path),
                        value: reborrow(&value),
                        hint,
                        location,
                    });
                    cache.paths.push_str(path);
                    cache.items.push(Kept {
                        end: cache.paths.len(),
                        value,
                        hint,
                        location,
                    });
                },
            );
            self.kept.set(true);
            return;
        }
        let mut start = 0;
        for k in &cache.items {
            let path = cache.paths.get(start..k.end).unwrap_or_default();
            start = k.end;
            visit(&Item {
                path: ElementPath::Fhir(path),
                value: reborrow(&k.value),
                hint: k.hint,
                location: k.location,
            });
        }
    }

    fn as_fhir(&self) -> Option<&Resource> {
        Some(self.resource)
    }
}

/// The value borrowed (no copy of an owned string).
fn reborrow<'a>(v: &'a Value<'_>) -> Value<'a> {
    match v {
        Value::V2 {
            raw,
            encoding,
            plain,
        } => Value::V2 {
            raw,
            encoding,
            plain: *plain,
        },
        Value::Text(s) => Value::Text(Cow::Borrowed(s.as_ref())),
        Value::Number(s) => Value::Number(Cow::Borrowed(s.as_ref())),
        Value::Bool(b) => Value::Bool(*b),
        Value::Null => Value::Null,
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
        let json = "{\"resourceType\":\"Patient\",\"id\":\"p1\",\"name\":[{\"family\":\"TEST\\u00e9\",\"given\":[\"A\",\"B\"]}],\n\"multipleBirthInteger\":2,\"active\":true,\"_gender\":{\"id\":null}}";
        let ndjson = "{\"resourceType\":\"Patient\",\"id\":\"p2\",\"active\":false}\n{\"resourceType\":\"Observation\",\"valueQuantity\":{\"value\":7.50}}";
        let mut resources = crate::fhir::read_json(json.as_bytes(), FileId(0)).resources;
        resources.extend(crate::fhir::read_ndjson(ndjson.as_bytes(), FileId(1)).resources);
        assert_eq!(resources.len(), 3);
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
    }
}
