//! `ira-analyze`: what the samples contain and what will break between them and the
//! target. It does no I/O and prints nothing: bytes come in through a loader the caller
//! gives, results go out as values that `ira-report` renders.
//!
//! So far: [`overview`], the structural summary behind `ira parse`, and [`map`], ira's
//! v2 → FHIR R4 map (from the facts of the HL7 V2-to-FHIR implementation guide), [`target`],
//! what the target requires (profiles, value sets, target samples, R4 base rules), and
//! [`spec`], the interface spec `ira.toml`.

pub mod map;
pub mod overview;
pub mod spec;
pub mod target;
