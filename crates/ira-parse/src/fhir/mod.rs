//! FHIR R4 reader: JSON (a resource or a Bundle of any type), NDJSON (bulk export, one
//! resource a line) and XML, into one [`Resource`] per resource.
//!
//! * Each resource of a file is its own sample, numbered from 1 in file order
//!   ([`Location::message`]). A Bundle gives a sample of kind `Bundle` for its shell
//!   (`type`, `entry[i].fullUrl`, `entry[i].request`…, without the entry resources),
//!   numbered before its entries, then one sample per entry resource. Contained
//!   resources stay inside their parent.
//! * Positions: line and byte offset of the start of each resource (`{` in JSON, `<` in
//!   XML). Items of JSON and NDJSON resources are located at their own value; items of
//!   XML resources and of Bundle shells at their resource. Schema issues are located at
//!   their resource and name the element path in their detail.
//! * Paths (see [`Resource::walk`]): `Patient.identifier[0].system`; JSON arrays always
//!   get an index, choice elements keep their JSON name (`Observation.valueQuantity.value`),
//!   and a primitive's extension or id (JSON `_birthDate`, XML children of `<birthDate>`)
//!   is written under the primitive's own path: `Patient.birthDate.extension[0].url`. XML
//!   gives the same paths and values as the equivalent JSON.
//! * Damaged input is data: invalid JSON or XML, a missing or unknown `resourceType`, a
//!   resource of another FHIR version, a Bundle entry without resource, an element of the
//!   wrong JSON type or unknown to R4 — each is a positioned [`Issue`], and the other
//!   resources of the file still come through. A file is never an `Err`.
//! * Design: JSON is parsed by a small strict parser (module `lite`) into a tree that
//!   borrows from the input and keeps each value's span (Bundle entry offsets, the text
//!   of each resource); a resource keeps its JSON text (numbers exactly as written,
//!   `7.50` stays `7.50`, `1e2` stays `1e2`) and is walked straight from that text. XML
//!   is converted to the same JSON form with the R4 element table ([`table`]), which
//!   also drives the base-R4 shape check ([`check_schema`]).

mod cache;
mod json;
mod lite;
mod path;
mod schema;
pub mod table;
mod walk;
mod xml;

use serde::Serialize;
use serde_json::Value;

use crate::issue::Issue;
use crate::location::Location;
use crate::model::{Item, Sample, SampleInfo, Standard};

pub use cache::{CachedResource, WalkCache};
pub use json::{
    NdjsonLines, NdjsonReader, read_json, read_json_with, read_ndjson, read_ndjson_with,
};
pub use path::{ByPath, PathFacts, PathFilter, PathId, strip_plain};
pub use schema::check_schema;
pub use xml::{read_xml, read_xml_with};

/// The FHIR version the reader assumes for resources that do not say otherwise.
pub const FHIR_VERSION: &str = "4.0.1";

/// What a FHIR file gave: its resources, the issues met, and counts.
#[derive(Clone, Debug, Default)]
pub struct FhirFile {
    /// The resources read, in file order (a Bundle shell before its entries).
    pub resources: Vec<Resource>,
    /// Every issue met, in file order.
    pub issues: Vec<Issue>,
    pub summary: Summary,
}

/// Counts of what a file gave.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Resources read (including Bundle shells and damaged ones).
    pub resources: u32,
    /// Of those, resources read with at least one issue (wrong type of an element,
    /// unknown element, other version, entry without resource).
    pub damaged: u32,
    /// Resources, lines or entries that could not be read and were skipped (invalid
    /// JSON, missing or unknown `resourceType`).
    pub skipped: u32,
}

/// One FHIR resource (or the shell of a Bundle), owned, ready to be walked.
#[derive(Clone, Debug, PartialEq)]
pub struct Resource {
    resource_type: String,
    version: Option<String>,
    /// The resource's JSON text: as written for JSON and NDJSON, written by the reader
    /// for XML and for a Bundle shell. Validated when read.
    text: Box<str>,
    location: Location,
    bundle_shell: bool,
    /// `text` is the resource exactly as it stands in the file at `location` (JSON,
    /// NDJSON), so items can be located at their own values.
    verbatim: bool,
}

impl Resource {
    /// The `resourceType` (`Patient`, `Bundle`).
    pub fn resource_type(&self) -> &str {
        &self.resource_type
    }

    /// Where the resource starts in its file.
    pub fn location(&self) -> Location {
        self.location
    }

    /// The resource as JSON text (XML converted to the JSON form). For a Bundle shell,
    /// the entries have no `resource` (each is a resource of its own).
    pub fn json_text(&self) -> &str {
        &self.text
    }

    /// The resource as a `serde_json::Value` (parsed on each call; numbers as written).
    pub fn to_json(&self) -> Value {
        json::to_value(&self.text)
    }

    /// Whether this is the shell of a Bundle whose entry resources were split off.
    pub fn is_bundle_shell(&self) -> bool {
        self.bundle_shell
    }

    /// The FHIR version assumed (`4.0.1`), or the other version it belongs to when it was
    /// recognised as such (`R5`, `STU3 or earlier`).
    pub fn version(&self) -> &str {
        self.version.as_deref().unwrap_or(FHIR_VERSION)
    }
}

impl Sample for Resource {
    fn info(&self) -> SampleInfo<'_> {
        SampleInfo {
            standard: Standard::Fhir,
            kind: self.resource_type.as_str().into(),
            structure: None,
            version: Some(self.version().into()),
            location: self.location,
        }
    }

    /// Emits every leaf (strings, numbers exactly as written, booleans, `null` members)
    /// in document order. For JSON and NDJSON each item is located at its own value
    /// (offset of its first byte, and its line); for XML and for a Bundle shell, whose
    /// JSON form the reader wrote, at the resource. `resourceType` of the resource itself is not an item (it is
    /// the sample's kind); that of a contained resource is. `null` placeholders inside
    /// arrays (which align primitive arrays with their `_name` twin) are not items.
    fn walk(&self, visit: &mut dyn FnMut(&Item<'_>)) {
        walk::walk_text(
            &self.resource_type,
            &self.text,
            self.location,
            self.verbatim,
            visit,
        );
    }

    fn as_fhir(&self) -> Option<&Resource> {
        Some(self)
    }
}

/// Base-R4 conformance checking of a resource beyond what the reader does itself
/// (implemented with fhirbolt in the `ira-conform` crate).
pub trait Conformance: Send + Sync {
    /// The conformance issues of `resource`, located at the resource, with the element
    /// path in each issue's detail.
    fn check(&self, resource: &Resource) -> Vec<Issue>;
}
