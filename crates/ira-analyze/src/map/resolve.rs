//! Resolving a v2 leaf path to the FHIR elements it feeds.

use std::borrow::Cow;

use ira_parse::model::V2Path;

use super::model::{FhirElement, FieldMapping, Rule};
use super::{Condition, Map};

/// A FHIR element a v2 position feeds, with how it got there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    /// The segment map (`PID[Patient]`).
    pub map: String,
    /// The resource that map builds (`Patient`).
    pub resource: String,
    /// The element in that resource, without indexes (`Patient.identifier.assigner`).
    pub path: String,
    /// Reference hops after `path`, each in the referenced resource
    /// (`Organization.identifier.value`).
    pub via: Vec<String>,
    /// FHIR datatype of the deepest row reached (`string`, `Reference(Organization)`).
    pub fhir_type: Option<String>,
    /// Datatype maps used on the way (`CX[Identifier]`, `HD[Organization]`).
    pub datatype_maps: Vec<String>,
    /// The vocabulary map of the deepest row that names one.
    pub vocabulary: Option<String>,
    /// Conditions met on the way, outermost first; all must hold.
    pub conditions: Vec<Condition>,
    /// A fixed value the guide assigns here when the position is valued (an extension
    /// url, a code): the v2 value itself does not go to this element.
    pub assigned: Option<String>,
    /// How the guide computes the value (an expression or instruction), as written.
    pub derived: Option<String>,
    /// `false` when the field row has no datatype map to follow down to the requested
    /// component, so the target is the whole field's.
    pub exact: bool,
}

impl Target {
    /// `path` and `via` in one string: `Patient.identifier.assigner -> Organization.name`.
    pub fn full_path(&self) -> String {
        let mut s = self.path.clone();
        for v in &self.via {
            s.push_str(" -> ");
            s.push_str(v);
        }
        s
    }
}

/// Where we are: an element path plus reference hops.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Node {
    path: String,
    via: Vec<String>,
}

impl Node {
    /// Appends a relative guide path (and its own hops).
    fn join(&self, el: &FhirElement) -> Node {
        let mut n = self.clone();
        let rel = el.path.as_str();
        if !rel.is_empty() && rel != "$value" {
            let last = n.via.last_mut().unwrap_or(&mut n.path);
            last.push('.');
            last.push_str(rel);
        }
        n.via.extend(el.via.iter().cloned());
        n
    }
}

/// The resource types datatype maps can build (`XCN[Practitioner]`): descending into
/// one of these starts a reference hop.
const RESOURCES: &[&str] = &[
    "Account",
    "AllergyIntolerance",
    "Appointment",
    "Basic",
    "CareTeam",
    "Condition",
    "Coverage",
    "Device",
    "DiagnosticReport",
    "DocumentReference",
    "Encounter",
    "EpisodeOfCare",
    "Group",
    "Immunization",
    "Location",
    "MedicationAdministration",
    "MedicationRequest",
    "MessageHeader",
    "Observation",
    "Organization",
    "Patient",
    "Practitioner",
    "PractitionerRole",
    "Procedure",
    "Provenance",
    "RelatedPerson",
    "ServiceRequest",
    "Specimen",
    "Task",
];

/// A target reached by [`visit`], borrowed from the map and the walk: what [`Target`]
/// holds, without copying it (callers that keep only the path or the map name, such as
/// the inverse map, copy nothing else).
pub(crate) struct Reached<'w, 'm> {
    /// The segment map (`PID[Patient]`).
    pub map: &'m str,
    /// The resource that map builds (`Patient`).
    pub resource: &'m str,
    /// The element in that resource, without indexes.
    pub path: &'w str,
    /// Reference hops after `path`.
    pub via: &'w [String],
    /// The deepest row reached.
    pub rule: &'m Rule,
    /// Datatype maps used on the way, innermost first.
    datatype_maps: Option<&'w Link<'w, &'m str>>,
    /// The vocabulary map of the deepest row that names one.
    pub vocabulary: Option<&'m str>,
    /// Conditions met on the way, innermost first.
    conditions: Option<&'w Link<'w, &'m Condition>>,
    /// See [`Target::exact`].
    pub exact: bool,
}

