//! IRA403 message-type-not-accepted: legacy message types, triggers and versions outside
//! what the spec puts in scope or what the target's own v2 samples show.

use super::context_support::{emit, finding, group_examples};
use super::{AnalysisContext, Category, ContextRule, Finding, RiskSeverity, RuleDoc, RuleMeta};
use crate::profile::GroupStandard;

pub(super) struct Rule;

static META: RuleMeta = RuleMeta {
    id: "IRA403",
    name: "message-type-not-accepted",
    title: "Legacy message types or versions the target does not accept",
    category: Category::Structure,
    severity: RiskSeverity::High,
    patient_safety: false,
    doc: RuleDoc {
        what: "Legacy HL7 v2 messages whose type and trigger (MSH-9) are not among the \
               spec's `[legacy] message_types`, or whose version (MSH-12) is not the \
               spec's `[legacy] version`; and, for a v2 → v2 migration (target samples in \
               HL7 v2), message types the target samples never show, or versions the \
               target samples never show for that message type. Counted per message type \
               and version.",
        why: "A receiver answers a message type it does not support with an application \
              reject (AR) or drops it; a version it does not expect may be rejected by a \
              strict MSH-12 check or parsed with the wrong rules. Messages the project \
              did not plan for (an A02 transfer, an A40 merge) are events the target then \
              never hears about: a patient stays on the wrong ward or is duplicated.",
        example: "The spec lists `message_types = [\"ADT^A01\", \"ADT^A08\"]` and the feed \
                  also sends `ADT^A02`: 'message type ADT^A02 is not in the spec's message \
                  types', MSH-9, 1/1 samples of ADT_A02.",
        fix: "Agree the message types and version with the target team: add the type to \
              the target's accepted messages (and to the spec), filter it out in the \
              interface engine knowingly, or have the sender change its version or \
              trigger configuration.",
        references: &[
            "HL7 v2.5.1 chapter 2, 2.14.9 MSH (MSH-9 message type, MSH-12 version ID)",
            "HL7 tables 0076 (message type), 0003 (event type), 0104 (version ID)",
        ],
    },
};

impl ContextRule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &AnalysisContext<'_>, out: &mut Vec<Finding>) {
        let mut found = Vec::new();
        for group in ctx
            .legacy
            .groups
            .values()
            .filter(|g| g.standard == GroupStandard::V2)
        {
            let seen = group_examples(group);
            let version = group.version.as_deref().unwrap_or_default();
            let mut push = |source: &str, detail: String, affected: u64| {
                found.push(finding(
                    &META,
                    &group.name,
                    Some(source.to_owned()),
                    None,
                    detail,
                    affected,
                    group.samples,
                    seen,
                ));
            };
            if let Some(spec) = ctx.spec {
                for (kind, n) in &group.kinds {
                    if !spec.in_scope(kind) {
                        push(
                            "MSH-9",
                            format!(
                                "message type {} is not in the spec's message types",
                                show(kind)
                            ),
                            *n,
                        );
                    }
                }
                if let Some(expected) = spec.legacy.version.as_deref()
                    && version != expected
                {
                    push(
                        "MSH-12",
                        format!(
                            "version {} where the spec expects {}",
                            show(version),
                            show(expected)
                        ),
                        group.samples,
                    );
                }
            }
            if let Some(target) = ctx.target_v2 {
                for (kind, n) in &group.kinds {
                    match target.messages.get(kind) {
                        None => push(
                            "MSH-9",
                            format!(
                                "message type {} is not seen in the target samples",
                                show(kind)
                            ),
                            *n,
                        ),
                        Some(t) if !t.versions.is_empty() && !t.versions.contains(version) => push(
                            "MSH-12",
                            format!(
                                "version {} of {} is not seen in the target samples (they show {})",
                                show(version),
                                show(kind),
                                t.versions
                                    .iter()
                                    .map(|v| show(v))
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ),
                            *n,
                        ),
                        Some(_) => {}
                    }
                }
            }
        }
        emit(found, out);
    }
}

/// A message type or version as shown: MSH-9 and MSH-12 are coded, but a damaged header
/// could hold anything, so only short values without spaces are quoted.
fn show(v: &str) -> String {
    if v.is_empty() {
        "(empty)".to_owned()
    } else if v.chars().count() <= 20 && !v.contains(char::is_whitespace) {
        v.to_owned()
    } else {
        format!("(a value of {} characters)", v.chars().count())
    }
}
