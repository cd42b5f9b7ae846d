//! IRA602 duplicate-resource-or-identifier: one file carrying the same resource twice,
//! or two patients (practitioners, organizations…) with the same business identifier.

use std::collections::{BTreeMap, BTreeSet};

use ira_parse::Location;
use ira_parse::model::{ElementPath, Sample};

use super::file_rule::{FileRule, FileState};
use super::{Category, RiskSeverity, RuleDoc, RuleMeta, Tally, TallyKey};

pub(super) struct Rule;

static META: RuleMeta = RuleMeta {
    id: "IRA602",
    name: "duplicate-resource-or-identifier",
    title: "Duplicate FHIR resources or identifiers in one file",
    category: Category::PatientSafety,
    severity: RiskSeverity::High,
    patient_safety: true,
    doc: RuleDoc {
        what: "In one FHIR file (a Bundle or an NDJSON file): two or more resources of the \
               same type with the same `id`; two or more Patient, Practitioner, \
               PractitionerRole, RelatedPerson, Person, Organization, Location or Encounter \
               resources sharing an identifier (same `system` and `value`, or the same \
               `value` with no `system`). History Bundles (versions of one resource) are \
               not checked. Findings count the resources involved and name the identifier \
               system (a namespace URI, not patient data); ids and values are never shown.",
        why: "A target that receives the same id twice in one transaction rejects the \
              Bundle, or the second write silently overwrites the first. Two Patient \
              resources with one MRN are either the same person split in two records \
              (results filed under the wrong one, allergies missed) or two people sharing a \
              number (one patient's data shown in another's chart) — both are \
              patient-safety risks that go live unseen if the samples already show them.",
        example: "A transaction Bundle with two entries `Patient` whose identifiers are \
                  both `{\"system\": \"urn:oid:2.16.840.1.113883.3.9999.1\", \"value\": \
                  \"…\"}`; an NDJSON export with two `Observation` lines with the same \
                  `id`.",
        fix: "Find out on the sending side why the resource is emitted twice (one entry per \
              message segment instead of per patient, a merge not applied) and de-duplicate \
              before sending: one resource per patient per Bundle, referenced from the \
              others; use conditional create/update (`ifNoneExist`, `Patient?identifier=`) \
              so the target matches on the identifier; resolve true MRN collisions in the \
              master patient index before go-live.",
        references: &[
            "FHIR R4 Bundle: entry.fullUrl and resource id uniqueness (bdl-7)",
            "FHIR R4 http: transaction processing, conditional create (ifNoneExist)",
            "FHIR R4 Identifier: system + value identify a business identifier",
            "FHIR R4 Patient: identifier, link (merging duplicate records)",
        ],
    },
};

/// Resource types whose identifiers name one real-world person, organisation, place or
/// visit: two resources with one identifier in a file are one entity split in two.
const IDENTIFIED: &[&str] = &[
    "Encounter",
    "Location",
    "Organization",
    "Patient",
    "Person",
    "Practitioner",
    "PractitionerRole",
    "RelatedPerson",
];

impl FileRule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn start(&self) -> Box<dyn FileState> {
        Box::<State>::default()
    }
}

/// One resource that carries a key: its sample number, scope and start.
type Seen = (u32, String, Location);

#[derive(Default)]
struct State {
    samples: u32,
    /// A history Bundle: one resource in several versions is expected.
    history: bool,
    /// `(type, id)` → resources carrying it.
    ids: BTreeMap<(String, String), Vec<Seen>>,
    /// `(type, system, value)` → resources carrying it.
    identifiers: BTreeMap<(String, Option<String>, String), Vec<Seen>>,
}

