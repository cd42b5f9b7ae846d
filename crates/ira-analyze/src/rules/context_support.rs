//! Helpers shared by the context rules: legacy groups in scope, the segment maps a
//! message structure applies, the inverse of the map (FHIR element → v2 sources), and
//! building findings from profile evidence.

use std::cell::OnceCell;
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Bound;
use std::sync::{Arc, OnceLock};

use ira_parse::model::V2Path;

use super::{Finding, RiskSeverity, RuleMeta};
use crate::fasthash::FastMap;
use crate::map::{FieldMapping, Map, SegmentMap, resolve};
use crate::profile::{Group, GroupStandard, SeenAt};
use crate::spec::Spec;

/// The HL7 v2 groups of the legacy profile whose message types are in the spec's scope
/// (all of them when there is no spec or it lists no message types).
pub(super) fn v2_groups<'a>(
    legacy: &'a crate::profile::Profile,
    spec: Option<&Spec>,
) -> Vec<&'a Group> {
    legacy
        .groups
        .values()
        .filter(|g| g.standard == GroupStandard::V2)
        .filter(|g| match spec {
            None => true,
            Some(s) => g.kinds.is_empty() || g.kinds.keys().any(|k| s.in_scope(k)),
        })
        .collect()
}

/// The segment ids a group's samples carry.
pub(super) fn segments(group: &Group) -> BTreeSet<[u8; 3]> {
    group
        .paths
        .keys()
        .filter_map(|k| V2Path::parse(&k.0))
        .map(|p| p.segment)
        .collect()
}

/// The segment maps that apply to a group: every map the guide's message map names for
/// the group's structure, and each carried segment's main map (all of them for a
/// structure the guide has no message map for).
pub(super) fn applied_maps(map: &Map, group: &Group) -> BTreeSet<String> {
    let mut out: BTreeSet<String> = map
        .message(&group.name)
        .map(|m| {
            m.segments
                .iter()
                .filter_map(|s| s.segment_map.clone())
                .collect()
        })
        .unwrap_or_default();
    for seg in segments(group) {
        let id = std::str::from_utf8(&seg).unwrap_or_default();
        if let Some(first) = map.segment(id).and_then(|s| s.maps.first()) {
            out.insert(first.clone());
        }
    }
    out
}

/// The resources a group's samples build: those of the applied maps of the segments
/// its samples carry.
pub(super) fn built_resources<'m>(
    map: &'m Map,
    group: &Group,
    maps: &BTreeSet<String>,
) -> BTreeSet<&'m str> {
    let segs: BTreeSet<String> = segments(group)
        .iter()
        .map(|s| String::from_utf8_lossy(s).into_owned())
        .collect();
    map.segments()
        .filter(|s| segs.contains(&s.id))
        .flat_map(|s| s.rows())
        .filter(|r| maps.contains(&r.map))
        .map(|r| r.resource.as_str())
        .collect()
}

/// One v2 position that feeds a FHIR element.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Source {
    /// The segment map the row belongs to (`PID[Patient]`).
    pub map: String,
    /// Field, component or subcomponent (schema key, `PID-3.1`).
    pub path: V2Path,
}

/// The inverse of [`Map::targets`]: FHIR element path (no indexes) → the v2 positions
/// (fields, components, subcomponents) that feed it.
///
/// Built lazily in parts, one per field and resource (the first part of the element
/// paths), for the parts a query can reach: a query for `Patient.birthDate` through
/// `PID[Patient]` resolves the PID fields whose rows can reach it (their element paths,
/// [`resolve::prefix`], and the query's are prefixes of one another), nothing else. A
/// segment the map shares with the built-in map ([`Map::shares_builtin_segment`])
/// takes its parts from a process-wide cache, so only what a project's overrides change
/// is resolved anew per map.
pub(super) struct InverseMap<'m> {
    map: &'m Map,
    /// Segment id → resource → its fields, listed on first use.
    parts: BTreeMap<&'m str, BTreeMap<&'m str, OnceCell<Vec<FieldPart<'m>>>>>,
}