/// A list kept on the walk's stack, innermost entry first: a step adds to its
/// parent's list without copying (or allocating) it.
struct Link<'p, T> {
    item: T,
    prev: Option<&'p Link<'p, T>>,
}

/// The items of a [`Link`] list, outermost first.
fn outermost_first<T: Copy>(mut link: Option<&Link<'_, T>>) -> Vec<T> {
    let mut out = Vec::new();
    while let Some(l) = link {
        out.push(l.item);
        link = l.prev;
    }
    out.reverse();
    out
}

impl Reached<'_, '_> {
    fn to_target(&self) -> Target {
        Target {
            map: self.map.to_string(),
            resource: self.resource.to_string(),
            path: self.path.to_string(),
            via: self.via.to_vec(),
            fhir_type: self.rule.target.as_ref().and_then(|t| t.fhir_type.clone()),
            datatype_maps: outermost_first(self.datatype_maps)
                .into_iter()
                .map(str::to_string)
                .collect(),
            vocabulary: self.vocabulary.map(str::to_string),
            conditions: outermost_first(self.conditions)
                .into_iter()
                .cloned()
                .collect(),
            assigned: self.rule.assigned.clone(),
            derived: self.rule.derived.clone(),
            exact: self.exact,
        }
    }
}

/// What every element path reached through field row `row` starts with (`None` when
/// the row has no target): the row's own element path, or its resource when the row's
/// datatype map roots its components at the enclosing element (see `Walk::step`). A
/// reached path is this or extends it by `.` and more.
pub(crate) fn prefix<'m>(map: &'m Map, row: &'m FieldMapping) -> Option<&'m str> {
    let el = row.rule.target.as_ref()?;
    let dt = row
        .rule
        .datatype_map
        .as_deref()
        .and_then(|n| map.datatype(n));
    let Some(dt) = dt else {
        return Some(&el.path);
    };
    // The choice of `Walk::step` at the first level, with the field row's nodes: its own
    // element (`node`) and the resource (`parent`).
    let own_type = el.fhir_type.as_deref().unwrap_or("");
    let inner = own_type
        .strip_prefix("Reference(")
        .and_then(|t| t.strip_suffix(')'))
        .unwrap_or(own_type);
    let node_is_parent = el.path == row.resource && el.via.is_empty();
    if dt.builds_resource
        || inner.eq_ignore_ascii_case(&dt.fhir_type)
        || own_type.is_empty()
        || node_is_parent
    {
        Some(&el.path)
    } else {
        Some(&row.resource)
    }
}

/// Whether a datatype map's FHIR type is one of the resources datatype maps build.
pub(crate) fn is_resource(fhir_type: &str) -> bool {
    RESOURCES.contains(&fhir_type)
}

struct Walk<'m, 'f> {
    map: &'m Map,
    segment_map: &'m str,
    resource: &'m str,
    found: &'f mut dyn FnMut(&Reached<'_, 'm>),
}

struct Step<'m, 'p> {
    rule: &'m Rule,
    node: Node,
    /// The node of the enclosing element (the field or component one level up).
    parent: &'p Node,
    maps: Option<&'p Link<'p, &'m str>>,
    conditions: Option<&'p Link<'p, &'m Condition>>,
    vocabulary: Option<&'m str>,
}

pub(crate) fn targets(map: &Map, path: &V2Path) -> Vec<Target> {
    let mut out = Vec::new();
    visit(map, path, &mut |r| out.push(r.to_target()));
    out
}

/// Calls `found` for every target of `path`, in the order of [`Map::targets`].
pub(crate) fn visit<'m>(map: &'m Map, path: &V2Path, found: &mut dyn FnMut(&Reached<'_, 'm>)) {
    let Some(seg) = map.segment(path.segment_str()) else {
        return;
    };
    visit_rows(map, seg.field(path.field), path, found);
}

