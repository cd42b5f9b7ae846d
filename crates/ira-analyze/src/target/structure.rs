//! FHIR StructureDefinitions (profiles): the element constraints ira compares samples
//! against.

use serde::Serialize;
use serde_json::Value;

use super::artifacts::{LoadError, array_of, resources, str_of};
use super::requirements::base_element;

/// A profile (or base definition) as far as requirements go.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StructureDefinition {
    /// Canonical URL.
    pub url: String,
    pub name: String,
    /// The type constrained (`Patient`, `Extension`).
    #[serde(rename = "type")]
    pub type_name: String,
    /// `http://hl7.org/fhir/StructureDefinition/Patient` for a profile on Patient.
    pub base_definition: Option<String>,
    /// `constraint` (a profile) or `specialization` (a base type).
    pub derivation: Option<String>,
    /// Whether the elements come from a snapshot (else: the differential, completed with
    /// base R4 cardinalities).
    pub from_snapshot: bool,
    /// The elements, in definition order.
    pub elements: Vec<ElementConstraint>,
}

/// One element of a profile: `Patient.identifier`, or a slice
/// `Patient.identifier:mrn` and its children `Patient.identifier:mrn.system`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ElementConstraint {
    /// The element id, with slices (`Patient.identifier:mrn.system`); the path when the
    /// definition has no id.
    pub id: String,
    /// The element path without slices (`Patient.identifier.system`).
    pub path: String,
    /// The slice this element defines or belongs to (`mrn`), if any.
    pub slice: Option<String>,
    /// Effective minimum cardinality (from the profile, else the base).
    pub min: u32,
    /// Effective maximum cardinality, `None` for `*`.
    pub max: Option<u32>,
    /// Whether the profile itself states `min` (else it is the base's).
    pub min_stated: bool,
    /// Whether the profile itself states `max` (else it is the base's).
    pub max_stated: bool,
    pub must_support: bool,
    /// `maxLength`: the most characters a string value may have, when stated.
    pub max_length: Option<u32>,
    /// `fixed[x]`: the type suffix (`Uri`, `CodeableConcept`) and the value.
    pub fixed: Option<(String, Value)>,
    /// `pattern[x]`: the type suffix and the value.
    pub pattern: Option<(String, Value)>,
    pub binding: Option<Binding>,
    pub types: Vec<TypeRef>,
    /// Whether the element is in the differential (or, for a snapshot-only profile,
    /// everything counts as stated).
    pub in_differential: bool,
}

impl ElementConstraint {
    /// One line: `Patient.gender 1..1 MS code binding=Required(http://…)`, with
    /// `fixed[Uri]=…` / `pattern[…]=…` as compact JSON. A cardinality half the profile
    /// does not state (taken from the base) is in parentheses: `1..(1)`.
    pub fn summary(&self) -> String {
        let half = |v: String, stated: bool| if stated { v } else { format!("({v})") };
        let max = self.max.map_or("*".to_string(), |m| m.to_string());
        let mut s = format!(
            "{} {}..{}",
            self.id,
            half(self.min.to_string(), self.min_stated),
            half(max, self.max_stated)
        );
        if self.must_support {
            s.push_str(" MS");
        }
        if !self.types.is_empty() {
            let types: Vec<String> = self
                .types
                .iter()
                .map(|t| {
                    if t.target_profiles.is_empty() {
                        t.code.clone()
                    } else {
                        format!("{}({})", t.code, t.target_profiles.join("|"))
                    }
                })
                .collect();
            s.push(' ');
            s.push_str(&types.join(","));
        }
        if let Some((t, v)) = &self.fixed {
            s.push_str(&format!(" fixed[{t}]={v}"));
        }
        if let Some((t, v)) = &self.pattern {
            s.push_str(&format!(" pattern[{t}]={v}"));
        }
        if let Some(b) = &self.binding {
            s.push_str(&format!(
                " binding={:?}({})",
                b.strength,
                b.value_set.as_deref().unwrap_or("-")
            ));
        }
        s
    }
}

/// A terminology binding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Binding {
    pub strength: BindingStrength,
    /// The ValueSet canonical (any `|version` kept).
    pub value_set: Option<String>,
}

/// Binding strength (FHIR `BindingStrength`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BindingStrength {
    Example,
    Preferred,
    Extensible,
    Required,
}

impl BindingStrength {
    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "required" => Self::Required,
            "extensible" => Self::Extensible,
            "preferred" => Self::Preferred,
            "example" => Self::Example,
            _ => return None,
        })
    }
}

/// An allowed type of an element.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TypeRef {
    /// `Identifier`, `Reference`, `string`.
    pub code: String,
    /// Profiles the type must conform to.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub profiles: Vec<String>,
    /// For `Reference` and `canonical`: profiles of the target.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub target_profiles: Vec<String>,
}

