//! IRA201 code-not-in-vocabulary: coded values that the vocabulary map of their field
//! does not translate.

use ira_parse::model::{Sample, TypeHint};

use super::v2types::{CodeIndex, Position, RuleEnv, V2Leaf, V2Position, walk_v2};
use super::{
    Category, RiskSeverity, RuleDoc, RuleMeta, SampleCx, SampleFindings, SampleRule, Tally,
};

pub(super) struct Rule;

static META: RuleMeta = RuleMeta {
    id: "IRA201",
    name: "code-not-in-vocabulary",
    title: "Local codes with no mapping to the target's code system",
    category: Category::Terminology,
    severity: RiskSeverity::High,
    patient_safety: false,
    doc: RuleDoc {
        what: "Values of coded HL7 v2 positions (those the V2-to-FHIR map translates with a \
               vocabulary map: administrative sex, marital status, patient class, \
               admission type, relationship, abnormal flags, result status, value type, \
               identifier type…) that the vocabulary map does not contain, or contains \
               without a FHIR equivalent — counted per code. Only codes of coded fields \
               are shown; anything longer than 20 characters or containing spaces is \
               described by its length, never quoted.",
        why: "A code the target cannot translate is dropped, replaced by a default, or \
              rejected (a required binding). A local patient class `Z` or a result status \
              `Q` then silently changes meaning: an inpatient becomes an outpatient, a \
              preliminary result looks final.",
        example: "`PV1|1|Z|...` — PV1-2 `Z` is not in the PatientClass map (table 0004): \
                  'code Z not in PatientClass[EncounterClass]'.",
        fix: "Add the local codes to the spec's `[[code_maps]]` (or a FHIR ConceptMap) with \
              the target's code for each, or have the sender use the standard table.",
        references: &[
            "HL7 V2-to-FHIR IG, vocabulary maps",
            "HL7 v2.5.1 tables 0001, 0002, 0004, 0007, 0063, 0078, 0085, 0125, 0203",
        ],
    },
};

impl SampleRule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn observe(&self, sample: &dyn Sample, cx: &SampleCx<'_>, tally: &mut Tally) {
        let Some(msg) = sample.as_v2() else {
            return;
        };
        let mut found = SampleFindings::new(META.id, cx.scope);
        walk_v2(msg, cx.env, &mut |leaf| self.v2_leaf(leaf, cx, &mut found));
        found.record(tally);
    }

    fn walks_v2(&self) -> bool {
        true
    }

    fn wants_v2(&self, at: &V2Position<'_>, _env: &RuleEnv<'_>) -> bool {
        code_position(at.path.subcomponent, at.position).is_some()
    }

    fn v2_leaf(&self, leaf: &V2Leaf<'_, '_>, _cx: &SampleCx<'_>, found: &mut SampleFindings<'_>) {
        let p = &leaf.path;
        if leaf.item.hint == TypeHint::Null {
            return;
        }
        let Some((pos, vocab)) = code_position(p.subcomponent, leaf.position) else {
            return;
        };
        let code = leaf.item.value.text();
        let code = code.trim();
        let detail = match vocab.get(code) {
            None => format!("code {} not in {}", show(code), vocab.name),
            Some(false) => {
                format!(
                    "code {} has no FHIR equivalent in {}",
                    show(code),
                    vocab.name
                )
            }
            Some(true) => return,
        };
        let source = p.schema_key().to_string();
        found.note(Some(source), pos.target.clone(), detail, leaf.item.location);
    }
}

/// The position and its vocabulary's codes (indexed once) when the leaf at this
/// position holds a code of a vocabulary map: not the display text or the coding system
/// of a coded element, not a subcomponent beyond the first, not a target-only map.
fn code_position(
    subcomponent: u16,
    position: Option<&Position>,
) -> Option<(&Position, &CodeIndex)> {
    let pos = position?;
    let vocab = pos.codes.as_deref()?;
    let target = pos.target.as_deref().unwrap_or_default();
    (subcomponent <= 1 && !vocab.target_only && !not_a_code(target)).then_some((pos, vocab))
}

/// True for a target that holds the display text or the coding system of a coded
/// element, not a code.
fn not_a_code(target: &str) -> bool {
    // One split instead of four suffix compares: this runs for every coded leaf.
    target
        .rsplit_once('.')
        .is_some_and(|(_, last)| matches!(last, "display" | "text" | "system" | "version"))
}

/// A code as shown in a finding: quoted when it looks like a code, otherwise only its
/// length (a coded field holding free text must not leak it).
fn show(code: &str) -> String {
    if code.len() <= 20 && !code.contains(char::is_whitespace) && !code.is_empty() {
        format!("`{code}`")
    } else {
        format!("(a value of {} characters)", code.chars().count())
    }
}
