//! IRA103 required-target-without-source: FHIR elements the target requires that the
//! legacy messages do not (always) fill.

use std::collections::BTreeSet;

use ira_parse::model::V2Path;

use super::context_support::{
    InverseMap, applied_maps, built_resources, covers, emit, finding, group_examples, v2_groups,
};
use super::{AnalysisContext, Category, ContextRule, Finding, RiskSeverity, RuleDoc, RuleMeta};
use crate::map::Map;
use crate::profile::Group;
use crate::target::Requirements;

pub(super) struct Rule;

static META: RuleMeta = RuleMeta {
    id: "IRA103",
    name: "required-target-without-source",
    title: "Target requires elements the legacy feed does not send",
    category: Category::DataLoss,
    severity: RiskSeverity::High,
    patient_safety: false,
    doc: RuleDoc {
        what: "For each FHIR element that a target profile requires (min ≥ 1) or flags \
               mustSupport, in a resource type the legacy messages build (per ira's v2 → \
               FHIR map and the message structure), the HL7 v2 positions that feed it are \
               looked up in the map (with the project's overrides) and held against the \
               legacy profile: no v2 source at all, or sources populated in only part of \
               the samples. Elements with a fixed value or pattern (the interface fills \
               them) and elements below an optional parent are not checked. A share of \
               samples is estimated from the most populated source position.",
        why: "A resource that lacks a required element is rejected by a validating target \
              server: every message that lacks the source fails at go-live, typically as \
              an error queue that fills up on the first day. A mustSupport element left \
              empty breaks the target's workflows that rely on it (a missing identifier \
              system defeats patient matching).",
        example: "The target's Patient profile requires `Patient.identifier` and \
                  `Patient.birthDate`; PID-7 is empty in 3 of 4 ADT^A01 samples: \
                  'required element (min 1); its v2 sources are populated in only part of \
                  the samples', 3/4 samples, PID-7 -> Patient.birthDate.",
        fix: "Have the sender populate the source field, add a mapping from another field \
              the legacy feed does populate (`[[map.fields]]` in ira.toml), agree a \
              default value with the target team (an assigned value or a data-absent \
              reason), or relax the target profile.",
        references: &[
            "FHIR R4 StructureDefinition: ElementDefinition.min, mustSupport",
            "HL7 V2-to-FHIR IG, segment and datatype maps",
        ],
    },
};

impl ContextRule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &AnalysisContext<'_>, out: &mut Vec<Finding>) {
        let mut found = Vec::new();
        let inverse = InverseMap::build(ctx.map);
        for group in v2_groups(ctx.legacy, ctx.spec) {
            check_group(ctx.map, ctx.requirements, &inverse, group, &mut found);
        }
        emit(found, out);
    }
}

fn check_group(
    map: &Map,
    req: &Requirements,
    inverse: &InverseMap,
    group: &Group,
    found: &mut Vec<Finding>,
) {
    let maps = applied_maps(map, group);
    let resources = built_resources(map, group, &maps);
    let profiled: Vec<(V2Path, &crate::profile::PathProfile)> = group
        .paths
        .iter()
        .filter_map(|(k, p)| V2Path::parse(&k.0).map(|v| (v, p)))
        .collect();
    for resource in &resources {
        for path in req.constrained_paths(resource) {
            let Some(why) = requirement(req, &path) else {
                continue;
            };
            let sources = inverse.sources(&path, &maps);
            if sources.is_empty() && linked_by_message(&path, &resources) {
                // The guide's message maps link resources built from the same message
                // (OBX → Observation.subject → the Patient built from PID): no field
                // row names such a reference, yet it is filled.
                continue;
            }
            if sources.is_empty() {
                found.push(finding(
                    &META,
                    &group.name,
                    None,
                    Some(path.clone()),
                    format!("{why}; no v2 source in the map"),
                    group.samples,
                    group.samples,
                    group_examples(group),
                ));
                continue;
            }
            // The most populated source stands for "any source populated" (a lower bound).
            let best = profiled
                .iter()
                .filter(|(p, _)| sources.iter().any(|s| covers(&s.path, p)))
                .max_by(|a, b| a.1.samples.cmp(&b.1.samples).then(b.0.cmp(&a.0)));
            let populated = best.map_or(0, |(_, p)| p.samples).min(group.samples);
            let lacking = group.samples - populated;
            if lacking == 0 {
                continue;
            }
            let fields: BTreeSet<V2Path> = sources
                .iter()
                .map(|s| V2Path {
                    component: 0,
                    subcomponent: 0,
                    ..s.path
                })
                .collect();
            let mut source: Vec<String> = fields.iter().take(4).map(|p| p.to_string()).collect();
            if fields.len() > 4 {
                source.push("…".to_owned());
            }
            let detail = if populated == 0 {
                format!("{why}; its v2 sources are never populated")
            } else {
                format!("{why}; its v2 sources are populated in only part of the samples")
            };
            found.push(finding(
                &META,
                &group.name,
                Some(source.join(", ")),
                Some(path.clone()),
                detail,
                lacking,
                group.samples,
                group_examples(group),
            ));
        }
    }
}

/// Why the target requires `path` (`required (min 1)`, `mustSupport`), or `None` when it
/// does not, when the interface fills it with a fixed value or pattern, or when a parent
/// element is optional (then the element is only required inside a parent the feed may
/// not send).
fn requirement(req: &Requirements, path: &str) -> Option<String> {
    let e = req.element(path)?;
    if !(e.is_required() || e.is_must_support()) || !e.fixed.is_empty() || !e.pattern.is_empty() {
        return None;
    }
    let parts: Vec<&str> = path.split('.').collect();
    for n in 2..parts.len() {
        let parent = parts[..n].join(".");
        let p = req.element(&parent)?;
        if !(p.is_required() || p.is_must_support()) {
            return None;
        }
    }
    Some(if e.is_required() {
        format!("required element (min {})", e.min.value)
    } else {
        "mustSupport element".to_owned()
    })
}

/// A reference the V2-to-FHIR message maps fill by linking resources built from the same
/// message: the subject or patient (Patient from PID), the encounter (Encounter from PV1),
/// when the message builds that resource.
fn linked_by_message(path: &str, resources: &std::collections::BTreeSet<&str>) -> bool {
    let last = path.rsplit('.').next().unwrap_or_default();
    let to = match last {
        "subject" | "patient" | "beneficiary" => "Patient",
        "encounter" | "context" => "Encounter",
        _ => return false,
    };
    path.matches('.').count() == 1 && resources.contains(to)
}

#[cfg(test)]
mod tests {
    use super::linked_by_message;

    #[test]
    fn message_linked_references() {
        let with: std::collections::BTreeSet<&str> = ["Observation", "Patient"].into();
        let without: std::collections::BTreeSet<&str> = ["Observation"].into();
        assert!(linked_by_message("Observation.subject", &with));
        assert!(!linked_by_message("Observation.subject", &without));
        assert!(!linked_by_message("Observation.encounter", &with));
        assert!(!linked_by_message("Observation.code", &with));
        assert!(!linked_by_message("Observation.component.subject", &with));
    }
}
