//! `ira-parse` reads interface samples exactly as integration teams receive them:
//! HL7 v2 (ER7) in any framing, and FHIR R4 as JSON, NDJSON or XML.
//!
//! Everything it reads carries a [`Location`] (file, message, byte offset, line) so a
//! finding can point at its evidence. Damaged input is data, not a crash: readers return
//! what they could read plus positioned [`Issue`]s, and go on with the next message.
//! An `Err` ([`InputError`]) is only for input that cannot be used at all.
//!
//! Both standards meet in one document model ([`model`]): a sample (a v2 message or a
//! FHIR resource) is walked as a stream of [`model::Item`]s — path, value, type hint,
//! location — without copying the file.

pub mod chunk;
pub mod document;
pub mod fhir;
pub mod hash;
pub mod hl7;
pub mod input;
pub mod issue;
pub mod limits;
pub mod location;
pub mod model;

pub use input::{Format, InputError};
pub use issue::{Issue, IssueCode, Severity};
pub use limits::Limits;
pub use location::{FileId, Location};
