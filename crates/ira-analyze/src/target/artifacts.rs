//! Loading conformance resources (StructureDefinition, ValueSet, CodeSystem) from JSON
//! text: one resource, a Bundle of them, or a JSON array of them.

use serde_json::Value;

use super::structure::StructureDefinition;
use super::terminology::{CodeSystem, ValueSet};

/// Why a conformance file could not be loaded. Describes the problem by position and
/// shape only.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{name}{}: {reason}", position(*.line, *.column, *.entry))]
pub struct LoadError {
    /// The name the caller gave (its file name).
    pub name: String,
    /// 1-based line of a JSON syntax error.
    pub line: Option<usize>,
    /// 1-based column of a JSON syntax error.
    pub column: Option<usize>,
    /// 0-based index of the resource in the Bundle or array.
    pub entry: Option<usize>,
    pub reason: String,
}

fn position(line: Option<usize>, column: Option<usize>, entry: Option<usize>) -> String {
    let mut s = String::new();
    if let (Some(l), Some(c)) = (line, column) {
        s.push_str(&format!(" line {l}, column {c}"));
    }
    if let Some(e) = entry {
        s.push_str(&format!(" (resource {e})"));
    }
    s
}

impl LoadError {
    pub(crate) fn new(name: &str, entry: Option<usize>, reason: impl Into<String>) -> Self {
        Self {
            name: name.to_string(),
            line: None,
            column: None,
            entry,
            reason: reason.into(),
        }
    }
}

/// The conformance resources found in one or more files.
#[derive(Clone, Debug, Default)]
pub struct Artifacts {
    pub structure_definitions: Vec<StructureDefinition>,
    pub value_sets: Vec<ValueSet>,
    pub code_systems: Vec<CodeSystem>,
    /// Resources of other types met (type, count), in order of first appearance: a
    /// Bundle of profiles may hold SearchParameters or ConceptMaps too, which are not
    /// requirements. Counted so that nothing is dropped unseen.
    pub other: Vec<(String, usize)>,
}

impl Artifacts {
    /// Loads every StructureDefinition, ValueSet and CodeSystem of `text`: a resource, a
    /// Bundle (entries' `resource`), or a JSON array of resources. `name` is used in
    /// errors.
    pub fn from_json(text: &str, name: &str) -> Result<Artifacts, LoadError> {
        let mut out = Artifacts::default();
        out.add_json(text, name)?;
        Ok(out)
    }

    /// Adds the resources of another file.
    pub fn add_json(&mut self, text: &str, name: &str) -> Result<(), LoadError> {
        for (i, r) in resources(text, name)?.into_iter().enumerate() {
            let entry = Some(i);
            match r.get("resourceType").and_then(Value::as_str) {
                Some("StructureDefinition") => self
                    .structure_definitions
                    .push(StructureDefinition::from_value(r, name, entry)?),
                Some("ValueSet") => self.value_sets.push(ValueSet::from_value(r, name, entry)?),
                Some("CodeSystem") => self
                    .code_systems
                    .push(CodeSystem::from_value(r, name, entry)?),
                Some(other) => match self.other.iter_mut().find(|(t, _)| t == other) {
                    Some((_, n)) => *n += 1,
                    None => self.other.push((other.to_string(), 1)),
                },
                None => {
                    return Err(LoadError::new(name, entry, "resource without resourceType"));
                }
            }
        }
        Ok(())
    }
}

/// Parses `text` and returns its resources: itself, a Bundle's entry resources (nested
/// Bundles are opened too), or the members of an array.
pub(crate) fn resources(text: &str, name: &str) -> Result<Vec<Value>, LoadError> {
    let value: Value = serde_json::from_str(text).map_err(|e| LoadError {
        name: name.to_string(),
        line: Some(e.line()),
        column: Some(e.column()),
        entry: None,
        reason: format!("not valid JSON ({:?} error)", e.classify()).to_lowercase(),
    })?;
    let mut out = Vec::new();
    collect(value, name, &mut out)?;
    Ok(out)
}

fn collect(value: Value, name: &str, out: &mut Vec<Value>) -> Result<(), LoadError> {
    match value {
        Value::Array(items) => {
            for v in items {
                collect(v, name, out)?;
            }
            Ok(())
        }
        Value::Object(mut o) => {
            if o.get("resourceType").and_then(Value::as_str) == Some("Bundle") {
                if let Some(Value::Array(entries)) = o.remove("entry") {
                    for e in entries {
                        if let Value::Object(mut e) = e
                            && let Some(r) = e.remove("resource")
                        {
                            collect(r, name, out)?;
                        }
                    }
                }
                Ok(())
            } else {
                out.push(Value::Object(o));
                Ok(())
            }
        }
        _ => Err(LoadError::new(
            name,
            Some(out.len()),
            "expected a JSON object (a resource or Bundle) or an array of them",
        )),
    }
}

/// A string member, if present.
pub(crate) fn str_of<'v>(v: &'v Value, key: &str) -> Option<&'v str> {
    v.get(key).and_then(Value::as_str)
}

/// An array member, empty if absent.
pub(crate) fn array_of<'v>(v: &'v Value, key: &str) -> &'v [Value] {
    v.get(key)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}