/// One field's part of the inverse map for one resource, built on first use.
struct FieldPart<'m> {
    field: u16,
    /// What the element paths its rows reach start with ([`resolve::prefix`]).
    prefixes: BTreeSet<&'m str>,
    part: OnceCell<Arc<SegmentInverse>>,
}

/// A field row can reach `resource`.
fn reaches(row: &FieldMapping, resource: &str) -> bool {
    row.resource == resource
        || row
            .rule
            .target
            .as_ref()
            .is_some_and(|t| root(&t.path) == resource)
}

/// The fields of `seg` with a row that can reach `resource`, with their prefixes.
fn field_parts<'m>(map: &'m Map, seg: &'m SegmentMap, resource: &str) -> Vec<FieldPart<'m>> {
    let mut out: Vec<FieldPart<'m>> = Vec::new();
    for row in seg.rows().iter().filter(|r| reaches(r, resource)) {
        let Some(prefix) = resolve::prefix(map, row) else {
            continue;
        };
        // Rows are ordered by field.
        match out.last_mut() {
            Some(last) if last.field == row.field => {
                last.prefixes.insert(prefix);
            }
            _ => out.push(FieldPart {
                field: row.field,
                prefixes: BTreeSet::from([prefix]),
                part: OnceCell::new(),
            }),
        }
    }
    out
}

/// The first part of a FHIR path (`Patient` of `Patient.name.family`).
fn root(path: &str) -> &str {
    path.split('.').next().unwrap_or(path)
}

/// The resources (first parts) the element paths a segment's rows reach start with:
/// each row's resource and the first part of its own element path (every path reached
/// through a row extends one of the two, see `map::resolve`).
fn roots(seg: &SegmentMap) -> BTreeSet<&str> {
    let mut out = BTreeSet::new();
    for row in seg.rows() {
        if let Some(el) = &row.rule.target {
            out.insert(row.resource.as_str());
            out.insert(root(&el.path));
        }
    }
    out
}

/// One part of the inverse map: the element paths that the rows of one field reach in
/// one resource, and their sources.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct SegmentInverse {
    by_target: BTreeMap<String, BTreeSet<Source>>,
}

impl SegmentInverse {
    /// Resolves, through the rows of field `f` of `seg` that can reach `resource`, the
    /// field and every component and subcomponent the datatype maps of its v2 types
    /// know, keeping the element paths in `resource`.
    pub(super) fn build(map: &Map, seg: &SegmentMap, resource: &str, f: u16) -> Self {
        // Hashed while resolving (element paths share long prefixes: a search tree
        // would compare them again and again), ordered once at the end.
        let mut by_target: FastMap<String, Vec<Source>> = FastMap::default();
        let Ok(id) = <[u8; 3]>::try_from(seg.id.as_bytes()) else {
            return SegmentInverse::default();
        };
        {
            let rows = seg.field(f);
            let reaching: Vec<&FieldMapping> =
                rows.iter().filter(|r| reaches(r, resource)).collect();
            let mut add = |path: V2Path| {
                resolve::visit_rows(map, reaching.iter().copied(), &path, &mut |t| {
                    if root(t.path) != resource {
                        return;
                    }
                    let source = Source {
                        map: t.map.to_owned(),
                        path,
                    };
                    match by_target.get_mut(t.path) {
                        Some(sources) => sources.push(source),
                        None => {
                            by_target.insert(t.path.to_owned(), vec![source]);
                        }
                    }
                });
            };
            let field = V2Path::field(id, f);
            add(field);
            // The positions are those of every row's v2 type (as `Map::targets` would
            // be asked), resolved through the rows that reach `resource`: each component
            // of the datatype maps of those types, and each subcomponent of the datatype
            // maps of the component's types.
            let types: BTreeSet<&str> = rows.iter().map(|r| r.v2_type.as_str()).collect();
            let mut components: BTreeMap<u16, BTreeSet<&str>> = BTreeMap::new();
            for of_type in types.into_iter().filter_map(|t| map.type_components(t)) {
                for (&c, ctypes) in of_type {
                    components
                        .entry(c)
                        .or_default()
                        .extend(ctypes.iter().map(String::as_str));
                }
            }
            for (c, ctypes) in components {
                let comp = V2Path {
                    component: c,
                    ..field
                };
                add(comp);
                let subs: BTreeSet<u16> = ctypes
                    .into_iter()
                    .filter_map(|t| map.type_components(t))
                    .flat_map(|of_type| of_type.keys().copied())
                    .collect();
                for s in subs {
                    add(V2Path {
                        subcomponent: s,
                        ..comp
                    });
                }
            }
        }
        SegmentInverse {
            by_target: by_target
                .into_iter()
                .map(|(k, v)| (k, v.into_iter().collect()))
                .collect(),
        }
    }

