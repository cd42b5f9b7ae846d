//! The `ira` binary: argument parsing, file output and exit codes. Everything else lives
//! in the library crates.
//!
//! Exit codes: 0 done (issues found in the data are results, not failures), 1 `ira
//! analyze` found open risks at or above `--fail-on`, 2 error (an input path that does
//! not exist, an output that cannot be written).
//!
//! Errors are one line on standard error, `ira: error: <what> (<where>)`, without a
//! backtrace and without sample data.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

mod analyze;

use ira_analyze::overview;
use ira_parse::document::ReadOptions;
use ira_parse::input;

#[derive(Parser, Debug)]
#[command(
    name = "ira",
    version,
    about = "Interoperability readiness analyzer for HL7 v2 and FHIR R4 interfaces",
    long_about = "ira reads HL7 v2 and FHIR R4 samples of an interface and reports what will \
                  break before go-live. Reports never show patient values."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Read samples and summarise their structure: files, messages per type and version,
    /// resources per type, and every issue with its position.
    Parse(ParseArgs),
    /// Profile samples: per message structure and resource type, every path's presence,
    /// repetitions, lengths, datatype conformance and coded values (never other values).
    /// Or, with --merge, merge saved profiles.
    Profile(ProfileArgs),
    /// Analyse an interface: legacy samples against the target (profiles, target samples,
    /// the v2 → FHIR map) — the gaps that will break at go-live, with evidence.
    Analyze(analyze::AnalyzeArgs),
    /// List the gap-rule catalogue: id, name, category, default severity, patient safety.
    Rules,
    /// Explain a rule: what it finds, why it matters at go-live, an example, how to fix.
    Explain {
        /// The rule's id (`IRA401`) or name (`message-structure-violation`).
        rule: String,
    },
}

#[derive(clap::Args, Debug)]
struct ParseArgs {
    /// Files or directories (walked recursively); formats are detected by content.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    format: OutputFormat,
    /// Write the output to this file instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Skip the base FHIR R4 conformance check of resources (faster).
    #[arg(long)]
    no_conformance: bool,
    /// An input limit, `NAME=VALUE` (repeatable; see `ira analyze --help`).
    #[arg(long = "limit", value_name = "NAME=VALUE")]
    limits: Vec<String>,
}

#[derive(clap::Args, Debug)]
struct ProfileArgs {
    /// Files or directories of samples (walked recursively); with --merge, saved
    /// profiles (JSON) to merge.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// Merge saved profiles (written by `ira profile --format json`) instead of reading samples.
    #[arg(long)]
    merge: bool,
    /// Output format [default: json with --out, else text].
    #[arg(long, value_enum)]
    format: Option<ProfileFormat>,
    /// Text format: list the most frequent values of coded fields (codes only; never
    /// other values).
    #[arg(long)]
    show_codes: bool,
    /// Write the output to this file instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Profile only shard I of N (I in 0..N): of the files found, sorted by path, those
    /// whose position modulo N is I. Run the N shards as separate processes on the same
    /// PATHs and merge their outputs with --merge (docs/SCALING.md).
    #[arg(long, value_name = "I/N", value_parser = parse_shard, conflicts_with = "merge")]
    shard: Option<Shard>,
}

/// `--shard I/N`: this process profiles shard `index` of `count`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Shard {
    index: usize,
    count: usize,
}

impl Shard {
    /// Whether the file at `position` in the sorted discovery belongs to this shard.
    fn keeps(self, position: usize) -> bool {
        position % self.count == self.index
    }
}

fn parse_shard(s: &str) -> Result<Shard, String> {
    let usage = "expected I/N with 0 <= I < N, e.g. 0/4";
    let (i, n) = s.split_once('/').ok_or_else(|| format!("`{s}`: {usage}"))?;
    let index: usize = i
        .trim()
        .parse()
        .map_err(|_| format!("`{s}`: shard index is not a whole number; {usage}"))?;
    let count: usize = n
        .trim()
        .parse()
        .map_err(|_| format!("`{s}`: shard count is not a whole number; {usage}"))?;
    if count == 0 {
        return Err(format!(
            "`{s}`: the shard count must be at least 1; {usage}"
        ));
    }
    if index >= count {
        return Err(format!(
            "`{s}`: the shard index must be below the count; {usage}"
        ));
    }
    Ok(Shard { index, count })
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum ProfileFormat {
    /// A table per group, for a person.
    Text,
    /// The profile itself (schema `ira.profile/1`): can be merged later with --merge.
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum OutputFormat {
    /// For a person.
    Text,
    /// For machines (schema `ira.parse/1`).
    Json,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Parse(args) => run_parse(&args),
        Command::Profile(args) => run_profile(&args),
        Command::Analyze(args) => match analyze::run(&args) {
            // Risks at or above --fail-on: the report is written, the gate says no.
            Ok(true) => return ExitCode::from(1),
            Ok(false) => Ok(()),
            Err(e) => Err(e),
        },
        Command::Rules => emit(&ira_report::rules::catalogue_table(), None),
        Command::Explain { rule } => match ira_analyze::rules::find(&rule) {
            Some(meta) => emit(&ira_report::rules::rule_markdown(meta), None),
            None => Err(format!(
                "no rule `{rule}`: `ira rules` lists them (ids like IRA401, or names)"
            )),
        },
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("ira: error: {message}");
            ExitCode::from(2)
        }
    }
}

