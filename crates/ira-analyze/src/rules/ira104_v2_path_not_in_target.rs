//! IRA104 v2-path-not-in-target: in a v2 → v2 migration, positions the legacy feed
//! populates that the target's samples never populate for the same message types.

use std::collections::BTreeMap;

use ira_parse::model::V2Path;

use super::context_support::{emit, finding, v2_groups};
use super::{AnalysisContext, Category, ContextRule, Finding, RiskSeverity, RuleDoc, RuleMeta};
use crate::profile::SeenAt;
use crate::target::V2StructureUsage;

pub(super) struct Rule;

/// A path the target lacks: its key, samples carrying it, first seen.
type Missing<'a> = (String, u64, &'a [SeenAt]);

static META: RuleMeta = RuleMeta {
    id: "IRA104",
    name: "v2-path-not-in-target",
    title: "Legacy fields the target's messages never carry",
    category: Category::DataLoss,
    severity: RiskSeverity::Medium,
    patient_safety: false,
    doc: RuleDoc {
        what: "For a v2 → v2 migration (target samples in HL7 v2): fields, components and \
               subcomponents that the legacy samples populate but that the target's \
               samples of the same message types never populate. A field the target never \
               carries at all is reported once as the field; otherwise each component the \
               target lacks is reported. Message types the target samples do not show \
               at all are IRA403's.",
        why: "What the target's messages never carry is, most likely, not stored or not \
              forwarded by the target: the legacy data at that position is lost at go-live \
              (a second identifier, a phone number, a ward's local code), unless the \
              target samples were simply too few to show it.",
        example: "Legacy ADT^A01 populates PID-13 (home phone) in 40 of 50 samples; the \
                  target's ADT^A01 samples never do: 'populated in the legacy samples, \
                  never in the target samples of ADT^A01', PID-13, 40/50 samples.",
        fix: "Confirm with the target team whether the receiver stores the field (ask for \
              samples that carry it); if not, map it elsewhere, accept the loss knowingly, \
              or stop sending it.",
        references: &["HL7 v2.5.1 chapter 2, 2.5 message construction rules"],
    },
};

impl ContextRule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &AnalysisContext<'_>, out: &mut Vec<Finding>) {
        let Some(target) = ctx.target_v2 else {
            return;
        };
        let mut found = Vec::new();
        for group in v2_groups(ctx.legacy, ctx.spec) {
            let kinds: Vec<(&String, &V2StructureUsage)> = group
                .kinds
                .keys()
                .filter_map(|k| target.messages.get(k).map(|u| (k, u)))
                .collect();
            if kinds.is_empty() {
                continue; // IRA403
            }
            let names: Vec<&str> = kinds.iter().map(|(k, _)| k.as_str()).collect();
            let detail = format!(
                "populated in the legacy samples, never in the target samples of {}",
                names.join(", ")
            );
            let has = |p: &V2Path, unsplit: bool| {
                kinds.iter().any(|(_, u)| {
                    u.paths
                        .get(&p.to_string())
                        .is_some_and(|x| x.samples > 0 && (!unsplit || x.max_len > 0))
                })
            };
            let mut missing: BTreeMap<V2Path, Vec<Missing<'_>>> = BTreeMap::new();
            for (key, path) in &group.paths {
                let Some(v2) = V2Path::parse(&key.0) else {
                    continue;
                };
                if path.values == path.nulls || (v2.segment == *b"MSH" && v2.field <= 2) {
                    continue;
                }
                let p = v2.schema_key();
                let field = V2Path {
                    component: 0,
                    subcomponent: 0,
                    ..p
                };
                let component = V2Path {
                    subcomponent: 0,
                    ..p
                };
                // The target may send unsplit what the legacy splits, and the other way
                // round: component 1 of a field is the unsplit field.
                let present = has(&p, false)
                    || (p.subcomponent <= 1 && p.component != 0 && has(&component, true))
                    || (p.component <= 1 && p.subcomponent <= 1 && has(&field, true))
                    || (p.component == 0 && has(&V2Path { component: 1, ..p }, false));
                if !present {
                    missing.entry(field).or_default().push((
                        key.0.clone(),
                        path.samples,
                        &path.first_seen,
                    ));
                }
            }
            for (field, paths) in missing {
                if has(&field, false) {
                    for (key, samples, seen) in paths {
                        found.push(finding(
                            &META,
                            &group.name,
                            Some(key),
                            None,
                            detail.clone(),
                            samples,
                            group.samples,
                            seen,
                        ));
                    }
                } else {
                    let samples = paths.iter().map(|p| p.1).max().unwrap_or(0);
                    let seen = paths.iter().map(|p| p.2).min().unwrap_or(&[]);
                    found.push(finding(
                        &META,
                        &group.name,
                        Some(field.to_string()),
                        None,
                        detail.clone(),
                        samples,
                        group.samples,
                        seen,
                    ));
                }
            }
        }
        emit(found, out);
    }
}
