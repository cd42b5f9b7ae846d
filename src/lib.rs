//! `ira` — the FHIR-aware interoperability readiness analyzer, as a library.
//!
//! This facade re-exports the crates an embedder needs: [`parse`] reads HL7 v2 and
//! FHIR samples with positions, [`analyze`] profiles them and finds gaps, [`report`]
//! renders results, [`conform`] checks FHIR resources against base R4.
//!
//! For a whole analysis — spec, samples, profiles in; a risk report in any format
//! out — use [`Analyzer`]:
//!
//! ```no_run
//! let report = ira::Analyzer::new().spec("ira.toml").run()?;
//! print!("{}", report.render(ira::Format::Markdown));
//! if report.gate_failed() {
//!     std::process::exit(1);
//! }
//! # Ok::<(), ira::Error>(())
//! ```
//!
//! The structural overview of `ira parse`:
//!
//! ```no_run
//! let overview = ira::overview(&["fixtures/".into()], true)?;
//! print!("{}", ira::report::parse::text(&overview));
//! # Ok::<(), ira::parse::InputError>(())
//! ```

#![warn(missing_docs)]

use std::path::PathBuf;

mod analyzer;
mod error;
mod readback;

pub use analyzer::{Analyzer, BaselineSource, Format, Progress, RiskReport};
pub use error::Error;
pub use ira_analyze::rules::RiskSeverity as Severity;
pub use ira_report::report_json::{Report, Timestamp};

pub use ira_analyze as analyze;
pub use ira_conform as conform;
pub use ira_parse as parse;
pub use ira_report as report;

/// Reads every file under `paths` (files and directories, recursively) and returns the
/// structural overview `ira parse` shows: per file its format, what it holds and every
/// issue with its position. `conformance` turns on the base-R4 check of FHIR resources.
///
/// Unreadable files and damaged samples are reported in the overview; only a path that
/// does not exist (or an empty list) is an error.
pub fn overview(
    paths: &[PathBuf],
    conformance: bool,
) -> Result<analyze::overview::Overview, parse::InputError> {
    let discovery = parse::input::discover(paths)?;
    let checker = conform::FhirboltConformance;
    let options = parse::document::ReadOptions {
        conformance: if conformance { Some(&checker) } else { None },
        ..parse::document::ReadOptions::default()
    };
    Ok(analyze::overview::overview(
        &discovery,
        parse::input::read_file,
        options,
    ))
}
