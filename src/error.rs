//! [`Error`]: why an analysis could not run.

use std::path::PathBuf;

use ira_analyze::map::MapError;
use ira_analyze::spec::SpecError;
use ira_analyze::target::LoadError;
use ira_parse::InputError;
use ira_report::baseline::BaselineError;

/// Why [`crate::Analyzer::run`] could not produce a report. Each message says what was
/// wrong, then where in parentheses (`cannot read the spec: No such file or directory
/// (no/such/ira.toml)`), on one line, and never quotes sample data.
///
/// Damaged samples are not errors: they are read as far as possible and reported as
/// findings. Errors are for inputs that cannot be used at all.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be read.
    #[error("cannot read the {what}: {source} ({})", path.display())]
    Read {
        /// What the file is (`spec`, `profile`, `ConceptMap`, `baseline`, `input`).
        what: &'static str,
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A text file is not UTF-8.
    #[error("the {what} is not UTF-8 text: invalid byte at offset {offset} ({})", path.display())]
    NotUtf8 {
        /// What the file is.
        what: &'static str,
        /// The file.
        path: PathBuf,
        /// Byte offset of the first invalid byte.
        offset: usize,
    },
    /// The interface spec is not valid.
    #[error("{}{} ({}:{}:{})", .0.key.as_deref().map(|k| format!("`{k}`: ")).unwrap_or_default(), .0.message, .0.name, .0.line, .0.column)]
    Spec(#[source] SpecError),
    /// A profile, value set, code system or ConceptMap file cannot be loaded.
    #[error("{} is not usable: {} ({}{})", what, error.reason, error.name, position(error))]
    Artifact {
        /// `profile` or `ConceptMap`.
        what: &'static str,
        /// The loader's error, with the file and position.
        #[source]
        error: LoadError,
    },
    /// The spec's map overrides do not fit the map.
    #[error("map overrides: {error} ({spec})")]
    MapOverrides {
        /// The spec.
        spec: String,
        /// What is wrong.
        #[source]
        error: MapError,
    },
    /// An input path does not exist or cannot be inspected.
    #[error("{}", input_message(.0))]
    Input(#[source] InputError),
    /// Neither the spec nor the builder names legacy samples.
    #[error(
        "no legacy samples: name them in the spec (`[legacy] paths`) or on the command line (--legacy PATH)"
    )]
    NoLegacySamples,
    /// The baseline file is not an `ira.report/1` JSON document.
    #[error("{} ({}{})", baseline_what(error), path.display(), baseline_where(error))]
    Baseline {
        /// The baseline file.
        path: PathBuf,
        /// What is wrong with it, with its position.
        #[source]
        error: BaselineError,
    },
    /// `SOURCE_DATE_EPOCH` is set but not a number of seconds.
    #[error("SOURCE_DATE_EPOCH is not a whole number of seconds since 1970-01-01 (environment)")]
    SourceDateEpoch,
    /// `jobs(0)`.
    #[error("the number of worker threads must be at least 1 (jobs = 0)")]
    NoJobs,
    /// The worker thread pool could not be started.
    #[error("cannot start {jobs} worker threads: {message} (jobs)")]
    ThreadPool {
        /// Threads asked for.
        jobs: usize,
        /// Why not.
        message: String,
    },
}

fn position(e: &LoadError) -> String {
    let mut s = String::new();
    if let (Some(l), Some(c)) = (e.line, e.column) {
        s.push_str(&format!(", line {l}, column {c}"));
    }
    if let Some(i) = e.entry {
        s.push_str(&format!(", resource {i}"));
    }
    s
}

fn input_message(e: &InputError) -> String {
    match e {
        InputError::NotFound { path, source } => format!("{source} ({})", path.display()),
        other => other.to_string(),
    }
}

fn baseline_what(e: &BaselineError) -> String {
    match e {
        BaselineError::NotJson { .. } => "the baseline is not JSON".into(),
        BaselineError::NotAReport { why } => {
            format!("the baseline is not an ira.report/1 report: {why}")
        }
        BaselineError::BadRisks { .. } => "the baseline's `risks` cannot be read".into(),
    }
}

fn baseline_where(e: &BaselineError) -> String {
    match e {
        BaselineError::NotJson { line, column } | BaselineError::BadRisks { line, column } => {
            format!(", line {line}, column {column}")
        }
        BaselineError::NotAReport { .. } => String::new(),
    }
}
