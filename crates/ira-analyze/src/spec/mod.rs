//! The interface spec, `ira.toml`: what to read (legacy and target samples, target
//! profiles and value sets), which message types are in scope, the project's additions
//! to the v2 → FHIR map, code maps, go/no-go thresholds and accepted risks.
//!
//! The reference is the annotated example `fixtures/spec/ira.toml`; `docs/spec.md`
//! describes it key by key. Paths in a spec are relative to the spec file's directory:
//! they are kept as written, and [`resolve`] / [`Spec::files`] join them to a base
//! directory (no I/O). Unknown keys are errors; every error gives its line and column.

mod concept_map;
mod types;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use concept_map::{ConceptMap, ConceptMapElement, ConceptMapGroup, ConceptMapTarget};
pub use types::{Date, FhirPathSpec, MessageType, RiskSeverity, V2Field};

use crate::map::{ConceptOverride, FieldOverride, MapOverrides, VocabularyOverride};

/// A parsed `ira.toml`.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    pub interface: Interface,
    #[serde(default)]
    pub legacy: Legacy,
    pub target: Target,
    #[serde(default)]
    pub map: MapSection,
    #[serde(default)]
    pub code_maps: Vec<CodeMap>,
    #[serde(default)]
    pub thresholds: Thresholds,
    #[serde(default)]
    pub accepted: Vec<Accepted>,
}

/// `[interface]`: what is being migrated.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Interface {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
}

/// `[legacy]`: the legacy feed's samples.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Legacy {
    /// Files or folders of legacy samples.
    #[serde(default)]
    pub paths: Vec<String>,
    /// The HL7 v2 version the feed is expected to declare (`2.3`).
    #[serde(default)]
    pub version: Option<String>,
    /// Message types in scope (`ADT^A01`); empty means all.
    #[serde(default)]
    pub message_types: Vec<MessageType>,
}

/// What the target is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
pub enum TargetKind {
    /// A FHIR R4 server or API.
    #[default]
    #[serde(rename = "fhir-r4")]
    FhirR4,
    /// An HL7 v2 receiver (a v2 → v2 migration).
    #[serde(rename = "hl7v2")]
    Hl7v2,
}

/// `[target]`: the target system.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    pub kind: TargetKind,
    /// Files or folders of target samples (FHIR bundles, or v2 messages).
    #[serde(default)]
    pub paths: Vec<String>,
    /// StructureDefinition files (JSON: one, a Bundle or an array).
    #[serde(default)]
    pub profiles: Vec<String>,
    /// ValueSet and CodeSystem files (JSON).
    #[serde(default)]
    pub value_sets: Vec<String>,
    /// The target's version: `4.0.1`, or the v2 version of a v2 receiver (`2.5.1`).
    #[serde(default)]
    pub version: Option<String>,
}

/// `[map]`: additions to ira's v2 → FHIR map.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MapSection {
    /// `[[map.fields]]`
    #[serde(default)]
    pub fields: Vec<FieldSpec>,
}

/// `[[map.fields]]`: a v2 field (a Z-segment's) → a FHIR element.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FieldSpec {
    /// `ZPI-1`
    pub field: V2Field,
    /// `Patient.extension.valueString`
    pub fhir_path: FhirPathSpec,
    #[serde(default)]
    pub fhir_type: Option<String>,
    #[serde(default)]
    pub v2_type: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub datatype_map: Option<String>,
    #[serde(default)]
    pub vocabulary: Option<String>,
    #[serde(default)]
    pub assigned: Option<String>,
    #[serde(default)]
    pub replace: bool,
}

