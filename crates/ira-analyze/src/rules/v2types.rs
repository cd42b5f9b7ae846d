//! The v2 datatype, FHIR target and vocabulary of each field and component position,
//! from the map in force (with a project's overrides), looked up by path while walking
//! messages. Built once per map.

use std::collections::HashSet;
use std::sync::{Arc, OnceLock};

use ira_parse::hl7::Message;
use ira_parse::model::{ElementPath, Item, V2Path};

use crate::fasthash::{FastMap, StrMap};
use crate::map::{Condition, Map, V2Ref};

/// What the map says about one position.
#[derive(Debug)]
pub struct Position {
    /// The v2 datatype (`DTM`, `CX`).
    pub v2_type: String,
    /// The FHIR element the position feeds, when the map has one (`Patient.birthDate`).
    pub target: Option<String>,
    /// The vocabulary map that translates its codes (`AdministrativeSex`), if any.
    pub vocabulary: Option<String>,
    /// `DT`, `DTM` or `TM` for a date/time position (a TS counts as its DTM), worked
    /// out once so walks compare no strings.
    pub temporal: Option<&'static str>,
    /// A condition of the map reads this position's field (see
    /// [`Positions::decides_mapping`]), worked out once.
    pub decides: bool,
    /// The codes of `vocabulary`, indexed once (`None`: no vocabulary, or one the map
    /// does not have).
    pub codes: Option<Arc<CodeIndex>>,
}

/// A vocabulary map's codes, for lookups per value without scanning its rows.
#[derive(Debug)]
pub struct CodeIndex {
    /// The vocabulary map's name.
    pub name: String,
    /// [`crate::map::VocabularyMap::is_target_only`].
    pub target_only: bool,
    /// v2 code → whether it has a FHIR equivalent (`entry` is some; `lookup` is some).
    codes: StrMap<bool>,
}

impl CodeIndex {
    /// `None`: not a code of the map; `Some(false)`: known, with no FHIR equivalent.
    pub fn get(&self, code: &str) -> Option<bool> {
        self.codes.get(code).copied()
    }

    fn of(v: &crate::map::VocabularyMap) -> Self {
        let mut codes: StrMap<bool> = StrMap::default();
        for c in &v.concepts {
            if let Some(code) = &c.v2_code {
                let e = codes.entry_or_insert_with(code, || false);
                *e |= c.target.is_some();
            }
        }
        Self {
            name: v.name.clone(),
            target_only: v.is_target_only(),
            codes,
        }
    }
}

/// Segment id, field and component packed in one word: one multiply to hash, no
/// memcmp to compare.
type Key = u64;

fn key(segment: [u8; 3], field: u16, component: u16) -> Key {
    (u64::from(segment[0]) << 56)
        | (u64::from(segment[1]) << 48)
        | (u64::from(segment[2]) << 40)
        | (u64::from(field) << 16)
        | u64::from(component)
}

/// The map's facts per v2 position. A segment's positions are resolved through the
/// map at the first lookup in that segment, not all at once: resolving every position
/// of the map took a third of a small analysis, and a feed uses a few dozen of the
/// map's segments (a FHIR-only run none).
pub struct Positions<'m> {
    map: &'m Map,
    /// Segments the map knows, each with its positions once resolved.
    segments: FastMap<[u8; 3], OnceLock<SegmentPositions>>,
    /// Fields the map reads in its conditions (OBX-2 decides how OBX-5 maps).
    decides: FastMap<([u8; 3], u16), ()>,
    /// Vocabulary indexes, shared by the positions of every segment.
    codes: std::sync::Mutex<std::collections::HashMap<String, Option<Arc<CodeIndex>>>>,
}

/// The positions of one segment.
#[derive(Debug, Default)]
struct SegmentPositions {
    table: FastMap<Key, Position>,
    /// The CX (identifier) fields, in field order.
    cx_fields: Vec<u16>,
}

impl std::fmt::Debug for Positions<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let resolved = self.segments.values().filter(|s| s.get().is_some()).count();
        f.debug_struct("Positions")
            .field("segments", &self.segments.len())
            .field("resolved", &resolved)
            .finish()
    }
}

