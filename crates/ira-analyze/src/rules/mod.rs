//! The gap-rule catalogue.
//!
//! Every rule has a stable id (`IRA401`) that is never reused, a name that names the
//! risk (`message-structure-violation`), a default severity, a category, a
//! patient-safety flag, and a doc: what it finds, why it matters at go-live, an example,
//! how to fix it, references. Each rule lives in its own file, named after its id and
//! name; `docs/RULES.md` is generated from these docs by `ira-report`.
//!
//! Id ranges by category: 1xx data loss, 2xx terminology, 3xx data quality,
//! 4xx structure, 5xx compliance, 6xx patient safety.
//!
//! Rules of the first kind, [`SampleRule`]s, look at one sample at a time and record
//! what they see in a [`Tally`] (counts and positions, never values). Tallies of files
//! read in parallel merge in file order, so findings are the same whatever the thread
//! count. Rules of the second kind, [`ContextRule`]s, run once on the
//! [`AnalysisContext`]: the legacy profile against the target's requirements.
//! Rules of the third kind, [`FileRule`]s, see every sample of one file before they
//! decide (references that resolve within a Bundle, duplicates within a file); the
//! engine keeps their state per file and finishes it at the end of the file.

mod context;
mod context_support;
mod engine;
mod file_rule;
mod ira101_source_without_target;
mod ira102_repeating_source_single_target;
mod ira103_required_target_without_source;
mod ira104_v2_path_not_in_target;
mod ira201_code_not_in_vocabulary;
mod ira202_code_outside_target_binding;
mod ira301_obx_value_type_mismatch;
mod ira302_timestamp_without_timezone;
mod ira303_invalid_date_time;
mod ira304_value_too_long;
mod ira305_precision_lost;
mod ira310_non_numeric_value;
mod ira401_message_structure_violation;
mod ira402_non_ascii_without_charset;
mod ira403_message_type_not_accepted;
mod ira404_unresolved_reference;
mod ira405_fhir_primitive_invalid;
mod ira406_fhir_schema_violation;
mod ira501_element_forbidden_by_profile;
mod ira601_identifier_without_authority;
mod ira602_duplicate_resource_or_identifier;
mod shapes;
mod structures;
mod tally;
mod temporal;
pub mod v2types;

use serde::{Deserialize, Serialize};

use ira_parse::Issue;
use ira_parse::model::Sample;

pub use context::{AnalysisContext, ContextRule};
pub use engine::{RuleSample, SampleRuleRun, run_sample_rules, run_sample_rules_with};
pub use file_rule::{FileRule, FileState, FileStates};
pub use structures::{Slot, Structure, Syntax, Violation, structure_of, syntax};
pub use tally::{Evidence, Finding, PackedKey, SampleFindings, Tally, TallyKey};
pub use v2types::{Position, RuleEnv, V2Leaf, V2Position, pack_path, unpack_path, walk_v2};

/// What kind of risk a rule finds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    /// Data in the source that will not reach the target.
    DataLoss,
    /// Harm to a patient is possible (wrong patient, wrong result, lost allergy).
    PatientSafety,
    /// Codes that the target will not understand.
    Terminology,
    /// Values that are malformed, ambiguous or imprecise.
    DataQuality,
    /// Message or resource structure the target rejects.
    Structure,
    /// Conformance to a profile or specification the target requires.
    Compliance,
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Category::DataLoss => "data-loss",
            Category::PatientSafety => "patient-safety",
            Category::Terminology => "terminology",
            Category::DataQuality => "data-quality",
            Category::Structure => "structure",
            Category::Compliance => "compliance",
        }
    }
}

/// How bad a risk is for go-live.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RiskSeverity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl RiskSeverity {
    pub fn as_str(self) -> &'static str {
        match self {
            RiskSeverity::Info => "info",
            RiskSeverity::Low => "low",
            RiskSeverity::Medium => "medium",
            RiskSeverity::High => "high",
            RiskSeverity::Critical => "critical",
        }
    }

    /// One step lower, not below `Low` (an `Info` stays `Info`).
    fn lower(self) -> Self {
        match self {
            RiskSeverity::Critical => RiskSeverity::High,
            RiskSeverity::High => RiskSeverity::Medium,
            RiskSeverity::Medium | RiskSeverity::Low => RiskSeverity::Low,
            RiskSeverity::Info => RiskSeverity::Info,
        }
    }

    /// The severity of a finding from the rule's default and the share of samples
    /// affected: a problem in under 5% of samples is one step less severe, unless the
    /// rule concerns patient safety (one wrong patient is one too many).
    pub fn scaled(default: RiskSeverity, rate: f64, patient_safety: bool) -> RiskSeverity {
        if patient_safety || rate >= 0.05 {
            default
        } else {
            default.lower()
        }
    }
}

