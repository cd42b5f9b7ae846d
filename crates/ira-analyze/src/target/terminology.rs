//! ValueSets and CodeSystems: enough to answer "is this code in the bound value set?".

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde_json::Value;

use super::artifacts::{LoadError, array_of, resources, str_of};

/// Whether a code is in a value set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Membership {
    Yes,
    No,
    /// The value set cannot be enumerated here: it uses filters, includes a code system
    /// or value set that was not given, or is not known at all.
    Unknown,
}

/// A ValueSet, as its composition and/or expansion.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ValueSet {
    pub url: String,
    pub name: Option<String>,
    pub includes: Vec<ValueSetInclude>,
    /// `compose.exclude[]` with enumerated concepts (system, code).
    pub excludes: Vec<(String, String)>,
    /// `expansion.contains[]` (nested ones flattened): (system, code).
    pub expansion: Vec<(String, String)>,
}

/// One `compose.include`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ValueSetInclude {
    pub system: Option<String>,
    /// Listed codes; empty means "all codes of the system" (unless there are filters).
    pub concepts: Vec<String>,
    /// ValueSets whose codes are included (intersected, per FHIR, but ira treats one).
    pub value_sets: Vec<String>,
    /// The include has filters: its members cannot be listed without a terminology
    /// server.
    pub filtered: bool,
}

impl ValueSet {
    /// Loads the ValueSets of `text`: one, a Bundle of them, or an array.
    pub fn from_json(text: &str, name: &str) -> Result<Vec<ValueSet>, LoadError> {
        let mut out = Vec::new();
        for (i, r) in resources(text, name)?.into_iter().enumerate() {
            if str_of(&r, "resourceType") == Some("ValueSet") {
                out.push(Self::from_value(r, name, Some(i))?);
            }
        }
        Ok(out)
    }

    pub(crate) fn from_value(
        v: Value,
        name: &str,
        entry: Option<usize>,
    ) -> Result<ValueSet, LoadError> {
        let url = str_of(&v, "url")
            .ok_or_else(|| LoadError::new(name, entry, "ValueSet without url"))?
            .to_string();
        let compose = v.get("compose");
        let includes = compose
            .map(|c| array_of(c, "include"))
            .unwrap_or(&[])
            .iter()
            .map(|inc| ValueSetInclude {
                system: str_of(inc, "system").map(str::to_string),
                concepts: array_of(inc, "concept")
                    .iter()
                    .filter_map(|c| str_of(c, "code").map(str::to_string))
                    .collect(),
                value_sets: array_of(inc, "valueSet")
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect(),
                filtered: !array_of(inc, "filter").is_empty(),
            })
            .collect();
        let mut excludes = Vec::new();
        for ex in compose.map(|c| array_of(c, "exclude")).unwrap_or(&[]) {
            let system = str_of(ex, "system").unwrap_or_default();
            for c in array_of(ex, "concept") {
                if let Some(code) = str_of(c, "code") {
                    excludes.push((system.to_string(), code.to_string()));
                }
            }
        }
        let mut expansion = Vec::new();
        if let Some(e) = v.get("expansion") {
            flatten_contains(array_of(e, "contains"), &mut expansion);
        }
        Ok(ValueSet {
            url,
            name: str_of(&v, "name").map(str::to_string),
            includes,
            excludes,
            expansion,
        })
    }
}

fn flatten_contains(items: &[Value], out: &mut Vec<(String, String)>) {
    for c in items {
        if let Some(code) = str_of(c, "code") {
            out.push((
                str_of(c, "system").unwrap_or_default().to_string(),
                code.to_string(),
            ));
        }
        flatten_contains(array_of(c, "contains"), out);
    }
}

/// A CodeSystem's concepts (hierarchies flattened).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct CodeSystem {
    pub url: String,
    pub name: Option<String>,
    /// `complete`, `fragment`, `not-present`…
    pub content: Option<String>,
    /// Whether codes compare case-sensitively (`caseSensitive`; R4 gives no default,
    /// ira assumes true when absent).
    pub case_sensitive: bool,
    pub codes: BTreeSet<String>,
}

impl CodeSystem {
    /// Loads the CodeSystems of `text`: one, a Bundle of them, or an array.
    pub fn from_json(text: &str, name: &str) -> Result<Vec<CodeSystem>, LoadError> {
        let mut out = Vec::new();
        for (i, r) in resources(text, name)?.into_iter().enumerate() {
            if str_of(&r, "resourceType") == Some("CodeSystem") {
                out.push(Self::from_value(r, name, Some(i))?);
            }
        }
        Ok(out)
    }

