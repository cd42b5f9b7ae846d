//! `ira-analyze`: what the samples contain and what will break between them and the
//! target. It does no I/O and prints nothing: bytes come in through a loader the caller
//! gives, results go out as values that `ira-report` renders.
//!
//! So far:
//! - [`analysis`]: the driver: samples in, sorted findings out;
//! - [`overview`]: the structural summary behind `ira parse`;
//! - [`map`]: ira's v2 → FHIR R4 map (from the facts of the HL7 V2-to-FHIR
//!   implementation guide);
//! - [`profile`]: per-path sample profiles behind `ira profile`;
//! - [`target`]: what the target requires (profiles, value sets, target samples, R4
//!   base rules);
//! - [`spec`]: the interface spec `ira.toml`;
//! - [`rules`]: the gap-rule catalogue.

pub mod account;
pub mod analysis;
mod fasthash;
mod leaves;
pub mod map;
pub mod overview;
pub mod profile;
pub mod rules;
pub mod spec;
pub mod stream;
pub mod target;
#[cfg(test)]
mod test_support;
