//! IRA310 non-numeric-value: values of NM fields and components that are not numbers.

use ira_parse::model::{Sample, TypeHint, Value};

use super::shapes::is_number;
use super::v2types::{RuleEnv, V2Leaf, V2Position, pack_path, unpack_path, walk_v2};
use super::{
    Category, PackedKey, RiskSeverity, RuleDoc, RuleMeta, SampleCx, SampleFindings, SampleRule,
    Tally,
};

pub(super) struct Rule;

static META: RuleMeta = RuleMeta {
    id: "IRA310",
    name: "non-numeric-value",
    title: "Numeric fields that carry text",
    category: Category::DataQuality,
    severity: RiskSeverity::Medium,
    patient_safety: false,
    doc: RuleDoc {
        what: "HL7 v2 positions whose datatype is NM (by ira's map of each field and \
               component: quantities, sequence numbers, amounts, durations…) holding \
               something that is not an HL7 number: `<5`, `>100`, `pending`, `5,5`, `1e3`, \
               `10 mg`. OBX-5, whose type OBX-2 decides, is IRA301's.",
        why: "The FHIR elements an NM feeds are decimals or integers (Quantity.value, \
              integer counts): text there makes the target reject the resource or the \
              interface drop the value — a dose quantity or a duration silently gone.",
        example: "`RXA|0|1|20240301||08^HepB^CVX|0.5 mL|...` — RXA-6 (administered amount, \
                  NM) holds `0.5 mL`: the unit belongs in RXA-7.",
        fix: "Have the sender put units and qualifiers in their own fields (units, \
              comparator) and send plain numbers, or transform at the interface engine; \
              agree what a non-numeric value should become in the target.",
        references: &[
            "HL7 v2.5.1 chapter 2A, NM numeric",
            "FHIR R4 datatypes: decimal, integer, Quantity",
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
        let p = &at.path;
        !(p.segment == *b"OBX" && p.field == 5) && at.position.is_some_and(|p| p.v2_type == "NM")
    }

    fn v2_leaf(&self, leaf: &V2Leaf<'_, '_>, _cx: &SampleCx<'_>, found: &mut SampleFindings<'_>) {
        let p = &leaf.path;
        if leaf.item.hint == TypeHint::Null
            || (matches!(p.segment, [b'O', b'B', b'X']) && p.field == 5)
        {
            return;
        }
        if leaf.position.is_none_or(|pos| pos.v2_type != "NM") {
            return;
        }
        let Value::V2 { raw, .. } = leaf.item.value else {
            return;
        };
        if !is_number(raw) {
            found.note_packed(pack_path(&p.schema_key()), leaf.item.location);
        }
    }

    fn describe(
        &self,
        key: PackedKey,
        env: &RuleEnv<'_>,
    ) -> Option<(Option<String>, Option<String>, String)> {
        let path = unpack_path(key);
        let target = env.positions.position(&path)?.target.clone();
        Some((
            Some(path.to_string()),
            target,
            "NM value not numeric".to_owned(),
        ))
    }
}
