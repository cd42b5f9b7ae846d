//! `ira-report`: renders ira's results. It is the only crate that knows output formats;
//! the CLI only picks one and writes the string where the user asked.
//!
//! So far: the structural overview of `ira parse`, as text ([`parse::text`]) and JSON
//! ([`parse::json`]); sample profiles of `ira profile` ([`profile::text`], [`profile::json`]); the rule catalogue ([`rules`]).

pub mod findings;
pub mod parse;
pub mod profile;
pub mod report_json;
pub mod risk;
pub mod rules;