    /// Adds to `out` the sources of `stem` (a choice element's stem when `choice`) and
    /// of the elements inside it, through one of `maps`.
    fn sources<'a>(
        &'a self,
        stem: &str,
        choice: bool,
        maps: &BTreeSet<String>,
        out: &mut BTreeSet<&'a Source>,
    ) {
        let found = self
            .by_target
            .range::<str, _>((Bound::Included(stem), Bound::Unbounded))
            .take_while(|(k, _)| k.starts_with(stem))
            .filter(|(k, _)| {
                let rest = &k[stem.len()..];
                rest.is_empty()
                    || rest.starts_with('.')
                    || (choice && rest.starts_with(|c: char| c.is_ascii_uppercase()))
            })
            .flat_map(|(_, s)| s.iter())
            .filter(|s| maps.contains(&s.map));
        out.extend(found);
    }
}

/// A part of a field of the built-in map, built on first use, once per process.
fn builtin_part(
    map: &Map,
    seg: &SegmentMap,
    resource: &str,
    field: u16,
) -> Option<Arc<SegmentInverse>> {
    /// Segment id → resource → field → part.
    type Parts = BTreeMap<String, BTreeMap<String, BTreeMap<u16, OnceLock<Arc<SegmentInverse>>>>>;
    static PARTS: OnceLock<Parts> = OnceLock::new();
    if !map.shares_builtin_segment(&seg.id) {
        return None;
    }
    let parts = PARTS.get_or_init(|| {
        let mut parts = Parts::new();
        for s in Map::builtin().segments() {
            let of_segment = parts.entry(s.id.clone()).or_default();
            for row in s.rows() {
                if let Some(el) = &row.rule.target {
                    for r in [row.resource.as_str(), root(&el.path)] {
                        of_segment
                            .entry(r.to_owned())
                            .or_default()
                            .entry(row.field)
                            .or_default();
                    }
                }
            }
        }
        parts
    });
    let part = parts
        .get(&seg.id)?
        .get(resource)?
        .get(&field)?
        .get_or_init(|| Arc::new(SegmentInverse::build(map, seg, resource, field)));
    Some(Arc::clone(part))
}

impl<'m> InverseMap<'m> {
    /// The inverse of `map` (nothing is resolved until a query needs it).
    pub fn build(map: &'m Map) -> Self {
        InverseMap {
            map,
            parts: map
                .segments()
                .map(|s| {
                    let parts = roots(s).into_iter().map(|r| (r, OnceCell::new())).collect();
                    (s.id.as_str(), parts)
                })
                .collect(),
        }
    }

    /// The fields of `seg` that can reach `resource`.
    fn fields(&self, seg: &'m SegmentMap, resource: &str) -> &[FieldPart<'m>] {
        let Some(cell) = self
            .parts
            .get(seg.id.as_str())
            .and_then(|r| r.get(resource))
        else {
            return &[];
        };
        cell.get_or_init(|| field_parts(self.map, seg, resource))
    }

