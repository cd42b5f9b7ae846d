//! Sample profiles: what the samples of an interface carry, path by path.
//!
//! Per group — an HL7 v2 message structure (`ADT_A01`, else the message type `ADT^A01`)
//! and version, or a FHIR resource type — and per path (`PID-3.4.1`, `OBX-5`,
//! `Patient.identifier.system`): how many samples carry it, how often it repeats, value
//! lengths, datatype conformance (date-time shapes and timezones, numbers, table codes),
//! frequencies of coded values, and where it was first seen.
//!
//! **Patient values never enter a profile**, except the values of coded fields (v2 `ID`
//! and `IS`, codes and coding systems of `CE`/`CWE`/`CNE`/`CF`, `HD` namespaces and
//! authorities; FHIR `code`, `boolean`, `Coding.code/system`, `Identifier.system`,
//! `Quantity.unit/code/system`). Names, identifiers, dates and free text keep shape
//! statistics only (lengths, shape classes such as `YYYYMMDD` or `invalid 99/99/9999`).
//!
//! Profiles merge associatively and commutatively ([`Profile::merge`]): files are profiled
//! in parallel and reduced, and saved profiles from several machines can be merged later
//! with the same result as profiling everything at once. The format is described in
//! `docs/profile-format.md`.

mod build;
pub mod shape;
pub mod stats;
mod types;

use std::cmp::Ordering;
use std::collections::BTreeMap;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use ira_parse::Issue;
use ira_parse::document::ReadOptions;
use ira_parse::input::{Discovery, SourceFile};

pub use build::{FileProfiler, ProfSample, profile_bytes, profile_file};
pub(crate) use build::{obx_type_of, pack};
pub use stats::{
    CodeStats, LengthStats, PathProfile, SeenAt, TableCounts, TimezoneCounts, TypeStats,
};

/// The schema id of a serialised profile.
pub const SCHEMA: &str = "ira.profile/1";

/// The deserialisation error of a document whose `schema` is not [`SCHEMA`].
pub const SCHEMA_MISMATCH: &str = "schema is not ira.profile/1";

/// The standard of a group.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum GroupStandard {
    #[serde(rename = "hl7v2")]
    V2,
    #[serde(rename = "fhir")]
    Fhir,
}

/// A path as a map key, ordered naturally (`PID-2` before `PID-10`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PathKey(pub String);

impl Ord for PathKey {
    fn cmp(&self, other: &Self) -> Ordering {
        natural_cmp(&self.0, &other.0).then_with(|| self.0.cmp(&other.0))
    }
}

impl PartialOrd for PathKey {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl std::fmt::Display for PathKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Compares digit runs by numeric value, everything else by character.
fn natural_cmp(a: &str, b: &str) -> Ordering {
    let (mut a, mut b) = (a.as_bytes(), b.as_bytes());
    loop {
        match (a.first(), b.first()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) if x.is_ascii_digit() && y.is_ascii_digit() => {
                let da = a.iter().take_while(|c| c.is_ascii_digit()).count();
                let db = b.iter().take_while(|c| c.is_ascii_digit()).count();
                let na = trim_zeros(&a[..da]);
                let nb = trim_zeros(&b[..db]);
                let o = na.len().cmp(&nb.len()).then_with(|| na.cmp(nb));
                if o != Ordering::Equal {
                    return o;
                }
                a = &a[da..];
                b = &b[db..];
            }
            (Some(x), Some(y)) => {
                if x != y {
                    return x.cmp(y);
                }
                a = &a[1..];
                b = &b[1..];
            }
        }
    }
}

fn trim_zeros(d: &[u8]) -> &[u8] {
    let i = d.iter().position(|&c| c != b'0').unwrap_or(d.len());
    &d[i..]
}

/// The key of a group: standard, name (structure, message type or resource type), version.
pub type GroupKey = (GroupStandard, String, Option<String>);

/// The profile of one group of samples.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    pub standard: GroupStandard,
    /// HL7 v2: MSH-9.3 (`ADT_A01`) when declared, else MSH-9.1^9.2 (`ADT^A04`; empty when
    /// MSH-9 is missing). FHIR: the resource type.
    pub name: String,
    /// HL7 v2: MSH-12. FHIR: `4.0.1` or the other version recognised.
    pub version: Option<String>,
    /// Samples in the group.
    pub samples: u64,
    /// Samples per kind: HL7 v2 message type and trigger (`ADT^A04`), FHIR resource type.
    pub kinds: BTreeMap<String, u64>,
    /// Every path seen, in natural order.
    pub paths: BTreeMap<PathKey, PathProfile>,
}

impl Group {
    /// This group's key.
    pub fn key(&self) -> GroupKey {
        (self.standard, self.name.clone(), self.version.clone())
    }

    /// Adds `other` (a group with the same key).
    pub fn merge(&mut self, other: Group) {
        self.samples = self.samples.saturating_add(other.samples);
        for (k, n) in other.kinds {
            let c = self.kinds.entry(k).or_default();
            *c = c.saturating_add(n);
        }
        for (k, p) in other.paths {
            match self.paths.get_mut(&k) {
                Some(mine) => mine.merge(p),
                None => {
                    self.paths.insert(k, p);
                }
            }
        }
    }
}

/// A profile: groups of samples and their paths. See the module docs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Profile {
    /// Files profiled.
    pub files: u64,
    /// Samples profiled (messages and resources).
    pub samples: u64,
    pub groups: BTreeMap<GroupKey, Group>,
}

