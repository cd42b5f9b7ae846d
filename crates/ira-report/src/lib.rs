//! `ira-report`: renders ira's results. It is the only crate that knows output formats;
//! the CLI only picks one and writes the string where the user asked.
//!
//! So far:
//! - [`parse`]: the structural overview of `ira parse`, as text and JSON;
//! - [`profile`]: sample profiles of `ira profile`;
//! - [`findings`]: `ira analyze` findings for a person;
//! - [`risk`] and [`report_json`]: risk items, readiness and the risk report
//!   `ira.report/1` (`ira analyze --format json`);
//! - [`rules`]: the rule catalogue (`docs/RULES.md`);
//! - [`baseline`]: comparing with a previous report (`--baseline`).

pub mod baseline;
pub mod csv;
pub mod findings;
pub mod html;
pub mod junit;
pub mod markdown;
pub mod parse;
pub mod profile;
pub mod report_json;
pub mod risk;
pub mod rules;
pub mod sarif;
