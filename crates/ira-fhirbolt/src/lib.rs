//! fhirbolt's R4 deserializers behind a few functions.
//!
//! Instantiating fhirbolt's serde code takes minutes in a release build. Here it is
//! instantiated once, in a crate that depends on no other ira crate, so that a change
//! to the readers or the analysis does not compile it again (`ira-conform`, which
//! needs `ira-parse`, calls [`deserialize_error_as`]).
//!
//! The oracle is fhirbolt's `Resource` enum ([`deserialize_error`]). That path first
//! builds a generic element tree (an `IndexMap` a node) and then deserializes the
//! concrete type from the tree, which is most of the conformance check's time.
//! [`deserialize_error_as`] gives the same answer faster: it first deserializes the
//! concrete type straight from the text ([`direct_error`]), and only when that fails
//! asks the enum. The direct path is stricter than the enum on many inputs (an object
//! where an array is expected, a string for a number, `_name` on a non-primitive, an
//! integer out of range), so its errors are never used; what is relied on is that a
//! text the direct path accepts, the enum accepts too. The differential tests
//! (`tests/differential.rs`) check that on every fixture, fuzz seed, generated resource
//! and systematic mutations of them. Found there, and kept on the enum:
//!
//! * Bundle: `from_str::<Bundle>` refuses ordinary transaction bundles (recorded in an
//!   earlier session; likely the nested-resource cause below), so the direct run would
//!   only be wasted time. Only Bundle shells reach the check, one per bundle.
//! * A text with an empty array (`[]`): the enum panics (a fault), the direct path
//!   accepts it.
//! * A `_div` member: the direct path accepts extensions on the narrative's xhtml,
//!   the enum refuses them.
//! * A resource with `contained` resources, or any nested resource (a Bundle entry's,
//!   `Parameters.parameter.resource`): the direct path reads them through the enum,
//!   which leaves the members after them read in its tree mode (an `extension` array
//!   after `contained` is refused); not worth following.
//!
//! And one difference worked around: the direct path refuses a JSON number in a
//! decimal element (it reads decimals as strings only), so numbers in decimals are
//! quoted first (`quote_decimals`).

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;

use fhirbolt::model::r4::Resource;
use fhirbolt::model::r4::resources as r4;
use fhirbolt::serde::{DeserializationConfig, DeserializationMode};
use fhirbolt_shared::FhirReleases;
use fhirbolt_shared::path::ElementPath;

fn strict() -> Option<DeserializationConfig> {
    Some(DeserializationConfig {
        mode: DeserializationMode::Strict,
    })
}

/// fhirbolt's error for the R4 JSON resource `text` through the `Resource` enum, `None`
/// if it deserializes.
///
/// Strict mode: compatibility mode never consumes an unknown element's value, and one
/// holding a non-empty array makes it loop forever (found by fuzzing). fhirbolt 0.4
/// panics on some inputs (an `unwrap` in its element deserializer, hit by empty
/// arrays); a panic counts as an error, `"fhirbolt panicked"`.
pub fn deserialize_error(text: &str) -> Option<String> {
    let result = std::panic::catch_unwind(|| {
        fhirbolt::json::from_str::<Resource>(text, strict())
            .err()
            .map(|e| e.to_string())
    });
    result.unwrap_or_else(|_| Some("fhirbolt panicked".to_owned()))
}

/// The same answer as [`deserialize_error`] for a resource whose `resourceType` is
/// `resource_type`: `None` at once when the concrete type deserializes straight from
/// the text, otherwise the enum's verdict and message.
pub fn deserialize_error_as(resource_type: &str, text: &str) -> Option<String> {
    if direct_error(resource_type, text) == Some(None) {
        return None;
    }
    deserialize_error(text)
}

/// fhirbolt's error for `text` deserialized straight into the concrete R4 type named
/// `resource_type` (strict mode, a panic counts as an error): `Some(None)` if it
/// deserializes, `Some(Some(message))` if not, and `None` when the direct path is not
/// taken (an unknown type, Bundle, or a text `quote_decimals` gives up on; see the
/// module doc).
pub fn direct_error(resource_type: &str, text: &str) -> Option<Option<String>> {
    if resource_type == "Bundle" {
        return None;
    }
    let run = direct_fn(resource_type)?;
    let result = std::panic::catch_unwind(|| quote_decimals(text).map(|t| run(&t)));
    result.unwrap_or_else(|_| Some(Some("fhirbolt panicked".to_owned())))
}

