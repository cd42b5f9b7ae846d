//! IRA401 message-structure-violation: messages that do not follow the abstract syntax
//! of their declared (or implied) structure.

use ira_parse::model::Sample;

use super::structures::syntax;
use super::{Category, RiskSeverity, RuleDoc, RuleMeta, SampleCx, SampleRule, Tally, TallyKey};

pub(super) struct Rule;

static META: RuleMeta = RuleMeta {
    id: "IRA401",
    name: "message-structure-violation",
    title: "Messages do not follow their message structure",
    category: Category::Structure,
    severity: RiskSeverity::High,
    patient_safety: false,
    doc: RuleDoc {
        what: "HL7 v2 messages whose segments break the abstract syntax of their message \
               structure (MSH-9.3, or the structure the standard assigns to the trigger \
               event): a required segment missing, or a segment where the structure does \
               not allow it. Checked structures: ADT_A01 (A01, A04, A08, A13) and ORU_R01. \
               Z-segments and segments foreign to the structure are left to the data-loss \
               rules.",
        why: "A receiver that validates structure rejects such messages (an AE/AR \
              acknowledgement), and one that does not may attach segments to the wrong \
              group: an OBX read as part of the wrong order, a visit without its patient. \
              Either way data goes missing after go-live, and the sender's retries can \
              block the interface queue.",
        example: "ADT^A08 without EVN: `MSH|...|ADT^A08|...` `PID|...` `PV1|...`: \
                  'required segment EVN missing' in ADT_A01. ORU^R01 where PV1 follows the \
                  OBX segments: 'segment PV1 out of order (after OBX)'.",
        fix: "Have the sending system (or the interface engine) add the missing segment \
              (an EVN with EVN-2 from MSH-7 is a common engine fix) and emit segments in \
              the standard order; or, if the receiver is known to tolerate it, accept the \
              risk in the spec with a justification.",
        references: &[
            "HL7 v2.5.1 chapter 2, 2.5 Message construction rules",
            "HL7 v2.5.1 chapter 3, 3.3.1 ADT/ACK - Admit/Visit Notification (Event A01)",
            "HL7 v2.5.1 chapter 7, 7.3.1 ORU - Unsolicited Transmission of an Observation (Event R01)",
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
        let Some(syntax) = syntax(cx.scope) else {
            return;
        };
        let segments: Vec<&str> = msg.segments().filter_map(|s| s.name_str()).collect();
        for v in syntax.check(segments.iter().copied()) {
            tally.record(
                TallyKey {
                    rule: META.id,
                    scope: cx.scope.to_owned(),
                    source: None,
                    target: None,
                    detail: v.to_string(),
                },
                msg.location(),
            );
        }
    }
}