impl Profile {
    /// Adds `other`. Associative and commutative: any order and grouping of merges gives
    /// the same profile.
    pub fn merge(&mut self, other: Profile) {
        self.files = self.files.saturating_add(other.files);
        self.samples = self.samples.saturating_add(other.samples);
        for (k, g) in other.groups {
            match self.groups.get_mut(&k) {
                Some(mine) => mine.merge(g),
                None => {
                    self.groups.insert(k, g);
                }
            }
        }
    }

    /// Moves every recorded location by `by` (a chunk of a file read on its own, put
    /// back in place).
    pub fn shift_positions(&mut self, by: crate::stream::Shift) {
        for g in self.groups.values_mut() {
            for p in g.paths.values_mut() {
                for at in &mut p.first_seen {
                    at.offset = at.offset.saturating_add(by.offset);
                    at.line = at.line.saturating_add(by.lines);
                    at.message = at.message.map(|m| m.saturating_add(by.messages));
                }
            }
        }
    }

    /// The merge of many profiles.
    pub fn merged(profiles: impl IntoIterator<Item = Profile>) -> Profile {
        profiles.into_iter().fold(Profile::default(), |mut a, b| {
            a.merge(b);
            a
        })
    }
}

/// The tool that wrote a serialised profile (informative; not compared, not merged).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

#[derive(Serialize)]
struct DocRef<'a> {
    schema: &'static str,
    tool: Tool,
    files: u64,
    samples: u64,
    groups: Vec<&'a Group>,
}

#[derive(Deserialize)]
struct Doc {
    schema: String,
    #[allow(dead_code)]
    tool: Option<Tool>,
    files: u64,
    samples: u64,
    groups: Vec<Group>,
}

impl Serialize for Profile {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        DocRef {
            schema: SCHEMA,
            tool: Tool {
                name: "ira".to_owned(),
                version: env!("CARGO_PKG_VERSION").to_owned(),
            },
            files: self.files,
            samples: self.samples,
            groups: self.groups.values().collect(),
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for Profile {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let doc = Doc::deserialize(d)?;
        if doc.schema != SCHEMA {
            // The other schema is not quoted: the file could be anything.
            return Err(serde::de::Error::custom(SCHEMA_MISMATCH));
        }
        let mut p = Profile {
            files: doc.files,
            samples: doc.samples,
            groups: BTreeMap::new(),
        };
        for mut g in doc.groups {
            // p95 is derived: recompute rather than trust the file.
            for path in g.paths.values_mut() {
                path.length.finish();
            }
            let key = g.key();
            match p.groups.get_mut(&key) {
                Some(mine) => mine.merge(g),
                None => {
                    p.groups.insert(key, g);
                }
            }
        }
        Ok(p)
    }
}

/// Profiles every discovered file in parallel (rayon) and merges the results. `load`
/// reads a file (the caller's I/O); a file it cannot read adds nothing but its count.
/// Large HL7 v2 files are profiled in chunks, in parallel (see [`profile_streaming`]).
pub fn profile<L>(discovery: &Discovery, load: L) -> Profile
where
    L: Fn(&SourceFile) -> Result<Vec<u8>, Issue> + Sync,
{
    profile_streaming(
        discovery,
        &crate::stream::opener_from_loader(&load),
        crate::stream::StreamOptions::default(),
    )
}

/// [`profile`] with an opener: files are read as streams, large HL7 v2 files in bounded
/// chunks processed in parallel (memory does not grow with the file), the same profile
/// whatever the chunk size and thread count.
pub fn profile_streaming<O>(
    discovery: &Discovery,
    open: &O,
    stream: crate::stream::StreamOptions,
) -> Profile
where
    O: Fn(&SourceFile) -> Result<crate::stream::Opened, Issue> + Sync,
{
    discovery
        .table
        .files()
        .par_iter()
        .map(|file| {
            let path = file.path.display().to_string();
            crate::stream::read_file(
                file,
                crate::account::Role::Legacy,
                open,
                ReadOptions::default(),
                stream,
                &|| FileProfiler::new(path.clone()),
                &FileProfiler::finish,
            )
            .0
            .unwrap_or(Profile {
                files: 1,
                ..Profile::default()
            })
        })
        .reduce(Profile::default, |mut a, b| {
            a.merge(b);
            a
        })
}

impl crate::stream::Partial for Profile {
    fn shift(&mut self, by: crate::stream::Shift) {
        self.shift_positions(by);
    }

    fn merge_next(&mut self, next: Self) {
        self.merge(next);
    }

    fn end_file(&mut self) {
        self.files = 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn natural_order_of_paths() {
        let mut v: Vec<PathKey> = [
            "PID-10",
            "PID-2",
            "PID-3.10",
            "PID-3.4.1",
            "OBX-5",
            "MSH-9.3",
            "PID-02",
        ]
        .iter()
        .map(|s| PathKey((*s).to_owned()))
        .collect();
        v.sort();
        let s: Vec<&str> = v.iter().map(|k| k.0.as_str()).collect();
        assert_eq!(
            s,
            [
                "MSH-9.3",
                "OBX-5",
                "PID-02",
                "PID-2",
                "PID-3.4.1",
                "PID-3.10",
                "PID-10"
            ]
        );
    }
}
