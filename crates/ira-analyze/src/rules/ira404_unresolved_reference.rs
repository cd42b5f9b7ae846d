//! IRA404 unresolved-reference: FHIR references that point at nothing in their Bundle or
//! NDJSON file.

use std::collections::{BTreeSet, HashSet};

use ira_parse::Location;
use ira_parse::fhir::{PathFilter, table};
use ira_parse::model::{ElementPath, Sample};

use super::file_rule::{FileRule, FileState, Interner, KeySet, downcast, key_hash};
use super::{Category, RiskSeverity, RuleDoc, RuleMeta, Tally, TallyKey};
use crate::fasthash::FastMap;
use crate::stream::Shift;
use crate::target::strip_indexes;

pub(super) struct Rule;

static META: RuleMeta = RuleMeta {
    id: "IRA404",
    name: "unresolved-reference",
    title: "FHIR references that resolve to nothing in their Bundle or file",
    category: Category::Structure,
    severity: RiskSeverity::High,
    patient_safety: false,
    doc: RuleDoc {
        what: "In a FHIR file (a Bundle, or an NDJSON file), `Reference.reference` values that \
               match no resource of the same file: a `urn:uuid:`/`urn:oid:` reference that is no \
               entry's `fullUrl`; a relative `Type/id` that is neither the type and id of a \
               resource read nor the tail of a `fullUrl` (in an NDJSON file, only for types the \
               file holds, since bulk exports split types into files; not in searchset or \
               history Bundles, which show the server's data); a relative reference \
               not of the form `Type/id` or naming no R4 resource type; a contained reference \
               `#id` that matches no contained resource of its resource. Absolute URLs that \
               are no `fullUrl` (another server) and conditional references (`Patient?…`) are \
               not flagged. Findings name the referring element and the referenced type, \
               never the id.",
        why: "A transaction Bundle whose `urn:uuid` references match no entry is rejected \
              as a whole by the server; a document or message whose subject or performer is \
              missing cannot be read safely; a relative reference to a resource that is not \
              sent must already exist on the target, or the result is attached to nobody. \
              Samples that already show dangling references predict rejected or orphaned \
              data after go-live.",
        example: "An Observation in a transaction Bundle with \
                  `\"subject\": {\"reference\": \"urn:uuid:…\"}` where no entry has that \
                  `fullUrl`; `\"subject\": {\"reference\": \"Patient/…\"}` where the Bundle \
                  carries no such Patient; `\"performer\": [{\"reference\": \"#pr1\"}]` \
                  without a contained resource `pr1`.",
        fix: "Have the sending side put every referenced resource in the Bundle (with \
              `fullUrl` equal to the `urn:uuid` used), or use conditional references \
              (`Patient?identifier=system|value`) in transactions; for references to \
              resources that must already exist on the target, agree how they are created \
              first (a master-data load) and check them there; fix contained references to \
              use the contained resource's `id`.",
        references: &[
            "FHIR R4 Bundle: resolving references in Bundles (fullUrl, relative and urn:uuid references)",
            "FHIR R4 References: Reference.reference, contained resources (#id)",
            "FHIR R4 http: transaction processing, conditional references",
            "FHIR Bulk Data Access: one NDJSON file per resource type",
        ],
    },
};

impl FileRule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn start(&self) -> Box<dyn FileState> {
        Box::<State>::default()
    }
}