/// `text` with each number that stands in a decimal element written as a string
/// (`"value":7.50` → `"value":"7.50"`), `None` when the direct path must not be taken:
/// an empty array (the enum panics on it, the direct path accepts it), a `_div` member
/// (the direct path accepts extensions on the narrative's xhtml, the enum refuses
/// them), `contained` or any nested resource (the direct path reads them with the enum,
/// which leaves the members after them read in its tree mode: an `extension` array
/// there is refused), or a text not plain enough to follow (a member name with an escape,
/// `resourceType` not first, nesting deeper than 128).
///
/// fhirbolt 0.4's direct path reads a decimal as a JSON string only (with serde_json's
/// `arbitrary_precision`, which fhirbolt turns on, a number is refused: "invalid type:
/// integer `142`, expected a string"), while the enum reads numbers and strings alike.
/// Which elements are decimals is asked of fhirbolt's own element paths, walked as the
/// enum walks its tree (a leading `_` stripped; a resource's type entered at its
/// `resourceType`), so that only numbers the enum reads as decimals are quoted.
fn quote_decimals(text: &str) -> Option<Cow<'_, str>> {
    let mut scan = Scan {
        b: text.as_bytes(),
        text,
        i: 0,
        segs: Vec::new(),
        quote: Vec::new(),
    };
    scan.value(0)?;
    scan.ws();
    if scan.i != text.len() {
        return None;
    }
    if scan.quote.is_empty() {
        return Some(Cow::Borrowed(text));
    }
    let mut out = String::with_capacity(text.len() + 2 * scan.quote.len());
    let mut at = 0;
    for (start, end) in scan.quote {
        out.push_str(text.get(at..start)?);
        out.push('"');
        out.push_str(text.get(start..end)?);
        out.push('"');
        at = end;
    }
    out.push_str(text.get(at..)?);
    Some(Cow::Owned(out))
}

thread_local! {
    static DECIMALS: RefCell<HashMap<String, bool>> = RefCell::new(HashMap::new());
}

/// One step of the path to the value being scanned.
enum Seg<'t> {
    /// An object's leading `resourceType` (entered only where a resource may stand).
    Type(&'t str),
    Key(&'t str),
}

/// A small JSON scanner for [`quote_decimals`] (the text is JSON the reader or
/// serde_json wrote; anything unexpected gives up).
struct Scan<'t> {
    b: &'t [u8],
    text: &'t str,
    i: usize,
    segs: Vec<Seg<'t>>,
    /// Byte ranges of the numbers to quote.
    quote: Vec<(usize, usize)>,
}

