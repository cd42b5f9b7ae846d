//! A project's additions to the map: rows for its Z-segments (or extra rows for
//! standard fields), and local code maps. Filled from the project's spec (`ira.toml`).

use std::sync::Arc;

use ira_parse::model::V2Path;

use super::model::{Concept, ConceptMapping, FhirElement, FieldMapping, Origin, Rule};
use super::{Map, MapError, SegmentMap, VocabularyMap};

/// Everything a project adds to or replaces in the built-in map.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MapOverrides {
    /// Extra field rows (`ZPI-1 → Patient.extension`).
    pub fields: Vec<FieldOverride>,
    /// Extra or replacement vocabulary maps.
    pub vocabularies: Vec<VocabularyOverride>,
}

/// One field row: `SEG-n` → a FHIR element of a resource.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FieldOverride {
    /// `SEG-n` (`ZPI-1`): no occurrence, repetition or component.
    pub field: String,
    /// `Resource.element…` without indexes (`Patient.extension.valueString`). The first
    /// part is the resource the row builds.
    pub fhir_path: String,
    /// FHIR datatype of the element (`string`, `CodeableConcept`).
    pub fhir_type: Option<String>,
    /// The field's v2 datatype (`CWE`).
    pub v2_type: Option<String>,
    /// A name for the field (reports show it).
    pub name: Option<String>,
    /// Datatype map to follow for components (`CWE[CodeableConcept]`, or just `CWE`).
    pub datatype_map: Option<String>,
    /// Vocabulary map for the value (a guide map or one added by these overrides).
    pub vocabulary: Option<String>,
    /// A fixed value assigned to the element (an extension url).
    pub assigned: Option<String>,
    /// Drop the rows the map already has for this field first.
    pub replace: bool,
}

/// A vocabulary map to add, or to extend or replace (by name or v2 table).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VocabularyOverride {
    /// Map name (`AdministrativeSex`) or table (`0001`); a new name adds a map.
    pub map: String,
    /// The v2 table of a new map (`0001`), if any.
    pub table: Option<String>,
    /// Local code → FHIR concept.
    pub concepts: Vec<ConceptOverride>,
    /// Drop the map's existing rows first; otherwise these rows come first and win
    /// lookups.
    pub replace: bool,
}

/// A local code and its FHIR concept.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConceptOverride {
    pub v2_code: String,
    pub system: String,
    pub code: String,
    pub display: Option<String>,
}

/// A FHIR path as overrides accept it: `Resource(.element)*`, identifier characters,
/// no indexes. Returns the resource.
fn resource_of(path: &str) -> Option<&str> {
    let mut parts = path.split('.');
    let resource = parts.next()?;
    let ident =
        |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    let upper = resource
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_uppercase());
    (upper && ident(resource) && parts.all(ident)).then_some(resource)
}

pub(crate) fn apply(map: &mut Map, o: &MapOverrides) -> Result<(), MapError> {
    // Check everything first so a failed extend leaves the map as it was.
    let mut rows = Vec::with_capacity(o.fields.len());
    let added: Vec<&str> = o.vocabularies.iter().map(|v| v.map.as_str()).collect();
    for f in &o.fields {
        let p = V2Path::parse(&f.field)
            .filter(|p| {
                p.field > 0
                    && p.occurrence == 1
                    && p.repetition == 1
                    && p.component == 0
                    && p.to_string() == f.field
            })
            .ok_or_else(|| MapError::BadField(f.field.clone()))?;
        let resource =
            resource_of(&f.fhir_path).ok_or_else(|| MapError::BadFhirPath(f.fhir_path.clone()))?;
        let datatype_map = match &f.datatype_map {
            Some(d) => Some(
                map.datatype(d)
                    .map(|d| d.name.clone())
                    .ok_or_else(|| MapError::UnknownDatatypeMap(d.clone()))?,
            ),
            None => None,
        };
        if let Some(v) = &f.vocabulary
            && map.vocabulary(v).is_none()
            && !added.contains(&v.as_str())
        {
            return Err(MapError::UnknownVocabulary(v.clone()));
        }
        let segment = p.segment_str().to_string();
        rows.push(FieldMapping {
            map: format!("{segment}[{resource}]"),
            resource: resource.to_string(),
            segment,
            field: p.field,
            name: f.name.clone().unwrap_or_default(),
            v2_type: f.v2_type.clone().unwrap_or_default(),
            v2_card: None,
            rule: Rule {
                condition: None,
                condition_text: None,
                narrative: None,
                target: Some(FhirElement {
                    path: f.fhir_path.clone(),
                    via: Vec::new(),
                    fhir_type: f.fhir_type.clone(),
                    card: None,
                }),
                datatype_map,
                vocabulary: f.vocabulary.clone(),
                assigned: f.assigned.clone(),
                derived: None,
                proposed: None,
                origin: Origin::Project,
            },
        });
    }
    for v in &o.vocabularies {
        if v.map.trim().is_empty()
            || v.concepts
                .iter()
                .any(|c| c.v2_code.is_empty() || c.code.is_empty() || c.system.is_empty())
        {
            return Err(MapError::EmptyConcept(v.map.clone()));
        }
    }

    // Apply. A part still shared with another map (the built-in one) is copied first.
    for (f, row) in o.fields.iter().zip(rows) {
        let seg = map.segments.entry(row.segment.clone()).or_insert_with(|| {
            Arc::new(SegmentMap {
                id: row.segment.clone(),
                maps: Vec::new(),
                rows: Vec::new(),
            })
        });
        let seg = Arc::make_mut(seg);
        if f.replace {
            seg.rows.retain(|r| r.field != row.field);
        }
        seg.rows.push(row);
        seg.sort();
    }
    for v in &o.vocabularies {
        let name = map
            .vocabulary(&v.map)
            .map(|m| m.name.clone())
            .unwrap_or_else(|| v.map.clone());
        let entry = map.vocabularies.entry(name.clone()).or_insert_with(|| {
            Arc::new(VocabularyMap {
                name,
                table: v.table.clone(),
                concepts: Vec::new(),
            })
        });
        let entry = Arc::make_mut(entry);
        if v.replace {
            entry.concepts.clear();
        }
        let new = v.concepts.iter().map(|c| ConceptMapping {
            v2_code: Some(c.v2_code.clone()),
            v2_display: None,
            condition: None,
            target: Some(Concept {
                system: c.system.clone(),
                code: c.code.clone(),
                display: c.display.clone(),
            }),
            origin: Origin::Project,
        });
        // Project rows first: they win lookups over the guide's.
        let old = std::mem::take(&mut entry.concepts);
        entry.concepts = new.chain(old).collect();
    }
    map.compute_defaults();
    Ok(())
}
