//! Rules of the second kind: [`ContextRule`]s look at the whole picture once every
//! sample has been read — the legacy profile, what the target requires (profiles, value
//! sets, R4 base, target samples), the map with the project's overrides, and the spec —
//! and hold the legacy side against the target.

use crate::map::Map;
use crate::profile::Profile;
use crate::spec::Spec;
use crate::target::{Requirements, TargetUsage, V2Requirements};

use super::{Finding, RuleMeta};

/// Everything a [`ContextRule`] may consult. Built by the analysis driver; rules only
/// read it.
#[derive(Debug)]
pub struct AnalysisContext<'a> {
    /// The v2 → FHIR map, with the project's overrides applied.
    pub map: &'a Map,
    /// The profile of the legacy samples.
    pub legacy: &'a Profile,
    /// What the FHIR target requires: the R4 base, the given profiles and value sets,
    /// and (in `usage()`) what target samples populate.
    pub requirements: &'a Requirements,
    /// What the target FHIR samples populate, when target samples were given.
    pub target_usage: Option<&'a TargetUsage>,
    /// What target HL7 v2 samples populate (a v2 → v2 migration), when given.
    pub target_v2: Option<&'a V2Requirements>,
    /// The interface spec, when one was given.
    pub spec: Option<&'a Spec>,
}

/// A rule that looks at the whole analysis context once.
pub trait ContextRule: Send + Sync {
    fn meta(&self) -> &'static RuleMeta;

    /// Appends findings. Findings carry counts, paths, codes of coded fields and
    /// example locations, never other values; `examples` come from the profile's
    /// `first_seen`.
    fn check(&self, ctx: &AnalysisContext<'_>, out: &mut Vec<Finding>);
}
