//! What each path holds: its datatype (for conformance checks) and whether it is a coded
//! field (whose values a profile may record). Resolved once per path and cached by the
//! builder.
//!
//! HL7 v2 types come from ira's map (field rows, then the datatype maps' component rows);
//! OBX-5 takes the type named in OBX-2 of the same OBX. FHIR types come from the R4
//! element table. A path whose type is unknown (Z-segments, fields the map does not
//! list, extensions of primitives) keeps shape statistics only: never coded values.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use ira_parse::fhir::table::r4;
use ira_parse::model::V2Path;

use super::shape::{self, FhirTime, Shape};
use crate::fasthash::StrSet;
use crate::map::Map;

/// The check applied to each value of a path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Check {
    None,
    /// HL7 v2 `DT` (dates only) or `DTM`.
    V2Date {
        date_only: bool,
    },
    /// HL7 v2 `NM` or `SI` (integer only).
    V2Number {
        integer_only: bool,
    },
    /// Membership of an HL7 table (the codes of a vocabulary map).
    Table(&'static StrSet),
    FhirDate(FhirTime),
    FhirNumber {
        integer_only: bool,
    },
}

/// How the values at one path are profiled.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Leaf {
    pub check: Check,
    /// The key of the datatype statistics (`DTM`, `ID:0001`); empty with `Check::None`.
    pub type_key: String,
    /// A coded field: its values may be recorded.
    pub coded: bool,
}

impl Leaf {
    pub fn unknown() -> Self {
        Leaf {
            check: Check::None,
            type_key: String::new(),
            coded: false,
        }
    }

    /// Classifies one value (not for `Check::Table`, which [`Leaf::in_table`] handles).
    pub fn shape(&self, value: &str) -> Option<Shape> {
        match self.check {
            Check::V2Date { date_only } => Some(shape::v2_datetime(value, date_only)),
            Check::V2Number { integer_only } => Some(shape::v2_number(value, integer_only)),
            Check::FhirDate(t) => Some(shape::fhir_datetime(value, t)),
            Check::FhirNumber { integer_only } => Some(shape::fhir_number(value, integer_only)),
            Check::None | Check::Table(_) => None,
        }
    }
}

/// v2 types whose values are not split further (`TS` is not: `TS.1` is a `DTM`).
const PRIMITIVE: &[&str] = &[
    "ST", "TX", "FT", "ID", "IS", "NM", "SI", "DT", "DTM", "TM", "GTS", "TN", "NUL", "varies",
];

/// v2 datatypes a sender may name in OBX-2 (HL7 table 0125), for typing OBX-5.
const OBX_VALUE_TYPES: &[&str] = &[
    "AD", "CE", "CF", "CK", "CN", "CNE", "CP", "CWE", "CX", "DR", "DT", "DTM", "ED", "FT", "ID",
    "IS", "MA", "MO", "NA", "NM", "PN", "RP", "SN", "ST", "TM", "TN", "TS", "TX", "XAD", "XCN",
    "XON", "XPN", "XTN",
];

/// Components of types the map has no datatype map for.
const FALLBACK: &[(&str, &[&str])] = &[("TS", &["DTM", "ID"]), ("VID", &["ID", "CWE", "CWE"])];

/// Coded-concept types: their components 1, 3, 4 and 6 are codes and coding systems.
const CONCEPT: &[&str] = &["CE", "CWE", "CNE", "CF"];

/// The OBX-2 value as a known type name (`&'static`), if it is one.
pub(crate) fn obx_value_type(v: &str) -> Option<&'static str> {
    let v = v.trim().as_bytes();
    // Names of two or three letters, compared in place (`==` on them is a `memcmp`
    // call per candidate; this runs for every OBX).
    OBX_VALUE_TYPES
        .iter()
        .copied()
        .find(|t| t.len() == v.len() && t.bytes().zip(v).all(|(a, &b)| a == b))
}

fn is_primitive(t: &str) -> bool {
    PRIMITIVE.contains(&t)
}

