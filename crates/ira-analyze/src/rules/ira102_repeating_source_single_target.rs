//! IRA102 repeating-source-single-target: v2 fields that repeat in the legacy samples
//! but map to a FHIR element that holds one value.

use std::collections::BTreeMap;

use ira_parse::model::V2Path;

use super::context_support::{applied_maps, emit, finding, v2_groups};
use super::{AnalysisContext, Category, ContextRule, Finding, RiskSeverity, RuleDoc, RuleMeta};
use crate::profile::SeenAt;
use crate::target::{Requirements, Source};

pub(super) struct Rule;

/// For one (field, single-valued element): repeating samples, most repetitions, where
/// the limit comes from, first seen.
type Hit<'a> = (u64, u64, String, &'a [SeenAt]);

static META: RuleMeta = RuleMeta {
    id: "IRA102",
    name: "repeating-source-single-target",
    title: "Repeating legacy fields that the target can hold only once",
    category: Category::DataLoss,
    severity: RiskSeverity::Medium,
    patient_safety: false,
    doc: RuleDoc {
        what: "HL7 v2 fields that repeat in the legacy samples (a field repetition above 1, \
               from the profile) and that the map sends to a FHIR element which, with every \
               element above it in the resource, allows at most one value — by the R4 base \
               cardinality or because a target profile restricts it (`max = 1`). One \
               finding per field and target element, with the number of samples in which \
               the field repeats.",
        why: "Only one repetition survives the mapping: the others (a second name, a \
              second birth date sent by a merging system, a second marital status) are \
              dropped silently, or the target rejects the resource. Which one survives \
              depends on the interface engine, so the data that reaches the target may be \
              the wrong one.",
        example: "`PID|1||MRN^^^H^MR||DOE^JANE~SMITH^JANE` with a target Patient profile \
                  whose `Patient.name` is `0..1`: 'repeats up to 2 times in a sample; the \
                  target holds one value', PID-5 -> Patient.name.",
        fix: "Decide which repetition the target keeps (first, by name type, by date) and \
              configure the interface engine accordingly, or map the other repetitions to \
              an element that repeats (an extension), or relax the profile.",
        references: &[
            "HL7 v2.5.1 chapter 2, 2.5.3 repetition",
            "FHIR R4 ElementDefinition.max",
        ],
    },
};

impl ContextRule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &AnalysisContext<'_>, out: &mut Vec<Finding>) {
        let mut found = Vec::new();
        for group in v2_groups(ctx.legacy, ctx.spec) {
            let maps = applied_maps(ctx.map, group);
            let mut hits: BTreeMap<(String, String), Hit<'_>> = BTreeMap::new();
            for (key, path) in &group.paths {
                if path.max_repetitions <= 1 || path.repeating_samples == 0 {
                    continue;
                }
                let Some(v2) = V2Path::parse(&key.0) else {
                    continue;
                };
                let field = V2Path {
                    component: 0,
                    subcomponent: 0,
                    ..v2
                }
                .to_string();
                for t in ctx.map.targets(&v2) {
                    if t.assigned.is_some() || !maps.contains(&t.map) {
                        continue;
                    }
                    let Some((root, limit)) = single_valued(ctx.requirements, &t.path) else {
                        continue;
                    };
                    let e = hits.entry((field.clone(), root)).or_insert((
                        0,
                        0,
                        limit,
                        &path.first_seen,
                    ));
                    e.0 = e.0.max(path.repeating_samples);
                    e.1 = e.1.max(path.max_repetitions);
                }
            }
            for ((field, root), (repeating, reps, limit, seen)) in hits {
                found.push(finding(
                    &META,
                    &group.name,
                    Some(field),
                    Some(root),
                    format!(
                        "repeats up to {reps} times in a sample; the target holds one value (max 1, {limit})"
                    ),
                    repeating,
                    group.samples,
                    seen,
                ));
            }
        }
        emit(found, out);
    }
}

/// When `path` and every element above it in its resource allow at most one value: the
/// outermost of them (`Patient.name` for `Patient.name.family`) and where its limit comes
/// from. `None` when some level repeats (the repetitions have a place to go) or the
/// path is unknown.
fn single_valued(req: &Requirements, path: &str) -> Option<(String, String)> {
    let parts: Vec<&str> = path.split('.').collect();
    if parts.len() < 2 {
        return None;
    }
    let mut root = None;
    for n in 2..=parts.len() {
        let at = parts[..n].join(".");
        let e = req.element(&at)?;
        if !matches!(e.max.value, Some(0 | 1)) {
            return None;
        }
        if root.is_none() {
            let limit = match &e.max.source {
                Source::BaseR4 => "base R4".to_owned(),
                s => s.to_string(),
            };
            root = Some((at, limit));
        }
    }
    root
}