impl<'m> Positions<'m> {
    /// The positions of `map`, resolved segment by segment as they are looked up.
    pub fn build(map: &'m Map) -> Self {
        let mut decides = HashSet::new();
        for seg in map.segments() {
            for row in seg.rows() {
                if let Some(c) = &row.rule.condition {
                    collect(c, &mut decides);
                }
            }
        }
        let segments = map
            .segments()
            .filter_map(|s| <[u8; 3]>::try_from(s.id.as_bytes()).ok())
            .map(|id| (id, OnceLock::new()))
            .collect();
        Self {
            map,
            segments,
            decides: decides.into_iter().map(|k| (k, ())).collect(),
            codes: Default::default(),
        }
    }

    /// The positions of `segment` (resolved now if this is the first lookup), `None` if
    /// the map has no segment map for it.
    fn segment(&self, segment: [u8; 3]) -> Option<&SegmentPositions> {
        let cell = self.segments.get(&segment)?;
        Some(cell.get_or_init(|| self.resolve(segment)))
    }

    /// Resolves the positions of `segment`: as [`build`] does for the whole map.
    fn resolve(&self, segment: [u8; 3]) -> SegmentPositions {
        // A poisoned lock only means another thread panicked while resolving; the
        // cache holds complete entries only.
        let mut codes = self
            .codes
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut table = build_where(self.map, &mut codes, |id| id == segment);
        let mut cx_fields = Vec::new();
        for (k, pos) in table.iter_mut() {
            let field = (k >> 16) as u16;
            pos.decides = self.decides.contains_key(&(segment, field));
            if k & 0xFFFF == 0 && pos.v2_type == "CX" {
                cx_fields.push(field);
            }
        }
        cx_fields.sort_unstable();
        SegmentPositions { table, cx_fields }
    }

    /// The fields of `segment` whose datatype is CX (an identifier), in field order:
    /// one lookup per segment instead of one per field.
    pub fn cx_fields(&self, segment: [u8; 3]) -> &[u16] {
        self.segment(segment)
            .map_or(&[], |s| s.cx_fields.as_slice())
    }

    /// The datatype and target of the leaf at `path`. A field not split into components
    /// (`component == 0`) is read as its first component when its type is composite
    /// (a TS holds its DTM in component 1).
    pub fn position(&self, path: &V2Path) -> Option<&Position> {
        let t = &self.segment(path.segment)?.table;
        let field = t.get(&key(path.segment, path.field, 0))?;
        if path.component == 0 {
            return match t.get(&key(path.segment, path.field, 1)) {
                Some(first) if is_composite(&field.v2_type) => Some(first),
                _ => Some(field),
            };
        }
        t.get(&key(path.segment, path.field, path.component))
    }

    /// The datatype and target of the whole field of `path` (`PID-3`: CX →
    /// `Patient.identifier`), whatever its component.
    pub fn field(&self, path: &V2Path) -> Option<&Position> {
        self.segment(path.segment)?
            .table
            .get(&key(path.segment, path.field, 0))
    }

    /// True when a condition of the map reads this field: the field is consumed by the
    /// mapping even without a target of its own.
    pub fn decides_mapping(&self, path: &V2Path) -> bool {
        self.decides.contains_key(&(path.segment, path.field))
    }

    /// True when the map has a segment map for the segment of `path`.
    pub fn knows_segment(&self, path: &V2Path) -> bool {
        self.segments.contains_key(&path.segment)
    }
}

/// What the map says about one schema position (occurrence and repetition 1), looked up
/// once per position and file by the engine: what [`super::SampleRule::wants_v2`] decides on.
#[derive(Clone, Copy, Debug)]
pub struct V2Position<'a> {
    /// The schema path (`PID-3.4.1`).
    pub path: V2Path,
    /// [`Positions::field`] of the path.
    pub field: Option<&'a Position>,
    /// [`Positions::position`] of the path.
    pub position: Option<&'a Position>,
}

impl<'a> V2Position<'a> {
    /// The facts of the schema position of `path`.
    pub fn of(path: &V2Path, positions: &'a Positions<'_>) -> Self {
        let path = path.schema_key();
        let field = positions.field(&path);
        // `position` starts with the same field lookup; skip it when the field is unknown.
        let position = if field.is_some() {
            positions.position(&path)
        } else {
            None
        };
        V2Position {
            path,
            field,
            position,
        }
    }
}