/// A rule's documentation, rendered into `docs/RULES.md` and `ira explain`.
#[derive(Debug, Serialize)]
pub struct RuleDoc {
    /// What the rule finds.
    pub what: &'static str,
    /// Why it matters at go-live.
    pub why: &'static str,
    /// An example (synthetic), in the notation of the standard.
    pub example: &'static str,
    /// How to fix it.
    pub fix: &'static str,
    /// Where the facts come from.
    pub references: &'static [&'static str],
}

/// A rule's identity and documentation.
#[derive(Debug, Serialize)]
pub struct RuleMeta {
    /// Stable id, never reused: `IRA401`.
    pub id: &'static str,
    /// A name that names the risk: `message-structure-violation`.
    pub name: &'static str,
    /// The risk in the words of a project plan.
    pub title: &'static str,
    pub category: Category,
    pub severity: RiskSeverity,
    pub patient_safety: bool,
    pub doc: RuleDoc,
}

/// What a [`SampleRule`] is told about the sample it looks at.
#[derive(Debug)]
pub struct SampleCx<'a> {
    /// The scope findings are grouped by: message structure or resource type.
    pub scope: &'a str,
    /// The map in force (with the project's overrides) and its positions.
    pub env: &'a RuleEnv<'a>,
}

/// A rule that looks at one sample at a time.
pub trait SampleRule: Send + Sync {
    fn meta(&self) -> &'static RuleMeta;

    /// Looks at one sample and records what it finds. `cx` gives the sample's scope
    /// (`ADT_A01`) and the map in force. Keys and details must never carry patient
    /// values.
    fn observe(&self, sample: &dyn Sample, cx: &SampleCx<'_>, tally: &mut Tally);

    /// Looks at the issues the reader (and the base-R4 conformance check, when on) found
    /// in a usable sample; called only when it has some, before
    /// [`SampleRule::observe`]. Issue details never carry values.
    fn issues(
        &self,
        _sample: &dyn Sample,
        _issues: &[Issue],
        _cx: &SampleCx<'_>,
        _tally: &mut Tally,
    ) {
    }

    /// True for a rule that looks at HL7 v2 messages leaf by leaf through
    /// [`SampleRule::v2_leaf`]. The engine then walks each v2 message once for all such
    /// rules (and the profiler), and calls [`SampleRule::observe`] for other samples only.
    /// Such a rule's `observe` must do for a v2 message exactly what its `v2_leaf` calls
    /// do over [`walk_v2`].
    fn walks_v2(&self) -> bool {
        false
    }

    /// Whether [`SampleRule::v2_leaf`] can note anything for the leaves at `at` (a
    /// schema position: occurrence and repetition 1). The engine asks once per position
    /// and file and hands the rule only the leaves of positions it wants, so the answer
    /// must depend on the position and the map alone, never on a value. The default
    /// wants every leaf.
    fn wants_v2(&self, _at: &V2Position<'_>, _env: &RuleEnv<'_>) -> bool {
        true
    }

    /// Looks at one leaf of a v2 message (the map's facts about its position looked up
    /// once for every rule) and notes what it finds in `found`.
    fn v2_leaf(&self, _leaf: &V2Leaf<'_, '_>, _cx: &SampleCx<'_>, _found: &mut SampleFindings<'_>) {
    }

    /// The source path, target path and detail of a finding noted under a
    /// [`PackedKey`] (`None`: not a key of this rule).
    fn describe(
        &self,
        _key: PackedKey,
        _env: &RuleEnv<'_>,
    ) -> Option<(Option<String>, Option<String>, String)> {
        None
    }
}

static SAMPLE_RULES: &[&dyn SampleRule] = &[
    &ira101_source_without_target::Rule,
    &ira201_code_not_in_vocabulary::Rule,
    &ira301_obx_value_type_mismatch::Rule,
    &ira302_timestamp_without_timezone::Rule,
    &ira303_invalid_date_time::Rule,
    &ira305_precision_lost::Rule,
    &ira310_non_numeric_value::Rule,
    &ira401_message_structure_violation::Rule,
    &ira402_non_ascii_without_charset::Rule,
    &ira405_fhir_primitive_invalid::Rule,
    &ira406_fhir_schema_violation::Rule,
    &ira601_identifier_without_authority::Rule,
];

static CONTEXT_RULES: &[&dyn ContextRule] = &[
    &ira102_repeating_source_single_target::Rule,
    &ira103_required_target_without_source::Rule,
    &ira104_v2_path_not_in_target::Rule,
    &ira202_code_outside_target_binding::Rule,
    &ira304_value_too_long::Rule,
    &ira403_message_type_not_accepted::Rule,
    &ira501_element_forbidden_by_profile::Rule,
];

static FILE_RULES: &[&dyn FileRule] = &[
    &ira404_unresolved_reference::Rule,
    &ira602_duplicate_resource_or_identifier::Rule,
];

/// Every per-sample rule, in id order.
pub fn sample_rules() -> &'static [&'static dyn SampleRule] {
    SAMPLE_RULES
}