    pub(crate) fn from_value(
        v: Value,
        name: &str,
        entry: Option<usize>,
    ) -> Result<CodeSystem, LoadError> {
        let url = str_of(&v, "url")
            .ok_or_else(|| LoadError::new(name, entry, "CodeSystem without url"))?
            .to_string();
        let mut codes = BTreeSet::new();
        collect_concepts(array_of(&v, "concept"), &mut codes);
        Ok(CodeSystem {
            url,
            name: str_of(&v, "name").map(str::to_string),
            content: str_of(&v, "content").map(str::to_string),
            case_sensitive: v
                .get("caseSensitive")
                .and_then(Value::as_bool)
                .unwrap_or(true),
            codes,
        })
    }

    /// Whether all codes are listed (`content = complete`, or unstated).
    pub fn is_complete(&self) -> bool {
        matches!(self.content.as_deref(), None | Some("complete"))
    }

    /// Whether the system defines `code`.
    pub fn contains(&self, code: &str) -> bool {
        if self.case_sensitive {
            self.codes.contains(code)
        } else {
            self.codes.iter().any(|c| c.eq_ignore_ascii_case(code))
        }
    }
}

fn collect_concepts(items: &[Value], out: &mut BTreeSet<String>) {
    for c in items {
        if let Some(code) = str_of(c, "code") {
            out.insert(code.to_string());
        }
        collect_concepts(array_of(c, "concept"), out);
    }
}

/// The ValueSets and CodeSystems given, by canonical URL.
#[derive(Clone, Debug, Default)]
pub struct Terminology {
    value_sets: BTreeMap<String, ValueSet>,
    code_systems: BTreeMap<String, CodeSystem>,
}

/// A canonical without its `|version`.
fn unversioned(url: &str) -> &str {
    url.split_once('|').map_or(url, |(u, _)| u)
}

impl Terminology {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a ValueSet (a later one with the same URL replaces an earlier one).
    pub fn add_value_set(&mut self, vs: ValueSet) {
        self.value_sets.insert(vs.url.clone(), vs);
    }

    /// Adds a CodeSystem (a later one with the same URL replaces an earlier one).
    pub fn add_code_system(&mut self, cs: CodeSystem) {
        self.code_systems.insert(cs.url.clone(), cs);
    }

    pub fn value_set(&self, url: &str) -> Option<&ValueSet> {
        self.value_sets.get(unversioned(url))
    }

    pub fn code_system(&self, url: &str) -> Option<&CodeSystem> {
        self.code_systems.get(unversioned(url))
    }

    /// Number of ValueSets and CodeSystems held.
    pub fn len(&self) -> (usize, usize) {
        (self.value_sets.len(), self.code_systems.len())
    }

    pub fn is_empty(&self) -> bool {
        self.value_sets.is_empty() && self.code_systems.is_empty()
    }

    /// Whether `system|code` is in the value set `url`. `system` may be empty (a
    /// `code`-typed element has no system): then any include's system matches.
    pub fn contains(&self, url: &str, system: &str, code: &str) -> Membership {
        self.contains_depth(url, system, code, 0)
    }

    fn contains_depth(&self, url: &str, system: &str, code: &str, depth: u32) -> Membership {
        // Value sets that include each other in a loop are treated as not enumerable.
        if depth > 8 {
            return Membership::Unknown;
        }
        let Some(vs) = self.value_set(url) else {
            return Membership::Unknown;
        };
        let sys_ok = |s: &str| system.is_empty() || s == system;
        if vs.excludes.iter().any(|(s, c)| sys_ok(s) && c == code) {
            return Membership::No;
        }
        if !vs.expansion.is_empty() {
            return if vs.expansion.iter().any(|(s, c)| sys_ok(s) && c == code) {
                Membership::Yes
            } else {
                Membership::No
            };
        }
        let mut unknown = vs.includes.is_empty();
        for inc in &vs.includes {
            let in_system = match inc.system.as_deref() {
                None => None,
                Some(s) if !sys_ok(s) => Some(Membership::No),
                Some(_) if inc.filtered => Some(Membership::Unknown),
                Some(_) if !inc.concepts.is_empty() => {
                    Some(if inc.concepts.iter().any(|c| c == code) {
                        Membership::Yes
                    } else {
                        Membership::No
                    })
                }
                Some(s) => Some(match self.code_system(s) {
                    Some(cs) if cs.contains(code) => Membership::Yes,
                    Some(cs) if cs.is_complete() => Membership::No,
                    _ => Membership::Unknown,
                }),
            };
            let in_sets = inc
                .value_sets
                .iter()
                .map(|u| self.contains_depth(u, system, code, depth + 1));
            // An include with both a system and value sets is their intersection.
            let mut result = in_system;
            for m in in_sets {
                result = Some(match (result, m) {
                    (None, m) => m,
                    (Some(Membership::No), _) | (_, Membership::No) => Membership::No,
                    (Some(Membership::Yes), Membership::Yes) => Membership::Yes,
                    _ => Membership::Unknown,
                });
            }
            match result {
                Some(Membership::Yes) => return Membership::Yes,
                Some(Membership::Unknown) | None => unknown = true,
                Some(Membership::No) => {}
            }
        }
        if unknown {
            Membership::Unknown
        } else {
            Membership::No
        }
    }
}
