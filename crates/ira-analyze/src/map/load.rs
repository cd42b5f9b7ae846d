//! Reading the embedded TSV data (format: `docs/mapping.md`).

use super::MapError;
use super::condition::Condition;
use super::model::{
    Card, ComponentMapping, Concept, ConceptMapping, FhirElement, FieldMapping, Max,
    MessageSegment, Origin, Rule,
};

pub(crate) const SEGMENTS: &str = include_str!("../../data/v2-fhir/segments.tsv");
pub(crate) const DATATYPES: &str = include_str!("../../data/v2-fhir/datatypes.tsv");
pub(crate) const VOCABULARY: &str = include_str!("../../data/v2-fhir/vocabulary.tsv");
pub(crate) const MESSAGES: &str = include_str!("../../data/v2-fhir/messages.tsv");

const SEGMENT_COLUMNS: [&str; 20] = [
    "map",
    "resource",
    "segment",
    "field",
    "name",
    "v2_type",
    "v2_min",
    "v2_max",
    "condition",
    "narrative",
    "fhir_path",
    "via",
    "fhir_type",
    "fhir_min",
    "fhir_max",
    "datatype_map",
    "vocabulary",
    "assigned",
    "derived",
    "proposed",
];
const DATATYPE_COLUMNS: [&str; 20] = [
    "map",
    "v2_type",
    "fhir_type",
    "component",
    "name",
    "component_type",
    "v2_min",
    "v2_max",
    "condition",
    "narrative",
    "fhir_path",
    "via",
    "fhir_type_target",
    "fhir_min",
    "fhir_max",
    "datatype_map",
    "vocabulary",
    "assigned",
    "derived",
    "proposed",
];
const VOCAB_COLUMNS: [&str; 8] = [
    "map",
    "table",
    "v2_code",
    "v2_display",
    "condition",
    "fhir_system",
    "fhir_code",
    "fhir_display",
];

const MESSAGE_COLUMNS: [&str; 9] = [
    "message",
    "position",
    "segment",
    "v2_min",
    "v2_max",
    "condition",
    "narrative",
    "resource",
    "segment_map",
];

/// A datatype map's identity, as its rows state it (borrowed from the text: only the
/// first row of a map needs them as owned strings).
#[derive(Debug)]
pub(crate) struct DatatypeRow<'a> {
    pub v2_type: &'a str,
    pub fhir_type: &'a str,
    pub row: ComponentMapping,
}

/// A vocabulary row with the map it belongs to (borrowed, as for [`DatatypeRow`]).
#[derive(Debug)]
pub(crate) struct VocabRow<'a> {
    pub map: &'a str,
    /// Empty when the row names no table.
    pub table: &'a str,
    pub row: ConceptMapping,
}

/// Splits a TSV file into data rows, checking the header, and hands each row (1-based
/// line number, cells) to `each` as it is read: the rows are not collected, the
/// caller keeps what it builds from them.
fn rows<'a, const N: usize>(
    file: &'static str,
    text: &'a str,
    columns: &[&str; N],
    mut each: impl FnMut(usize, [&'a str; N]) -> Result<(), MapError>,
) -> Result<(), MapError> {
    let mut header_seen = false;
    for (i, line) in text.lines().enumerate() {
        let line_no = i + 1;
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        // Split into an array in place (no vector per line): the data has ~9,000 lines.
        let mut cells = [""; N];
        let mut count = 0;
        for cell in line.split('\t') {
            if let Some(slot) = cells.get_mut(count) {
                *slot = cell;
            }
            count += 1;
        }
        if !header_seen {
            if count != N || &cells != columns {
                return Err(MapError::Data {
                    file,
                    line: line_no,
                    reason: "header does not list the expected columns".into(),
                });
            }
            header_seen = true;
            continue;
        }
        if count != N {
            return Err(MapError::Data {
                file,
                line: line_no,
                reason: format!("{count} cells, expected {N}"),
            });
        }
        each(line_no, cells)?;
    }
    if !header_seen {
        return Err(MapError::Data {
            file,
            line: 0,
            reason: "no header line".into(),
        });
    }
    Ok(())
}

fn opt(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_string())
}

fn card(file: &'static str, line: usize, min: &str, max: &str) -> Result<Option<Card>, MapError> {
    if min.is_empty() || max.is_empty() {
        return Ok(None);
    }
    let bad = || MapError::Data {
        file,
        line,
        reason: "cardinality is not a number or `*`".into(),
    };
    let min = min.parse().map_err(|_| bad())?;
    let max = if max == "*" {
        Max::Unbounded
    } else {
        Max::Bounded(max.parse().map_err(|_| bad())?)
    };
    Ok(Some(Card { min, max }))
}

/// `condition` (computable text) and `narrative` into the parsed condition.
pub(crate) fn condition(text: Option<&str>, narrative: Option<&str>) -> Option<Condition> {
    match (text, narrative) {
        (Some(t), _) => Some(Condition::parse(t)),
        (None, Some(n)) => Some(Condition::Other(n.to_string())),
        (None, None) => None,
    }
}

#[allow(clippy::too_many_arguments)]
fn rule(
    file: &'static str,
    line: usize,
    cond: &str,
    narrative: &str,
    path: &str,
    via: &str,
    fhir_type: &str,
    fhir_card: (&str, &str),
    maps: (&str, &str),
    assigned: (&str, &str),
    proposed: &str,
) -> Result<Rule, MapError> {
    let target = if path.is_empty() {
        None
    } else {
        Some(FhirElement {
            path: path.to_string(),
            via: if via.is_empty() {
                Vec::new()
            } else {
                via.split(" > ").map(str::to_string).collect()
            },
            fhir_type: opt(fhir_type),
            card: card(file, line, fhir_card.0, fhir_card.1)?,
        })
    };
    Ok(Rule {
        condition: condition(opt(cond).as_deref(), opt(narrative).as_deref()),
        condition_text: opt(cond),
        narrative: opt(narrative),
        target,
        datatype_map: opt(maps.0),
        vocabulary: opt(maps.1),
        assigned: opt(assigned.0),
        derived: opt(assigned.1),
        proposed: opt(proposed),
        origin: Origin::Guide,
    })
}

