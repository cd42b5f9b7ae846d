//! What target samples show: which elements the target populates and which codes it
//! uses (FHIR), and which v2 positions a target v2 feed fills (v2 → v2).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use ira_parse::document::SampleSink;
use ira_parse::issue::Issue;
use ira_parse::model::{ElementPath, Item, Sample, V2Path};
use serde::Serialize;

use super::requirements::base_element;
use super::strip_indexes;

/// Codes kept per path: enough to see a target's vocabulary without growing on a large
/// corpus.
pub const CODE_CAP: usize = 64;

/// Per FHIR path (no indexes): in how many target samples it is populated and which
/// codes appear. Build it by reading target samples into it (it is a [`SampleSink`]).
#[derive(Clone, Debug, Default, Serialize)]
pub struct TargetUsage {
    /// Samples read, per resource type.
    pub samples: BTreeMap<String, u32>,
    /// Per path: `Patient`, `Patient.identifier`, `Patient.identifier.system`…
    pub paths: BTreeMap<String, PathUsage>,
    /// Issues the readers reported in the target samples.
    pub issues: u32,
    #[serde(skip)]
    types: HashMap<String, Option<&'static str>>,
}

/// How one path is used by the target.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PathUsage {
    /// Samples where the path has at least one value.
    pub samples: u32,
    /// Codes seen, with the number of samples using each: `system|code` for a Coding
    /// (or Quantity unit), the bare code for a `code` element (`Patient.gender`).
    pub codes: BTreeMap<String, u32>,
    /// More than [`CODE_CAP`] distinct codes were seen; the rest were not kept.
    pub codes_truncated: bool,
}

#[derive(Default)]
struct Pending {
    parent: String,
    system: Option<String>,
    code: Option<String>,
}

impl TargetUsage {
    pub fn new() -> Self {
        Self::default()
    }

    /// How a path (indexes ignored) is used.
    pub fn path(&self, path: &str) -> Option<&PathUsage> {
        self.paths.get(&strip_indexes(path))
    }

    fn type_of(&mut self, path: &str) -> Option<&'static str> {
        if let Some(t) = self.types.get(path) {
            return *t;
        }
        let t = base_element(path).and_then(|b| b.types.first().copied());
        self.types.insert(path.to_string(), t);
        t
    }

    fn add_code(&mut self, path: &str, code: String, seen: &mut BTreeSet<(String, String)>) {
        // Count each code once per sample.
        if !seen.insert((path.to_string(), code.clone())) {
            return;
        }
        let p = self.paths.entry(path.to_string()).or_default();
        if let Some(n) = p.codes.get_mut(&code) {
            *n += 1;
        } else if p.codes.len() < CODE_CAP {
            p.codes.insert(code, 1);
        } else {
            p.codes_truncated = true;
        }
    }
}

impl SampleSink for TargetUsage {
    fn sample(&mut self, sample: &dyn Sample, issues: &[Issue]) {
        self.issues += issues.len() as u32;
        let info = sample.info();
        *self.samples.entry(info.kind.to_string()).or_default() += 1;
        let mut paths: BTreeSet<String> = BTreeSet::new();
        let mut leaves: Vec<(String, String, String)> = Vec::new(); // (indexed, stripped, value)
        sample.walk(&mut |item: &Item<'_>| {
            if let ElementPath::Fhir(p) = item.path {
                leaves.push((
                    p.to_string(),
                    strip_indexes(p),
                    item.value.text().into_owned(),
                ));
            }
        });
        let mut pending: BTreeMap<String, Pending> = BTreeMap::new();
        let mut seen = BTreeSet::new();
        for (indexed, stripped, value) in leaves {
            // The path and every ancestor are populated.
            let mut end = stripped.len();
            loop {
                paths.insert(stripped[..end].to_string());
                match stripped[..end].rfind('.') {
                    Some(i) => end = i,
                    None => break,
                }
            }
            let ty = self.type_of(&stripped);
            let last = stripped.rsplit('.').next().unwrap_or_default();
            let parent = indexed.rsplit_once('.').map(|(p, _)| p.to_string());
            match (last, ty, parent) {
                ("code", Some("code"), Some(parent)) => {
                    let stripped_parent = strip_indexes(&parent);
                    let e = pending.entry(parent).or_default();
                    e.parent = stripped_parent;
                    e.code = Some(value);
                }
                ("system", Some("uri"), Some(parent)) => {
                    let stripped_parent = strip_indexes(&parent);
                    let e = pending.entry(parent).or_default();
                    e.parent = stripped_parent;
                    e.system = Some(value);
                }
                (_, Some("code"), _) => self.add_code(&stripped, value, &mut seen),
                _ => {}
            }
        }
        for (_, p) in pending {
            if let Some(code) = p.code {
                let system = p.system.unwrap_or_default();
                self.add_code(&p.parent, format!("{system}|{code}"), &mut seen);
            }
        }
        for p in paths {
            self.paths.entry(p).or_default().samples += 1;
        }
    }

    fn issue(&mut self, _issue: &Issue) {
        self.issues += 1;
    }
}

