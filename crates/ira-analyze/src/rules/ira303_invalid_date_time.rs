//! IRA303 invalid-date-time: HL7 v2 date and time values that are not valid DT, DTM/TS
//! or TM.

use ira_parse::model::Sample;

use super::shapes::{is_date_time, is_time};
use super::temporal::{kind_at, kind_index, temporal};
use super::v2types::{RuleEnv, V2Leaf, V2Position, pack_path, unpack_path, walk_v2};
use super::{
    Category, PackedKey, RiskSeverity, RuleDoc, RuleMeta, SampleCx, SampleFindings, SampleRule,
    Tally,
};

pub(super) struct Rule;

static META: RuleMeta = RuleMeta {
    id: "IRA303",
    name: "invalid-date-time",
    title: "Dates and times that are not valid HL7 dates",
    category: Category::DataQuality,
    severity: RiskSeverity::High,
    patient_safety: false,
    doc: RuleDoc {
        what: "Values in DT, DTM/TS and TM positions (by ira's map of each field and \
               component) that do not have the HL7 shape: `YYYY[MM[DD[HH[MM[SS[.S]]]]]]` \
               with an optional `+/-ZZZZ`, valid month, day and hour ranges; local \
               formats such as `2024-03-01`, `01/03/2024` or `20240301 0930`.",
        why: "A value that is not a valid date cannot become a FHIR date, dateTime or \
              instant: the target rejects the resource or the interface drops the \
              element. A birth date lost or mangled this way breaks patient matching; an \
              observation or admission time lost breaks the clinical timeline.",
        example: "`PID|1||...||TESTPATIENT^ALPHA||1980-01-01|F` — PID-7 is a DTM, the dashes \
                  make it invalid; `OBR-7` `20240230` (30 February).",
        fix: "Correct the format at the sending system or add an interface-engine \
              transformation to the HL7 format; reject or queue values that cannot be \
              parsed rather than dropping them silently.",
        references: &[
            "HL7 v2.5.1 chapter 2A: DT, DTM, TM, TS",
            "FHIR R4 datatypes: date, dateTime, instant, time",
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
        at.position.is_some_and(|p| p.temporal.is_some())
    }

    fn v2_leaf(&self, leaf: &V2Leaf<'_, '_>, _cx: &SampleCx<'_>, found: &mut SampleFindings<'_>) {
        let Some((kind, raw, _)) = temporal(leaf) else {
            return;
        };
        let ok = match kind {
            "DT" => is_date_time(raw, 8),
            "TM" => is_time(raw),
            _ => is_date_time(raw, 24),
        };
        if !ok {
            let key = pack_path(&leaf.path.schema_key()) | (kind_index(kind) << 80);
            found.note_packed(key, leaf.item.location);
        }
    }

    fn describe(
        &self,
        key: PackedKey,
        env: &RuleEnv<'_>,
    ) -> Option<(Option<String>, Option<String>, String)> {
        let path = unpack_path(key);
        let kind = kind_at(key >> 80)?;
        let target = env.positions.position(&path)?.target.clone();
        Some((
            Some(path.to_string()),
            target,
            format!("not a valid {kind}"),
        ))
    }
}
