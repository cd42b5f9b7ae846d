//! `ira analyze`: the arguments, the progress bar, the output. The work is done by the
//! library facade, [`ira::Analyzer`].

use std::io::IsTerminal as _;
use std::path::PathBuf;

use ira::{Analyzer, Format};
use ira_analyze::rules::RiskSeverity;

/// `ira analyze` arguments.
#[derive(clap::Args, Debug)]
pub struct AnalyzeArgs {
    /// The interface spec (`ira.toml`): inputs, profiles, map overrides, code maps.
    /// Paths in it are relative to its folder.
    #[arg(long, value_name = "FILE")]
    pub spec: Option<PathBuf>,
    /// Legacy samples (HL7 v2): files or folders. Added to the spec's.
    #[arg(long, value_name = "PATH", num_args = 1..)]
    pub legacy: Vec<PathBuf>,
    /// Target samples (FHIR bundles, NDJSON, or HL7 v2 for a v2 → v2 migration).
    #[arg(long, value_name = "PATH", num_args = 1..)]
    pub target: Vec<PathBuf>,
    /// Target StructureDefinitions, ValueSets, CodeSystems (JSON, or Bundles of them).
    #[arg(long, value_name = "FILE", num_args = 1..)]
    pub profile: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = AnalyzeFormat::Text)]
    pub format: AnalyzeFormat,
    /// Exit with code 1 when an open (not accepted) risk is at or above this severity.
    /// Default: the spec's `[thresholds] fail_on`; without either, always 0.
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub fail_on: Option<FailOn>,
    /// Worker threads (default: one per core). The report is the same whatever the number.
    #[arg(long, short = 'j', value_name = "N")]
    pub jobs: Option<usize>,
    /// Write the output to this file instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// A previous report (`--format json`) to compare with: only new and resolved
    /// risks are shown, and --fail-on counts new risks only.
    #[arg(long, value_name = "REPORT.json")]
    pub baseline: Option<PathBuf>,
    /// Show the sample value at each evidence example. The output then contains
    /// patient data (it says so); off by default.
    #[arg(long)]
    pub show_values: bool,
    /// Check FHIR resources against the base R4 definitions with fhirbolt (required
    /// elements, values valid for their type; found by rule IRA406). Slower: a typed
    /// parse of every resource.
    #[arg(long)]
    pub conformance: bool,
    /// No progress bar (it is only shown when standard error is a terminal anyway).
    #[arg(long, short)]
    pub quiet: bool,
    /// An input limit, `NAME=VALUE` (repeatable): max_file_bytes (default 4G),
    /// max_line_bytes (32M), max_segments_per_message (100000), max_fields_per_segment
    /// (10000), max_repetitions_per_field (10000), max_json_depth (100).
    #[arg(long = "limit", value_name = "NAME=VALUE")]
    pub limits: Vec<String>,
}

/// What `ira analyze` writes (`parse` and `profile` have fewer formats, so this is
/// not the shared `OutputFormat`).
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum AnalyzeFormat {
    /// The findings, for a person.
    Text,
    /// The risk report `ira.report/1` (docs/report-format.md).
    Json,
    /// The risk register, one row a risk, for issue trackers and plan tools.
    Csv,
    /// The risk report for a person or a pull-request comment (GitHub Markdown).
    #[value(alias = "md")]
    Markdown,
    /// SARIF 2.1.0, for code scanning (results located in the sample files).
    Sarif,
    /// JUnit XML, for CI dashboards: a test case per rule × scope, failing at or above
    /// the spec's `fail_on` (medium without one).
    Junit,
    /// One self-contained HTML file: charts (risks by severity and category, readiness
    /// by message type) and a sortable risk table.
    Html,
}

/// A severity on the command line (clap lives only in the CLI).
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailOn {
    Critical,
    High,
    Medium,
    Low,
    Info,
}

impl From<FailOn> for RiskSeverity {
    fn from(f: FailOn) -> Self {
        match f {
            FailOn::Critical => RiskSeverity::Critical,
            FailOn::High => RiskSeverity::High,
            FailOn::Medium => RiskSeverity::Medium,
            FailOn::Low => RiskSeverity::Low,
            FailOn::Info => RiskSeverity::Info,
        }
    }
}

impl From<AnalyzeFormat> for Format {
    fn from(f: AnalyzeFormat) -> Self {
        match f {
            AnalyzeFormat::Text => Format::Text,
            AnalyzeFormat::Json => Format::Json,
            AnalyzeFormat::Csv => Format::Csv,
            AnalyzeFormat::Markdown => Format::Markdown,
            AnalyzeFormat::Sarif => Format::Sarif,
            AnalyzeFormat::Junit => Format::Junit,
            AnalyzeFormat::Html => Format::Html,
        }
    }
}

/// Runs `ira analyze`. `Ok(true)` when open risks reach `--fail-on` (exit code 1; with
/// `--baseline`, new open risks only).
pub fn run(args: &AnalyzeArgs) -> Result<bool, String> {
    let mut analyzer = Analyzer::new()
        .legacy(args.legacy.iter().cloned())
        .target(args.target.iter().cloned())
        .profiles(args.profile.iter().cloned())
        .show_values(args.show_values)
        .conformance(args.conformance)
        .limits(crate::parse_limits(&args.limits)?);
    if let Some(spec) = &args.spec {
        analyzer = analyzer.spec(spec);
    }
    if let Some(f) = args.fail_on {
        analyzer = analyzer.fail_on(f.into());
    }
    if let Some(n) = args.jobs {
        analyzer = analyzer.jobs(n);
    }
    if let Some(b) = &args.baseline {
        analyzer = analyzer.baseline(b.as_path());
    }
    let bar = (!args.quiet && std::io::stderr().is_terminal()).then(progress_bar);
    if let Some(bar) = &bar {
        let bar = bar.clone();
        analyzer = analyzer.on_progress(move |p| {
            bar.set_length(p.bytes_total);
            bar.set_position(p.bytes_done);
            bar.set_message(format!("{}/{} files", p.files_done, p.files_total));
        });
    }
    let result = analyzer.run();
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let report = result.map_err(|e| e.to_string())?;
    crate::emit(&report.render(args.format.into()), args.out.as_deref())?;
    Ok(report.gate_failed())
}

/// Files done and bytes read, on standard error; drawn at most a few times a second.
fn progress_bar() -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::with_draw_target(
        Some(0),
        indicatif::ProgressDrawTarget::stderr_with_hz(4),
    );
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{spinner} reading samples [{bar:30}] {bytes}/{total_bytes} · {msg} · {elapsed}",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}
