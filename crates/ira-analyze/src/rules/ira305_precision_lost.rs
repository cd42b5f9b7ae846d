//! IRA305 precision-lost: times of day sent into FHIR elements that hold only a date.

use ira_parse::fhir::table::r4;
use ira_parse::model::Sample;

use super::shapes::{is_date_time, split_zone};
use super::temporal::temporal;
use super::v2types::{RuleEnv, V2Leaf, V2Position, pack_path, unpack_path, walk_v2};
use super::{
    Category, PackedKey, RiskSeverity, RuleDoc, RuleMeta, SampleCx, SampleFindings, SampleRule,
    Tally,
};

pub(super) struct Rule;

static META: RuleMeta = RuleMeta {
    id: "IRA305",
    name: "precision-lost",
    title: "Times of day that the target can only store as a date",
    category: Category::DataQuality,
    severity: RiskSeverity::Low,
    patient_safety: false,
    doc: RuleDoc {
        what: "HL7 v2 DTM/TS values that carry a time of day (hours or more) in positions \
               the V2-to-FHIR map sends to a FHIR element of type `date` only (by the R4 \
               definitions): the time is cut off at go-live.",
        why: "The target keeps less than the legacy system sent. A time of birth (PID-7 \
              holds one for newborns) becomes a bare date in Patient.birthDate; neonatal \
              care, and any downstream system that relied on the time, lose it. Whether \
              that matters is a decision to make before go-live, not after.",
        example: "`PID|1||...||TESTBABY^ONE||202403010412|F` — PID-7 has 04:12; \
                  Patient.birthDate is a date: the time goes nowhere unless the \
                  patient-birthTime extension is mapped.",
        fix: "Map the time to where the target keeps it (for PID-7 the standard extension \
              `http://hl7.org/fhir/StructureDefinition/patient-birthTime` on birthDate, \
              via the spec's map overrides), or accept the loss with a justification.",
        references: &[
            "FHIR R4 datatypes: date, dateTime",
            "FHIR R4 extension patient-birthTime",
            "HL7 V2-to-FHIR IG, segment maps (PID-7 → Patient.birthDate)",
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
        at.position.is_some_and(|p| {
            p.temporal == Some("DTM") && p.target.as_deref().is_some_and(date_only)
        })
    }

    fn v2_leaf(&self, leaf: &V2Leaf<'_, '_>, _cx: &SampleCx<'_>, found: &mut SampleFindings<'_>) {
        let Some((kind, raw, pos)) = temporal(leaf) else {
            return;
        };
        let Some(target) = pos.target.as_deref() else {
            return;
        };
        if kind != "DTM" || !is_date_time(raw, 24) || !date_only(target) {
            return;
        }
        let (body, _) = split_zone(raw);
        if body.iter().take_while(|b| b.is_ascii_digit()).count() > 8 {
            found.note_packed(pack_path(&leaf.path.schema_key()), leaf.item.location);
        }
    }

    fn describe(
        &self,
        key: PackedKey,
        env: &RuleEnv<'_>,
    ) -> Option<(Option<String>, Option<String>, String)> {
        let path = unpack_path(key);
        let target = env.positions.position(&path)?.target.clone()?;
        Some((
            Some(path.to_string()),
            Some(target),
            "time of day into a date-only element".to_owned(),
        ))
    }
}

/// True when the R4 definitions give the element the single type `date`.
fn date_only(path: &str) -> bool {
    r4().element(path)
        .is_some_and(|e| e.types.len() == 1 && e.types[0] == "date")
}
