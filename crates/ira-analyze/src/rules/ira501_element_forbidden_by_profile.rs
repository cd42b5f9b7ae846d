//! IRA501 element-forbidden-by-profile: data the target profile says must not be sent.

use std::collections::BTreeMap;

use ira_parse::model::V2Path;

use super::AnalysisContext;
use super::{Category, ContextRule, Finding, RiskSeverity, RuleDoc, RuleMeta};
use crate::profile::{GroupStandard, SeenAt};
use crate::target::{Requirements, Source};

pub(super) struct Rule;

static META: RuleMeta = RuleMeta {
    id: "IRA501",
    name: "element-forbidden-by-profile",
    title: "Elements the target profile forbids are populated",
    category: Category::Compliance,
    severity: RiskSeverity::High,
    patient_safety: false,
    doc: RuleDoc {
        what: "Elements that a target profile forbids (`max` = 0 in a StructureDefinition the \
               user gave) but that are populated: by the target FHIR samples (what the target \
               side already produces), or by the legacy HL7 v2 samples through ira's \
               v2 → FHIR map (a v2 position valued in the legacy samples that the map sends \
               to a forbidden element, or to a forbidden element of a resource it \
               references). Cardinalities of the R4 base are not considered here (the base \
               forbids nothing).",
        why: "A server that validates against its profiles rejects a resource carrying a \
              forbidden element, so every message that values the position fails at \
              go-live; a server that does not validate may store data the receiving \
              organisation decided not to hold (a privacy or contract question), or drop \
              it silently.",
        example: "A Patient profile with `Patient.photo` `max: \"0\"` and target samples that \
                  carry `photo`; the same profile with `Patient.maritalStatus` `max: \"0\"` \
                  and legacy ADT messages valuing PID-16, which the V2-to-FHIR map sends to \
                  `Patient.maritalStatus`.",
        fix: "Stop populating the element: for the legacy feed, override the map for that \
              position (map it nowhere, or to an element the profile allows) in the spec's \
              map overrides, and record the decision; for the target side, fix the producer. \
              If the data is needed, ask the target team to relax the profile (an extension \
              or a changed cardinality) before go-live.",
        references: &[
            "FHIR R4 StructureDefinition / ElementDefinition.max (\"0\" removes an element)",
            "FHIR R4 Profiling: constraining cardinality",
            "HL7 V2-to-FHIR IG, segment and datatype maps",
        ],
    },
};

impl ContextRule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &AnalysisContext<'_>, out: &mut Vec<Finding>) {
        let req = ctx.requirements;
        if req.profiles().is_empty() {
            return;
        }
        let mut cache: BTreeMap<String, Option<String>> = BTreeMap::new();
        let mut forbidden_by = |path: &str| -> Option<String> {
            cache
                .entry(path.to_owned())
                .or_insert_with(|| forbidding_profile(req, path))
                .clone()
        };
        if let Some(usage) = ctx.target_usage {
            for (path, u) in &usage.paths {
                let Some((ty, _)) = path.split_once('.') else {
                    continue;
                };
                if u.samples == 0 || req.profiles_for(ty).next().is_none() {
                    continue;
                }
                let Some(url) = forbidden_by(path) else {
                    continue;
                };
                let total = usage.samples.get(ty).copied().unwrap_or(0);
                out.push(finding(
                    ty.to_owned(),
                    None,
                    path.clone(),
                    format!(
                        "target samples populate an element that profile {url} forbids (max 0)"
                    ),
                    u64::from(u.samples),
                    u64::from(total),
                    Vec::new(),
                ));
            }
        }
        // (scope, source, target) → finding, so a position reaching one element through
        // several rows is one finding.
        let mut legacy: BTreeMap<(String, String, String), Finding> = BTreeMap::new();
        for group in ctx.legacy.groups.values() {
            if group.standard != GroupStandard::V2 {
                continue;
            }
            for (key, p) in &group.paths {
                if p.samples == 0 || p.samples <= p.nulls {
                    continue;
                }
                let Some(v2) = V2Path::parse(&key.0) else {
                    continue;
                };
                // The segment maps this message structure applies to the segment
                // (`PID[Patient]`, not the guide's PID maps of other messages).
                let maps: Option<Vec<String>> = ctx.map.message(&group.name).map(|m| {
                    m.segment(v2.segment_str())
                        .into_iter()
                        .filter_map(|s| s.segment_map.clone())
                        .collect()
                });
                for t in ctx.map.targets(&v2) {
                    if maps.as_ref().is_some_and(|m| !m.contains(&t.map)) {
                        continue;
                    }
                    for element in std::iter::once(&t.path).chain(&t.via) {
                        let Some((ty, _)) = element.split_once('.') else {
                            continue;
                        };
                        if req.profiles_for(ty).next().is_none() {
                            continue;
                        }
                        // The element or the nearest ancestor the profile removes
                        // (`Patient.maritalStatus` for `Patient.maritalStatus.coding.code`).
                        let Some((forbidden, url)) = ancestors(element)
                            .find_map(|a| forbidden_by(a).map(|url| (a.to_owned(), url)))
                        else {
                            continue;
                        };
                        let k = (group.name.clone(), key.0.clone(), forbidden.clone());
                        legacy.entry(k).or_insert_with(|| {
                            finding(
                                group.name.clone(),
                                Some(key.0.clone()),
                                forbidden,
                                format!(
                                    "the map would populate an element that profile {url} forbids (max 0)"
                                ),
                                p.samples,
                                group.samples,
                                p.first_seen.clone(),
                            )
                        });
                    }
                }
            }
        }
        out.extend(legacy.into_values());
    }
}

/// `Patient.a.b`, then `Patient.a` (never the resource itself).
fn ancestors(path: &str) -> impl Iterator<Item = &str> {
    let mut end = Some(path.len());
    std::iter::from_fn(move || {
        let e = end?;
        let p = &path[..e];
        end = p.rfind('.').filter(|&i| p[..i].contains('.'));
        Some(p)
    })
    .filter(|p| p.contains('.'))
}

/// The profile that forbids `path` (effective max 0, set by a profile), if any.
fn forbidding_profile(req: &Requirements, path: &str) -> Option<String> {
    let e = req.element(path)?;
    match (e.max.value, e.max.source) {
        (Some(0), Source::Profile(url)) => Some(url),
        _ => None,
    }
}

fn finding(
    scope: String,
    source: Option<String>,
    target: String,
    detail: String,
    affected: u64,
    total: u64,
    examples: Vec<SeenAt>,
) -> Finding {
    let total = total.max(affected);
    let rate = if total == 0 {
        0.0
    } else {
        affected as f64 / total as f64
    };
    Finding {
        rule: META.id,
        name: META.name,
        severity: RiskSeverity::scaled(META.severity, rate, META.patient_safety),
        scope,
        source,
        target: Some(target),
        detail,
        affected,
        total,
        examples,
    }
}
