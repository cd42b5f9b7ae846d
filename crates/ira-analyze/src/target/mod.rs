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

mod artifacts;
mod primitive;
mod requirements;
mod structure;
mod terminology;
mod usage;

pub(crate) use artifacts::resources as artifacts_resources;
pub use artifacts::{Artifacts, LoadError};
pub use primitive::{PrimitiveProblem, check_primitive};
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
