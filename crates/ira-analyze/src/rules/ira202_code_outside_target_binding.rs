//! IRA202 code-outside-target-binding: legacy codes whose FHIR translation is not in the
//! value set the target binds the element to.

use std::collections::BTreeSet;

use ira_parse::model::V2Path;

use super::context_support::{applied_maps, emit, finding, v2_groups};
use super::{AnalysisContext, Category, ContextRule, Finding, RiskSeverity, RuleDoc, RuleMeta};
use crate::target::{BindingStrength, Membership, Requirements};

pub(super) struct Rule;

static META: RuleMeta = RuleMeta {
    id: "IRA202",
    name: "code-outside-target-binding",
    title: "Translated codes the target's value sets do not allow",
    category: Category::Terminology,
    severity: RiskSeverity::High,
    patient_safety: false,
    doc: RuleDoc {
        what: "Codes the legacy samples send in coded HL7 v2 fields (from the profile's code \
               frequencies) are translated to FHIR through the map's vocabulary maps, with \
               the project's code maps (ira.toml `[[code_maps]]`, ConceptMaps) applied, and \
               checked against the value set that a target profile binds the element to \
               with strength required or extensible (the binding of the element itself or \
               of the Coding / CodeableConcept holding the code). One finding per legacy \
               code not in the value set, counted by values (about one per sample). Codes \
               the map cannot translate are IRA201's; value sets that cannot be enumerated \
               here (not given, filters, unknown code systems) are not judged.",
        why: "A required binding makes the target reject the resource (HTTP 422 at go-live, \
              message after message); an extensible one lets it in but downstream \
              decision support, reporting and billing built on the value set do not \
              recognise the code. Either way the meaning of the legacy code is lost.",
        example: "The target binds `Patient.gender` (required) to a value set of `male` and \
                  `female`; PID-8 `U` translates to `unknown`: 'code `U` → \
                  http://hl7.org/fhir/administrative-gender|unknown not in the required \
                  binding's value set …', 1/4 samples.",
        fix: "Agree with the target team: map the legacy code to a code of the value set \
              (ira.toml `[[code_maps]]`), widen the value set, or have the sender stop \
              using the code.",
        references: &[
            "FHIR R4 Terminology binding strengths (required, extensible)",
            "HL7 V2-to-FHIR IG, vocabulary maps",
        ],
    },
};

impl ContextRule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &AnalysisContext<'_>, out: &mut Vec<Finding>) {
        let mut found = Vec::new();
        let req = ctx.requirements;
        for group in v2_groups(ctx.legacy, ctx.spec) {
            let maps = applied_maps(ctx.map, group);
            for (key, path) in &group.paths {
                let Some(codes) = &path.codes else {
                    continue;
                };
                let Some(v2) = V2Path::parse(&key.0) else {
                    continue;
                };
                let mut seen: BTreeSet<(String, String)> = BTreeSet::new();
                for t in ctx.map.targets(&v2) {
                    if t.assigned.is_some() || !maps.contains(&t.map) {
                        continue;
                    }
                    let Some(vocab) = t.vocabulary.as_deref().and_then(|v| ctx.map.vocabulary(v))
                    else {
                        continue;
                    };
                    for (code, count) in &codes.values {
                        let Some(concept) = vocab.lookup(code.trim()) else {
                            continue; // untranslatable: IRA201
                        };
                        for (bound, url, strength) in
                            outside(req, &t.path, &concept.system, &concept.code)
                        {
                            let detail = format!(
                                "code {} → {}|{} not in the {} binding's value set {}",
                                show_code(code.trim()),
                                concept.system,
                                concept.code,
                                strength,
                                url
                            );
                            if !seen.insert((bound.clone(), detail.clone())) {
                                continue;
                            }
                            found.push(finding(
                                &META,
                                &group.name,
                                Some(key.0.clone()),
                                Some(bound),
                                detail,
                                (*count).min(path.samples),
                                group.samples,
                                &path.first_seen,
                            ));
                        }
                    }
                }
            }
        }
        emit(found, out);
    }
}

/// The required or extensible bindings whose value set certainly does not hold
/// `system|code`: (bound element, value set, strength). The binding sits on the element
/// the map writes (`Patient.gender`) or on the Coding / CodeableConcept around it
/// (`Patient.maritalStatus` for `Patient.maritalStatus.coding.code`).
fn outside(
    req: &Requirements,
    path: &str,
    system: &str,
    code: &str,
) -> Vec<(String, String, &'static str)> {
    let mut out = Vec::new();
    let mut at = path.to_owned();
    loop {
        for (b, m) in req.check_code(&at, system, code) {
            let strength = match b.value.strength {
                BindingStrength::Required => "required",
                BindingStrength::Extensible => "extensible",
                _ => continue,
            };
            if m == Membership::No {
                let url = b.value.value_set.clone().unwrap_or_default();
                out.push((at.clone(), url, strength));
            }
        }
        // Walk up through `.code` and `.coding` only: above them is another element.
        match at.rsplit_once('.') {
            Some((parent, last)) if matches!(last, "code" | "coding") && parent.contains('.') => {
                at = parent.to_owned();
            }
            _ => break,
        }
    }
    out
}

/// A code as shown in a finding: quoted when it looks like a code, else its length only
/// (a coded field holding free text must not leak it).
fn show_code(code: &str) -> String {
    if !code.is_empty() && code.chars().count() <= 20 && !code.contains(char::is_whitespace) {
        format!("`{code}`")
    } else {
        format!("(a value of {} characters)", code.chars().count())
    }
}
