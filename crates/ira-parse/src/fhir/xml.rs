//! FHIR XML.
use super::FhirFile;
use super::json::Builder;
use crate::location::FileId;

/// Reads a FHIR XML file.
pub fn read_xml(bytes: &[u8], file: FileId) -> FhirFile {
    Builder::new(bytes, file).finish()
}