/// Every context rule, in id order.
pub fn context_rules() -> &'static [&'static dyn ContextRule] {
    CONTEXT_RULES
}

/// Every per-file rule, in id order.
pub fn file_rules() -> &'static [&'static dyn FileRule] {
    FILE_RULES
}

/// The metadata of every rule, in id order.
pub fn all() -> Vec<&'static RuleMeta> {
    let mut v: Vec<_> = SAMPLE_RULES
        .iter()
        .map(|r| r.meta())
        .chain(CONTEXT_RULES.iter().map(|r| r.meta()))
        .chain(FILE_RULES.iter().map(|r| r.meta()))
        .collect();
    v.sort_by_key(|m| m.id);
    v
}

/// The rule with this id (`IRA401`) or name (`message-structure-violation`).
pub fn find(id_or_name: &str) -> Option<&'static RuleMeta> {
    all()
        .into_iter()
        .find(|m| m.id.eq_ignore_ascii_case(id_or_name) || m.name == id_or_name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_names_are_unique_well_formed_and_documented() {
        let rules = all();
        let mut ids = std::collections::BTreeSet::new();
        let mut names = std::collections::BTreeSet::new();
        for m in &rules {
            assert!(ids.insert(m.id), "duplicate id {}", m.id);
            assert!(names.insert(m.name), "duplicate name {}", m.name);
            assert!(
                m.id.len() == 6 && m.id.starts_with("IRA") && m.id[3..].parse::<u16>().is_ok(),
                "{}",
                m.id
            );
            let first = m.id.as_bytes()[3] - b'0';
            let expected = match m.category {
                Category::DataLoss => 1,
                Category::Terminology => 2,
                Category::DataQuality => 3,
                Category::Structure => 4,
                Category::Compliance => 5,
                Category::PatientSafety => 6,
            };
            assert_eq!(
                first, expected,
                "{}: id range does not match its category",
                m.id
            );
            assert!(
                m.name
                    .bytes()
                    .all(|c| c.is_ascii_lowercase() || c == b'-' || c.is_ascii_digit()),
                "{}",
                m.name
            );
            for (part, text) in [
                ("what", m.doc.what),
                ("why", m.doc.why),
                ("example", m.doc.example),
                ("fix", m.doc.fix),
            ] {
                assert!(text.trim().len() > 20, "{}: doc.{part} is too thin", m.id);
            }
            assert!(!m.doc.references.is_empty(), "{}: no references", m.id);
        }
        assert_eq!(
            find("IRA401").map(|m| m.name),
            Some("message-structure-violation")
        );
        assert_eq!(
            find("message-structure-violation").map(|m| m.id),
            Some("IRA401")
        );
        assert!(find("IRA999").is_none());
    }

    #[test]
    fn severity_scales_down_for_rare_problems_except_patient_safety() {
        use RiskSeverity::*;
        assert_eq!(RiskSeverity::scaled(High, 0.5, false), High);
        assert_eq!(RiskSeverity::scaled(High, 0.01, false), Medium);
        assert_eq!(RiskSeverity::scaled(High, 0.01, true), High);
        assert_eq!(RiskSeverity::scaled(Low, 0.01, false), Low);
        assert_eq!(RiskSeverity::scaled(Info, 0.0, false), Info);
    }
}
