//! IRA402 non-ascii-without-charset: non-ASCII bytes in messages that declare no
//! character set (or declare ASCII).

use ira_parse::Location;
use ira_parse::hl7::Message;
use ira_parse::model::{Sample, V2Path};

use super::{Category, RiskSeverity, RuleDoc, RuleMeta, SampleCx, SampleRule, Tally, TallyKey};

pub(super) struct Rule;

static META: RuleMeta = RuleMeta {
    id: "IRA402",
    name: "non-ascii-without-charset",
    title: "Accented or non-Latin characters sent without a declared character set",
    category: Category::Structure,
    severity: RiskSeverity::Medium,
    patient_safety: false,
    doc: RuleDoc {
        what: "HL7 v2 messages that contain bytes above 0x7F while MSH-18 is empty or \
               says ASCII. ira reads such bytes as ISO-8859-1, but nothing in the message \
               says which encoding the sender used.",
        why: "Without MSH-18 each receiver guesses. A name sent as ISO-8859-1 and read as \
              UTF-8 (or the reverse) arrives garbled (`MÃ¼ller` for `Müller`) or is \
              rejected by a FHIR server that requires valid UTF-8; garbled names and \
              addresses defeat patient matching and end up in letters and wristbands.",
        example: "`MSH|^~\\&|LEGACY|HOSP|...|ADT^A01|123|P|2.3` (MSH-18 empty) with \
                  `PID|||...||MÜLLER^JÖRG` where Ü and Ö are the single bytes 0xDC and \
                  0xD6.",
        fix: "Find out the encoding the sending system really uses and have it fill MSH-18 \
              (`8859/1` or `UNICODE UTF-8`), or set the interface engine to declare and \
              convert it; test with names that carry accents before go-live.",
        references: &[
            "HL7 v2.5.1 chapter 2, 2.14.9.18 MSH-18 Character Set (table 0211)",
            "HL7 v2.5.1 chapter 2, 2.15 Use of escape sequences and character sets",
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
        let declared = msg.get_raw(&V2Path::field(*b"MSH", 18)).unwrap_or_default();
        let detail = if declared.is_empty() {
            "non-ASCII bytes with MSH-18 empty"
        } else if declared.trim_ascii().eq_ignore_ascii_case(b"ASCII") {
            "non-ASCII bytes with MSH-18 ASCII"
        } else {
            return;
        };
        if let Some(at) = first_high_byte(msg) {
            tally.record(
                TallyKey {
                    rule: META.id,
                    scope: cx.scope.to_owned(),
                    source: Some("MSH-18".to_owned()),
                    target: None,
                    detail: detail.to_owned(),
                },
                at,
            );
        }
    }
}

/// The position of the first byte above 0x7F, at its segment's line.
fn first_high_byte(msg: &Message<'_>) -> Option<Location> {
    msg.segments().find_map(|seg| {
        // Most segments are plain ASCII: one fast check before the byte search.
        if seg.bytes().is_ascii() {
            return None;
        }
        let i = seg.bytes().iter().position(|&b| b >= 0x80)?;
        let mut at = seg.location();
        at.offset += i as u64;
        Some(at)
    })
}
