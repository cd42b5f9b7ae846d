//! IRA302 timestamp-without-timezone: times of day sent without a UTC offset into FHIR
//! elements that require one.

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
    id: "IRA302",
    name: "timestamp-without-timezone",
    title: "Timestamps without a time zone feed FHIR dateTime/instant elements",
    category: Category::DataQuality,
    severity: RiskSeverity::Medium,
    patient_safety: false,
    doc: RuleDoc {
        what: "HL7 v2 DTM/TS values that carry a time of day (hours or more) but no UTC \
               offset, in positions the V2-to-FHIR map sends to a FHIR element \
               (dateTime, instant, Period). Dates alone (YYYYMMDD) are not reported: FHIR \
               accepts a date without a zone.",
        why: "FHIR R4 requires a time zone whenever a dateTime has a time, and always for \
              an instant. The interface must then guess the zone (usually the server's), \
              which shifts results, admissions and medication times by hours when the \
              guess is wrong — across daylight-saving changes it is wrong twice a year — \
              or the target rejects the resource.",
        example: "`MSH|^~\\&|...|20240301120000||ADT^A08|...` and `PV1|...` with PV1-44 \
                  `202403010930`: MSH-7 and PV1-44 have times but no `+hhmm`; they map to \
                  MessageHeader and Encounter.period.start.",
        fix: "Have the sender add the offset (`20240301120000+0100`), or configure the \
              interface engine with the sender's time zone explicitly (and test the \
              daylight-saving switch); record the agreed zone in the interface spec.",
        references: &[
            "FHIR R4 datatypes: dateTime (a time requires a time zone), instant",
            "HL7 v2.5.1 chapter 2A, DTM date/time",
            "HL7 V2-to-FHIR IG, datatype map DTM[dateTime]",
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
        at.position
            .is_some_and(|p| p.temporal == Some("DTM") && p.target.is_some())
    }

    fn v2_leaf(&self, leaf: &V2Leaf<'_, '_>, _cx: &SampleCx<'_>, found: &mut SampleFindings<'_>) {
        let Some((kind, raw, pos)) = temporal(leaf) else {
            return;
        };
        if kind != "DTM" || pos.target.is_none() || !is_date_time(raw, 24) {
            return;
        }
        let (body, zone) = split_zone(raw);
        let digits = body.iter().take_while(|b| b.is_ascii_digit()).count();
        if digits > 8 && zone.is_empty() {
            found.note_packed(pack_path(&leaf.path.schema_key()), leaf.item.location);
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
            "time without UTC offset".to_owned(),
        ))
    }
}