impl StructureDefinition {
    /// Loads the StructureDefinitions of `text`: one, a Bundle of them, or an array. Other
    /// resource types in a Bundle are ignored (use [`super::Artifacts`] to count them).
    pub fn from_json(text: &str, name: &str) -> Result<Vec<StructureDefinition>, LoadError> {
        let mut out = Vec::new();
        for (i, r) in resources(text, name)?.into_iter().enumerate() {
            if str_of(&r, "resourceType") == Some("StructureDefinition") {
                out.push(Self::from_value(r, name, Some(i))?);
            }
        }
        Ok(out)
    }

    /// The element with this id (`Patient.identifier:mrn`), or else the unsliced element
    /// with this path.
    pub fn element(&self, id_or_path: &str) -> Option<&ElementConstraint> {
        self.elements
            .iter()
            .find(|e| e.id == id_or_path)
            .or_else(|| {
                self.elements
                    .iter()
                    .find(|e| e.slice.is_none() && e.path == id_or_path)
            })
    }

    /// A compact text view: a header line, then one [`ElementConstraint::summary`] line
    /// per element (only those the differential states when `stated_only`).
    pub fn summary(&self, stated_only: bool) -> String {
        let mut out = format!(
            "{} {} on {} ({}, {})\n",
            self.name,
            self.url,
            self.type_name,
            self.derivation.as_deref().unwrap_or("no derivation"),
            if self.from_snapshot {
                "snapshot"
            } else {
                "differential completed from base R4"
            }
        );
        for e in &self.elements {
            if stated_only && !e.in_differential {
                continue;
            }
            out.push_str("  ");
            out.push_str(&e.summary());
            out.push('\n');
        }
        out
    }

    /// Whether this is a profile (`derivation = constraint`) rather than a base type.
    pub fn is_profile(&self) -> bool {
        self.derivation.as_deref() == Some("constraint")
    }

    pub(crate) fn from_value(
        v: Value,
        name: &str,
        entry: Option<usize>,
    ) -> Result<StructureDefinition, LoadError> {
        let url = str_of(&v, "url")
            .ok_or_else(|| LoadError::new(name, entry, "StructureDefinition without url"))?
            .to_string();
        let type_name = str_of(&v, "type")
            .ok_or_else(|| LoadError::new(name, entry, "StructureDefinition without type"))?
            .to_string();
        let snapshot = v
            .get("snapshot")
            .map(|s| array_of(s, "element"))
            .unwrap_or(&[]);
        let differential = v
            .get("differential")
            .map(|s| array_of(s, "element"))
            .unwrap_or(&[]);
        let diff_ids: Vec<String> = differential
            .iter()
            .filter_map(|e| element_id(e, name, entry).ok())
            .collect();
        let from_snapshot = !snapshot.is_empty();
        let mut elements = Vec::new();
        if from_snapshot {
            for e in snapshot {
                let mut c = parse_element(e, name, entry)?;
                c.in_differential = diff_ids.is_empty() || diff_ids.contains(&c.id);
                elements.push(c);
            }
        } else {
            for e in differential {
                let mut c = parse_element(e, name, entry)?;
                c.in_differential = true;
                elements.push(c);
            }
            complete_from_base(&type_name, &mut elements);
        }
        Ok(StructureDefinition {
            url,
            name: str_of(&v, "name").unwrap_or_default().to_string(),
            type_name,
            base_definition: str_of(&v, "baseDefinition").map(str::to_string),
            derivation: str_of(&v, "derivation").map(str::to_string),
            from_snapshot,
            elements,
        })
    }
}

fn element_id(e: &Value, name: &str, entry: Option<usize>) -> Result<String, LoadError> {
    match (str_of(e, "id"), str_of(e, "path")) {
        (Some(id), _) => Ok(id.to_string()),
        (None, Some(path)) => Ok(match str_of(e, "sliceName") {
            Some(s) => format!("{path}:{s}"),
            None => path.to_string(),
        }),
        (None, None) => Err(LoadError::new(name, entry, "element without path")),
    }
}

/// The path of an element id: slices removed (`Patient.identifier:mrn.system` →
/// `Patient.identifier.system`; `Observation.value[x]:valueQuantity` →
/// `Observation.value[x]`), and the innermost slice name.
fn split_id(id: &str) -> (String, Option<String>) {
    let mut path = String::with_capacity(id.len());
    let mut slice = None;
    for (i, part) in id.split('.').enumerate() {
        if i > 0 {
            path.push('.');
        }
        match part.split_once(':') {
            Some((p, s)) => {
                path.push_str(p);
                slice = Some(s.to_string());
            }
            None => path.push_str(part),
        }
    }
    (path, slice)
}