    fn part<'s>(
        &'s self,
        seg: &SegmentMap,
        resource: &str,
        field: &'s FieldPart<'m>,
    ) -> &'s SegmentInverse {
        field.part.get_or_init(|| {
            builtin_part(self.map, seg, resource, field.field).unwrap_or_else(|| {
                Arc::new(SegmentInverse::build(self.map, seg, resource, field.field))
            })
        })
    }

    /// The positions feeding `path` or an element inside it (`Patient.identifier` is fed
    /// by whatever feeds `Patient.identifier.value`), through one of `maps`. A choice
    /// element (`Observation.value[x]`) is fed by any of its typed forms.
    pub fn sources(&self, path: &str, maps: &BTreeSet<String>) -> BTreeSet<&Source> {
        let (stem, choice) = match path.strip_suffix("[x]") {
            Some(s) => (s, true),
            None => (path, false),
        };
        // Paths inside `stem` start with its resource; only a bare choice stem
        // (`Foo[x]`, not a FHIR path) could match other first parts.
        let resource = (!choice || stem.contains('.')).then(|| root(stem));
        let mut out = BTreeSet::new();
        // A source's map is one of its segment's maps: only those segments can feed.
        for seg in self.map.segments() {
            if !seg.maps.iter().any(|m| maps.contains(m)) {
                continue;
            }
            let Some(resources) = self.parts.get(seg.id.as_str()) else {
                continue;
            };
            for &r in resources.keys() {
                if resource.is_some_and(|want| want != r) {
                    continue;
                }
                for field in self.fields(seg, r) {
                    // A reached path starts with one of the prefixes: it can be the stem
                    // or inside it only if one of the two starts with the other.
                    let can_reach = field
                        .prefixes
                        .iter()
                        .any(|p| stem.starts_with(p) || p.starts_with(stem));
                    if can_reach {
                        self.part(seg, r, field)
                            .sources(stem, choice, maps, &mut out);
                    }
                }
            }
        }
        out
    }
}

/// Whether a profile path (`PID-5` unsplit, `PID-5.1`, `PID-3.4.1`) holds data of the
/// position `source` (a field, component or subcomponent).
pub(super) fn covers(source: &V2Path, profiled: &V2Path) -> bool {
    source.segment == profiled.segment
        && source.field == profiled.field
        && (source.component == 0 || source.component == profiled.component.max(1))
        && (source.subcomponent == 0 || source.subcomponent == profiled.subcomponent.max(1))
}

/// A finding with the severity scaled by the share of samples affected.
#[allow(clippy::too_many_arguments)]
pub(super) fn finding(
    meta: &'static RuleMeta,
    scope: &str,
    source: Option<String>,
    target: Option<String>,
    detail: String,
    affected: u64,
    total: u64,
    examples: &[SeenAt],
) -> Finding {
    let total = total.max(affected);
    let rate = if total == 0 {
        0.0
    } else {
        affected as f64 / total as f64
    };
    Finding {
        rule: meta.id,
        name: meta.name,
        severity: RiskSeverity::scaled(meta.severity, rate, meta.patient_safety),
        scope: scope.to_owned(),
        source,
        target,
        detail,
        affected,
        total,
        examples: examples
            .iter()
            .take(super::tally::MAX_EXAMPLES)
            .cloned()
            .collect(),
    }
}

/// Sorts one rule's findings by (rule, scope, source, target, detail) and appends them.
pub(super) fn emit(mut found: Vec<Finding>, out: &mut Vec<Finding>) {
    found.sort_by(|a, b| {
        (a.rule, &a.scope, &a.source, &a.target, &a.detail)
            .cmp(&(b.rule, &b.scope, &b.source, &b.target, &b.detail))
    });
    out.extend(found);
}

