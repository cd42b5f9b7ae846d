//! What the target system requires, from three sources that combine:
//!
//! * FHIR StructureDefinition profiles the user gives ([`StructureDefinition`]),
//!   with the ValueSets and CodeSystems their bindings point to ([`Terminology`]);
//! * target sample bundles: what the target actually populates and which codes it uses
//!   ([`TargetUsage`]);
//! * built in: FHIR R4 base cardinalities (the element table of `ira-parse`) and the
//!   primitive rules of the R4 datatypes ([`check_primitive`]).
//!
//! [`Requirements`] is the combined view that analysis rules query by FHIR element path.
//! For v2 → v2 migrations, [`V2Requirements`] records what target v2 samples populate,
//! path by path.
//!
//! Nothing here does I/O: loaders take the text and a name (the file name, for error
//! messages); the caller reads files.
//!
//! ```
//! use ira_analyze::target::{check_primitive, Membership, PrimitiveProblem, Requirements, Source, StructureDefinition};
//!
//! let profile = r#"{"resourceType": "StructureDefinition", "type": "Patient",
//!   "url": "http://example.org/fhir/StructureDefinition/p", "derivation": "constraint",
//!   "differential": {"element": [{"path": "Patient.birthDate", "min": 1}]}}"#;
//! let mut req = Requirements::new();
//! for sd in StructureDefinition::from_json(profile, "p.json")? {
//!     req.add_profile(sd);
//! }
//! let birth = req.element("Patient.birthDate").unwrap();
//! assert_eq!(birth.min.value, 1); // the profile tightens the base 0..1
//! assert!(matches!(birth.min.source, Source::Profile(_)));
//! assert_eq!(birth.max.source, Source::BaseR4);
//! assert_eq!(req.element("Patient.name[0].family").unwrap().max.value, Some(1));
//! assert_eq!(req.check_code("Patient.birthDate", "", "x"), vec![]); // no binding
//!
//! assert_eq!(
//!     check_primitive("dateTime", "2024-03-05T10:15:00"),
//!     Some(PrimitiveProblem::TimeWithoutTimezone)
//! );
//! # let _ = Membership::Unknown;
//! # Ok::<(), ira_analyze::target::LoadError>(())
//! ```

mod artifacts;
mod primitive;
mod requirements;
mod structure;
mod terminology;
mod usage;

pub(crate) use artifacts::resources as artifacts_resources;
pub use artifacts::{Artifacts, LoadError};
pub use primitive::{Primitive, PrimitiveProblem, check_primitive};
pub use requirements::{ElementRequirements, Fact, ProfileElement, Requirements, Source};
pub use structure::{Binding, BindingStrength, ElementConstraint, StructureDefinition, TypeRef};
pub use terminology::{CodeSystem, Membership, Terminology, ValueSet, ValueSetInclude};
pub use usage::{PathUsage, TargetUsage, V2PathUsage, V2Requirements, V2StructureUsage};

/// A FHIR path without numeric indexes: `Patient.identifier[0].system` →
/// `Patient.identifier.system`. A choice marker `[x]` stays.
pub fn strip_indexes(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut rest = path;
    while let Some(open) = rest.find('[') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find(']') {
            Some(close) if close > 0 && after[..close].bytes().all(|b| b.is_ascii_digit()) => {
                rest = &after[close + 1..];
            }
            _ => {
                out.push('[');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}
