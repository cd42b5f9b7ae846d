//! `ira analyze`: gather the inputs (from `--spec` and/or the command line), read the
//! artifacts, run the analysis, render the findings.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use ira_analyze::analysis::{AnalysisInput, analyze};
use ira_analyze::map::Map;
use ira_analyze::rules::RiskSeverity;
use ira_analyze::spec::{ConceptMap, Spec};
use ira_analyze::target::Artifacts;
use ira_parse::document::ReadOptions;
use ira_parse::input;
use ira_report::findings::Summary;
use ira_report::report_json::{Counts, InputFile, InputRole, Provenance, ReportInput, Timestamp};
use ira_report::risk::Status;

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

/// Runs `ira analyze`. `Ok(true)` when open risks reach `--fail-on` (exit code 1).
pub fn run(args: &AnalyzeArgs) -> Result<bool, String> {
    if let Some(n) = args.jobs {
        if n == 0 {
            return Err("--jobs must be at least 1".into());
        }
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build_global()
            .map_err(|e| format!("--jobs {n}: {e}"))?;
    }
    let (spec, base) = match &args.spec {
        Some(path) => {
            let text = read_text(path)?;
            let name = path.display().to_string();
            let spec = Spec::from_toml_str(&text, &name).map_err(|e| e.to_string())?;
            let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
            (Some(spec), base)
        }
        None => (None, PathBuf::new()),
    };
    let files = spec.as_ref().map(|s| s.files(&base));
    let mut legacy_paths = files.as_ref().map(|f| f.legacy.clone()).unwrap_or_default();
    legacy_paths.extend(args.legacy.iter().cloned());
    let mut target_paths = files.as_ref().map(|f| f.target.clone()).unwrap_or_default();
    target_paths.extend(args.target.iter().cloned());
    let mut artifact_paths: Vec<PathBuf> = files
        .as_ref()
        .map(|f| f.profiles.iter().chain(&f.value_sets).cloned().collect())
        .unwrap_or_default();
    artifact_paths.extend(args.profile.iter().cloned());
    // `fixtures/spec/../v2` → `fixtures/v2`: findings name files the way a person would.
    for p in legacy_paths
        .iter_mut()
        .chain(target_paths.iter_mut())
        .chain(artifact_paths.iter_mut())
    {
        *p = normalize(p);
    }
    if legacy_paths.is_empty() {
        return Err("no legacy samples: give --legacy PATH or a --spec that names them".into());
    }

    let mut artifacts = Artifacts::default();
    for p in &artifact_paths {
        let text = read_text(p)?;
        artifacts
            .add_json(&text, &p.display().to_string())
            .map_err(|e| e.to_string())?;
    }
    let profiles = artifacts.structure_definitions.len();

    let map = match (&spec, &files) {
        (Some(spec), Some(files)) => {
            let mut concept_maps = BTreeMap::new();
            for (key, path) in &files.concept_maps {
                let text = read_text(path)?;
                let mut maps = ConceptMap::from_json(&text, &path.display().to_string())
                    .map_err(|e| e.to_string())?;
                // A file may hold several ConceptMaps: their groups together.
                let mut one = maps.pop().unwrap_or_default();
                for m in maps {
                    one.groups.extend(m.groups);
                }
                concept_maps.insert(key.clone(), one);
            }
            Map::with_overrides(&spec.map_overrides(&concept_maps))
                .map_err(|e| format!("{}: map overrides: {e}", base.display()))?
        }
        _ => Map::builtin().clone(),
    };

    let legacy = input::discover(&legacy_paths).map_err(|e| e.to_string())?;
    let target = if target_paths.is_empty() {
        None
    } else {
        Some(input::discover(&target_paths).map_err(|e| e.to_string())?)
    };
    let result = analyze(
        AnalysisInput {
            legacy: &legacy,
            target: target.as_ref(),
            artifacts,
            map: &map,
            spec: spec.as_ref(),
        },
        &input::read_file,
        ReadOptions::default(),
    );
    let summary = Summary {
        interface: spec.as_ref().map(|s| s.interface.name.clone()),
        legacy_files: legacy.table.len(),
        legacy_samples: result.legacy.samples,
        target_files: target.as_ref().map_or(0, |t| t.table.len()),
        profiles,
    };
    // The risk register is built for every format: the gate (`--fail-on`) counts its
    // open risks, accepted ones excluded.
    let mut hashed: Vec<(InputRole, PathBuf)> = Vec::new();
    if let Some(p) = &args.spec {
        hashed.push((InputRole::Spec, normalize(p)));
    }
    for f in legacy.table.files() {
        hashed.push((InputRole::Legacy, f.path.clone()));
    }
    for f in target.iter().flat_map(|t| t.table.files()) {
        hashed.push((InputRole::Target, f.path.clone()));
    }
    for p in &artifact_paths {
        hashed.push((InputRole::Profile, p.clone()));
    }
    for (_, p) in files.iter().flat_map(|f| &f.concept_maps) {
        hashed.push((InputRole::ConceptMap, normalize(p)));
    }
    let provenance = provenance(&hashed)?;
    let report = ira_report::report_json::build(ReportInput {
        findings: &result.findings,
        spec: spec.as_ref(),
        // Scopes come from the findings.
        scopes: &[],
        counts: Counts {
            legacy_files: summary.legacy_files,
            legacy_samples: summary.legacy_samples,
            target_files: summary.target_files,
            profiles: summary.profiles,
        },
        provenance: &provenance,
    })
    .with_accounts(&result.files);
    let fail_on: Option<RiskSeverity> = args
        .fail_on
        .map(RiskSeverity::from)
        .or_else(|| spec.as_ref().and_then(|s| s.thresholds.fail_on));
    let rendered = match args.format {
        AnalyzeFormat::Text => {
            ira_report::findings::text(&summary, &result.findings)
                + &ira_report::findings::accounts_text(&result.files)
        }
        AnalyzeFormat::Csv => ira_report::csv::csv(&report),
        AnalyzeFormat::Markdown => ira_report::markdown::markdown(&report),
        AnalyzeFormat::Sarif => ira_report::sarif::sarif(&report),
        AnalyzeFormat::Junit => ira_report::junit::junit(
            &report,
            fail_on.unwrap_or(ira_report::junit::DEFAULT_THRESHOLD),
        ),
        AnalyzeFormat::Json => ira_report::report_json::json(&report),
    };
    crate::emit(&rendered, args.out.as_deref())?;
    let gate_failed = fail_on.is_some_and(|threshold| {
        report
            .risks
            .iter()
            .any(|r| r.status == Status::Open && r.severity >= threshold)
    });
    Ok(gate_failed)
}