impl FileState for State {
    fn observe(&mut self, sample: &dyn Sample, scope: &str) {
        if sample.as_fhir().is_none() {
            return;
        }
        self.samples += 1;
        let n = self.samples;
        let info = sample.info();
        let kind = info.kind.into_owned();
        let at = info.location;
        let id_path = format!("{kind}.id");
        let ident_prefix = format!("{kind}.identifier[");
        let identified = IDENTIFIED.contains(&kind.as_str());
        let mut id = None;
        // identifier index → (system, value)
        let mut idents: BTreeMap<String, (Option<String>, Option<String>)> = BTreeMap::new();
        let mut bundle_type = None;
        sample.walk(&mut |item| {
            let ElementPath::Fhir(p) = item.path else {
                return;
            };
            if p == id_path {
                id = Some(item.value.text().into_owned());
            } else if kind == "Bundle" && p == "Bundle.type" {
                bundle_type = Some(item.value.text().into_owned());
            } else if identified && let Some(rest) = p.strip_prefix(&ident_prefix) {
                let Some((index, leaf)) = rest.split_once("].") else {
                    return;
                };
                let e = idents.entry(index.to_owned()).or_default();
                match leaf {
                    "system" => e.0 = Some(item.value.text().into_owned()),
                    "value" => e.1 = Some(item.value.text().into_owned()),
                    _ => {}
                }
            }
        });
        if kind == "Bundle" {
            self.history |= bundle_type.as_deref() == Some("history");
            return;
        }
        if let Some(id) = id {
            self.ids
                .entry((kind.clone(), id))
                .or_default()
                .push((n, scope.to_owned(), at));
        }
        for (_, (system, value)) in idents {
            let Some(value) = value else { continue };
            let v = self
                .identifiers
                .entry((kind.clone(), system, value))
                .or_default();
            // Twice in one resource is not two resources.
            if v.last().is_none_or(|(m, _, _)| *m != n) {
                v.push((n, scope.to_owned(), at));
            }
        }
    }

    fn finish(self: Box<Self>, tally: &mut Tally) {
        if self.history {
            return;
        }
        let mut seen: BTreeSet<(u32, TallyKey)> = BTreeSet::new();
        let mut record = |kind: &str, what: &str, detail: String, group: Vec<Seen>| {
            if group.len() < 2 {
                return;
            }
            for (n, scope, at) in group {
                let key = TallyKey {
                    rule: META.id,
                    scope,
                    source: Some(format!("{kind}.{what}")),
                    target: None,
                    detail: detail.clone(),
                };
                if seen.insert((n, key.clone())) {
                    tally.record(key, at);
                }
            }
        };
        for ((kind, _), group) in self.ids {
            record(
                &kind,
                "id",
                "resources of one type sharing an id in one file".to_owned(),
                group,
            );
        }
        for ((kind, system, _), group) in self.identifiers {
            let detail = match system.as_deref() {
                Some(s) if is_showable_system(s) => {
                    format!("resources sharing an identifier (system {s}) in one file")
                }
                Some(_) => "resources sharing an identifier (system not a plain URI) in one file"
                    .to_owned(),
                None => {
                    "resources sharing an identifier value without system in one file".to_owned()
                }
            };
            record(&kind, "identifier", detail, group);
        }
    }
}

/// Whether an identifier system can be shown: a namespace URI (`urn:oid:1.2.3`,
/// `http://hospital.example/mrn`) of plain characters, not something that could be a
/// value typed into the wrong element.
fn is_showable_system(s: &str) -> bool {
    let plain = s.len() <= 120
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b".:/-_#%~".contains(&b));
    let oid = s
        .strip_prefix("urn:oid:")
        .is_some_and(|o| !o.is_empty() && o.bytes().all(|b| b.is_ascii_digit() || b == b'.'));
    plain && (oid || s.starts_with("http://") || s.starts_with("https://"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_namespace_uris_are_shown() {
        assert!(is_showable_system("urn:oid:2.16.840.1.113883.3.9999.1"));
        assert!(is_showable_system("http://hospital.example/fhir/mrn"));
        assert!(!is_showable_system("urn:oid:DOE"));
        assert!(!is_showable_system("DOE JANE"));
        assert!(!is_showable_system("http://x.example/?name=DOE"));
    }
}
