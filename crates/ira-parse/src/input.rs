//! Input discovery and format detection. (Being built: see issue 3.)

use std::path::PathBuf;

/// The format of an input file, detected by content.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// HL7 v2 ER7 (plain, MLLP-framed or batch).
    Hl7v2,
    /// FHIR JSON: a resource or a Bundle.
    FhirJson,
    /// FHIR NDJSON: one resource a line.
    FhirNdjson,
    /// FHIR XML.
    FhirXml,
    /// None of the above.
    Unknown,
}

/// Input that cannot be used at all.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("{path}: cannot read: {source}")]
    Unreadable {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}