/// [`visit`] through the given field rows of `path`'s field only (a subset of
/// `map.field(..)`, in its order).
pub(crate) fn visit_rows<'m, R>(
    map: &'m Map,
    rows: R,
    path: &V2Path,
    found: &mut dyn FnMut(&Reached<'_, 'm>),
) where
    R: IntoIterator<Item = &'m FieldMapping>,
{
    for row in rows {
        let Some(el) = &row.rule.target else { continue };
        let root = Node {
            path: row.resource.clone(),
            via: Vec::new(),
        };
        // Field rows carry the full path already.
        let node = Node {
            path: el.path.clone(),
            via: el.via.clone(),
        };
        let mut walk = Walk {
            map,
            segment_map: &row.map,
            resource: &row.resource,
            found: &mut *found,
        };
        let condition = row.rule.condition.as_ref().map(|c| Link {
            item: c,
            prev: None,
        });
        let step = Step {
            rule: &row.rule,
            node,
            parent: &root,
            maps: None,
            conditions: condition.as_ref(),
            vocabulary: row.rule.vocabulary.as_deref(),
        };
        walk.step(step, &[path.component, path.subcomponent]);
    }
}

impl<'m> Walk<'m, '_> {
    fn emit(&mut self, s: &Step<'m, '_>, exact: bool) {
        (self.found)(&Reached {
            map: self.segment_map,
            resource: self.resource,
            path: &s.node.path,
            via: &s.node.via,
            rule: s.rule,
            datatype_maps: s.maps,
            vocabulary: s.vocabulary,
            conditions: s.conditions,
            exact,
        });
    }

    fn step(&mut self, s: Step<'m, '_>, rest: &[u16]) {
        let Some((&want, deeper)) = rest.split_first() else {
            self.emit(&s, true);
            return;
        };
        let dt = s
            .rule
            .datatype_map
            .as_deref()
            .and_then(|n| self.map.datatype(n));
        let Some(dt) = dt else {
            // No component map: the target is the whole value's. Component 1 of an
            // unsplit value is the value itself, so that is still exact.
            let exact = rest.iter().all(|&n| n <= 1);
            self.emit(&s, exact);
            return;
        };
        // Component rows are relative to the element of the map's FHIR type. Usually
        // that is this row's element (or the resource it references); when the row names
        // a part of it instead (XPN.1 → `family` through FN[HumanName]) it is the
        // enclosing element; when the map builds a resource nothing references yet
        // (PID-21 → CX[RelatedPerson-Mother]) it starts a new hop.
        let own_type = s
            .rule
            .target
            .as_ref()
            .and_then(|t| t.fhir_type.as_deref())
            .unwrap_or("");
        let inner = own_type
            .strip_prefix("Reference(")
            .and_then(|t| t.strip_suffix(')'))
            .unwrap_or(own_type);
        let base: Cow<'_, Node> = if dt.builds_resource {
            // The map builds a resource: root its rows at the hop into that resource
            // (the last one, if the row already references it), or start a new hop.
            let mut n = s.node.clone();
            let hop = n
                .via
                .iter()
                .rposition(|v| v.split('.').next() == Some(dt.fhir_type.as_str()));
            match hop {
                Some(i) => {
                    n.via.truncate(i + 1);
                    n.via[i] = dt.fhir_type.clone();
                }
                None => n.via.push(dt.fhir_type.clone()),
            }
            Cow::Owned(n)
        } else if inner.eq_ignore_ascii_case(&dt.fhir_type)
            || own_type.is_empty()
            || s.node == *s.parent
        {
            Cow::Borrowed(&s.node)
        } else {
            Cow::Borrowed(s.parent)
        };
        let maps = Link {
            item: dt.name.as_str(),
            prev: s.maps,
        };
        let n = want.max(1);
        for row in dt.component(n) {
            let Some(el) = &row.rule.target else { continue };
            let condition = row.rule.condition.as_ref().map(|c| Link {
                item: c,
                prev: s.conditions,
            });
            let next = Step {
                rule: &row.rule,
                node: base.join(el),
                parent: &base,
                maps: Some(&maps),
                conditions: condition.as_ref().or(s.conditions),
                vocabulary: row.rule.vocabulary.as_deref().or(s.vocabulary),
            };
            self.step(next, deeper);
        }
    }
}