impl<'t> Scan<'t> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    fn eat(&mut self, c: u8) -> Option<()> {
        self.ws();
        (self.peek()? == c).then(|| self.i += 1)
    }

    fn value(&mut self, depth: usize) -> Option<()> {
        if depth > 128 {
            return None;
        }
        self.ws();
        match self.peek()? {
            b'{' => self.object(depth),
            b'[' => self.array(depth),
            b'"' => self.string().map(|_| ()),
            b't' => self.literal("true"),
            b'f' => self.literal("false"),
            b'n' => self.literal("null"),
            b'-' | b'0'..=b'9' => {
                let start = self.i;
                while matches!(
                    self.peek(),
                    Some(b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E')
                ) {
                    self.i += 1;
                }
                if self.is_decimal() {
                    self.quote.push((start, self.i));
                }
                Some(())
            }
            _ => None,
        }
    }

    fn literal(&mut self, word: &str) -> Option<()> {
        let end = self.i + word.len();
        (self.text.get(self.i..end)? == word).then(|| self.i = end)
    }

    /// A string's content, `None` if it holds an escape (only keys need the content).
    fn string(&mut self) -> Option<Option<&'t str>> {
        self.eat(b'"')?;
        let start = self.i;
        let mut plain = true;
        loop {
            self.i += memchr::memchr2(b'"', b'\\', self.b.get(self.i..)?)?;
            match self.peek()? {
                b'"' => break,
                _ => {
                    plain = false;
                    self.i += 2;
                }
            }
        }
        let content = self.text.get(start..self.i)?;
        self.i += 1;
        Some(plain.then_some(content))
    }

    fn object(&mut self, depth: usize) -> Option<()> {
        self.eat(b'{')?;
        self.ws();
        if self.peek()? == b'}' {
            self.i += 1;
            return Some(());
        }
        let mut typed = false;
        let mut first = true;
        loop {
            let key = self.string()??;
            self.eat(b':')?;
            if key == "_div" || key == "contained" {
                return None;
            }
            if key == "resourceType" {
                // The enum enters the type where it meets `resourceType`; only the
                // first member is simple to follow. A nested resource (Bundle entry,
                // `Parameters.parameter.resource`, …) is read by the direct path through
                // the enum, as `contained` is: left to the enum.
                if !first || depth > 0 {
                    return None;
                }
                self.ws();
                let t = self.string()??;
                self.segs.push(Seg::Type(t));
                typed = true;
            } else {
                self.segs.push(Seg::Key(key));
                self.value(depth + 1)?;
                self.segs.pop();
            }
            first = false;
            self.ws();
            match self.peek()? {
                b',' => self.i += 1,
                b'}' => {
                    self.i += 1;
                    break;
                }
                _ => return None,
            }
        }
        if typed {
            self.segs.pop();
        }
        Some(())
    }

    fn array(&mut self, depth: usize) -> Option<()> {
        self.eat(b'[')?;
        self.ws();
        if self.peek()? == b']' {
            return None; // empty: the enum panics
        }
        loop {
            self.value(depth + 1)?;
            self.ws();
            match self.peek()? {
                b',' => self.i += 1,
                b']' => {
                    self.i += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// Whether the enum reads a number here as a decimal (remembered a thread by the
    /// path's steps: resources of a type repeat their paths).
    fn is_decimal(&self) -> bool {
        let mut key = String::new();
        for s in &self.segs {
            // NUL cannot stand in a member name without an escape (then we gave up).
            let (tag, name) = match *s {
                Seg::Type(t) => ("\0T", t),
                Seg::Key(k) => ("\0K", k),
            };
            key.push_str(tag);
            key.push_str(name);
        }
        DECIMALS.with_borrow_mut(|known| {
            if let Some(&d) = known.get(&key) {
                return d;
            }
            let d = self.walk_is_decimal();
            if known.len() >= 4096 {
                known.clear();
            }
            known.insert(key, d);
            d
        })
    }

    /// fhirbolt's element path, built as its tree walk builds it
    /// (`resolve_element_types` in fhirbolt-serde), asked whether it is a decimal.
    fn walk_is_decimal(&self) -> bool {
        let mut p = ElementPath::new(FhirReleases::R4);
        for s in &self.segs {
            match *s {
                Seg::Type(t) => {
                    if p.current_element_is_resource() || p.is_empty() {
                        p.push(t);
                    }
                }
                Seg::Key(k) => p.push(k.strip_prefix('_').unwrap_or(k)),
            }
        }
        p.current_element_is_decimal()
    }
}

fn error_of<T>(text: &str) -> Option<String>
where
    T: for<'a> fhirbolt::serde::DeserializeResource<'a>,
{
    fhirbolt::json::from_str::<T>(text, strict())
        .err()
        .map(|e| e.to_string())
}

type DirectFn = fn(&str) -> Option<String>;

/// One arm a type: the name as in `resourceType`, the concrete deserializer.
macro_rules! direct_fns {
    ($($name:ident)*) => {
        /// The direct deserializer of the R4 resource type `name` (not Bundle).
        fn direct_fn(name: &str) -> Option<DirectFn> {
            match name {
                $(stringify!($name) => Some(error_of::<r4::$name> as DirectFn),)*
                _ => None,
            }
        }

        /// The R4 resource types with a direct path (every R4 type but Bundle).
        pub const DIRECT_TYPES: &[&str] = &[$(stringify!($name)),*];
    };
}

direct_fns! {
    Account ActivityDefinition AdverseEvent AllergyIntolerance Appointment
    AppointmentResponse AuditEvent Basic Binary BiologicallyDerivedProduct BodyStructure
    CapabilityStatement CarePlan CareTeam CatalogEntry ChargeItem ChargeItemDefinition
    Claim ClaimResponse ClinicalImpression CodeSystem Communication CommunicationRequest
    CompartmentDefinition Composition ConceptMap Condition Consent Contract Coverage
    CoverageEligibilityRequest CoverageEligibilityResponse DetectedIssue Device
    DeviceDefinition DeviceMetric DeviceRequest DeviceUseStatement DiagnosticReport
    DocumentManifest DocumentReference EffectEvidenceSynthesis Encounter Endpoint
    EnrollmentRequest EnrollmentResponse EpisodeOfCare EventDefinition Evidence
    EvidenceVariable ExampleScenario ExplanationOfBenefit FamilyMemberHistory Flag Goal
    GraphDefinition Group GuidanceResponse HealthcareService ImagingStudy Immunization
    ImmunizationEvaluation ImmunizationRecommendation ImplementationGuide InsurancePlan
    Invoice Library Linkage List Location Measure MeasureReport Media Medication
    MedicationAdministration MedicationDispense MedicationKnowledge MedicationRequest
    MedicationStatement MedicinalProduct MedicinalProductAuthorization
    MedicinalProductContraindication MedicinalProductIndication MedicinalProductIngredient
    MedicinalProductInteraction MedicinalProductManufactured MedicinalProductPackaged
    MedicinalProductPharmaceutical MedicinalProductUndesirableEffect MessageDefinition
    MessageHeader MolecularSequence NamingSystem NutritionOrder Observation
    ObservationDefinition OperationDefinition OperationOutcome Organization
    OrganizationAffiliation Parameters Patient PaymentNotice PaymentReconciliation Person
    PlanDefinition Practitioner PractitionerRole Procedure Provenance Questionnaire
    QuestionnaireResponse RelatedPerson RequestGroup ResearchDefinition
    ResearchElementDefinition ResearchStudy ResearchSubject RiskAssessment
    RiskEvidenceSynthesis Schedule SearchParameter ServiceRequest Slot Specimen
    SpecimenDefinition StructureDefinition StructureMap Subscription Substance
    SubstanceNucleicAcid SubstancePolymer SubstanceProtein SubstanceReferenceInformation
    SubstanceSourceMaterial SubstanceSpecification SupplyDelivery SupplyRequest Task
    TerminologyCapabilities TestReport TestScript ValueSet VerificationResult
    VisionPrescription
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_valid_resource_deserializes() {
        let p = r#"{"resourceType":"Patient","id":"p1","gender":"female"}"#;
        assert_eq!(deserialize_error(p), None);
        assert_eq!(direct_error("Patient", p), Some(None));
        assert_eq!(deserialize_error_as("Patient", p), None);
    }

    #[test]
    fn an_unknown_element_is_an_error_in_strict_mode() {
        let p = r#"{"resourceType":"Patient","foo":[1]}"#;
        let e = deserialize_error(p);
        assert!(e.as_ref().is_some_and(|e| e.contains("foo")));
        assert_eq!(deserialize_error_as("Patient", p), e);
    }

    #[test]
    fn a_failed_direct_run_gives_the_enum_message() {
        // Missing `status`: the enum's message, not the direct path's.
        let o = r#"{"resourceType":"Observation","code":{"text":"x"}}"#;
        assert_eq!(deserialize_error_as("Observation", o), deserialize_error(o));
    }

    #[test]
    fn numbers_in_decimals_are_quoted_and_no_others() {
        let t = r#"{"resourceType":"Observation","valueQuantity":{"value":7.50,"unit":"1"},"referenceRange":[{"low":{"value":-1e2}}],"component":[{"valueInteger":3}]}"#;
        let q = quote_decimals(t).unwrap_or_default();
        assert!(q.contains(r#""value":"7.50""#), "{q}");
        assert!(q.contains(r#""value":"-1e2""#), "{q}");
        assert!(q.contains(r#""valueInteger":3"#), "{q}");
        let plain = r#"{"resourceType":"Patient","multipleBirthInteger":2}"#;
        assert!(matches!(quote_decimals(plain), Some(Cow::Borrowed(_))));
        // Not plain enough to follow: the enum answers.
        assert!(quote_decimals(r#"{"id":"x","resourceType":"Patient"}"#).is_none());
        assert!(quote_decimals(r#"{"resourceType":"Patient","g\u0065nder":"x"}"#).is_none());
        assert!(quote_decimals(r#"{"resourceType":"Patient"} x"#).is_none());
        // What the enum refuses and the direct path would accept.
        assert!(quote_decimals(r#"{"resourceType":"Patient","name":[ ]}"#).is_none());
        assert!(quote_decimals(r#"{"resourceType":"Patient","text":{"_div":{}}}"#).is_none());
        assert!(quote_decimals(r#"{"resourceType":"Patient","contained":[{}]}"#).is_none());
        let nested = r#"{"resourceType":"Parameters","parameter":[{"name":"r","resource":{"resourceType":"Patient"}}]}"#;
        assert!(quote_decimals(nested).is_none());
        // An empty array inside a string is only text.
        assert!(quote_decimals(r#"{"resourceType":"Patient","id":"[]"}"#).is_some());
    }

    #[test]
    fn every_r4_type_but_bundle_has_a_direct_path() {
        assert_eq!(DIRECT_TYPES.len(), 145);
        assert!(direct_fn("Bundle").is_none());
        assert!(direct_error("Nonsense", "{}").is_none());
    }
}
