//! IRA101 source-without-target: populated v2 fields and components that the v2 → FHIR
//! map sends nowhere.

use ira_parse::model::{Sample, TypeHint, V2Path};

use super::v2types::{RuleEnv, V2Leaf, V2Position, pack_path, unpack_path, walk_v2};
use super::{
    Category, PackedKey, RiskSeverity, RuleDoc, RuleMeta, SampleCx, SampleFindings, SampleRule,
    Tally,
};

pub(super) struct Rule;

static META: RuleMeta = RuleMeta {
    id: "IRA101",
    name: "source-without-target",
    title: "Populated legacy fields that have no destination in the target",
    category: Category::DataLoss,
    severity: RiskSeverity::Medium,
    patient_safety: false,
    doc: RuleDoc {
        what: "HL7 v2 fields and components that the samples populate but that ira's v2 → \
               FHIR map (the HL7 V2-to-FHIR mapping, plus the project's overrides) sends to \
               no FHIR element: Z-segments and other segments the map does not know, \
               fields the map leaves unmapped, and components with no target in their \
               datatype map. Set IDs (SI), fields the map reads in its conditions (OBX-2 decides \
               how OBX-5 maps), the MSH envelope and EVN-1 (a copy of MSH-9.2) are not \
               reported.",
        why: "Whatever the legacy system sends that has no destination is dropped at \
              go-live without an error. Z-segments in particular carry local data that \
              downstream users rely on (a consent flag, a ward's local code, a VIP \
              marker) and that nobody remembers until it is missing.",
        example: "`ZPI|1|LOCALFLAG` in an ADT feed: 'Z-segment with no mapping' for ZPI-1 \
                  and ZPI-2. `PID-3.9` (assigning jurisdiction) valued: the CX map has no \
                  target for it.",
        fix: "For each path decide with the target team: map it (add a row to the spec's \
              `[[map.fields]]`, e.g. to an extension), drop it knowingly (accept the risk \
              with a justification), or stop sending it.",
        references: &[
            "HL7 V2-to-FHIR IG, segment and datatype maps",
            "HL7 v2.5.1 chapter 2, 2.8.2 Z segments",
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

    fn wants_v2(&self, at: &V2Position<'_>, env: &RuleEnv<'_>) -> bool {
        let p = &at.path;
        !(p.segment == *b"MSH" || (p.segment == *b"EVN" && p.field == 1)) && gap(at, env).is_some()
    }

    fn v2_leaf(&self, leaf: &V2Leaf<'_, '_>, cx: &SampleCx<'_>, found: &mut SampleFindings<'_>) {
        let p = &leaf.path;
        // The message header is envelope (MessageHeader, the bundle), not data to
        // carry; EVN-1 only repeats MSH-9.2 (kept by HL7 for backward compatibility).
        if leaf.item.hint == TypeHint::Null
            || p.segment == *b"MSH"
            || (p.segment == *b"EVN" && p.field == 1)
        {
            return;
        }
        let at = V2Position {
            path: p.schema_key(),
            field: leaf.field,
            position: leaf.position,
        };
        let Some((source, detail)) = gap(&at, cx.env) else {
            return;
        };
        found.note_packed(pack_path(&source) | (detail << 80), leaf.item.location);
    }

    fn describe(
        &self,
        key: PackedKey,
        _env: &RuleEnv<'_>,
    ) -> Option<(Option<String>, Option<String>, String)> {
        let detail = DETAILS.get(usize::try_from(key >> 80).ok()?)?;
        Some((
            Some(unpack_path(key).to_string()),
            None,
            (*detail).to_owned(),
        ))
    }
}

/// The details of the findings, by index in a packed key.
const DETAILS: [&str; 4] = [
    "field not in the map",
    "Z-segment with no mapping",
    "segment with no mapping",
    "populated with no FHIR target",
];

/// Why the leaf has no destination: the path to report and the index of the detail in
/// [`DETAILS`], or `None`.
fn gap(leaf: &V2Position<'_>, env: &RuleEnv<'_>) -> Option<(V2Path, u128)> {
    let p = &leaf.path;
    let field_path = V2Path {
        component: 0,
        subcomponent: 0,
        ..p.schema_key()
    };
    let Some(f) = leaf.field else {
        let known = env.positions.knows_segment(p);
        let detail = match (known, p.segment[0]) {
            (true, _) => 0,
            (false, b'Z') => 1,
            (false, _) => 2,
        };
        return Some((field_path, detail));
    };
    if f.v2_type == "SI" || f.decides {
        return None;
    }
    let mapped = match (p.component, leaf.position) {
        // Not split: the field, or its first component, goes somewhere.
        (0, leaf) => f.target.is_some() || leaf.is_some_and(|l| l.target.is_some()),
        // A component the datatype map knows: its own row decides.
        (_, Some(leaf)) => leaf.target.is_some(),
        // A component with no datatype row: the whole field's target carries it.
        (_, None) => f.target.is_some(),
    };
    if mapped {
        return None;
    }
    let key = V2Path {
        subcomponent: 0,
        ..p.schema_key()
    };
    Some((key, 3))
}
