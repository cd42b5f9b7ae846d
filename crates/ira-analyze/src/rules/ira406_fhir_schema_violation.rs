//! IRA406 fhir-schema-violation: FHIR resources that do not conform to the base R4
//! schema, as the reader's shape check and (when switched on) the base-R4 conformance
//! check found them.

use std::collections::BTreeSet;

use ira_parse::model::Sample;
use ira_parse::{Issue, IssueCode};

use super::{Category, RiskSeverity, RuleDoc, RuleMeta, SampleCx, SampleRule, Tally, TallyKey};
use crate::target::strip_indexes;

pub(super) struct Rule;

static META: RuleMeta = RuleMeta {
    id: "IRA406",
    name: "fhir-schema-violation",
    title: "FHIR resources that do not conform to the base R4 schema",
    category: Category::Structure,
    severity: RiskSeverity::Medium,
    patient_safety: false,
    doc: RuleDoc {
        what: "FHIR resources that break the base R4 definitions of their type: elements \
               R4 does not define, a JSON object where an array is expected (or the \
               reverse), a number or boolean where a string type is expected — found by \
               ira's reader in every run —, and, when the base-R4 conformance check is on \
               (`ira analyze --conformance`, or `ira::Analyzer::conformance(true)`), what fhirbolt's typed parse rejects: required elements missing \
               (`Observation.status`), values not valid for their type (a fraction in an \
               integer). Counted per element path and problem; values are never shown.",
        why: "A FHIR server parses a resource against the base definitions before any \
              profile: an unknown element or a missing required one gets the resource \
              rejected (HTTP 400/422) or, on a lenient server, silently dropped data; a \
              transaction Bundle with one such entry fails as a whole.",
        example: "`{\"resourceType\": \"Observation\", \"code\": {…}}` without `status`; \
                  `\"multipleBirthInteger\": 1.5`; `\"gender\": 1`; a `\"nickname\"` \
                  element on Patient.",
        fix: "Fix the producer so it writes the R4 shapes (arrays for repeating elements, \
              strings for codes) and fills the required elements; move local data into \
              extensions; validate the producer's output against the R4 base in its own \
              tests.",
        references: &[
            "FHIR R4 JSON format: representation of elements, arrays and primitives",
            "FHIR R4 resource definitions: element cardinality (min 1 = required)",
            "FHIR R4 Extensibility: extensions instead of undefined elements",
        ],
    },
};

impl SampleRule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    /// The rule works from the reader's issues only.
    fn observe(&self, _sample: &dyn Sample, _cx: &SampleCx<'_>, _tally: &mut Tally) {}

    fn issues(&self, sample: &dyn Sample, issues: &[Issue], cx: &SampleCx<'_>, tally: &mut Tally) {
        if sample.as_fhir().is_none() {
            return;
        }
        let at = sample.info().location;
        let mut seen: BTreeSet<TallyKey> = BTreeSet::new();
        for issue in issues.iter().filter(|i| i.code == IssueCode::FhirSchema) {
            let (source, detail) = describe(&issue.detail);
            let key = TallyKey {
                rule: META.id,
                scope: cx.scope.to_owned(),
                source,
                target: None,
                detail,
            };
            if !seen.contains(&key) {
                seen.insert(key.clone());
                tally.record(key, at);
            }
        }
    }
}

/// The element path (indexes removed) and the problem of a schema issue's detail
/// (`Patient.link[0]: required element other is missing (fhirbolt)`). Issue details
/// never carry values; a detail of another form (`3 more schema issues in this
/// resource`) is counted without a path and without its number.
fn describe(detail: &str) -> (Option<String>, String) {
    match detail.split_once(": ") {
        Some((path, what)) if !path.contains(' ') => (Some(strip_indexes(path)), what.to_owned()),
        _ if detail.ends_with("more schema issues in this resource") => (
            None,
            "more schema issues than listed per resource".to_owned(),
        ),
        _ => (None, "schema issue".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn details_are_split_into_path_and_problem() {
        assert_eq!(
            describe("Patient.link[0]: required element other is missing (fhirbolt)"),
            (
                Some("Patient.link".to_owned()),
                "required element other is missing (fhirbolt)".to_owned()
            )
        );
        assert_eq!(
            describe("12 more schema issues in this resource"),
            (
                None,
                "more schema issues than listed per resource".to_owned()
            )
        );
    }
}