/// The audit trail of a report: SHA-256 of every input file (read again here, the
/// report does no I/O) and the timestamp, pinned by `SOURCE_DATE_EPOCH` when set so a
/// rerun gives the same bytes.
fn provenance(files: &[(InputRole, PathBuf)]) -> Result<Provenance, String> {
    let generated_at = match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(v) => Timestamp::from_source_date_epoch(&v).ok_or_else(|| {
            "SOURCE_DATE_EPOCH: not a whole number of seconds since 1970-01-01".to_string()
        })?,
        Err(_) => Timestamp::from_system_time(std::time::SystemTime::now()),
    };
    let mut inputs = Vec::new();
    let mut spec_sha256 = None;
    for (role, path) in files {
        let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let sha256 = ira_report::report_json::sha256_hex(&bytes);
        if *role == InputRole::Spec {
            spec_sha256 = Some(sha256.clone());
        }
        inputs.push(InputFile {
            role: *role,
            path: path.display().to_string(),
            bytes: bytes.len() as u64,
            sha256,
        });
    }
    inputs.sort();
    inputs.dedup();
    Ok(Provenance {
        generated_at,
        spec_sha256,
        inputs,
    })
}

/// Removes `.` and `name/..` pairs without touching the file system (symbolic links
/// are not resolved: the path stays the one the user wrote, only tidier).
fn normalize(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out: Vec<Component<'_>> = Vec::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => match out.last() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                Some(Component::RootDir) => {}
                _ => out.push(c),
            },
            _ => out.push(c),
        }
    }
    out.iter().collect()
}

fn read_text(path: &Path) -> Result<String, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    String::from_utf8(bytes).map_err(|e| {
        format!(
            "{}: not UTF-8 text (invalid byte at offset {})",
            path.display(),
            e.utf8_error().valid_up_to()
        )
    })
}
