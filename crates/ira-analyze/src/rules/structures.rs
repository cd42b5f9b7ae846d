//! HL7 v2 message structures: which structure a message has (MSH-9.3, or the standard's
//! trigger-event table when MSH-9.3 is empty, as in v2.3 feeds), and the abstract
//! syntax of the structures ira checks (segment order, required segments, repeating
//! groups), from HL7 v2.5.1 chapters 2, 3 and 7.

use std::borrow::Cow;

use ira_parse::model::{SampleInfo, Standard};

/// The structure of a sample: what rules and profiles group by.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Structure<'a> {
    pub standard: Standard,
    /// `ADT_A01` for v2 (declared or derived from the trigger), the resource type for
    /// FHIR, `None` when neither is known.
    pub name: Option<Cow<'a, str>>,
    /// The message kind (`ADT^A08`) or resource type.
    pub kind: Cow<'a, str>,
}

impl Structure<'_> {
    /// The scope findings are grouped by: the structure, else the kind, else `unknown`.
    pub fn scope(&self) -> String {
        match (&self.name, self.kind.is_empty()) {
            (Some(n), _) => n.to_string(),
            (None, false) => self.kind.to_string(),
            (None, true) => "unknown".to_owned(),
        }
    }
}

/// The structure of a sample. For v2, MSH-9.3 when declared; otherwise the structure
/// the standard assigns to the message type and trigger event.
pub fn structure_of<'a>(info: &'a SampleInfo<'a>) -> Structure<'a> {
    let name = match info.standard {
        Standard::Fhir => Some(Cow::Borrowed(info.kind.as_ref())),
        Standard::V2 => match info.structure.as_deref() {
            Some(s) if !s.is_empty() => Some(Cow::Borrowed(s)),
            _ => derived_structure(&info.kind).map(Cow::Borrowed),
        },
    };
    Structure {
        standard: info.standard,
        name,
        kind: Cow::Borrowed(info.kind.as_ref()),
    }
}

/// Message type and trigger → structure (HL7 v2.5.1 message structure table 0354,
/// for the messages integration feeds carry most).
fn derived_structure(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "ADT^A01" | "ADT^A04" | "ADT^A08" | "ADT^A13" => "ADT_A01",
        "ADT^A02" => "ADT_A02",
        "ADT^A03" => "ADT_A03",
        "ADT^A05" | "ADT^A14" | "ADT^A28" | "ADT^A31" => "ADT_A05",
        "ADT^A06" | "ADT^A07" => "ADT_A06",
        "ADT^A09" | "ADT^A10" | "ADT^A11" => "ADT_A09",
        "ADT^A12" => "ADT_A12",
        "ADT^A15" => "ADT_A15",
        "ADT^A16" => "ADT_A16",
        "ADT^A17" => "ADT_A17",
        "ADT^A21" | "ADT^A22" | "ADT^A23" | "ADT^A25" | "ADT^A26" | "ADT^A27" | "ADT^A29"
        | "ADT^A32" | "ADT^A33" => "ADT_A21",
        "ADT^A38" => "ADT_A38",
        "ADT^A39" | "ADT^A40" | "ADT^A41" | "ADT^A42" => "ADT_A39",
        "ORU^R01" => "ORU_R01",
        "ORM^O01" => "ORM_O01",
        "OML^O21" => "OML_O21",
        "ORL^O22" => "ORL_O22",
        "MDM^T02" | "MDM^T04" | "MDM^T06" | "MDM^T08" | "MDM^T10" => "MDM_T02",
        "VXU^V04" => "VXU_V04",
        "SIU^S12" | "SIU^S13" | "SIU^S14" | "SIU^S15" | "SIU^S16" | "SIU^S17" | "SIU^S18"
        | "SIU^S19" | "SIU^S20" | "SIU^S21" | "SIU^S22" | "SIU^S23" | "SIU^S24" | "SIU^S26" => {
            "SIU_S12"
        }
        "ACK^A01" | "ACK^A03" | "ACK^A04" | "ACK^A08" | "ACK^R01" | "ACK^O01" => "ACK",
        _ => return None,
    })
}

/// One segment position in an abstract message syntax.
#[derive(Debug)]
pub struct Slot {
    pub segment: &'static str,
    /// Required in the message (a required segment of an optional group is not).
    pub required: bool,
}