/// What a reference points at, by shape (never the id itself in a finding).
#[derive(Clone, Copy, Debug)]
enum Target {
    /// `Type/id` (a `_history` suffix removed), as the hash of type and id.
    Relative { ty: &'static str, id: u64 },
    /// `urn:uuid:…` or `urn:oid:…`: must be a `fullUrl` of the file (its hash).
    Urn { scheme: &'static str, url: u64 },
    /// A relative reference of another shape, or to an unknown type: resolves nowhere.
    Malformed(&'static str),
}

/// A reference not resolved when it was read. Scope and source path are interned.
#[derive(Debug)]
struct Ref {
    sample: u32,
    scope: u32,
    source: u32,
    target: Target,
    at: Location,
}

#[derive(Default)]
struct State {
    samples: u32,
    /// The file has a Bundle shell (details say "bundle", else "file").
    bundle: bool,
    /// A searchset or history Bundle: relative references to resources on the server
    /// are normal there.
    server_view: bool,
    /// Hashes of `Type` + `id` of every resource read, and of the tails of absolute
    /// `fullUrl`s.
    ids: KeySet,
    /// Hashes of the `fullUrl`s.
    full_urls: KeySet,
    types: HashSet<String>,
    /// References still unresolved when read (a later resource may resolve them).
    refs: Vec<Ref>,
    strings: Interner,
    /// Whether a stripped path is a `Reference.reference` leaf.
    is_ref: FastMap<String, bool>,
    /// The paths the walk below looks at (kept from sample to sample).
    filter: Option<PathFilter>,
}

/// A superset of the paths the walk of [`State::observe`] looks at (by their ends,
/// without indexes): the others are skipped before an item is built.
fn concerns(stripped: &str) -> bool {
    stripped.ends_with(".id")
        || stripped.ends_with(".reference")
        || stripped.ends_with(".fullUrl")
        || stripped == "Bundle.type"
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
        if kind == "Bundle" {
            self.bundle = true;
        }
        // `Kind.id` and `Kind.contained.id`, compared without building them per sample.
        let is_kind_then = |p: &str, rest: &str| {
            p.len() == kind.len() + rest.len() && p.starts_with(kind) && p.ends_with(rest)
        };
        let mut contained_ids: HashSet<String> = HashSet::new();
        let mut contained_refs: Vec<(String, String, Location)> = Vec::new();
        let mut refs: Vec<(Target, String, Location)> = Vec::new();
        let mut filter = self
            .filter
            .take()
            .unwrap_or_else(|| PathFilter::new(concerns));
        sample.walk_fhir_where(&mut filter, &mut |item, _| {
            let ElementPath::Fhir(p) = item.path else {
                return;
            };
            // Most leaves are none of this rule's business: tell by the path's end first.
            let b = p.as_bytes();
            let last = if b.ends_with(b".id") {
                if is_kind_then(p, ".id") {
                    self.ids.insert(key_hash(&[kind, &item.value.text()]));
                    return;
                }
                "id"
            } else if b.ends_with(b".reference") {
                "reference"
            } else if b.ends_with(b".fullUrl") {
                "fullUrl"
            } else {
                if p == "Bundle.type" {
                    self.server_view |=
                        matches!(item.value.text().as_ref(), "searchset" | "history");
                }
                return;
            };
            let stripped = strip_indexes(p);
            match last {
                "fullUrl" if stripped == "Bundle.entry.fullUrl" => {
                    let url = item.value.text();
                    if let Some((ty, id)) = tail(&url) {
                        self.ids.insert(key_hash(&[ty, id]));
                    }
                    self.full_urls.insert(key_hash(&[&url]));
                }
                "id" if is_kind_then(&stripped, ".contained.id") => {
                    contained_ids.insert(item.value.text().into_owned());
                }
                "reference" => {
                    let is_ref = match self.is_ref.get(&stripped) {
                        Some(&b) => b,
                        None => {
                            let b = is_reference_leaf(&stripped);
                            self.is_ref.insert(stripped.clone(), b);
                            b
                        }
                    };
                    if !is_ref {
                        return;
                    }
                    let v = item.value.text();
                    if let Some(local) = v.strip_prefix('#') {
                        contained_refs.push((local.to_owned(), stripped, item.location));
                    } else if let Some(target) = classify(&v) {
                        refs.push((target, stripped, item.location));
                    }
                }
                _ => {}
            }
        });
        self.filter = Some(filter);
        if !self.types.contains(kind) {
            self.types.insert(kind.to_owned());
        }
        let scope = self.strings.intern(scope);
        // `#` alone is the container itself.
        for (local, source, at) in contained_refs {
            if !local.is_empty() && !contained_ids.contains(&local) {
                let source = self.strings.intern(&source);
                self.refs.push(Ref {
                    sample: n,
                    scope,
                    source,
                    target: Target::Malformed("contained reference matching no contained resource"),
                    at,
                });
            }
        }
        for (target, source, at) in refs {
            // Resolved already: nothing to keep (the sets only grow).
            if self.resolves(target) {
                continue;
            }
            let source = self.strings.intern(&source);
            self.refs.push(Ref {
                sample: n,
                scope,
                source,
                target,
                at,
            });
        }
    }

    fn finish(self: Box<Self>, tally: &mut Tally) {
        let place = if self.bundle { "bundle" } else { "file" };
        let mut seen: BTreeSet<(u32, TallyKey)> = BTreeSet::new();
        for r in &self.refs {
            if self.resolves(r.target) {
                continue;
            }
            let detail = match r.target {
                Target::Relative { ty, .. } => {
                    // A bulk export puts each type in its own file: only a file that
                    // holds the type is expected to hold the referenced resource. Search
                    // results and histories refer to the server's resources.
                    if self.server_view || (!self.bundle && !self.types.contains(ty)) {
                        continue;
                    }
                    format!("reference to {ty} not in the {place}")
                }
                Target::Urn { scheme, .. } => {
                    format!("{scheme} reference matching no fullUrl in the {place}")
                }
                Target::Malformed(what) => what.to_owned(),
            };
            let key = TallyKey {
                rule: META.id,
                scope: self.strings.get(r.scope).to_owned(),
                source: Some(self.strings.get(r.source).to_owned()),
                target: None,
                detail,
            };
            if seen.insert((r.sample, key.clone())) {
                tally.record(key, r.at);
            }
        }
    }

    fn shift(&mut self, by: Shift) {
        for r in &mut self.refs {
            by.apply(&mut r.at);
        }
    }

    /// The sets only grow, and a reference is decided against the sets of the whole file
    /// at its end: references of either chunk that resolve now are dropped (they would
    /// be skipped at the end anyway), the rest are kept in file order.
    fn merge_next(&mut self, next: Box<dyn FileState>) {
        let Some(next) = downcast::<State>(next) else {
            return;
        };
        let State {
            samples,
            bundle,
            server_view,
            ids,
            full_urls,
            types,
            refs,
            strings,
            is_ref,
            // A cache of this chunk's paths: this state keeps its own.
            filter: _,
        } = *next;
        let base = self.samples;
        self.samples = self.samples.saturating_add(samples);
        self.bundle |= bundle;
        self.server_view |= server_view;
        self.ids.extend(ids);
        self.full_urls.extend(full_urls);
        self.types.extend(types);
        for (k, v) in is_ref {
            self.is_ref.entry(k).or_insert(v);
        }
        let (ids, full_urls) = (&self.ids, &self.full_urls);
        self.refs.retain(|r| !resolves(ids, full_urls, r.target));
        for r in refs {
            if self.resolves(r.target) {
                continue;
            }
            let scope = self.strings.intern(strings.get(r.scope));
            let source = self.strings.intern(strings.get(r.source));
            self.refs.push(Ref {
                sample: r.sample.saturating_add(base),
                scope,
                source,
                ..r
            });
        }
    }
}

impl State {
    /// Whether a reference resolves to what has been read so far.
    fn resolves(&self, target: Target) -> bool {
        resolves(&self.ids, &self.full_urls, target)
    }
}

/// Whether a reference resolves to one of `ids` or `full_urls`.
fn resolves(ids: &KeySet, full_urls: &KeySet, target: Target) -> bool {
    match target {
        Target::Relative { id, .. } => ids.contains(&id),
        Target::Urn { url, .. } => full_urls.contains(&url),
        Target::Malformed(_) => false,
    }
}

/// What a reference value points at; `None` when it is not this rule's business
/// (absolute URLs, conditional references, empty values).
fn classify(value: &str) -> Option<Target> {
    if value.is_empty() {
        return None;
    }
    for (scheme, prefix) in [("urn:uuid", "urn:uuid:"), ("urn:oid", "urn:oid:")] {
        if value
            .get(..prefix.len())
            .is_some_and(|p| p.eq_ignore_ascii_case(prefix))
        {
            return Some(Target::Urn {
                scheme,
                url: key_hash(&[value]),
            });
        }
    }
    // Another server, or resolved by the server in a transaction. (Byte checks first:
    // most references are plain `Type/id`, and a substring search has a setup cost.)
    let has = |c: u8| value.bytes().any(|b| b == c);
    if (has(b':') && value.contains("://")) || has(b'?') {
        return None;
    }
    let history = if has(b'_') {
        value.find("/_history/")
    } else {
        None
    };
    let without_history = match history {
        Some(i) => &value[..i],
        None => value,
    };
    let mut parts = without_history.split('/');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(ty), Some(id), None) if !ty.is_empty() && !id.is_empty() => match resource_type(ty) {
            Some(ty) => Some(Target::Relative {
                ty,
                id: key_hash(&[ty, id]),
            }),
            None => Some(Target::Malformed(
                "relative reference naming no R4 resource type",
            )),
        },
        _ => Some(Target::Malformed(
            "relative reference not of the form Type/id",
        )),
    }
}

