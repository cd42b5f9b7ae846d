//! IRA602 duplicate-resource-or-identifier: one file carrying the same resource twice,
//! or two patients (practitioners, organizations…) with the same business identifier.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use ira_parse::fhir::PathFilter;
use ira_parse::model::{ElementPath, Sample};
use ira_parse::{FileId, Location};

use super::file_rule::{FileRule, FileState, Interner, KeyMap, downcast, key_hash};
use super::{Category, RiskSeverity, RuleDoc, RuleMeta, Tally, TallyKey};
use crate::stream::Shift;

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
               same type with the same `id`; two or more entries of a Bundle with the same \
               `fullUrl`; two or more Patient, Practitioner, \
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

/// The first resource of a file carrying a key (an id, or an identifier). Kept for
/// every key of the file, so it is small: 32 bytes with its key.
struct First {
    /// Sample number in the file.
    n: u32,
    /// What a finding says: index into [`State::describe`].
    desc: u32,
    at: At,
}

/// Where a resource starts, without its file (a state sees one file): 16 bytes where a
/// [`Location`] takes 24.
#[derive(Clone, Copy)]
struct At {
    offset: u64,
    line: u32,
    /// The message number, 0 for none (numbers start at 1).
    message: u32,
}

impl At {
    fn of(l: Location) -> Self {
        Self {
            offset: l.offset,
            line: l.line,
            message: l.message.unwrap_or(0),
        }
    }

    fn location(self, file: FileId) -> Location {
        Location::new(
            file,
            (self.message > 0).then_some(self.message),
            self.offset,
            self.line,
        )
    }
}

#[derive(Default)]
struct State {
    samples: u32,
    /// The file read (every location kept is in it).
    file: FileId,
    /// A history Bundle: one resource in several versions is expected.
    history: bool,
    /// Key hash (`id` + type + id, or `identifier` + type + system + value) → the first
    /// resource carrying it. Hashes, not values: the state stays small on a large
    /// NDJSON file and never holds an identifier value.
    firsts: KeyMap<First>,
    /// Keys carried by more than one resource → the other resources (sample, start).
    more: KeyMap<Vec<(u32, Location)>>,
    strings: Interner,
    /// Interned (scope, source path, detail) of a finding, and their index.
    describe: Vec<[u32; 3]>,
    described: HashMap<[u32; 3], u32>,
    /// Bundle shells (scope, start) with two entries of one `fullUrl`.
    shared_full_urls: Vec<(String, Location)>,
    /// The paths the walk of [`State::observe`] looks at (kept from sample to sample).
    filter: Option<PathFilter>,
}

impl State {
    /// The index of a finding's (scope, source, detail).
    fn desc(&mut self, scope: &str, source: &str, detail: &str) -> u32 {
        let d = [
            self.strings.intern(scope),
            self.strings.intern(source),
            self.strings.intern(detail),
        ];
        *self.described.entry(d).or_insert_with(|| {
            self.describe.push(d);
            u32::try_from(self.describe.len() - 1).unwrap_or(u32::MAX)
        })
    }

    /// Notes that sample `n` (starting at `at`) carries `key`; `desc` describes the
    /// finding if the key is new.
    fn add(&mut self, key: u64, n: u32, at: Location, desc: impl FnOnce(&mut Self) -> u32) {
        match self.firsts.get(&key) {
            // Twice in one resource is not two resources.
            Some(f) if f.n == n => {}
            Some(_) => {
                let more = self.more.entry(key).or_default();
                if more.last().is_none_or(|m| m.0 != n) {
                    more.push((n, at));
                }
            }
            None => {
                let desc = desc(self);
                self.firsts.insert(
                    key,
                    First {
                        n,
                        desc,
                        at: At::of(at),
                    },
                );
            }
        }
    }
}

/// A superset of the paths the walk of [`State::observe`] looks at (by their ends or an
/// identifier on the way, without indexes): the others are skipped before an item is
/// built.
fn concerns(stripped: &str) -> bool {
    stripped.ends_with(".id")
        || stripped.ends_with(".fullUrl")
        || stripped == "Bundle.type"
        || stripped.contains(".identifier.")
}