/// One leaf of a v2 message, as the shared walk hands it to the rules: the item, its
/// path, and what the map says about its field and its position (looked up once per
/// leaf for every rule).
#[derive(Debug)]
pub struct V2Leaf<'a, 'i> {
    pub item: &'a Item<'i>,
    pub path: V2Path,
    /// [`Positions::field`] of the path.
    pub field: Option<&'a Position>,
    /// [`Positions::position`] of the path.
    pub position: Option<&'a Position>,
}

impl<'a, 'i> V2Leaf<'a, 'i> {
    /// The leaf of `item` (`None` for a FHIR item).
    #[inline]
    pub fn of(item: &'a Item<'i>, positions: &'a Positions<'_>) -> Option<Self> {
        let ElementPath::V2(path) = item.path else {
            return None;
        };
        Some(Self::at(item, path, &V2Position::of(&path, positions)))
    }

    /// The leaf of `item` at `path`, whose position's facts are `at`.
    #[inline]
    pub fn at(item: &'a Item<'i>, path: V2Path, at: &V2Position<'a>) -> Self {
        V2Leaf {
            item,
            path,
            field: at.field,
            position: at.position,
        }
    }
}

/// Calls `f` for every leaf of `msg`, as the engine's shared walk does.
pub fn walk_v2(msg: &Message<'_>, env: &RuleEnv<'_>, f: &mut dyn FnMut(&V2Leaf<'_, '_>)) {
    use ira_parse::model::Sample;
    msg.walk(&mut |item| {
        if let Some(leaf) = V2Leaf::of(item, &env.positions) {
            f(&leaf);
        }
    });
}

/// A v2 path without occurrence and repetition (a schema key) packed in the low 64 bits
/// of a [`super::PackedKey`]; rules put a detail variant in the bits above.
pub fn pack_path(p: &V2Path) -> u128 {
    u128::from(
        (u64::from(p.segment[0]) << 56)
            | (u64::from(p.segment[1]) << 48)
            | (u64::from(p.segment[2]) << 40)
            | (u64::from(p.field) << 24)
            | (u64::from(p.component & 0xFFF) << 12)
            | u64::from(p.subcomponent & 0xFFF),
    ) | (u128::from(p.component >> 12) << 64)
        | (u128::from(p.subcomponent >> 12) << 68)
}

/// The schema key packed by [`pack_path`] (the bits above 72 ignored).
pub fn unpack_path(k: u128) -> V2Path {
    let lo = k as u64;
    let hi = (k >> 64) as u16;
    V2Path {
        segment: [(lo >> 56) as u8, (lo >> 48) as u8, (lo >> 40) as u8],
        occurrence: 1,
        field: (lo >> 24) as u16,
        repetition: 1,
        component: ((lo >> 12) & 0xFFF) as u16 | ((hi & 0xF) << 12),
        subcomponent: (lo & 0xFFF) as u16 | (((hi >> 4) & 0xF) << 12),
    }
}

/// What sample rules consult: the map in force and its positions.
#[derive(Debug)]
pub struct RuleEnv<'m> {
    pub map: &'m Map,
    pub positions: Positions<'m>,
}

impl<'m> RuleEnv<'m> {
    pub fn new(map: &'m Map) -> Self {
        Self {
            map,
            positions: Positions::build(map),
        }
    }

    /// The environment of ira's built-in map (no project overrides).
    pub fn builtin() -> &'static RuleEnv<'static> {
        static ENV: OnceLock<RuleEnv<'static>> = OnceLock::new();
        ENV.get_or_init(|| RuleEnv::new(Map::builtin()))
    }
}

/// The positions of the map's rows whose segment `wanted` accepts (the first row of a
/// position wins, in map order), vocabulary indexes shared through `codes`.
fn build_where(
    map: &Map,
    codes: &mut std::collections::HashMap<String, Option<Arc<CodeIndex>>>,
    wanted: impl Fn([u8; 3]) -> bool,
) -> FastMap<Key, Position> {
    let mut out = FastMap::default();
    for seg in map.segments() {
        for row in seg.rows() {
            let Ok(id) = <[u8; 3]>::try_from(row.segment.as_bytes()) else {
                continue;
            };
            if !wanted(id) {
                continue;
            }
            let field_key = key(id, row.field, 0);
            if out.contains_key(&field_key) {
                continue;
            }
            let path = V2Path::field(id, row.field);
            out.insert(field_key, position_of(map, &path, &row.v2_type, codes));
            if let Some(dt) = map.datatype(&row.v2_type) {
                for c in dt.rows() {
                    let k = key(id, row.field, c.component);
                    if out.contains_key(&k) {
                        continue;
                    }
                    let path = V2Path {
                        component: c.component,
                        ..path
                    };
                    out.insert(k, position_of(map, &path, &c.v2_type, codes));
                }
            }
        }
    }
    out
}