fn parse_element(
    e: &Value,
    name: &str,
    entry: Option<usize>,
) -> Result<ElementConstraint, LoadError> {
    let id = element_id(e, name, entry)?;
    let (id_path, slice) = split_id(&id);
    let path = str_of(e, "path").map(str::to_string).unwrap_or(id_path);
    let min = match e.get("min") {
        None => None,
        Some(m) => Some(
            m.as_u64()
                .and_then(|m| u32::try_from(m).ok())
                .ok_or_else(|| {
                    LoadError::new(
                        name,
                        entry,
                        format!("element {id}: min is not a whole number"),
                    )
                })?,
        ),
    };
    let max = match str_of(e, "max") {
        Some("*") => Some(None),
        Some(m) => Some(Some(m.parse::<u32>().map_err(|_| {
            LoadError::new(
                name,
                entry,
                format!("element {id}: max is neither a number nor *"),
            )
        })?)),
        None => None,
    };
    let mut fixed = None;
    let mut pattern = None;
    if let Some(o) = e.as_object() {
        for (k, v) in o {
            if let Some(t) = k.strip_prefix("fixed") {
                fixed = Some((t.to_string(), v.clone()));
            } else if let Some(t) = k.strip_prefix("pattern") {
                pattern = Some((t.to_string(), v.clone()));
            }
        }
    }
    let binding = e.get("binding").and_then(|b| {
        Some(Binding {
            strength: BindingStrength::parse(str_of(b, "strength")?)?,
            value_set: str_of(b, "valueSet").map(str::to_string),
        })
    });
    let strings = |v: &Value, key: &str| -> Vec<String> {
        array_of(v, key)
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect()
    };
    let types = array_of(e, "type")
        .iter()
        .filter_map(|t| {
            Some(TypeRef {
                code: str_of(t, "code")?.to_string(),
                profiles: strings(t, "profile"),
                target_profiles: strings(t, "targetProfile"),
            })
        })
        .collect();
    Ok(ElementConstraint {
        // Unstated halves are filled from the base in `complete_from_base`.
        min_stated: min.is_some(),
        max_stated: max.is_some(),
        min: min.unwrap_or(0),
        max: max.unwrap_or(None),
        id,
        path,
        slice,
        must_support: e
            .get("mustSupport")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        max_length: e
            .get("maxLength")
            .and_then(Value::as_u64)
            .and_then(|n| u32::try_from(n).ok()),
        fixed,
        pattern,
        binding,
        types,
        in_differential: false,
    })
}

/// Completes a differential: each element gets the base R4 cardinality where the
/// profile states none (a stated min or max replaces only its own half), and the base
/// elements of the type the differential does not mention are added, so every element
/// of the type has an effective min/max.
fn complete_from_base(type_name: &str, elements: &mut Vec<ElementConstraint>) {
    for e in elements.iter_mut() {
        let Some(base) = base_element(&e.path) else {
            continue;
        };
        if !e.min_stated {
            e.min = base.min;
        }
        if !e.max_stated {
            e.max = base.max;
        }
        if e.types.is_empty() {
            e.types = base
                .types
                .iter()
                .map(|t| TypeRef {
                    code: (*t).to_string(),
                    profiles: Vec::new(),
                    target_profiles: Vec::new(),
                })
                .collect();
        }
    }
    let table = ira_parse::fhir::table::r4();
    let prefix = format!("{type_name}.");
    let mut added = Vec::new();
    for def in table.elements() {
        let Some(rest) = def.path.strip_prefix(&prefix) else {
            continue;
        };
        // Direct children of the type only; nested ones come with their parent's type.
        if rest.contains('.') || elements.iter().any(|e| e.path == def.path) {
            continue;
        }
        added.push(ElementConstraint {
            id: def.path.to_string(),
            path: def.path.to_string(),
            slice: None,
            min: def.min,
            max: def.max,
            min_stated: false,
            max_stated: false,
            must_support: false,
            max_length: None,
            fixed: None,
            pattern: None,
            binding: None,
            types: def
                .types
                .iter()
                .map(|t| TypeRef {
                    code: (*t).to_string(),
                    profiles: Vec::new(),
                    target_profiles: Vec::new(),
                })
                .collect(),
            in_differential: false,
        });
    }
    if !elements.iter().any(|e| e.path == type_name) {
        // The root element, as a snapshot has it.
        added.push(ElementConstraint {
            id: type_name.to_string(),
            path: type_name.to_string(),
            slice: None,
            min: 0,
            max: None,
            min_stated: false,
            max_stated: false,
            must_support: false,
            max_length: None,
            fixed: None,
            pattern: None,
            binding: None,
            types: Vec::new(),
            in_differential: false,
        });
    }
    if !added.is_empty() {
        // Keep a snapshot-like order: by the type's element order, stated ones in place.
        let order = |p: &str| {
            if !p.contains('.') {
                return 0; // the root element
            }
            let top = p.split('.').take(2).collect::<Vec<_>>().join(".");
            table
                .elements()
                .position(|d| d.path == top)
                .map_or(usize::MAX, |i| i + 1)
        };
        elements.extend(added);
        elements.sort_by_key(|e| order(&e.path));
    }
}
