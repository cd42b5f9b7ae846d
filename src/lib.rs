//! `ira` — the FHIR-aware interoperability readiness analyzer, as a library.
//!
//! This facade re-exports the crates an embedder needs: [`parse`] reads HL7 v2 and
//! FHIR samples with positions, [`analyze`] profiles them and finds gaps, [`report`]
//! renders findings.

pub use ira_analyze as analyze;
pub use ira_conform as conform;
pub use ira_parse as parse;
pub use ira_report as report;
