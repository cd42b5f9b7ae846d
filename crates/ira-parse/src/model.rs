//! The one document model that analysis consumes for both standards.
//!
//! A *sample* is one HL7 v2 message or one FHIR resource. Analysis never sees files,
//! segments or JSON trees; it sees a sample's [`SampleInfo`] (standard, message or
//! resource type, version, where it starts) and walks its leaf values as a stream of
//! [`Item`]s: path, value, type hint, location. Walking borrows from the bytes the
//! reader already holds — nothing is copied a second time — and paths are built in
//! place (a small copyable [`V2Path`], or a reused string buffer for FHIR).

use std::borrow::Cow;

use serde::Serialize;

use crate::hl7::Encoding;
pub use crate::hl7::path::V2Path;
use crate::location::Location;

/// Which standard a sample is written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Standard {
    /// HL7 v2 (ER7, pipe-delimited).
    #[serde(rename = "hl7v2")]
    V2,
    /// FHIR R4 (JSON, NDJSON or XML).
    #[serde(rename = "fhir")]
    Fhir,
}

/// What a sample is, for grouping and reporting.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SampleInfo<'a> {
    pub standard: Standard,
    /// HL7 v2: the message type and trigger, `ADT^A01`. FHIR: the resource type.
    pub kind: Cow<'a, str>,
    /// HL7 v2: the message structure (MSH-9.3, e.g. `ADT_A01`), when declared.
    pub structure: Option<Cow<'a, str>>,
    /// HL7 v2: MSH-12 (`2.5.1`). FHIR: the version the reader assumed (`4.0.1`) or declared.
    pub version: Option<Cow<'a, str>>,
    /// Where the sample starts.
    pub location: Location,
}

/// A path to an element, in the notation of its standard (see `docs/paths.md`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ElementPath<'a> {
    /// `PID-3[2].4.1`, `OBX[3]-5`.
    V2(V2Path),
    /// `Patient.identifier[0].system`.
    Fhir(&'a str),
}

impl std::fmt::Display for ElementPath<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ElementPath::V2(p) => p.fmt(f),
            ElementPath::Fhir(p) => f.write_str(p),
        }
    }
}

/// The kind of a leaf value, as far as the reader can tell without a schema.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TypeHint {
    /// Text: every HL7 v2 value, a JSON string, an XML `value` attribute.
    Text,
    /// A JSON number, kept exactly as written.
    Number,
    /// A JSON boolean.
    Boolean,
    /// HL7 v2 explicit null (`""`) or JSON `null`.
    Null,
}

/// A leaf value, borrowed from the input.
#[derive(Clone, Debug, PartialEq)]
pub enum Value<'a> {
    /// An HL7 v2 leaf as it stands in the file (escapes not decoded) and how to decode it.
    V2 {
        raw: &'a [u8],
        encoding: &'a Encoding,
        /// Set by the reader when `raw` is printable ASCII without the escape
        /// character (its whole segment is), so that [`Value::plain_bytes`] need not
        /// look. `false` only means "not known": the bytes are then checked.
        plain: bool,
    },
    /// Text already decoded (JSON string, XML attribute).
    Text(Cow<'a, str>),
    /// A JSON number exactly as written (`1.50` stays `1.50`).
    Number(Cow<'a, str>),
    Bool(bool),
    Null,
}

impl Value<'_> {
    /// The value as text: escapes decoded, charset applied. Issues met while decoding
    /// (bad escapes, invalid bytes) are reported by the reader, not here.
    pub fn text(&self) -> Cow<'_, str> {
        match self {
            Value::V2 {
                raw,
                encoding,
                plain,
            } => {
                // Printable ASCII without the escape character is its own text in every
                // charset: nothing to unescape or convert.
                if *plain && let Ok(s) = std::str::from_utf8(raw) {
                    return Cow::Borrowed(s);
                }
                encoding.decode(raw)
            }
            Value::Text(s) | Value::Number(s) => Cow::Borrowed(s.as_ref()),
            Value::Bool(true) => Cow::Borrowed("true"),
            Value::Bool(false) => Cow::Borrowed("false"),
            Value::Null => Cow::Borrowed(""),
        }
    }

    /// The value's bytes when they are its text as they stand: an HL7 v2 value of
    /// printable ASCII without the escape character (nearly every one), which reads the
    /// same in every charset. Lets a caller that works on bytes skip [`Value::text`].
    #[inline]
    pub fn plain_bytes(&self) -> Option<&[u8]> {
        match self {
            Value::V2 {
                raw,
                encoding,
                plain,
            } => {
                (*plain || crate::hl7::plain_ascii(raw, encoding.delimiters.escape)).then_some(*raw)
            }
            _ => None,
        }
    }

    /// Length in bytes as stored in the input (before escape decoding, for v2).
    pub fn raw_len(&self) -> usize {
        match self {
            Value::V2 { raw, .. } => raw.len(),
            Value::Text(s) | Value::Number(s) => s.len(),
            Value::Bool(b) => {
                if *b {
                    4
                } else {
                    5
                }
            }
            Value::Null => 0,
        }
    }
}

/// One leaf of a sample.
#[derive(Clone, Debug)]
pub struct Item<'a> {
    pub path: ElementPath<'a>,
    pub value: Value<'a>,
    pub hint: TypeHint,
    pub location: Location,
}

/// One HL7 v2 message or FHIR resource, ready to be walked.
pub trait Sample {
    /// What the sample is.
    fn info(&self) -> SampleInfo<'_>;

    /// Calls `visit` for every non-empty leaf, in document order.
    fn walk(&self, visit: &mut dyn FnMut(&Item<'_>));

    /// [`Sample::walk`], with the facts of each FHIR item's path when the sample knows
    /// them (a resource handed on by the reader's walk cache): its form without indexes,
    /// its innermost repetition and an id, so that a consumer need not strip and look
    /// up the path per item. `None` for an item: work them out from the path.
    fn walk_fhir(&self, visit: &mut dyn FnMut(&Item<'_>, Option<&crate::fhir::PathFacts<'_>>)) {
        self.walk(&mut |item| visit(item, None));
    }

    /// [`Sample::walk_fhir`] without the items whose path `filter` does not want (an
    /// item whose path has no facts is always visited). For a consumer that looks at a
    /// few paths: a resource handed on by the reader's walk cache skips the others
    /// before an item is built for them.
    fn walk_fhir_where(
        &self,
        filter: &mut crate::fhir::PathFilter,
        visit: &mut dyn FnMut(&Item<'_>, Option<&crate::fhir::PathFacts<'_>>),
    ) {
        self.walk_fhir(&mut |item, facts| {
            if facts.is_none_or(|f| filter.wants(f.id, || f.stripped)) {
                visit(item, facts);
            }
        });
    }

    /// The HL7 v2 message behind this sample, for analysis that needs the message's
    /// own structure (segment order, MSH fields, raw bytes).
    fn as_v2(&self) -> Option<&crate::hl7::Message<'_>> {
        None
    }

    /// The FHIR resource behind this sample.
    fn as_fhir(&self) -> Option<&crate::fhir::Resource> {
        None
    }
}