impl FileState for State {
    fn observe(&mut self, sample: &dyn Sample, scope: &str) {
        if sample.as_fhir().is_none() {
            return;
        }
        self.samples += 1;
        let n = self.samples;
        let info = sample.info();
        let kind: &str = &info.kind;
        let at = info.location;
        self.file = at.file;
        let bundle = kind == "Bundle";
        let identified = IDENTIFIED.contains(&kind);
        let ident_prefix = if identified {
            format!("{kind}.identifier[")
        } else {
            String::new()
        };
        // The key of `Kind.id` (the path compared without building it per sample).
        let mut id_key = None;
        // identifier index → (system, value)
        let mut idents: BTreeMap<String, (Option<String>, Option<String>)> = BTreeMap::new();
        let mut bundle_type = None;
        let mut full_urls: HashSet<u64> = HashSet::new();
        let mut shared_full_url = false;
        let mut filter = self
            .filter
            .take()
            .unwrap_or_else(|| PathFilter::new(concerns));
        sample.walk_fhir_where(&mut filter, &mut |item, _| {
            let ElementPath::Fhir(p) = item.path else {
                return;
            };
            if p.len() == kind.len() + 3 && p.ends_with(".id") && p.starts_with(kind) {
                id_key = Some(key_hash(&["id", kind, &item.value.text()]));
            } else if bundle && p == "Bundle.type" {
                bundle_type = Some(item.value.text().into_owned());
            } else if bundle && p.starts_with("Bundle.entry[") && p.ends_with("].fullUrl") {
                shared_full_url |= !full_urls.insert(key_hash(&[&item.value.text()]));
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
        self.filter = Some(filter);
        if bundle {
            self.history |= bundle_type.as_deref() == Some("history");
            if shared_full_url {
                self.shared_full_urls.push((scope.to_owned(), at));
            }
            return;
        }
        if let Some(key) = id_key {
            self.add(key, n, at, |s| {
                s.desc(
                    scope,
                    &format!("{kind}.id"),
                    "resources of one type sharing an id in one file",
                )
            });
        }
        for (_, (system, value)) in idents {
            let Some(value) = value else { continue };
            // NUL cannot start a URI: "no system" differs from every system.
            let key = key_hash(&[
                "identifier",
                kind,
                system.as_deref().unwrap_or("\0"),
                &value,
            ]);
            self.add(key, n, at, |s| {
                let detail = match system.as_deref() {
                    Some(sys) if is_showable_system(sys) => {
                        format!("resources sharing an identifier (system {sys}) in one file")
                    }
                    Some(_) => {
                        "resources sharing an identifier (system not a plain URI) in one file"
                            .to_owned()
                    }
                    None => "resources sharing an identifier value without system in one file"
                        .to_owned(),
                };
                s.desc(scope, &format!("{kind}.identifier"), &detail)
            });
        }
    }

    fn finish(self: Box<Self>, tally: &mut Tally) {
        if self.history {
            return;
        }
        for (scope, at) in self.shared_full_urls {
            tally.record(
                TallyKey {
                    rule: META.id,
                    scope,
                    source: Some("Bundle.entry.fullUrl".to_owned()),
                    target: None,
                    detail: "entries sharing a fullUrl in one Bundle".to_owned(),
                },
                at,
            );
        }
        // Any order of keys gives the same tally: a tally keeps the first examples by
        // position, and `seen` counts each resource once per finding.
        let mut seen: BTreeSet<(u32, TallyKey)> = BTreeSet::new();
        for (k, more) in &self.more {
            let Some(first) = self.firsts.get(k) else {
                continue;
            };
            let [scope, source, detail] = self
                .describe
                .get(first.desc as usize)
                .copied()
                .unwrap_or_default();
            let key = TallyKey {
                rule: META.id,
                scope: self.strings.get(scope).to_owned(),
                source: Some(self.strings.get(source).to_owned()),
                target: None,
                detail: self.strings.get(detail).to_owned(),
            };
            let first = (first.n, first.at.location(self.file));
            for &(n, at) in std::iter::once(&first).chain(more) {
                if seen.insert((n, key.clone())) {
                    tally.record(key.clone(), at);
                }
            }
        }
    }

    fn shift(&mut self, by: Shift) {
        for f in self.firsts.values_mut() {
            let mut at = f.at.location(self.file);
            by.apply(&mut at);
            f.at = At::of(at);
        }
        for at in self.more.values_mut().flatten().map(|(_, at)| at) {
            by.apply(at);
        }
        for (_, at) in &mut self.shared_full_urls {
            by.apply(at);
        }
    }

    fn merge_next(&mut self, next: Box<dyn FileState>) {
        let Some(next) = downcast::<State>(next) else {
            return;
        };
        let State {
            samples,
            file,
            history,
            firsts,
            mut more,
            strings,
            describe,
            shared_full_urls,
            ..
        } = *next;
        if self.samples == 0 {
            self.file = file;
        }
        // The next chunk's samples are numbered after this one's.
        let base = self.samples;
        self.samples = self.samples.saturating_add(samples);
        self.history |= history;
        self.shared_full_urls.extend(shared_full_urls);
        let mut descs: HashMap<u32, u32> = HashMap::new();
        for (key, f) in firsts {
            let mut theirs: Vec<(u32, Location)> = more.remove(&key).unwrap_or_default();
            theirs.insert(0, (f.n, f.at.location(file)));
            for m in &mut theirs {
                m.0 = m.0.saturating_add(base);
            }
            if self.firsts.contains_key(&key) {
                self.more.entry(key).or_default().extend(theirs);
                continue;
            }
            let desc = match descs.get(&f.desc) {
                Some(&d) => d,
                None => {
                    let [scope, source, detail] =
                        describe.get(f.desc as usize).copied().unwrap_or_default();
                    let d = self.desc(strings.get(scope), strings.get(source), strings.get(detail));
                    descs.insert(f.desc, d);
                    d
                }
            };
            let (n, at) = theirs.remove(0);
            self.firsts.insert(
                key,
                First {
                    n,
                    desc,
                    at: At::of(at),
                },
            );
            if !theirs.is_empty() {
                self.more.insert(key, theirs);
            }
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

    /// Runs the rule on one in-memory JSON file; returns the details found.
    fn details(json: &str) -> Vec<(String, u64)> {
        use ira_parse::document::{ReadOptions, read_samples};
        use ira_parse::input::{Format, SourceFile};
        let file = SourceFile {
            id: ira_parse::FileId(0),
            path: "t.json".into(),
            walked: false,
        };
        let mut run = super::super::SampleRuleRun::default();
        read_samples(
            &file,
            Format::FhirJson,
            json.as_bytes(),
            ReadOptions::default(),
            &mut run,
        );
        run.finish()
            .entries()
            .filter(|(k, _)| k.rule == "IRA602")
            .map(|(k, e)| (k.detail.clone(), e.affected))
            .collect()
    }

    #[test]
    fn a_system_that_is_no_plain_uri_is_not_shown() {
        let patient = r#"{"resource": {"resourceType": "Patient",
            "identifier": [{"system": "urn:oid:DOE JANE", "value": "MRN0001"}]}}"#;
        let json = format!(
            r#"{{"resourceType": "Bundle", "type": "collection", "entry": [{patient}, {patient}, {patient}]}}"#
        );
        assert_eq!(
            details(&json),
            [(
                "resources sharing an identifier (system not a plain URI) in one file".to_owned(),
                3
            )]
        );
    }

    #[test]
    fn only_namespace_uris_are_shown() {
        assert!(is_showable_system("urn:oid:2.16.840.1.113883.3.9999.1"));
        assert!(is_showable_system("http://hospital.example/fhir/mrn"));
        assert!(!is_showable_system("urn:oid:DOE"));
        assert!(!is_showable_system("DOE JANE"));
        assert!(!is_showable_system("http://x.example/?name=DOE"));
    }
}
