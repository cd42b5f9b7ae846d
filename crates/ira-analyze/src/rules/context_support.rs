//! Helpers shared by the context rules: legacy groups in scope, the segment maps a
//! message structure applies, the inverse of the map (FHIR element → v2 sources), and
//! building findings from profile evidence.

use std::collections::{BTreeMap, BTreeSet};

use ira_parse::model::V2Path;

use super::{Finding, RiskSeverity, RuleMeta};
use crate::map::Map;
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
/// (fields, components, subcomponents) that feed it. Built once per check.
pub(super) struct InverseMap {
    by_target: BTreeMap<String, BTreeSet<Source>>,
}

impl InverseMap {
    pub fn build(map: &Map) -> Self {
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
                let mut types: BTreeSet<&str> = BTreeSet::new();
                for row in seg.field(f) {
                    types.insert(row.v2_type.as_str());
                }
                let mut components: BTreeMap<u16, BTreeSet<&str>> = BTreeMap::new();
                for ty in types {
                    for dt in map.datatypes_for(ty) {
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
                        .flat_map(|t| map.datatypes_for(t))
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
        InverseMap { by_target }
    }

    /// The positions feeding `path` or an element inside it (`Patient.identifier` is fed
    /// by whatever feeds `Patient.identifier.value`), through one of `maps`. A choice
    /// element (`Observation.value[x]`) is fed by any of its typed forms.
    pub fn sources(&self, path: &str, maps: &BTreeSet<String>) -> BTreeSet<&Source> {
        let (stem, choice) = match path.strip_suffix("[x]") {
            Some(s) => (s, true),
            None => (path, false),
        };
        self.by_target
            .range(stem.to_owned()..)
            .take_while(|(k, _)| k.starts_with(stem))
            .filter(|(k, _)| {
                let rest = &k[stem.len()..];
                rest.is_empty()
                    || rest.starts_with('.')
                    || (choice && rest.starts_with(|c: char| c.is_ascii_uppercase()))
            })
            .flat_map(|(_, s)| s.iter())
            .filter(|s| maps.contains(&s.map))
            .collect()
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