fn position_of(
    map: &Map,
    path: &V2Path,
    v2_type: &str,
    codes: &mut std::collections::HashMap<String, Option<Arc<CodeIndex>>>,
) -> Position {
    let target = map.targets(path).into_iter().find(|t| t.assigned.is_none());
    let vocabulary = target.as_ref().and_then(|t| t.vocabulary.clone());
    let codes = vocabulary.as_ref().and_then(|v| {
        codes
            .entry(v.clone())
            .or_insert_with(|| map.vocabulary(v).map(|m| Arc::new(CodeIndex::of(m))))
            .clone()
    });
    Position {
        decides: false,
        codes,
        temporal: match v2_type {
            "DT" => Some("DT"),
            "DTM" | "TS" => Some("DTM"),
            "TM" => Some("TM"),
            _ => None,
        },
        v2_type: v2_type.to_owned(),
        vocabulary,
        target: target.map(|t| t.path),
    }
}

fn collect(c: &Condition, used: &mut HashSet<([u8; 3], u16)>) {
    match c {
        Condition::IfValued(r)
        | Condition::IfNotValued(r)
        | Condition::IfIn(r, _)
        | Condition::IfNotIn(r, _) => {
            if let V2Ref::Path(p) = r {
                used.insert((p.segment, p.field));
            }
        }
        Condition::All(cs) | Condition::Any(cs) => cs.iter().for_each(|c| collect(c, used)),
        Condition::Other(_) => {}
    }
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

    fn position(p: &V2Path) -> Option<&'static Position> {
        RuleEnv::builtin().positions.position(p)
    }

    fn decides_mapping(p: &V2Path) -> bool {
        RuleEnv::builtin().positions.decides_mapping(p)
    }

    /// Resolving segment by segment gives exactly the positions of resolving the whole
    /// map at once (the `decides` flags and CX fields included).
    #[test]
    fn segments_resolved_lazily_equal_the_whole_map() {
        let map = Map::builtin();
        let lazy = Positions::build(map);
        let mut all = build_where(map, &mut Default::default(), |_| true);
        assert!(all.len() > 1000, "{} positions", all.len());
        let mut cx: std::collections::BTreeMap<[u8; 3], Vec<u16>> = Default::default();
        let decides: HashSet<_> = lazy.decides.keys().copied().collect();
        for (k, pos) in all.iter_mut() {
            let segment = [(*k >> 56) as u8, (*k >> 48) as u8, (*k >> 40) as u8];
            let field = (*k >> 16) as u16;
            pos.decides = decides.contains(&(segment, field));
            if *k & 0xFFFF == 0 && pos.v2_type == "CX" {
                cx.entry(segment).or_default().push(field);
            }
            let got = lazy
                .segment(segment)
                .and_then(|s| s.table.get(k))
                .unwrap_or_else(|| panic!("{k:x} not resolved lazily"));
            let facts = |p: &Position| {
                (
                    p.v2_type.clone(),
                    p.target.clone(),
                    p.vocabulary.clone(),
                    p.temporal,
                    p.decides,
                    p.codes.as_ref().map(|c| (c.name.clone(), c.target_only)),
                )
            };
            assert_eq!(facts(got), facts(pos), "{k:x}");
        }
        let resolved: usize = lazy
            .segments
            .values()
            .filter_map(|s| s.get())
            .map(|s| s.table.len())
            .sum();
        assert_eq!(resolved, all.len());
        for (segment, mut fields) in cx {
            fields.sort_unstable();
            assert_eq!(lazy.cx_fields(segment), fields.as_slice());
        }
        assert!(!lazy.cx_fields(*b"PID").is_empty());
    }

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
        assert!(decides_mapping(&V2Path::parse("OBX-2").unwrap()));
        assert!(!decides_mapping(&V2Path::parse("PID-8").unwrap()));
        let p = position(&V2Path::parse("PID-8").unwrap()).unwrap();
        assert_eq!(p.target.as_deref(), Some("Patient.gender"));
        assert!(p.vocabulary.is_some());
    }
}