/// The R4 resource type named `name`, as the table's own string (looked up in a set
/// built once, not by a scan of the table).
fn resource_type(name: &str) -> Option<&'static str> {
    // Names are short and trusted (the table's): the fast hasher, not SipHash.
    static TYPES: std::sync::OnceLock<FastMap<&'static str, ()>> = std::sync::OnceLock::new();
    TYPES
        .get_or_init(|| table::r4().resource_types().map(|t| (t, ())).collect())
        .get_key_value(name)
        .map(|(k, _)| *k)
}

/// `Type` and `id` at the end of a `fullUrl` (`http://x/fhir/Patient/1/_history/2`).
fn tail(url: &str) -> Option<(&str, &str)> {
    let url = match url.find("/_history/") {
        Some(i) => &url[..i],
        None => url,
    };
    let (rest, id) = url.rsplit_once('/')?;
    let ty = rest.rsplit('/').next()?;
    (table::r4().is_resource_type(ty) && !id.is_empty()).then_some((ty, id))
}

/// Whether `path` (no indexes, ending in `.reference`) is `Reference.reference`: its
/// parent element is of type Reference. Paths the table cannot follow (inside contained
/// resources) are taken to be references.
fn is_reference_leaf(path: &str) -> bool {
    let t = table::r4();
    let segs: Vec<&str> = path.split('.').collect();
    let Some((root, rest)) = segs.split_first() else {
        return false;
    };
    let Some((_, parents)) = rest.split_last() else {
        return false;
    };
    if parents.is_empty() {
        // `DetectedIssue.reference` is a uri of the resource itself.
        return false;
    }
    let mut base: &str = root;
    let mut ty = None;
    for (i, seg) in parents.iter().enumerate() {
        let Some(child) = t.child(base, seg) else {
            return true;
        };
        ty = child.ty();
        if i + 1 < parents.len() {
            match t.children_base(&child) {
                Some(b) => base = b,
                None => return true,
            }
        }
    }
    ty.is_none_or(|ty| ty == "Reference")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_leaves_are_told_from_other_reference_named_elements() {
        assert!(is_reference_leaf("Observation.subject.reference"));
        assert!(is_reference_leaf(
            "Patient.extension.valueReference.reference"
        ));
        assert!(is_reference_leaf("Observation.contained.subject.reference"));
        assert!(!is_reference_leaf("DetectedIssue.reference"));
        assert!(!is_reference_leaf("Immunization.education.reference"));
    }

    /// The engine finishes file rules per file: running the rule folder as one input
    /// gives exactly the merge of each file run alone (no state crosses files: the
    /// Patient of one file resolves nothing in another).
    #[test]
    fn file_state_is_per_file_in_the_engine() {
        use ira_parse::document::{ReadOptions, read_samples};
        use ira_parse::input::{detect, discover};

        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/rules/IRA404");
        let discovery = discover(&[dir]).unwrap();
        let load = |f: &ira_parse::input::SourceFile| -> Result<Vec<u8>, ira_parse::Issue> {
            Ok(std::fs::read(&f.path).unwrap())
        };
        let all = super::super::run_sample_rules(&discovery, load, ReadOptions::default());
        let mut each = Tally::default();
        for f in discovery.table.files() {
            let bytes = std::fs::read(&f.path).unwrap();
            let mut run = super::super::SampleRuleRun::default();
            read_samples(
                f,
                detect(&bytes, Some(&f.path)),
                &bytes,
                ReadOptions::default(),
                &mut run,
            );
            each.merge(run.finish());
        }
        assert_eq!(all, each);
        let ira404 = |t: &Tally| t.entries().filter(|(k, _)| k.rule == "IRA404").count();
        // fires.json: 4 keys; fires-ndjson: 1 (its Patient/p1 resolves, the other not).
        assert_eq!(ira404(&all), 5);
    }

    proptest::proptest! {
        /// Any reference text (and any fullUrl) is read without panic, and findings
        /// only ever carry the rule's own wording and R4 type names.
        #[test]
        fn any_reference_text_is_safe(r in "\\PC{0,24}", u in "\\PC{0,24}", bundle in proptest::bool::ANY) {
            let esc = |s: &str| serde_json::to_string(s).unwrap();
            let obs = format!(
                r#"{{"resourceType": "Observation", "status": "final", "code": {{"text": "x"}}, "subject": {{"reference": {}}}}}"#,
                esc(&r)
            );
            let json = if bundle {
                format!(
                    r#"{{"resourceType": "Bundle", "type": "transaction", "entry": [{{"fullUrl": {}, "resource": {obs}}}]}}"#,
                    esc(&u)
                )
            } else {
                obs
            };
            let file = ira_parse::input::SourceFile {
                id: ira_parse::FileId(0),
                path: "t.json".into(),
                walked: false,
            };
            let mut run = super::super::SampleRuleRun::default();
            ira_parse::document::read_samples(
                &file,
                ira_parse::input::Format::FhirJson,
                json.as_bytes(),
                ira_parse::document::ReadOptions::default(),
                &mut run,
            );
            for (k, _) in run.finish().entries().filter(|(k, _)| k.rule == "IRA404") {
                let d = &k.detail;
                let known = d.starts_with("urn:uuid reference")
                    || d.starts_with("urn:oid reference")
                    || d.starts_with("relative reference")
                    || d.starts_with("contained reference")
                    || d.strip_prefix("reference to ")
                        .and_then(|rest| rest.split(' ').next())
                        .is_some_and(|t| table::r4().is_resource_type(t));
                proptest::prop_assert!(known, "{}", d);
            }
        }
    }

    #[test]
    fn classification_by_shape() {
        assert!(matches!(
            classify("Patient/1/_history/2"),
            Some(Target::Relative { ty: "Patient", .. })
        ));
        assert!(matches!(
            classify("urn:uuid:0000"),
            Some(Target::Urn {
                scheme: "urn:uuid",
                ..
            })
        ));
        assert!(classify("http://other.example/fhir/Patient/1").is_none());
        assert!(classify("Patient?identifier=x|1").is_none());
        assert!(matches!(classify("Patient"), Some(Target::Malformed(_))));
        assert!(matches!(classify("Patientx/1"), Some(Target::Malformed(_))));
        assert_eq!(
            tail("http://x.example/fhir/Patient/1/_history/3"),
            Some(("Patient", "1"))
        );
    }
}
