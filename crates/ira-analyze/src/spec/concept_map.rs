//! FHIR ConceptMap JSON → code maps.

use serde::Serialize;
use serde_json::Value;

use crate::map::ConceptOverride;
use crate::target::LoadError;

/// A ConceptMap's groups.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ConceptMap {
    pub url: Option<String>,
    pub groups: Vec<ConceptMapGroup>,
}

/// `group[]`: codes of one source system mapped to one target system.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ConceptMapGroup {
    pub source: Option<String>,
    pub target: Option<String>,
    pub elements: Vec<ConceptMapElement>,
}

/// `group.element[]`: one source code.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ConceptMapElement {
    pub code: String,
    pub display: Option<String>,
    pub targets: Vec<ConceptMapTarget>,
}

/// `group.element.target[]`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ConceptMapTarget {
    pub code: Option<String>,
    pub display: Option<String>,
    /// `equivalent`, `wider`, `unmatched`…
    pub equivalence: Option<String>,
}

impl ConceptMapTarget {
    /// Whether the target is a usable mapping (has a code and is not `unmatched` or
    /// `disjoint`).
    pub fn is_mapping(&self) -> bool {
        self.code.is_some()
            && !matches!(self.equivalence.as_deref(), Some("unmatched" | "disjoint"))
    }
}

fn s(v: &Value, k: &str) -> Option<String> {
    v.get(k).and_then(Value::as_str).map(str::to_string)
}

fn arr<'v>(v: &'v Value, k: &str) -> &'v [Value] {
    v.get(k)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

impl ConceptMap {
    /// Loads the ConceptMaps of `text`: one, a Bundle of them, or an array.
    pub fn from_json(text: &str, name: &str) -> Result<Vec<ConceptMap>, LoadError> {
        let mut out = Vec::new();
        for (i, r) in crate::target::artifacts_resources(text, name)?
            .into_iter()
            .enumerate()
        {
            if r.get("resourceType").and_then(Value::as_str) != Some("ConceptMap") {
                continue;
            }
            let mut groups = Vec::new();
            for g in arr(&r, "group") {
                let mut elements = Vec::new();
                for e in arr(g, "element") {
                    let code = s(e, "code").ok_or_else(|| {
                        LoadError::new(name, Some(i), "ConceptMap group element without code")
                    })?;
                    elements.push(ConceptMapElement {
                        code,
                        display: s(e, "display"),
                        targets: arr(e, "target")
                            .iter()
                            .map(|t| ConceptMapTarget {
                                code: s(t, "code"),
                                display: s(t, "display"),
                                equivalence: s(t, "equivalence"),
                            })
                            .collect(),
                    });
                }
                groups.push(ConceptMapGroup {
                    source: s(g, "source"),
                    target: s(g, "target"),
                    elements,
                });
            }
            out.push(ConceptMap {
                url: s(&r, "url"),
                groups,
            });
        }
        Ok(out)
    }

    /// The mappings as map override rows: groups whose source and target match the
    /// ones given (any, when not given); targets that are not mappings are left out.
    pub fn concept_overrides(
        &self,
        source: Option<&str>,
        target: Option<&str>,
    ) -> Vec<ConceptOverride> {
        let mut out = Vec::new();
        for g in &self.groups {
            if source.is_some_and(|s| g.source.as_deref() != Some(s))
                || target.is_some_and(|t| g.target.as_deref() != Some(t))
            {
                continue;
            }
            for e in &g.elements {
                for t in e.targets.iter().filter(|t| t.is_mapping()) {
                    out.push(ConceptOverride {
                        v2_code: e.code.clone(),
                        system: g.target.clone().unwrap_or_default(),
                        code: t.code.clone().unwrap_or_default(),
                        display: t.display.clone(),
                    });
                }
            }
        }
        out
    }
}
