//! IRA101 source-without-target: populated v2 fields and components that the v2 → FHIR
//! map sends nowhere.

use ira_parse::model::{ElementPath, Sample, TypeHint, V2Path};

use super::v2types::RuleEnv;
use super::{
    Category, RiskSeverity, RuleDoc, RuleMeta, SampleCx, SampleFindings, SampleRule, Tally,
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
        msg.walk(&mut |item| {
            let ElementPath::V2(p) = item.path else {
                return;
            };
            // The message header is envelope (MessageHeader, the bundle), not data to
            // carry; EVN-1 only repeats MSH-9.2 (kept by HL7 for backward compatibility).
            if item.hint == TypeHint::Null
                || p.segment == *b"MSH"
                || (p.segment == *b"EVN" && p.field == 1)
            {
                return;
            }
            let Some((source, detail)) = gap(&p, cx.env) else {
                return;
            };
            found.note(Some(source), None, detail, item.location);
        });
        found.record(tally);
    }
}

/// Why the leaf at `p` has no destination, with the path to report, or `None`.
fn gap(p: &V2Path, env: &RuleEnv<'_>) -> Option<(String, &'static str)> {
    let field_path = V2Path {
        component: 0,
        subcomponent: 0,
        ..p.schema_key()
    };
    let Some(f) = env.positions.field(p) else {
        let known = env.map.segment(p.segment_str()).is_some();
        let detail = match (known, p.segment[0]) {
            (true, _) => "field not in the map",
            (false, b'Z') => "Z-segment with no mapping",
            (false, _) => "segment with no mapping",
        };
        return Some((field_path.to_string(), detail));
    };
    if f.v2_type == "SI" || env.positions.decides_mapping(p) {
        return None;
    }
    let mapped = match (p.component, env.positions.position(p)) {
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
    Some((key.to_string(), "populated with no FHIR target"))
}