fn run_parse(args: &ParseArgs) -> Result<(), String> {
    let discovery = input::discover(&args.paths).map_err(input_error)?;
    let conformance = ira_conform::FhirboltConformance;
    let limits = parse_limits(&args.limits)?;
    let options = ReadOptions {
        limits,
        conformance: if args.no_conformance {
            None
        } else {
            Some(&conformance)
        },
    };
    let ov = overview::overview(
        &discovery,
        |f: &input::SourceFile| input::read_file_with(f, &limits),
        options,
    );
    let rendered = match args.format {
        OutputFormat::Text => ira_report::parse::text(&ov),
        OutputFormat::Json => ira_report::parse::json(&ov),
    };
    emit(&rendered, args.out.as_deref())
}

fn run_profile(args: &ProfileArgs) -> Result<(), String> {
    let profile = if args.merge {
        let mut merged = ira_analyze::profile::Profile::default();
        for path in &args.paths {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read the profile: {e} ({})", path.display()))?;
            let p = ira_report::profile::from_json(&text)
                .map_err(|e| format!("{e} ({})", path.display()))?;
            merged.merge(p);
        }
        merged
    } else {
        let mut discovery = input::discover(&args.paths).map_err(input_error)?;
        if let Some(shard) = args.shard {
            discovery = shard_of(&discovery, shard)?;
        }
        // Large files are streamed in chunks: memory does not grow with the corpus.
        let stream = ira_analyze::stream::StreamOptions::default();
        let limits = ira_parse::Limits::default();
        let open = |f: &input::SourceFile| input::open_with(f, &limits, stream.chunk_size as u64);
        ira_analyze::profile::profile_streaming(&discovery, &open, stream)
    };
    let format = args.format.unwrap_or(if args.out.is_some() {
        ProfileFormat::Json
    } else {
        ProfileFormat::Text
    });
    let rendered = match format {
        ProfileFormat::Json => ira_report::profile::json(&profile),
        ProfileFormat::Text => ira_report::profile::text(
            &profile,
            ira_report::profile::TextOptions {
                show_codes: args.show_codes,
            },
        ),
    };
    emit(&rendered, args.out.as_deref())
}

/// `<what> (<where>)`, like every error of the binary.
fn input_error(e: input::InputError) -> String {
    match e {
        input::InputError::NotFound { path, source } => {
            format!("{source} ({})", path.display())
        }
        other => other.to_string(),
    }
}

/// The files of `discovery` in `shard`, discovered again on their own: the paths (what
/// a profile records) stay exactly as the whole run found them.
fn shard_of(discovery: &input::Discovery, shard: Shard) -> Result<input::Discovery, String> {
    let mine: Vec<PathBuf> = discovery
        .table
        .files()
        .iter()
        .enumerate()
        .filter(|&(position, _)| shard.keeps(position))
        .map(|(_, f)| f.path.clone())
        .collect();
    if mine.is_empty() {
        // More shards than files: this one is empty, and merges as nothing.
        return Ok(input::Discovery::default());
    }
    input::discover(&mine).map_err(input_error)
}

/// The limits of `--limit NAME=VALUE` flags, over the defaults.
pub(crate) fn parse_limits(items: &[String]) -> Result<ira_parse::Limits, String> {
    let mut limits = ira_parse::Limits::default();
    for item in items {
        let (name, value) = item
            .split_once('=')
            .ok_or_else(|| format!("--limit {item}: expected NAME=VALUE"))?;
        limits.set(name.trim(), value)?;
    }
    Ok(limits)
}

/// Writes to standard output, or to `out` through a temporary file and a rename so a
/// reader never sees half a report.
pub(crate) fn emit(text: &str, out: Option<&std::path::Path>) -> Result<(), String> {
    match out {
        None => {
            let mut stdout = std::io::stdout().lock();
            match stdout.write_all(text.as_bytes()) {
                Ok(()) => Ok(()),
                // `ira parse … | head` closes the pipe early: not an error.
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                Err(e) => Err(format!("cannot write the output: {e} (standard output)")),
            }
        }
        Some(path) => {
            let file_name = path
                .file_name()
                .ok_or_else(|| format!("--out is not a file path ({})", path.display()))?;
            let tmp = path.with_file_name(format!(".{}.ira-tmp", file_name.to_string_lossy()));
            std::fs::write(&tmp, text)
                .and_then(|()| std::fs::rename(&tmp, path))
                .map_err(|e| {
                    let _ = std::fs::remove_file(&tmp);
                    format!("cannot write the output: {e} ({})", path.display())
                })
        }
    }
}