/// Type of component `n` of `ty`; a primitive's "component 1" is itself.
fn component_type(map: &'static Map, ty: &'static str, n: u16) -> Option<&'static str> {
    if is_primitive(ty) {
        return (n == 1).then_some(ty);
    }
    if let Some((_, comps)) = FALLBACK.iter().find(|(t, _)| *t == ty) {
        return comps.get(usize::from(n).checked_sub(1)?).copied();
    }
    map.datatypes_for(ty)
        .into_iter()
        .flat_map(|d| d.component(n))
        .map(|r| r.v2_type.as_str())
        .find(|t| !t.is_empty())
}

/// The vocabulary the map names for component `n` of `ty`, in any of its datatype maps.
fn component_vocab(map: &'static Map, ty: &str, n: u16) -> Option<&'static str> {
    map.datatypes_for(ty)
        .into_iter()
        .flat_map(|d| d.component(n))
        .find_map(|r| r.rule.vocabulary.as_deref())
}

/// Vocabulary map name → (its v2 table number, its v2 codes).
type TableCodes = BTreeMap<&'static str, (Option<&'static str>, StrSet)>;

/// The codes of every vocabulary map that lists v2 codes, by map name.
fn table_codes() -> &'static TableCodes {
    static CODES: OnceLock<TableCodes> = OnceLock::new();
    CODES.get_or_init(|| {
        let mut out = BTreeMap::new();
        for v in Map::builtin().vocabularies() {
            if v.is_target_only() {
                continue;
            }
            let codes: StrSet = v
                .concepts
                .iter()
                .filter_map(|c| c.v2_code.as_deref())
                .collect();
            out.insert(v.name.as_str(), (v.table.as_deref(), codes));
        }
        out
    })
}

/// Resolves an HL7 v2 schema path (`PID-3.4`) to how its values are profiled.
/// `obx_type` is the type OBX-2 names for an OBX-5 value.
pub(crate) fn v2_leaf(map: &'static Map, path: &V2Path, obx_type: Option<&'static str>) -> Leaf {
    let seg = path.segment_str();
    if seg == "MSH" && path.field <= 2 {
        return Leaf::unknown(); // the delimiters themselves
    }
    let rows = map.field(seg, path.field);
    let Some(mut field_ty) = rows.first().map(|r| r.v2_type.as_str()) else {
        return Leaf::unknown();
    };
    if field_ty == "varies" {
        match obx_type {
            Some(t) if seg == "OBX" && path.field == 5 => field_ty = t,
            _ => return Leaf::unknown(),
        }
    }
    let field_vocab = rows.iter().find_map(|r| r.rule.vocabulary.as_deref());
    // (the composite holding the leaf, the leaf's index in it, the leaf's type, vocabulary)
    let descend = |ty: &'static str,
                   field_level: bool|
     -> Option<(
        Option<&'static str>,
        u16,
        &'static str,
        Option<&'static str>,
    )> {
        if is_primitive(ty) {
            return Some((None, 0, ty, if field_level { field_vocab } else { None }));
        }
        let ct = component_type(map, ty, 1)?;
        if is_primitive(ct) {
            // A concept field's vocabulary is that of its code (component 1).
            let vocab = if field_level && CONCEPT.contains(&ty) {
                field_vocab.or_else(|| component_vocab(map, ty, 1))
            } else {
                component_vocab(map, ty, 1)
            };
            Some((Some(ty), 1, ct, vocab))
        } else {
            Some((
                Some(ct),
                1,
                component_type(map, ct, 1)?,
                component_vocab(map, ct, 1),
            ))
        }
    };
    let resolved = if path.component == 0 {
        descend(field_ty, true)
    } else if is_primitive(field_ty) {
        (path.component == 1 && path.subcomponent <= 1).then_some((None, 0, field_ty, field_vocab))
    } else {
        component_type(map, field_ty, path.component).and_then(|ct| {
            if path.subcomponent == 0 {
                if is_primitive(ct) {
                    let vocab = if path.component == 1 && CONCEPT.contains(&field_ty) {
                        field_vocab.or_else(|| component_vocab(map, field_ty, 1))
                    } else {
                        component_vocab(map, field_ty, path.component)
                    };
                    Some((Some(field_ty), path.component, ct, vocab))
                } else {
                    descend(ct, false)
                }
            } else {
                let st = component_type(map, ct, path.subcomponent)?;
                let parent = if is_primitive(ct) { None } else { Some(ct) };
                Some((
                    parent,
                    path.subcomponent,
                    st,
                    component_vocab(map, ct, path.subcomponent),
                ))
            }
        })
    };
    let Some((parent, index, leaf_ty, vocab)) = resolved else {
        return Leaf::unknown();
    };
    let concept_code =
        parent.is_some_and(|p| CONCEPT.contains(&p)) && matches!(index, 1 | 3 | 4 | 6);
    let coded = matches!(leaf_ty, "ID" | "IS") || concept_code || parent == Some("HD");
    let table = if matches!(leaf_ty, "ID" | "IS") || (concept_code && index == 1) {
        vocab.and_then(|v| table_codes().get(v).map(|(t, codes)| (v, *t, codes)))
    } else {
        None
    };
    let (check, type_key) = match (table, leaf_ty) {
        (Some((name, t, codes)), _) => {
            let base = if concept_code {
                parent.unwrap_or(leaf_ty)
            } else {
                leaf_ty
            };
            (Check::Table(codes), format!("{base}:{}", t.unwrap_or(name)))
        }
        (None, "DT") => (Check::V2Date { date_only: true }, "DT".to_owned()),
        (None, "DTM") => (Check::V2Date { date_only: false }, "DTM".to_owned()),
        (None, "NM") => (
            Check::V2Number {
                integer_only: false,
            },
            "NM".to_owned(),
        ),
        (None, "SI") => (Check::V2Number { integer_only: true }, "SI".to_owned()),
        _ => (Check::None, String::new()),
    };
    Leaf {
        check,
        type_key,
        coded,
    }
}