/// `[[code_maps]]`: local codes → target codes, inline or from a FHIR ConceptMap.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, try_from = "CodeMapRaw")]
pub struct CodeMap {
    /// The v2 table (`0001`).
    pub table: Option<String>,
    /// The vocabulary map's name (`AdministrativeSex`); defaults to the table.
    pub name: Option<String>,
    /// The legacy code system, when the codes are not from a v2 table.
    pub source_system: Option<String>,
    /// The target code system.
    pub target_system: Option<String>,
    /// Inline codes: legacy code → target code.
    pub codes: BTreeMap<String, String>,
    /// A FHIR ConceptMap file instead of inline codes.
    pub concept_map: Option<String>,
    /// Replace the map's built-in rows instead of adding in front of them.
    pub replace: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CodeMapRaw {
    table: Option<String>,
    name: Option<String>,
    source_system: Option<String>,
    target_system: Option<String>,
    #[serde(default)]
    codes: BTreeMap<String, String>,
    concept_map: Option<String>,
    #[serde(default)]
    replace: bool,
}

impl TryFrom<CodeMapRaw> for CodeMap {
    type Error = String;
    fn try_from(r: CodeMapRaw) -> Result<Self, String> {
        if r.table.is_none() && r.name.is_none() && r.source_system.is_none() {
            return Err("a code map needs `table`, `name` or `source_system`".into());
        }
        match (r.codes.is_empty(), &r.concept_map) {
            (true, None) => return Err("a code map needs `codes` or `concept_map`".into()),
            (false, Some(_)) => {
                return Err("a code map has either `codes` or `concept_map`, not both".into());
            }
            _ => {}
        }
        if !r.codes.is_empty() && r.target_system.is_none() {
            return Err("inline `codes` need a `target_system`".into());
        }
        Ok(CodeMap {
            table: r.table,
            name: r.name,
            source_system: r.source_system,
            target_system: r.target_system,
            codes: r.codes,
            concept_map: r.concept_map,
            replace: r.replace,
        })
    }
}

/// `[thresholds]`: when the run says no-go.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    /// Exit non-zero if any risk of this severity or above is not accepted.
    #[serde(default)]
    pub fail_on: Option<RiskSeverity>,
    /// Go/no-go: at most this many critical risks (not accepted).
    #[serde(default)]
    pub max_critical: Option<u32>,
    /// Go/no-go: at most this many high risks (not accepted).
    #[serde(default)]
    pub max_high: Option<u32>,
    /// Go/no-go: readiness score at least this (percent, 0–100).
    #[serde(default)]
    pub min_readiness: Option<Percent>,
}

/// A percentage, 0 to 100.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(try_from = "i64")]
pub struct Percent(pub u8);

impl TryFrom<i64> for Percent {
    type Error = String;
    fn try_from(v: i64) -> Result<Self, String> {
        u8::try_from(v)
            .ok()
            .filter(|p| *p <= 100)
            .map(Percent)
            .ok_or_else(|| "a percentage from 0 to 100 was expected".into())
    }
}

/// `[[accepted]]`: a risk the project accepts, with why, who and until when.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, try_from = "AcceptedRaw")]
pub struct Accepted {
    /// Accept every risk of this rule (`IRA304` or `value-too-long`)…
    pub rule: Option<String>,
    /// …or one risk by its id.
    pub risk: Option<String>,
    /// Optionally only where this path is concerned (`PID-5`, `Patient.name`).
    pub path: Option<String>,
    pub justification: String,
    pub owner: String,
    pub expires: Date,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AcceptedRaw {
    rule: Option<String>,
    risk: Option<String>,
    path: Option<String>,
    justification: String,
    owner: String,
    expires: Date,
}

impl TryFrom<AcceptedRaw> for Accepted {
    type Error = String;
    fn try_from(r: AcceptedRaw) -> Result<Self, String> {
        if r.rule.is_some() == r.risk.is_some() {
            return Err("an accepted risk names exactly one of `rule` or `risk`".into());
        }
        if r.justification.trim().is_empty() {
            return Err("an accepted risk needs a non-empty `justification`".into());
        }
        if r.owner.trim().is_empty() {
            return Err("an accepted risk needs a non-empty `owner`".into());
        }
        Ok(Accepted {
            rule: r.rule,
            risk: r.risk,
            path: r.path,
            justification: r.justification,
            owner: r.owner,
            expires: r.expires,
        })
    }
}

impl Accepted {
    /// Whether the acceptance has expired on `today` (it holds through its expiry day).
    pub fn is_expired(&self, today: Date) -> bool {
        today > self.expires
    }
}

/// Why a spec could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{name}:{line}:{column}: {}{message}", key.as_deref().map(|k| format!("`{k}`: ")).unwrap_or_default())]
pub struct SpecError {
    /// The spec's name (its file name).
    pub name: String,
    /// 1-based line (0 when the parser gave no position).
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// The key at the error (`expires`, `map.fields`), when it can be told.
    pub key: Option<String>,
    pub message: String,
}

/// 1-based line and column (in characters) of a byte offset.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    (line, col)
}

/// The key named on a line: `key = value` → `key`, `[[map.fields]]` → `map.fields`.
fn key_on_line(text: &str, line: usize) -> Option<String> {
    let l = text.lines().nth(line.checked_sub(1)?)?.trim();
    if let Some(h) = l.strip_prefix('[') {
        let h = h.trim_start_matches('[');
        let end = h.find(']')?;
        return Some(h[..end].trim().to_string());
    }
    let (k, _) = l.split_once('=')?;
    let k = k.trim().trim_matches('"');
    (!k.is_empty() && !k.starts_with('#')).then(|| k.to_string())
}