/// Where the group's samples start: the first locations of its most carried path.
pub(super) fn group_examples(group: &Group) -> &[SeenAt] {
    group
        .paths
        .values()
        .max_by(|a, b| {
            a.samples
                .cmp(&b.samples)
                .then(b.first_seen.cmp(&a.first_seen))
        })
        .map_or(&[], |p| p.first_seen.as_slice())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::{PathKey, PathProfile};

    fn p(s: &str) -> V2Path {
        V2Path::parse(s).unwrap()
    }

    fn group(name: &str, paths: &[&str]) -> Group {
        Group {
            standard: GroupStandard::V2,
            name: name.to_owned(),
            version: Some("2.5.1".to_owned()),
            samples: 1,
            kinds: BTreeMap::new(),
            paths: paths
                .iter()
                .map(|k| (PathKey((*k).to_owned()), PathProfile::default()))
                .collect(),
        }
    }

    #[test]
    fn inverse_map_finds_the_sources_of_an_element_and_what_is_inside_it() {
        let map = Map::builtin();
        let inv = InverseMap::build(map);
        let maps: BTreeSet<String> = ["PID[Patient]".to_owned(), "OBX[Observation]".to_owned()]
            .into_iter()
            .collect();
        let paths = |fhir: &str| -> BTreeSet<String> {
            inv.sources(fhir, &maps)
                .into_iter()
                .map(|s| s.path.to_string())
                .collect()
        };
        assert!(paths("Patient.birthDate").contains("PID-7"));
        let ids = paths("Patient.identifier");
        assert!(ids.contains("PID-3") && ids.contains("PID-3.1"), "{ids:?}");
        // A prefix of another element's name is not its parent.
        assert!(!paths("Patient.name").iter().any(|s| s.starts_with("PID-7")));
        assert!(paths("Observation.value[x]").contains("OBX-5"));
        // Only the given maps count.
        assert!(
            inv.sources("Patient.birthDate", &BTreeSet::new())
                .is_empty()
        );
    }

    /// The inverse map as it was built before the lazy, cached one: every position of
    /// every segment through [`Map::targets`], one table for the whole map.
    fn reference(map: &Map) -> BTreeMap<String, BTreeSet<Source>> {
        let mut by_target: BTreeMap<String, BTreeSet<Source>> = BTreeMap::new();
        let mut add = |path: V2Path| {
            for t in map.targets(&path) {
                by_target.entry(t.path.clone()).or_default().insert(Source {
                    map: t.map.clone(),
                    path,
                });
            }
        };
        for seg in map.segments() {
            let Ok(id) = <[u8; 3]>::try_from(seg.id.as_bytes()) else {
                continue;
            };
            for f in seg.fields() {
                let field = V2Path::field(id, f);
                add(field);
                let types: BTreeSet<&str> =
                    seg.field(f).iter().map(|r| r.v2_type.as_str()).collect();
                let mut components: BTreeMap<u16, BTreeSet<&str>> = BTreeMap::new();
                for ty in types {
                    for dt in map.datatypes().filter(|d| d.v2_type == ty) {
                        for c in dt.rows() {
                            components
                                .entry(c.component)
                                .or_default()
                                .insert(c.v2_type.as_str());
                        }
                    }
                }
                for (c, ctypes) in components {
                    let comp = V2Path {
                        component: c,
                        ..field
                    };
                    add(comp);
                    let subs: BTreeSet<u16> = ctypes
                        .iter()
                        .flat_map(|t| map.datatypes().filter(move |d| d.v2_type == *t))
                        .flat_map(|dt| dt.rows().iter().map(|r| r.component))
                        .collect();
                    for s in subs {
                        add(V2Path {
                            subcomponent: s,
                            ..comp
                        });
                    }
                }
            }
        }
        by_target
    }

    /// Every part of `inv` (built or taken from the cache now), merged into one table.
    fn merged(inv: &InverseMap<'_>) -> BTreeMap<String, BTreeSet<Source>> {
        let mut out: BTreeMap<String, BTreeSet<Source>> = BTreeMap::new();
        for seg in inv.map.segments() {
            for r in roots(seg) {
                for field in inv.fields(seg, r) {
                    for (k, v) in &inv.part(seg, r, field).by_target {
                        out.entry(k.clone()).or_default().extend(v.iter().cloned());
                    }
                }
            }
        }
        out
    }

    /// `inv` answers every query as the reference table does, for all maps and for
    /// the maps of one segment.
    fn assert_same_answers(inv: &InverseMap<'_>, reference: &BTreeMap<String, BTreeSet<Source>>) {
        let all: BTreeSet<String> = inv
            .map
            .segments()
            .flat_map(|s| s.maps.iter().cloned())
            .collect();
        let pid: BTreeSet<String> = inv
            .map
            .segment("PID")
            .unwrap()
            .maps
            .iter()
            .cloned()
            .collect();
        for maps in [&all, &pid] {
            for path in reference.keys() {
                let want: BTreeSet<&Source> = reference
                    .range(path.clone()..)
                    .take_while(|(k, _)| k.starts_with(path.as_str()))
                    .filter(|(k, _)| k.len() == path.len() || k[path.len()..].starts_with('.'))
                    .flat_map(|(_, s)| s)
                    .filter(|s| maps.contains(&s.map))
                    .collect();
                assert_eq!(inv.sources(path, maps), want, "{path}");
            }
        }
    }

    #[test]
    fn the_cached_inverse_of_the_builtin_map_equals_one_built_anew() {
        let map = Map::builtin();
        // A map built anew from the embedded data shares nothing with the built-in one:
        // its inverse is resolved from scratch.
        let fresh = Map::build_builtin().unwrap();
        assert!(map.segments().all(|s| map.shares_builtin_segment(&s.id)));
        assert!(
            !fresh
                .segments()
                .any(|s| fresh.shares_builtin_segment(&s.id))
        );
        let want = reference(&fresh);
        assert!(want.len() > 500, "{} FHIR elements", want.len());
        assert_eq!(merged(&InverseMap::build(&fresh)), want);
        // The built-in map's parts come from the process-wide cache (twice: built on
        // first use, then shared), and a clone of the built-in map uses them too.
        assert_eq!(merged(&InverseMap::build(map)), want);
        assert_eq!(merged(&InverseMap::build(map)), want);
        let clone = map.clone();
        let inv = InverseMap::build(&clone);
        let pid = clone.segment("PID").unwrap();
        let cached = builtin_part(&clone, pid, "Patient", 3).unwrap();
        let field = inv
            .fields(pid, "Patient")
            .iter()
            .find(|f| f.field == 3)
            .unwrap();
        assert!(std::ptr::eq(inv.part(pid, "Patient", field), &*cached));
        assert!(field.prefixes.contains("Patient.identifier"));
        assert_eq!(
            *cached,
            SegmentInverse::build(&fresh, fresh.segment("PID").unwrap(), "Patient", 3)
        );
        assert_same_answers(&inv, &want);
    }

    #[test]
    fn overrides_take_effect_in_the_inverse_map() {
        use crate::map::{FieldOverride, MapOverrides};
        let overrides = MapOverrides {
            fields: vec![
                FieldOverride {
                    field: "ZPI-2".into(),
                    fhir_path: "Patient.extension.valueCoding".into(),
                    fhir_type: Some("Coding".into()),
                    v2_type: Some("CWE".into()),
                    datatype_map: Some("CWE[Coding]".into()),
                    ..FieldOverride::default()
                },
                // A standard field sent elsewhere: PID-7 no longer feeds birthDate.
                FieldOverride {
                    field: "PID-7".into(),
                    fhir_path: "Patient.extension.valueDateTime".into(),
                    v2_type: Some("DTM".into()),
                    replace: true,
                    ..FieldOverride::default()
                },
            ],
            vocabularies: Vec::new(),
        };
        let map = Map::with_overrides(&overrides).unwrap();
        // Only the segments the overrides change are resolved anew.
        assert!(!map.shares_builtin_segment("PID"));
        assert!(!map.shares_builtin_segment("ZPI"));
        assert!(map.shares_builtin_segment("PV1"));
        let inv = InverseMap::build(&map);
        let want = reference(&map);
        assert_eq!(merged(&inv), want);
        assert_same_answers(&inv, &want);
        let maps: BTreeSet<String> = ["PID[Patient]".to_owned(), "ZPI[Patient]".to_owned()]
            .into_iter()
            .collect();
        let paths = |fhir: &str| -> BTreeSet<String> {
            inv.sources(fhir, &maps)
                .into_iter()
                .map(|s| s.path.to_string())
                .collect()
        };
        assert!(paths("Patient.extension").contains("ZPI-2"));
        assert!(
            paths("Patient.extension").contains("ZPI-2.1"),
            "through CWE's map"
        );
        assert!(paths("Patient.extension").contains("PID-7"));
        assert!(!paths("Patient.birthDate").contains("PID-7"));
        // The built-in map's inverse is untouched by the overrides.
        let builtin = InverseMap::build(Map::builtin());
        let b = builtin.sources("Patient.birthDate", &maps);
        assert!(b.iter().any(|s| s.path.to_string() == "PID-7"), "{b:?}");
    }

    #[test]
    fn the_spec_fixture_overrides_take_effect_in_the_inverse_map() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/spec/ira.toml");
        let text = std::fs::read_to_string(path).unwrap();
        let spec = Spec::from_toml_str(&text, "ira.toml").unwrap();
        let overrides = spec.map_overrides(&BTreeMap::new());
        assert!(!overrides.fields.is_empty());
        let map = Map::with_overrides(&overrides).unwrap();
        let inv = InverseMap::build(&map);
        let want = reference(&map);
        assert_eq!(merged(&inv), want);
        assert!(
            want.values()
                .flatten()
                .any(|s| s.path.to_string() == "ZPI-2")
        );
    }

    #[test]
    fn a_source_covers_the_profile_paths_that_hold_its_data() {
        assert!(covers(&p("PID-5"), &p("PID-5.1")));
        assert!(
            covers(&p("PID-5.1"), &p("PID-5")),
            "unsplit field is component 1"
        );
        assert!(covers(&p("PID-3.4"), &p("PID-3.4.1")));
        assert!(!covers(&p("PID-3.4"), &p("PID-3.1")));
        assert!(!covers(&p("PID-3"), &p("PID-30")));
    }

    #[test]
    fn maps_of_the_structure_and_of_carried_segments_apply() {
        let map = Map::builtin();
        let g = group("ADT_A01", &["PID-3.1", "ZPI-1"]);
        let maps = applied_maps(map, &g);
        assert!(maps.contains("PID[Patient]"));
        let res = built_resources(map, &g, &maps);
        assert!(res.contains("Patient"), "{res:?}");
        assert!(!res.contains("Encounter"), "no PV1 in the samples: {res:?}");
        // A structure the guide has no message map for: the carried segments' main maps.
        let g = group("ZZZ_Z01", &["PID-3.1"]);
        assert_eq!(
            applied_maps(map, &g).into_iter().collect::<Vec<_>>(),
            ["PID[Patient]"]
        );
    }

    #[test]
    fn findings_scale_severity_by_the_share_affected() {
        use super::super::find;
        let meta = find("IRA103").unwrap();
        let few = finding(meta, "ADT_A01", None, None, "x".into(), 1, 100, &[]);
        assert_eq!(few.severity, RiskSeverity::Medium);
        let many = finding(meta, "ADT_A01", None, None, "x".into(), 10, 100, &[]);
        assert_eq!(many.severity, RiskSeverity::High);
        assert_eq!((many.affected, many.total), (10, 100));
    }
}
