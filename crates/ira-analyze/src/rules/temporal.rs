//! Shared by the rules on HL7 v2 dates and times: which leaves are temporal (their map
//! datatype is DT, DTM, TS or TM), with their raw value.

use ira_parse::model::{TypeHint, Value};

use super::v2types::{Position, V2Leaf};

/// `(kind, raw, position)` when the leaf is a non-null temporal value, where `kind` is
/// `DT`, `DTM` or `TM` (a TS is read as its DTM).
#[inline]
pub fn temporal<'a>(leaf: &V2Leaf<'a, '_>) -> Option<(&'static str, &'a [u8], &'a Position)> {
    if leaf.item.hint == TypeHint::Null {
        return None;
    }
    let pos = leaf.position?;
    let kind = pos.temporal?;
    let Value::V2 { raw, .. } = leaf.item.value else {
        return None;
    };
    Some((kind, raw, pos))
}

/// The index of a temporal kind in a packed key.
pub fn kind_index(kind: &str) -> u128 {
    match kind {
        "DT" => 0,
        "TM" => 1,
        _ => 2,
    }
}

/// The kind at `index` (see [`kind_index`]).
pub fn kind_at(index: u128) -> Option<&'static str> {
    match index {
        0 => Some("DT"),
        1 => Some("TM"),
        2 => Some("DTM"),
        _ => None,
    }
}