/// Types whose `unit`, `code` and `system` are codes.
const QUANTITY: &[&str] = &[
    "Quantity",
    "SimpleQuantity",
    "MoneyQuantity",
    "Age",
    "Count",
    "Distance",
    "Duration",
];

/// Resolves a FHIR path without indexes (`Patient.identifier.system`).
pub(crate) fn fhir_leaf(path: &str) -> Leaf {
    let t = r4();
    let mut parts = path.split('.');
    let Some(mut base) = parts.next() else {
        return Leaf::unknown();
    };
    let mut parent_ty = base;
    let mut leaf: Option<(&str, &str, &str)> = None;
    let mut parts = parts.peekable();
    while let Some(name) = parts.next() {
        let Some((child, _, next_base)) = t.child_with_shape(base, name) else {
            return Leaf::unknown();
        };
        let Some(ty) = child.ty() else {
            return Leaf::unknown();
        };
        if parts.peek().is_none() {
            leaf = Some((parent_ty, name, ty));
            break;
        }
        let Some(nb) = next_base else {
            return Leaf::unknown();
        };
        parent_ty = ty;
        base = nb;
    }
    let Some((parent, name, ty)) = leaf else {
        return Leaf::unknown();
    };
    let coded = matches!(ty, "code" | "boolean")
        || (parent == "Coding" && matches!(name, "code" | "system"))
        || (parent == "Identifier" && name == "system")
        || (QUANTITY.contains(&parent) && matches!(name, "unit" | "code" | "system"));
    let check = match ty {
        "date" => Check::FhirDate(FhirTime::Date),
        "dateTime" => Check::FhirDate(FhirTime::DateTime),
        "instant" => Check::FhirDate(FhirTime::Instant),
        "decimal" => Check::FhirNumber {
            integer_only: false,
        },
        "integer" | "positiveInt" | "unsignedInt" => Check::FhirNumber { integer_only: true },
        _ => Check::None,
    };
    Leaf {
        check,
        type_key: if check == Check::None {
            String::new()
        } else {
            ty.to_owned()
        },
        coded,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn obx_value_types_are_found_by_name_only() {
        for t in OBX_VALUE_TYPES {
            assert_eq!(obx_value_type(t), Some(*t));
            assert_eq!(obx_value_type(&format!(" {t} ")), Some(*t));
            assert_eq!(obx_value_type(&format!("{t}X")), None);
            let prefix = &t[..t.len() - 1];
            if !OBX_VALUE_TYPES.contains(&prefix) {
                assert_eq!(obx_value_type(prefix), None);
            }
        }
        assert_eq!(obx_value_type(""), None);
        assert_eq!(obx_value_type("nm"), None);
    }

    fn v2(p: &str) -> Leaf {
        v2_leaf(Map::builtin(), &V2Path::parse(p).unwrap(), None)
    }

    #[test]
    fn v2_identifiers_names_dates_and_text_are_not_coded() {
        for p in [
            "PID-3", "PID-3.1", "PID-5", "PID-5.1", "PID-5.2", "PID-7", "PID-11.1", "NTE-3",
            "MSH-10",
        ] {
            assert!(!v2(p).coded, "{p}");
        }
        assert_eq!(v2("PID-7").check, Check::V2Date { date_only: false });
        assert_eq!(v2("PID-7").type_key, "DTM");
        let tx = v2_leaf(Map::builtin(), &V2Path::parse("OBX-5").unwrap(), Some("TX"));
        assert!(!tx.coded);
        assert_eq!(v2("OBX-5"), Leaf::unknown(), "untyped OBX-5: shape only");
        assert_eq!(v2("ZPI-1"), Leaf::unknown());
    }

    #[test]
    fn v2_codes_and_authorities_are_coded() {
        for p in [
            "PID-3.4",
            "PID-3.4.1",
            "PID-3.5",
            "PID-8",
            "PID-8.1",
            "MSH-9.1",
            "MSH-9.3",
            "MSH-4",
            "OBX-3.1",
            "OBX-3.3",
            "OBX-2",
            "OBX-11",
            "MSH-12",
        ] {
            assert!(v2(p).coded, "{p}");
        }
        assert!(!v2("OBX-3.2").coded, "the text of a CWE is not a code");
        let cwe = v2_leaf(
            Map::builtin(),
            &V2Path::parse("OBX-5.1").unwrap(),
            Some("CWE"),
        );
        assert!(cwe.coded);
        let nm = v2_leaf(Map::builtin(), &V2Path::parse("OBX-5").unwrap(), Some("NM"));
        assert_eq!(
            nm.check,
            Check::V2Number {
                integer_only: false
            }
        );
    }

    #[test]
    fn v2_tables_where_the_map_has_a_vocabulary() {
        let sex = v2("PID-8");
        assert!(
            matches!(sex.check, Check::Table(c) if c.contains_utf8(b"F") && !c.contains_utf8(b"Q"))
        );
        assert_eq!(sex.type_key, "CWE:0001");
        let idt = v2("PID-3.5");
        assert!(
            matches!(idt.check, Check::Table(c) if c.contains_utf8(b"MR")),
            "{idt:?}"
        );
    }

    #[test]
    fn fhir_types_and_codes() {
        let bd = fhir_leaf("Patient.birthDate");
        assert_eq!(
            (bd.check, bd.coded),
            (Check::FhirDate(FhirTime::Date), false)
        );
        for p in [
            "Patient.name.family",
            "Patient.identifier.value",
            "Patient.name.given",
            "Observation.valueString",
        ] {
            assert!(!fhir_leaf(p).coded, "{p}");
        }
        for p in [
            "Patient.gender",
            "Patient.identifier.system",
            "Patient.identifier.type.coding.code",
            "Observation.code.coding.system",
            "Observation.valueQuantity.unit",
            "Observation.valueQuantity.code",
            "Patient.active",
        ] {
            assert!(fhir_leaf(p).coded, "{p}");
        }
        let v = fhir_leaf("Observation.valueQuantity.value");
        assert_eq!(
            (v.check, v.type_key.as_str()),
            (
                Check::FhirNumber {
                    integer_only: false
                },
                "decimal"
            )
        );
        assert_eq!(
            fhir_leaf("Observation.effectiveDateTime").type_key,
            "dateTime"
        );
        assert_eq!(fhir_leaf("Patient.nosuch"), Leaf::unknown());
    }
}