fn number(file: &'static str, line: usize, s: &str) -> Result<u16, MapError> {
    s.parse()
        .ok()
        .filter(|&n| n >= 1)
        .ok_or_else(|| MapError::Data {
            file,
            line,
            reason: "field or component number is not a positive number".into(),
        })
}

/// Reads `segments.tsv`, handing each row to `sink`.
pub(crate) fn segments(text: &str, mut sink: impl FnMut(FieldMapping)) -> Result<(), MapError> {
    const F: &str = "segments.tsv";
    rows(F, text, &SEGMENT_COLUMNS, |line, c| {
        let [
            map,
            resource,
            segment,
            field,
            name,
            v2_type,
            v2_min,
            v2_max,
            cond,
            narrative,
            path,
            via,
            fhir_type,
            fhir_min,
            fhir_max,
            dt,
            vocab,
            assigned,
            derived,
            proposed,
        ] = c;
        if segment.len() != 3 || !map.starts_with(segment) || resource.is_empty() {
            return Err(MapError::Data {
                file: F,
                line,
                reason: "segment, map and resource do not agree".into(),
            });
        }
        sink(FieldMapping {
            map: map.to_string(),
            resource: resource.to_string(),
            segment: segment.to_string(),
            field: number(F, line, field)?,
            name: name.to_string(),
            v2_type: v2_type.to_string(),
            v2_card: card(F, line, v2_min, v2_max)?,
            rule: rule(
                F,
                line,
                cond,
                narrative,
                path,
                via,
                fhir_type,
                (fhir_min, fhir_max),
                (dt, vocab),
                (assigned, derived),
                proposed,
            )?,
        });
        Ok(())
    })
}

/// Reads `datatypes.tsv`, handing each row to `sink`.
pub(crate) fn datatypes<'a>(
    text: &'a str,
    mut sink: impl FnMut(DatatypeRow<'a>),
) -> Result<(), MapError> {
    const F: &str = "datatypes.tsv";
    rows(F, text, &DATATYPE_COLUMNS, |line, c| {
        let [
            map,
            v2_type,
            fhir_type,
            component,
            name,
            component_type,
            v2_min,
            v2_max,
            cond,
            narrative,
            path,
            via,
            target_type,
            fhir_min,
            fhir_max,
            dt,
            vocab,
            assigned,
            derived,
            proposed,
        ] = c;
        if !map.starts_with(v2_type) || fhir_type.is_empty() {
            return Err(MapError::Data {
                file: F,
                line,
                reason: "map, v2 type and FHIR type do not agree".into(),
            });
        }
        sink(DatatypeRow {
            v2_type,
            fhir_type,
            row: ComponentMapping {
                map: map.to_string(),
                component: number(F, line, component)?,
                name: name.to_string(),
                v2_type: component_type.to_string(),
                v2_card: card(F, line, v2_min, v2_max)?,
                rule: rule(
                    F,
                    line,
                    cond,
                    narrative,
                    path,
                    via,
                    target_type,
                    (fhir_min, fhir_max),
                    (dt, vocab),
                    (assigned, derived),
                    proposed,
                )?,
            },
        });
        Ok(())
    })
}

/// Reads `vocabulary.tsv`, handing each row to `sink`.
pub(crate) fn vocabulary<'a>(
    text: &'a str,
    mut sink: impl FnMut(VocabRow<'a>),
) -> Result<(), MapError> {
    const F: &str = "vocabulary.tsv";
    rows(F, text, &VOCAB_COLUMNS, |line, c| {
        let [map, table, v2_code, v2_display, cond, system, code, display] = c;
        if map.is_empty() || (v2_code.is_empty() && code.is_empty()) {
            return Err(MapError::Data {
                file: F,
                line,
                reason: "row without map or without any code".into(),
            });
        }
        let target = if code.is_empty() {
            None
        } else {
            Some(Concept {
                system: system.to_string(),
                code: code.to_string(),
                display: opt(display),
            })
        };
        sink(VocabRow {
            map,
            table,
            row: ConceptMapping {
                v2_code: opt(v2_code),
                v2_display: opt(v2_display),
                condition: condition(opt(cond).as_deref(), None),
                target,
                origin: Origin::Guide,
            },
        });
        Ok(())
    })
}

/// Rows of `messages.tsv`, with their message structure.
pub(crate) fn messages(text: &str) -> Result<Vec<(String, MessageSegment)>, MapError> {
    const F: &str = "messages.tsv";
    let mut out = Vec::new();
    rows(F, text, &MESSAGE_COLUMNS, |line, c| {
        let [
            message,
            position,
            segment,
            v2_min,
            v2_max,
            cond,
            narrative,
            resource,
            segment_map,
        ] = c;
        if message.is_empty() || segment.len() != 3 {
            return Err(MapError::Data {
                file: F,
                line,
                reason: "row without message structure or segment id".into(),
            });
        }
        out.push((
            message.to_string(),
            MessageSegment {
                position: position.to_string(),
                segment: segment.to_string(),
                v2_card: card(F, line, v2_min, v2_max)?,
                condition: condition(opt(cond).as_deref(), opt(narrative).as_deref()),
                condition_text: opt(cond),
                narrative: opt(narrative),
                resource: opt(resource),
                segment_map: opt(segment_map),
            },
        ));
        Ok(())
    })?;
    Ok(out)
}
