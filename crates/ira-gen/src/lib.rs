//! `ira-gen`: deterministic, seeded generators of realistic synthetic corpora for ira's
//! tests and benchmarks — HL7 v2 (ER7) message streams and FHIR R4 NDJSON / transaction
//! Bundles.
//!
//! Everything is derived from a `u64` seed through a built-in SplitMix64 generator, so the
//! same seed gives byte-identical output everywhere. Each message (HL7) or resource group
//! (FHIR) depends only on the seed and its index, so a smaller corpus is a prefix of a
//! larger one with the same seed and options. All person data is obviously fake
//! (`DOE^JANE`, `TESTPATIENT^ALPHA`, `555-01xx` phones, `example.invalid` e-mails).

mod data;
mod fhir;
mod hl7;
mod rng;

pub use fhir::{fhir_bundles, fhir_ndjson, write_fhir_ndjson};
pub use hl7::{
    CorpusStats, Framing, Hl7Kind, Hl7Options, Terminator, hl7_corpus, hl7_message,
    write_hl7_corpus,
};
pub use rng::Rng;
