//! Analysis of parsed samples (profiles, v2 → FHIR map, gap rules). Does no I/O.

pub mod map;