/// An abstract message syntax, flattened: segment slots in order, and the repeating
/// groups: their span and the slots a new instance of the group can start with.
#[derive(Debug)]
pub struct Syntax {
    pub name: &'static str,
    pub slots: &'static [Slot],
    /// `(first, last, starts)`: slot span of each repeating group, and the slots that can
    /// begin a new instance of it (its first required segment, and any optional ones
    /// before that).
    pub groups: &'static [(usize, usize, &'static [usize])],
}

const fn req(segment: &'static str) -> Slot {
    Slot {
        segment,
        required: true,
    }
}

const fn opt(segment: &'static str) -> Slot {
    Slot {
        segment,
        required: false,
    }
}

/// ADT_A01 (A01, A04, A08, A13), HL7 v2.5.1 chapter 3.
static ADT_A01: Syntax = Syntax {
    name: "ADT_A01",
    slots: &[
        req("MSH"), // 0
        opt("SFT"),
        req("EVN"),
        req("PID"),
        opt("PD1"),
        opt("ROL"), // 5
        opt("NK1"),
        req("PV1"),
        opt("PV2"),
        opt("ROL"),
        opt("DB1"), // 10
        opt("OBX"),
        opt("AL1"),
        opt("DG1"),
        opt("DRG"),
        opt("PR1"), // 15 PROCEDURE group
        opt("ROL"),
        opt("GT1"),
        opt("IN1"), // 18 INSURANCE group
        opt("IN2"),
        opt("IN3"), // 20
        opt("ROL"),
        opt("ACC"),
        opt("UB1"),
        opt("UB2"),
        opt("PDA"), // 25
    ],
    groups: &[(15, 16, &[15]), (18, 21, &[18])],
};

/// ORU_R01, HL7 v2.5.1 chapter 7.
static ORU_R01: Syntax = Syntax {
    name: "ORU_R01",
    slots: &[
        req("MSH"), // 0
        opt("SFT"),
        opt("PID"), // 2 PATIENT_RESULT group starts (PATIENT optional)
        opt("PD1"),
        opt("NTE"),
        opt("NK1"), // 5
        opt("PV1"),
        opt("PV2"),
        opt("ORC"), // 8 ORDER_OBSERVATION group
        req("OBR"),
        opt("NTE"), // 10
        opt("TQ1"),
        opt("TQ2"),
        opt("CTD"),
        opt("OBX"), // 14 OBSERVATION group
        opt("NTE"), // 15
        opt("FT1"),
        opt("CTI"),
        opt("SPM"), // 18 SPECIMEN group
        opt("OBX"),
        opt("DSC"), // 20
    ],
    // PATIENT_RESULT (a new one starts with PID, or with an order when PATIENT is
    // absent), ORDER_OBSERVATION, TIMING_QTY, OBSERVATION, SPECIMEN.
    groups: &[
        (2, 19, &[2, 8, 9]),
        (8, 19, &[8, 9]),
        (11, 12, &[11]),
        (14, 15, &[14]),
        (18, 19, &[18]),
    ],
};

/// The abstract syntax ira checks for this structure, if any.
pub fn syntax(structure: &str) -> Option<&'static Syntax> {
    match structure {
        "ADT_A01" => Some(&ADT_A01),
        "ORU_R01" => Some(&ORU_R01),
        _ => None,
    }
}

/// A departure from the abstract syntax, described without values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Violation {
    /// A required segment is absent.
    Missing(&'static str),
    /// `segment` came after `after`, which the syntax places later.
    OutOfOrder {
        segment: String,
        after: &'static str,
    },
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Violation::Missing(s) => write!(f, "required segment {s} missing"),
            Violation::OutOfOrder { segment, after } => {
                write!(f, "segment {segment} out of order (after {after})")
            }
        }
    }
}

