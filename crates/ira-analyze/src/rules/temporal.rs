//! Shared walk for the rules on HL7 v2 dates and times: every leaf whose map datatype
//! is DT, DTM, TS or TM, with its raw value.

use ira_parse::Location;
use ira_parse::hl7::Message;
use ira_parse::model::{ElementPath, Sample, TypeHint, Value};

use super::v2types::{Position, Positions};

/// What [`each_temporal`] calls for each leaf: `(kind, raw, path key, position, location)`.
pub type TemporalVisit<'f, 'p> =
    dyn FnMut(&'static str, &[u8], String, &'p Position, Location) + 'f;

/// Calls `f(kind, raw, path key, position, location)` for every temporal leaf, where
/// `kind` is `DT`, `DTM` or `TM` (a TS is read as its DTM).
pub fn each_temporal<'p>(
    msg: &Message<'_>,
    positions: &'p Positions,
    f: &mut TemporalVisit<'_, 'p>,
) {
    msg.walk(&mut |item| {
        let ElementPath::V2(p) = item.path else {
            return;
        };
        if item.hint == TypeHint::Null {
            return;
        }
        let Some(pos) = positions.position(&p) else {
            return;
        };
        let Some(kind) = pos.temporal else {
            return;
        };
        let Value::V2 { raw, .. } = item.value else {
            return;
        };
        f(kind, raw, p.schema_key().to_string(), pos, item.location);
    });
}