/// What target v2 samples populate, per message type (`ADT^A01`) and path
/// ([`V2Path::schema_key`]): for comparing a legacy feed with a target feed path by path.
#[derive(Clone, Debug, Default, Serialize)]
pub struct V2Requirements {
    /// Per message type and trigger (`ADT^A01`).
    pub messages: BTreeMap<String, V2StructureUsage>,
    /// Issues the reader reported in the target samples.
    pub issues: u32,
}

/// One message type as the target sends or receives it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct V2StructureUsage {
    /// Samples read.
    pub samples: u32,
    /// Versions (MSH-12) seen.
    pub versions: BTreeSet<String>,
    /// Message structures (MSH-9.3) declared.
    pub structures: BTreeSet<String>,
    /// Per path, written as [`V2Path`] notation (`PID-3.1`, `PID-3` for the field as a
    /// whole).
    pub paths: BTreeMap<String, V2PathUsage>,
}

/// How one v2 position is used.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct V2PathUsage {
    /// Samples where the position has a value.
    pub samples: u32,
    /// Longest value seen, in bytes as stored (escapes not decoded); 0 for a field or
    /// component seen only through its parts.
    pub max_len: usize,
}

impl V2Requirements {
    pub fn new() -> Self {
        Self::default()
    }

    /// How `path` (its schema key: no occurrence or repetition) is used in messages of
    /// `message_type`.
    pub fn path(&self, message_type: &str, path: &V2Path) -> Option<&V2PathUsage> {
        self.messages
            .get(message_type)?
            .paths
            .get(&path.schema_key().to_string())
    }
}

impl SampleSink for V2Requirements {
    fn sample(&mut self, sample: &dyn Sample, issues: &[Issue]) {
        self.issues += issues.len() as u32;
        let info = sample.info();
        let entry = self.messages.entry(info.kind.to_string()).or_default();
        entry.samples += 1;
        if let Some(v) = info.version {
            entry.versions.insert(v.into_owned());
        }
        if let Some(s) = info.structure {
            entry.structures.insert(s.into_owned());
        }
        let mut seen: BTreeMap<V2Path, usize> = BTreeMap::new();
        sample.walk(&mut |item: &Item<'_>| {
            if let ElementPath::V2(p) = item.path {
                let key = p.schema_key();
                let len = item.value.raw_len();
                let e = seen.entry(key).or_default();
                *e = (*e).max(len);
                // Its field and component are populated too.
                for parent in [
                    V2Path {
                        component: 0,
                        subcomponent: 0,
                        ..key
                    },
                    V2Path {
                        subcomponent: 0,
                        ..key
                    },
                ] {
                    seen.entry(parent).or_default();
                }
            }
        });
        for (p, len) in seen {
            let u = entry.paths.entry(p.to_string()).or_default();
            u.samples += 1;
            u.max_len = u.max_len.max(len);
        }
    }

    fn issue(&mut self, _issue: &Issue) {
        self.issues += 1;
    }
}
