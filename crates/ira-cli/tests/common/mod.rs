//! Helpers shared by the binary's integration tests.

/// The report schema validator, shared with the report crate's tests.
#[path = "../../../ira-report/tests/support/schema.rs"]
pub mod schema;
