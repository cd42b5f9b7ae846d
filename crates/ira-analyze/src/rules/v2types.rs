//! The v2 datatype of each field and component position, from ira's map, looked up by
//! path while walking a message (built once).

use std::collections::HashMap;
use std::sync::OnceLock;

use ira_parse::model::V2Path;

use crate::map::Map;

/// What the map says about one position.
#[derive(Debug)]
pub struct Position {
    /// The v2 datatype (`DTM`, `CX`).
    pub v2_type: String,
    /// The FHIR element the position feeds, when the map has one (`Patient.birthDate`).
    pub target: Option<String>,
}

type Key = ([u8; 3], u16, u16);

fn table() -> &'static HashMap<Key, Position> {
    static TABLE: OnceLock<HashMap<Key, Position>> = OnceLock::new();
    TABLE.get_or_init(|| build(Map::builtin()))
}

fn build(map: &Map) -> HashMap<Key, Position> {
    let mut out = HashMap::new();
    for seg in map.segments() {
        for row in seg.rows() {
            let Ok(id) = <[u8; 3]>::try_from(row.segment.as_bytes()) else {
                continue;
            };
            let field_key = (id, row.field, 0);
            if out.contains_key(&field_key) {
                continue;
            }
            let path = V2Path::field(id, row.field);
            out.insert(
                field_key,
                Position {
                    v2_type: row.v2_type.clone(),
                    target: first_target(map, &path),
                },
            );
            if let Some(dt) = map.datatype(&row.v2_type) {
                for c in dt.rows() {
                    let key = (id, row.field, c.component);
                    if out.contains_key(&key) {
                        continue;
                    }
                    let path = V2Path {
                        component: c.component,
                        ..path
                    };
                    out.insert(
                        key,
                        Position {
                            v2_type: c.v2_type.clone(),
                            target: first_target(map, &path),
                        },
                    );
                }
            }
        }
    }
    out
}

fn first_target(map: &Map, path: &V2Path) -> Option<String> {
    map.targets(path)
        .into_iter()
        .find(|t| t.assigned.is_none())
        .map(|t| t.path)
}

/// The datatype and target of the leaf at `path`. A field not split into components
/// (`component == 0`) is read as its first component when its type is composite
/// (a TS holds its DTM in component 1).
pub fn position(path: &V2Path) -> Option<&'static Position> {
    let t = table();
    let field = t.get(&(path.segment, path.field, 0))?;
    if path.component == 0 {
        return match t.get(&(path.segment, path.field, 1)) {
            Some(first) if is_composite(&field.v2_type) => Some(first),
            _ => Some(field),
        };
    }
    t.get(&(path.segment, path.field, path.component))
}

/// The datatype and target of the whole field of `path` (`PID-3`: CX →
/// `Patient.identifier`), whatever its component.
pub fn field(path: &V2Path) -> Option<&'static Position> {
    table().get(&(path.segment, path.field, 0))
}

fn is_composite(v2_type: &str) -> bool {
    !matches!(
        v2_type,
        "ST" | "NM" | "ID" | "IS" | "SI" | "DT" | "DTM" | "TM" | "TX" | "FT" | "GTS" | "SNM"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporal_positions_are_known() {
        let p = position(&V2Path::parse("PID-7").unwrap()).unwrap();
        assert!(matches!(p.v2_type.as_str(), "DTM" | "TS"), "{}", p.v2_type);
        assert_eq!(p.target.as_deref(), Some("Patient.birthDate"));
        let p = position(&V2Path::parse("MSH-7").unwrap()).unwrap();
        assert!(matches!(p.v2_type.as_str(), "DTM" | "TS"), "{}", p.v2_type);
        let p = position(&V2Path::parse("PID-3.4").unwrap()).unwrap();
        assert_eq!(p.v2_type, "HD");
        assert!(position(&V2Path::parse("ZZZ-1").unwrap()).is_none());
    }
}
