//! The rows of the map: field rows, component rows, vocabulary concepts.

use std::fmt;

use super::condition::Condition;

/// Where a row comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Origin {
    /// The HL7 V2-to-FHIR guide (the embedded data).
    Guide,
    /// The project's overrides ([`super::MapOverrides`]).
    Project,
}

/// The upper bound of a cardinality.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Max {
    /// At most this many.
    Bounded(u32),
    /// `*`: any number.
    Unbounded,
}

/// A cardinality `min..max` as the guide states it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Card {
    pub min: u32,
    pub max: Max,
}

impl Card {
    /// More than one allowed.
    pub fn repeats(&self) -> bool {
        self.max != Max::Bounded(0) && self.max != Max::Bounded(1)
    }

    /// At least one required.
    pub fn required(&self) -> bool {
        self.min >= 1
    }
}

impl fmt::Display for Card {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.max {
            Max::Bounded(n) => write!(f, "{}..{n}", self.min),
            Max::Unbounded => write!(f, "{}..*", self.min),
        }
    }
}

/// The FHIR side of a mapping row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FhirElement {
    /// Path without array indexes. In a field row it starts with the resource
    /// (`Patient.identifier`); in a component row it is relative to the datatype map's
    /// FHIR type (`assigner`, `family`), and `$value` means the value itself.
    pub path: String,
    /// Reference hops after `path`, each in the referenced resource
    /// (`Organization.identifier.value`; `PractitionerRole.organization`, `Organization.address`).
    pub via: Vec<String>,
    /// FHIR datatype of the element (`Identifier`, `Reference(Organization)`, `code`).
    pub fhir_type: Option<String>,
    /// FHIR cardinality of the element, when stated.
    pub card: Option<Card>,
}

/// What every mapping row has: condition, target, datatype and vocabulary maps.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    /// The condition, parsed; `None` = unconditional. A condition stated only in prose
    /// is `Condition::Other(narrative)`.
    pub condition: Option<Condition>,
    /// The computable condition as the guide writes it.
    pub condition_text: Option<String>,
    /// The guide's prose condition.
    pub narrative: Option<String>,
    /// Where the value goes; `None` = the guide maps it nowhere.
    pub target: Option<FhirElement>,
    /// The datatype map used (`CX[Identifier]`).
    pub datatype_map: Option<String>,
    /// The vocabulary map used (`AdministrativeSex`).
    pub vocabulary: Option<String>,
    /// A fixed value the guide assigns to the target when this row applies (an
    /// extension url, a code): not data from the v2 message.
    pub assigned: Option<String>,
    /// How the guide computes the value from v2 data, or an instruction for the
    /// implementer, as written (`OBX-5.1+"-"+OBX-5.2`, `/map HL7 code system to appropriate url/`).
    pub derived: Option<String>,
    /// A target the guide only proposes (`extension??-identityUnknown`), as written.
    pub proposed: Option<String>,
    /// Guide or project.
    pub origin: Origin,
}

impl Rule {
    /// The row carries v2 data to a FHIR element (not just a fixed assigned value).
    pub fn carries_value(&self) -> bool {
        self.target.is_some() && self.assigned.is_none()
    }
}

/// One row of a segment map: `SEG-n` → one FHIR element. A field usually has several.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldMapping {
    /// The segment map (`PID[Patient]`, `OBR[DiagnosticReport]`).
    pub map: String,
    /// The resource it builds (`Patient`).
    pub resource: String,
    /// Segment id (`PID`).
    pub segment: String,
    /// 1-based field number.
    pub field: u16,
    /// The field's name in the v2 standard.
    pub name: String,
    /// v2 datatype (`CX`; `varies` for OBX-5).
    pub v2_type: String,
    /// v2 cardinality.
    pub v2_card: Option<Card>,
    /// Condition, target, maps.
    pub rule: Rule,
}

/// One row of a datatype map: `TYPE.n` → one element of the FHIR type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ComponentMapping {
    /// The datatype map (`CX[Identifier]`).
    pub map: String,
    /// 1-based component number.
    pub component: u16,
    /// The component's name in the v2 standard.
    pub name: String,
    /// The component's v2 datatype (`HD`).
    pub v2_type: String,
    /// v2 cardinality.
    pub v2_card: Option<Card>,
    /// Condition, target (relative to the map's FHIR type), maps.
    pub rule: Rule,
}

/// A FHIR concept.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Concept {
    /// Code system url.
    pub system: String,
    pub code: String,
    pub display: Option<String>,
}

/// One row of a vocabulary map.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConceptMapping {
    /// The v2 code; `None` for a FHIR concept no v2 code maps to.
    pub v2_code: Option<String>,
    /// The v2 table's text for the code.
    pub v2_display: Option<String>,
    /// Condition for this row, parsed.
    pub condition: Option<Condition>,
    /// The FHIR concept; `None` = the guide gives no equivalent.
    pub target: Option<Concept>,
    /// Guide or project.
    pub origin: Origin,
}

/// One segment of a message structure and a segment map the guide applies to it there.
/// A segment with several maps (or conditions) has several of these.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MessageSegment {
    /// The guide's position (`ADT_A01.NEXT_OF_KIN.NK1`, `ADT_A01:follow:PID.ROL`).
    pub position: String,
    /// Segment id (`NK1`).
    pub segment: String,
    /// The segment's cardinality in the structure.
    pub v2_card: Option<Card>,
    /// When the map applies, parsed (`NK1-3.1 NOT IN (…)`); `None` = always.
    pub condition: Option<Condition>,
    /// The computable condition as the guide writes it.
    pub condition_text: Option<String>,
    /// The guide's prose condition.
    pub narrative: Option<String>,
    /// The resource the map builds or fills (`RelatedPerson`).
    pub resource: Option<String>,
    /// The segment map (`NK1[RelatedPerson]`); `None` = mapped nowhere in this message.
    pub segment_map: Option<String>,
}
