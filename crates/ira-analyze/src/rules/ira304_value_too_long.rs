//! IRA304 value-too-long: legacy values longer than the target's own samples ever are
//! (v2 → v2 migrations).

use ira_parse::model::V2Path;

use super::context_support::{emit, finding, v2_groups};
use super::{AnalysisContext, Category, ContextRule, Finding, RiskSeverity, RuleDoc, RuleMeta};
use crate::profile::LengthStats;

pub(super) struct Rule;

static META: RuleMeta = RuleMeta {
    id: "IRA304",
    name: "value-too-long",
    title: "Legacy values longer than the target holds",
    category: Category::DataQuality,
    severity: RiskSeverity::Medium,
    patient_safety: false,
    doc: RuleDoc {
        what: "For a FHIR target: legacy values longer than the `maxLength` a target \
               profile states for the element the v2 position maps to. For a v2 → v2 \
               migration (target samples in HL7 v2): legacy values at a path \
               longer than the longest value the target's samples carry at the same path, \
               for the same message types. Lengths only: the longest legacy value, its \
               95th percentile and the target's longest are reported, and the number of \
               legacy values above the target's longest. Legacy lengths are in decoded \
               characters, target lengths in bytes as sent (escapes not decoded), so the \
               comparison leans towards silence.",
        why: "A receiver built around shorter values truncates at its column width or \
              rejects the message: a family name, an address line or an identifier cut \
              short no longer matches anything — the patient is not found, or is \
              registered twice.",
        example: "Legacy PID-11.1 (street) up to 48 characters, the target's samples never \
                  more than 30: 'legacy values up to 48 characters (p95 48); the \
                  target samples hold at most 30', 1/2 samples.",
        fix: "Ask the target team for the real field length (the samples show a minimum, \
              not the limit); if it is shorter, agree how to shorten (abbreviations, a \
              second repetition) or widen the target field.",
        references: &[
            "HL7 v2.5.1 chapter 2, 2.5.5 length (conformance length)",
            "HL7 v2.5.1 chapter 2.A, datatype lengths",
        ],
    },
};

impl ContextRule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &AnalysisContext<'_>, out: &mut Vec<Finding>) {
        let mut found = Vec::new();
        fhir_max_length(ctx, &mut found);
        let Some(target) = ctx.target_v2 else {
            emit(found, out);
            return;
        };
        for group in v2_groups(ctx.legacy, ctx.spec) {
            let kinds: Vec<_> = group
                .kinds
                .keys()
                .filter_map(|k| target.messages.get(k))
                .collect();
            if kinds.is_empty() {
                continue; // the target never shows these messages: IRA403
            }
            for (key, path) in &group.paths {
                let Some(v2) = V2Path::parse(&key.0) else {
                    continue;
                };
                // MSH-1 and MSH-2 are the delimiters, not values.
                if v2.segment == *b"MSH" && v2.field <= 2 {
                    continue;
                }
                let limit = kinds
                    .iter()
                    .filter_map(|k| k.paths.get(&v2.schema_key().to_string()))
                    .map(|u| u.max_len as u64)
                    .max();
                let Some(limit) = limit.filter(|l| *l > 0) else {
                    continue; // the target never carries it: IRA104
                };
                if path.length.max <= limit {
                    continue;
                }
                let longer = count_above(&path.length, limit).min(path.samples);
                found.push(finding(
                    &META,
                    &group.name,
                    Some(key.0.clone()),
                    None,
                    format!(
                        "legacy values up to {} characters (p95 {}); the target samples hold at most {}",
                        path.length.max, path.length.p95, limit
                    ),
                    longer.max(1),
                    group.samples,
                    &path.first_seen,
                ));
            }
        }
        emit(found, out);
    }
}

/// FHIR targets: legacy values longer than the `maxLength` a target profile states for
/// the element the v2 position maps to.
fn fhir_max_length(ctx: &AnalysisContext<'_>, found: &mut Vec<Finding>) {
    for group in v2_groups(ctx.legacy, ctx.spec) {
        for (key, path) in &group.paths {
            let Some(v2) = V2Path::parse(&key.0) else {
                continue;
            };
            if v2.segment == *b"MSH" && v2.field <= 2 {
                continue;
            }
            for t in ctx.map.targets(&v2) {
                if t.assigned.is_some() {
                    continue;
                }
                let Some(limit) = ctx
                    .requirements
                    .element(&t.path)
                    .and_then(|e| e.max_length)
                    .map(|f| u64::from(f.value))
                else {
                    continue;
                };
                if path.length.max <= limit {
                    continue;
                }
                let longer = count_above(&path.length, limit).min(path.samples);
                found.push(finding(
                    &META,
                    &group.name,
                    Some(key.0.clone()),
                    Some(t.path.clone()),
                    format!(
                        "legacy values up to {} characters (p95 {}); the target profile allows {}",
                        path.length.max, path.length.p95, limit
                    ),
                    longer.max(1),
                    group.samples,
                    &path.first_seen,
                ));
                break;
            }
        }
    }
}

/// Values longer than `limit` (a bucket above 256 counts whole when its upper bound is).
fn count_above(length: &LengthStats, limit: u64) -> u64 {
    length
        .histogram
        .iter()
        .filter(|(len, _)| **len > limit)
        .map(|(_, n)| *n)
        .sum()
}