impl Syntax {
    /// Checks a message's segment ids in order. Segments that the syntax does not list
    /// (Z-segments, other unknown segments) are left to other rules. Returns each
    /// violation once.
    pub fn check<'s>(&self, segments: impl IntoIterator<Item = &'s str>) -> Vec<Violation> {
        let mut out = Vec::new();
        let mut seen = vec![false; self.slots.len()];
        let mut pos = 0usize;
        // Segments present anywhere, in order or not: an out-of-order segment is not
        // also missing.
        let mut present: Vec<&str> = Vec::new();
        for seg in segments {
            if !self.slots.iter().any(|s| same(s.segment, seg)) {
                continue;
            }
            if !present.iter().any(|p| same(p, seg)) {
                present.push(seg);
            }
            // The next slot for this segment at or after the current position.
            if let Some(j) = (pos..self.slots.len()).find(|&j| same(self.slots[j].segment, seg)) {
                pos = j;
                seen[j] = true;
                continue;
            }
            // Earlier: legal only as the start of a new instance of a repeating group
            // that holds the current position.
            let restart = (0..pos).rev().find(|&j| {
                same(self.slots[j].segment, seg)
                    && self.groups.iter().any(|&(first, last, starts)| {
                        starts.contains(&j) && first <= pos && pos <= last
                    })
            });
            match restart {
                Some(j) => {
                    pos = j;
                    seen[j] = true;
                }
                None => {
                    let v = Violation::OutOfOrder {
                        segment: seg.to_owned(),
                        after: self.slots[pos].segment,
                    };
                    if !out.contains(&v) {
                        out.push(v);
                    }
                }
            }
        }
        for slot in self.slots {
            if slot.required && !present.iter().any(|p| same(p, slot.segment)) {
                let v = Violation::Missing(slot.segment);
                if !out.contains(&v) {
                    out.push(v);
                }
            }
        }
        out
    }
}

/// Segment ids are three characters: compared as such, without a memcmp call each
/// (this runs for every segment of every message against every slot).
#[inline]
fn same(a: &str, b: &str) -> bool {
    match (a.as_bytes(), b.as_bytes()) {
        ([a0, a1, a2], [b0, b1, b2]) => a0 == b0 && a1 == b1 && a2 == b2,
        (a, b) => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(name: &str, segs: &str) -> Vec<String> {
        syntax(name)
            .unwrap()
            .check(segs.split(' '))
            .iter()
            .map(|v| v.to_string())
            .collect()
    }

    #[test]
    fn a_well_formed_adt_a01_passes() {
        assert!(
            check(
                "ADT_A01",
                "MSH EVN PID PD1 NK1 NK1 PV1 PV2 OBX AL1 AL1 DG1 PR1 ROL PR1 GT1 IN1 IN2 IN1"
            )
            .is_empty()
        );
        // Z-segments and segments of other structures are not this rule's business.
        assert!(check("ADT_A01", "MSH EVN PID ZPI PV1 ZPV").is_empty());
    }

    #[test]
    fn adt_a01_missing_and_out_of_order_segments_are_named() {
        assert_eq!(
            check("ADT_A01", "MSH PID PV1"),
            ["required segment EVN missing"]
        );
        assert_eq!(
            check("ADT_A01", "MSH EVN PV1 PID"),
            ["segment PID out of order (after PV1)"]
        );
        assert_eq!(
            check("ADT_A01", "MSH EVN PID PV1 AL1 NK1"),
            ["segment NK1 out of order (after AL1)"]
        );
    }

    #[test]
    fn oru_r01_groups_repeat() {
        assert!(
            check(
                "ORU_R01",
                "MSH PID PV1 ORC OBR NTE OBX NTE OBX OBX ORC OBR OBX"
            )
            .is_empty()
        );
        assert!(check("ORU_R01", "MSH PID OBR OBX PID OBR OBX").is_empty());
        assert!(check("ORU_R01", "MSH OBR OBX SPM OBX").is_empty());
        assert_eq!(
            check("ORU_R01", "MSH PID PV1"),
            ["required segment OBR missing"]
        );
        assert_eq!(
            check("ORU_R01", "MSH OBR OBX PV1"),
            ["segment PV1 out of order (after OBX)"]
        );
    }

    #[test]
    fn structure_comes_from_msh_9_3_or_the_trigger() {
        use ira_parse::Location;
        let info = |kind: &'static str, structure: Option<&'static str>| SampleInfo {
            standard: Standard::V2,
            kind: kind.into(),
            structure: structure.map(Into::into),
            version: None,
            location: Location::default(),
        };
        assert_eq!(structure_of(&info("ADT^A08", None)).scope(), "ADT_A01");
        assert_eq!(structure_of(&info("ADT^A03", None)).scope(), "ADT_A03");
        assert_eq!(
            structure_of(&info("ADT^A08", Some("ADT_A08"))).scope(),
            "ADT_A08"
        );
        assert_eq!(structure_of(&info("ZZZ^Z01", None)).scope(), "ZZZ^Z01");
        assert_eq!(structure_of(&info("", None)).scope(), "unknown");
    }
}