impl Spec {
    /// Parses `text` (the content of `ira.toml`); `name` is used in errors.
    pub fn from_toml_str(text: &str, name: &str) -> Result<Spec, SpecError> {
        toml::from_str::<Spec>(text).map_err(|e| {
            let (line, column, key) = match e.span() {
                Some(span) => {
                    let (l, c) = line_col(text, span.start);
                    (l, c, key_on_line(text, l))
                }
                None => (0, 0, None),
            };
            SpecError {
                name: name.to_string(),
                line,
                column,
                key,
                // serde names Rust types; the spec's readers know TOML's.
                message: e
                    .message()
                    .trim()
                    .replace("expected u32", "expected an integer of 0 or more"),
            }
        })
    }

    /// The project's additions to the v2 → FHIR map: `[[map.fields]]` and the code
    /// maps. Code maps given as ConceptMap files are taken from `concept_maps`, keyed by
    /// the path as written in the spec (the caller loads them with
    /// [`ConceptMap::from_json`]); one not given there is left out.
    pub fn map_overrides(&self, concept_maps: &BTreeMap<String, ConceptMap>) -> MapOverrides {
        let fields = self
            .map
            .fields
            .iter()
            .map(|f| FieldOverride {
                field: f.field.0.clone(),
                fhir_path: f.fhir_path.0.clone(),
                fhir_type: f.fhir_type.clone(),
                v2_type: f.v2_type.clone(),
                name: f.name.clone(),
                datatype_map: f.datatype_map.clone(),
                vocabulary: f.vocabulary.clone(),
                assigned: f.assigned.clone(),
                replace: f.replace,
            })
            .collect();
        let mut vocabularies = Vec::new();
        for c in &self.code_maps {
            let map = c
                .name
                .clone()
                .or_else(|| c.table.clone())
                .or_else(|| c.source_system.clone())
                .unwrap_or_default();
            let concepts: Vec<ConceptOverride> = match &c.concept_map {
                None => c
                    .codes
                    .iter()
                    .map(|(from, to)| ConceptOverride {
                        v2_code: from.clone(),
                        system: c.target_system.clone().unwrap_or_default(),
                        code: to.clone(),
                        display: None,
                    })
                    .collect(),
                Some(file) => match concept_maps.get(file) {
                    Some(cm) => {
                        cm.concept_overrides(c.source_system.as_deref(), c.target_system.as_deref())
                    }
                    None => continue,
                },
            };
            vocabularies.push(VocabularyOverride {
                map,
                table: c.table.clone(),
                concepts,
                replace: c.replace,
            });
        }
        MapOverrides {
            fields,
            vocabularies,
        }
    }

    /// Every file or folder the spec names, joined to `base_dir` (the spec file's
    /// directory). Pure path joining: nothing is read or checked.
    pub fn files(&self, base_dir: &Path) -> SpecFiles {
        let all = |v: &[String]| v.iter().map(|p| resolve(base_dir, p)).collect();
        SpecFiles {
            legacy: all(&self.legacy.paths),
            target: all(&self.target.paths),
            profiles: all(&self.target.profiles),
            value_sets: all(&self.target.value_sets),
            concept_maps: self
                .code_maps
                .iter()
                .filter_map(|c| c.concept_map.as_ref())
                .map(|p| (p.clone(), resolve(base_dir, p)))
                .collect(),
        }
    }

    /// Whether a message type (`ADT^A01`) is in scope (all are when none is listed).
    pub fn in_scope(&self, message_type: &str) -> bool {
        self.legacy.message_types.is_empty()
            || self
                .legacy
                .message_types
                .iter()
                .any(|m| m.0 == message_type)
    }
}

/// The files a spec names, resolved against the spec's directory.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SpecFiles {
    pub legacy: Vec<PathBuf>,
    pub target: Vec<PathBuf>,
    pub profiles: Vec<PathBuf>,
    pub value_sets: Vec<PathBuf>,
    /// (path as written in the spec, resolved path): the key for
    /// [`Spec::map_overrides`].
    pub concept_maps: Vec<(String, PathBuf)>,
}

/// `path` as written in a spec, relative to `base_dir` unless absolute.
pub fn resolve(base_dir: &Path, path: &str) -> PathBuf {
    let p = Path::new(path);
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        base_dir.join(p)
    }
}
