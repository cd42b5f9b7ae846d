//! [`Analyzer`]: the whole of `ira analyze` as a library call — the spec, the inputs,
//! the options in; a [`RiskReport`] out, which renders any format.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use ira_analyze::analysis::{Analysis, AnalysisInput, analyze_streaming};
use ira_analyze::map::Map;
use ira_analyze::rules::{Finding, RiskSeverity};
use ira_analyze::spec::{ConceptMap, Spec};
use ira_analyze::stream::{Opened, StreamOptions};
use ira_analyze::target::Artifacts;
use ira_parse::Issue;
use ira_parse::document::ReadOptions;
use ira_parse::input::{self, Discovery, SourceFile};
use ira_report::baseline::{self, Baseline};
use ira_report::findings::{Summary, TextOptions};
use ira_report::report_json::{
    Counts, Extras, InputFile, InputRole, Provenance, Report, ReportInput, Timestamp,
};

use crate::Error;
use crate::readback::{Place, read_back};

/// An output format of [`RiskReport::render`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Format {
    /// The findings for a person (what `ira analyze` prints by default).
    Text,
    /// The risk report `ira.report/1` (`docs/report-format.md`).
    Json,
    /// The risk register, one row a risk, for issue trackers and plan tools.
    Csv,
    /// The risk report for a person or a pull-request comment (GitHub Markdown).
    Markdown,
    /// SARIF 2.1.0, for code scanning.
    Sarif,
    /// JUnit XML, for CI dashboards.
    Junit,
    /// One self-contained HTML file: charts and a sortable risk table.
    Html,
}

/// How far the reading of sample files has got, for a progress bar. Files are counted
/// when they have been read (in any order: files are read in parallel).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    /// Sample files read so far (legacy and target).
    pub files_done: usize,
    /// Sample files to read.
    pub files_total: usize,
    /// Bytes read so far.
    pub bytes_done: u64,
    /// Bytes of all sample files (their sizes when the run started).
    pub bytes_total: u64,
}

type ProgressFn = dyn Fn(&Progress) + Send + Sync;

/// Where the spec comes from.
#[derive(Clone, Debug)]
enum SpecSource {
    File(PathBuf),
    Text { toml: String, base_dir: PathBuf },
}

/// A baseline to compare with: a previous report's file, or a report value.
#[derive(Clone, Debug)]
pub enum BaselineSource {
    /// An `ira.report/1` JSON file, read by [`Analyzer::run`].
    File(PathBuf),
    /// A report already in memory (an earlier [`RiskReport::report`]); the report's
    /// `baseline.path` then reads `(report value)`.
    Report(Box<Report>),
}

impl From<PathBuf> for BaselineSource {
    fn from(p: PathBuf) -> Self {
        BaselineSource::File(p)
    }
}

impl From<&Path> for BaselineSource {
    fn from(p: &Path) -> Self {
        BaselineSource::File(p.to_path_buf())
    }
}

impl From<&str> for BaselineSource {
    fn from(p: &str) -> Self {
        BaselineSource::File(PathBuf::from(p))
    }
}

impl From<Report> for BaselineSource {
    fn from(r: Report) -> Self {
        BaselineSource::Report(Box::new(r))
    }
}

impl From<&Report> for BaselineSource {
    fn from(r: &Report) -> Self {
        BaselineSource::Report(Box::new(r.clone()))
    }
}

/// Analyses an interface: the builder behind `ira analyze`.
///
/// Give it a spec and/or inputs, options, then [`run`](Analyzer::run) it. Paths in a
/// spec are relative to the spec's folder; paths given here are used as they are. The
/// result is the same, byte for byte, whatever the number of threads.
///
/// ```
/// use ira::{Analyzer, Format};
///
/// let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
/// let report = Analyzer::new()
///     .spec(root.join("fixtures/demo/ira.toml"))
///     .jobs(2)
///     .run()?;
/// // The demo interface has high risks and its spec fails on them.
/// assert!(report.gate_failed());
/// let markdown = report.render(Format::Markdown);
/// assert!(markdown.starts_with("# ira risk report: "));
/// assert!(report.report().risks.iter().any(|r| r.rule == "IRA601"));
/// # Ok::<(), ira::Error>(())
/// ```
#[derive(Clone, Default)]
pub struct Analyzer {
    spec: Option<SpecSource>,
    legacy: Vec<PathBuf>,
    target: Vec<PathBuf>,
    profiles: Vec<PathBuf>,
    fail_on: Option<RiskSeverity>,
    show_values: bool,
    baseline: Option<BaselineSource>,
    jobs: Option<usize>,
    generated_at: Option<Timestamp>,
    progress: Option<Arc<ProgressFn>>,
    limits: ira_parse::Limits,
    conformance: bool,
}

impl fmt::Debug for Analyzer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Analyzer")
            .field("spec", &self.spec)
            .field("legacy", &self.legacy)
            .field("target", &self.target)
            .field("profiles", &self.profiles)
            .field("fail_on", &self.fail_on)
            .field("show_values", &self.show_values)
            .field("baseline", &self.baseline)
            .field("jobs", &self.jobs)
            .field("generated_at", &self.generated_at)
            .field("progress", &self.progress.is_some())
            .field("limits", &self.limits)
            .field("conformance", &self.conformance)
            .finish()
    }
}

impl Analyzer {
    /// An analyzer with no inputs and default options.
    pub fn new() -> Analyzer {
        Analyzer::default()
    }

    /// The interface spec file (`ira.toml`): inputs, profiles, map overrides, code
    /// maps, thresholds, accepted risks. Its paths are relative to its folder.
    pub fn spec(mut self, path: impl Into<PathBuf>) -> Analyzer {
        self.spec = Some(SpecSource::File(path.into()));
        self
    }

    /// The spec as TOML text; its paths are relative to `base_dir`. The report then
    /// carries the text's SHA-256 but lists no spec file among its inputs.
    pub fn spec_str(mut self, toml: impl Into<String>, base_dir: impl Into<PathBuf>) -> Analyzer {
        self.spec = Some(SpecSource::Text {
            toml: toml.into(),
            base_dir: base_dir.into(),
        });
        self
    }

    /// Legacy samples (HL7 v2): files or folders, added to the spec's.
    pub fn legacy<I, P>(mut self, paths: I) -> Analyzer
    where
        I: IntoIterator<Item = P>,
        P: Into<PathBuf>,
    {
        self.legacy.extend(paths.into_iter().map(Into::into));
        self
    }

    /// Target samples (FHIR bundles, NDJSON, or HL7 v2), added to the spec's.
    pub fn target<I, P>(mut self, paths: I) -> Analyzer
    where
        I: IntoIterator<Item = P>,
        P: Into<PathBuf>,
    {
        self.target.extend(paths.into_iter().map(Into::into));
        self
    }

    /// Target StructureDefinitions, ValueSets, CodeSystems (JSON, or Bundles of them),
    /// added to the spec's.
    pub fn profiles<I, P>(mut self, paths: I) -> Analyzer
    where
        I: IntoIterator<Item = P>,
        P: Into<PathBuf>,
    {
        self.profiles.extend(paths.into_iter().map(Into::into));
        self
    }

    /// The gate: [`RiskReport::gate_failed`] is true when an open risk is at or above
    /// this severity. Default: the spec's `[thresholds] fail_on`; without either, the
    /// gate never fails. With a baseline, only new risks count.
    pub fn fail_on(mut self, severity: RiskSeverity) -> Analyzer {
        self.fail_on = Some(severity);
        self
    }

    /// Puts the sample value at each evidence example into the report (off by
    /// default). The report then holds patient data, and says so.
    pub fn show_values(mut self, show: bool) -> Analyzer {
        self.show_values = show;
        self
    }

    /// Input limits (file size, line length, segment, field and repetition counts,
    /// JSON depth; [`ira_parse::Limits`] documents the defaults). Input over a limit is
    /// refused with a positioned issue, never read into memory.
    pub fn limits(mut self, limits: ira_parse::Limits) -> Analyzer {
        self.limits = limits;
        self
    }

    /// Checks every FHIR resource read (legacy and target) against the base R4 definitions
    /// with fhirbolt (`ira_conform`), beyond the shape check the reader always does:
    /// required elements missing, values not valid for their type. What it finds is
    /// reported by rule IRA406 (fhir-schema-violation). Off by default: it costs a typed
    /// parse of every resource.
    pub fn conformance(mut self, on: bool) -> Analyzer {
        self.conformance = on;
        self
    }

    /// Compares with a previous report (a file path or a [`Report`]): the report then
    /// lists new risks only, plus the resolved ones, and the gate counts new risks only.
    pub fn baseline(mut self, baseline: impl Into<BaselineSource>) -> Analyzer {
        self.baseline = Some(baseline.into());
        self
    }

    /// Worker threads. The analysis runs in a thread pool of its own, so the global
    /// rayon pool of the embedding program is left alone. Default: rayon's global pool
    /// (one thread per core, or `RAYON_NUM_THREADS`). `0` is an error at
    /// [`run`](Analyzer::run).
    pub fn jobs(mut self, n: usize) -> Analyzer {
        self.jobs = Some(n);
        self
    }

    /// The report's timestamp. Default: `SOURCE_DATE_EPOCH` when set, else now.
    pub fn generated_at(mut self, at: Timestamp) -> Analyzer {
        self.generated_at = Some(at);
        self
    }

    /// Called as sample files are read (from worker threads, so it must be `Sync`):
    /// for a progress bar.
    pub fn on_progress(mut self, callback: impl Fn(&Progress) + Send + Sync + 'static) -> Analyzer {
        self.progress = Some(Arc::new(callback));
        self
    }

    /// Runs the analysis and builds the report.
    pub fn run(&self) -> Result<RiskReport, Error> {
        match self.jobs {
            None => self.run_here(),
            Some(0) => Err(Error::NoJobs),
            Some(n) => rayon::ThreadPoolBuilder::new()
                .num_threads(n)
                .build()
                .map_err(|e| Error::ThreadPool {
                    jobs: n,
                    message: e.to_string(),
                })?
                .install(|| self.run_here()),
        }
    }

    fn run_here(&self) -> Result<RiskReport, Error> {
        // ira's built-in map is built once per process (about a third of a small
        // analysis's start-up): start it on another thread while this one reads the spec
        // and the target profiles. Whoever needs it first waits for that build; the map
        // is the same either way.
        rayon::spawn(|| {
            let _ = Map::builtin();
        });
        let generated_at = match self.generated_at {
            Some(t) => t,
            None => match std::env::var("SOURCE_DATE_EPOCH") {
                Ok(v) => Timestamp::from_source_date_epoch(&v).ok_or(Error::SourceDateEpoch)?,
                Err(_) => Timestamp::from_system_time(std::time::SystemTime::now()),
            },
        };
        let mut hashed: Vec<(InputRole, PathBuf)> = Vec::new();
        let mut spec_sha256 = None;
        let (spec, base, spec_name) = match &self.spec {
            Some(SpecSource::File(path)) => {
                let text = read_text(path, "spec")?;
                let name = path.display().to_string();
                let spec = Spec::from_toml_str(&text, &name).map_err(Error::Spec)?;
                hashed.push((InputRole::Spec, normalize(path)));
                let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
                (Some(spec), base, name)
            }
            Some(SpecSource::Text { toml, base_dir }) => {
                let spec = Spec::from_toml_str(toml, "ira.toml").map_err(Error::Spec)?;
                spec_sha256 = Some(ira_report::report_json::sha256_hex(toml.as_bytes()));
                (Some(spec), base_dir.clone(), "ira.toml".to_owned())
            }
            None => (None, PathBuf::new(), String::new()),
        };
        let files = spec.as_ref().map(|s| s.files(&base));
        let mut legacy_paths = files.as_ref().map(|f| f.legacy.clone()).unwrap_or_default();
        legacy_paths.extend(self.legacy.iter().cloned());
        let mut target_paths = files.as_ref().map(|f| f.target.clone()).unwrap_or_default();
        target_paths.extend(self.target.iter().cloned());
        let mut artifact_paths: Vec<PathBuf> = files
            .as_ref()
            .map(|f| f.profiles.iter().chain(&f.value_sets).cloned().collect())
            .unwrap_or_default();
        artifact_paths.extend(self.profiles.iter().cloned());
        // `fixtures/spec/../v2` → `fixtures/v2`: findings name files the way a person
        // would.
        for p in legacy_paths
            .iter_mut()
            .chain(target_paths.iter_mut())
            .chain(artifact_paths.iter_mut())
        {
            *p = normalize(p);
        }
        if legacy_paths.is_empty() {
            return Err(Error::NoLegacySamples);
        }

        let mut artifacts = Artifacts::default();
        for p in &artifact_paths {
            let text = read_text(p, "profile")?;
            artifacts
                .add_json(&text, &p.display().to_string())
                .map_err(|error| Error::Artifact {
                    what: "the profile",
                    error,
                })?;
        }
        let profiles = artifacts.structure_definitions.len();
        let target_profiles = target_profiles(&artifacts);

        let map = match (&spec, &files) {
            (Some(spec), Some(files)) => {
                let mut concept_maps = BTreeMap::new();
                for (key, path) in &files.concept_maps {
                    let text = read_text(path, "ConceptMap")?;
                    let mut maps = ConceptMap::from_json(&text, &path.display().to_string())
                        .map_err(|error| Error::Artifact {
                            what: "the ConceptMap",
                            error,
                        })?;
                    // A file may hold several ConceptMaps: their groups together.
                    let mut one = maps.pop().unwrap_or_default();
                    for m in maps {
                        one.groups.extend(m.groups);
                    }
                    concept_maps.insert(key.clone(), one);
                }
                Map::with_overrides(&spec.map_overrides(&concept_maps)).map_err(|error| {
                    Error::MapOverrides {
                        spec: spec_name.clone(),
                        error,
                    }
                })?
            }
            _ => Map::builtin().clone(),
        };

        // The baseline is read before the analysis, so a bad one fails fast.
        let baseline = match &self.baseline {
            None => None,
            Some(BaselineSource::File(path)) => {
                let text = read_text(path, "baseline")?;
                let b = baseline::from_json(&text).map_err(|error| Error::Baseline {
                    path: path.clone(),
                    error,
                })?;
                let sha = ira_report::report_json::sha256_hex(text.as_bytes());
                Some((b, path.display().to_string(), sha))
            }
            Some(BaselineSource::Report(r)) => {
                let sha = ira_report::report_json::sha256_hex(
                    ira_report::report_json::json(r).as_bytes(),
                );
                Some((Baseline::of_report(r), "(report value)".to_owned(), sha))
            }
        };

        let legacy = input::discover(&legacy_paths).map_err(Error::Input)?;
        let target = if target_paths.is_empty() {
            None
        } else {
            Some(input::discover(&target_paths).map_err(Error::Input)?)
        };
        let analysis = self.analyze(&legacy, target.as_ref(), artifacts, &map, spec.as_ref());
        let summary = Summary {
            interface: spec.as_ref().map(|s| s.interface.name.clone()),
            legacy_files: legacy.table.len(),
            legacy_samples: analysis.legacy.samples,
            target_files: target.as_ref().map_or(0, |t| t.table.len()),
            profiles,
        };

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
        let provenance = provenance(&hashed, generated_at, spec_sha256)?;

        let places: Vec<Place> = analysis
            .findings
            .iter()
            .flat_map(|f| &f.examples)
            .map(|e| (e.file.clone(), e.offset, e.message))
            .collect();
        let extras = Extras {
            target_profiles,
            examples: read_back(&places, self.show_values),
            show_values: self.show_values,
        };
        let mut report = ira_report::report_json::build_with(
            ReportInput {
                findings: &analysis.findings,
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
            },
            &extras,
        )
        .with_accounts(&analysis.files);
        if let Some((b, path, sha)) = &baseline {
            baseline::apply(&mut report, b, path, sha);
        }
        let fail_on = self
            .fail_on
            .or_else(|| spec.as_ref().and_then(|s| s.thresholds.fail_on));
        let values = extras
            .examples
            .into_iter()
            .filter_map(|(k, v)| v.value.map(|v| (k, v)))
            .collect();
        Ok(RiskReport {
            report,
            analysis,
            summary,
            fail_on,
            values,
        })
    }

    /// The analysis proper, with a loader that reports progress.
    fn analyze(
        &self,
        legacy: &Discovery,
        target: Option<&Discovery>,
        artifacts: Artifacts,
        map: &Map,
        spec: Option<&Spec>,
    ) -> Analysis {
        let input = AnalysisInput {
            legacy,
            target,
            artifacts,
            map,
            spec,
        };
        let checker = crate::conform::FhirboltConformance;
        let options = ReadOptions {
            limits: self.limits,
            conformance: self
                .conformance
                .then_some(&checker as &dyn ira_parse::fhir::Conformance),
        };
        let stream = StreamOptions::default();
        // Large files are streamed in chunks (memory stays bounded); small ones are read
        // whole, with every check of `read_file_with`.
        let whole_below = stream.chunk_size as u64;
        let Some(callback) = &self.progress else {
            let open = |file: &SourceFile| input::open_with(file, &options.limits, whole_below);
            return analyze_streaming(input, &open, options, stream);
        };
        let all: Vec<&SourceFile> = legacy
            .table
            .files()
            .iter()
            .chain(target.iter().flat_map(|t| t.table.files()))
            .collect();
        let bytes_total = all
            .iter()
            .filter_map(|f| std::fs::metadata(&f.path).ok())
            .map(|m| m.len())
            .sum();
        let files_total = all.len();
        let files_done = AtomicUsize::new(0);
        let bytes_done = AtomicU64::new(0);
        callback(&Progress {
            files_done: 0,
            files_total,
            bytes_done: 0,
            bytes_total,
        });
        // Counted when a file is opened (a large file is then read in chunks).
        let open = |file: &SourceFile| -> Result<Opened, Issue> {
            let result = input::open_with(file, &options.limits, whole_below);
            let n = std::fs::metadata(&file.path).map_or(0, |m| m.len());
            let bytes = bytes_done.fetch_add(n, Ordering::Relaxed) + n;
            let files = files_done.fetch_add(1, Ordering::Relaxed) + 1;
            callback(&Progress {
                files_done: files,
                files_total,
                bytes_done: bytes,
                bytes_total: bytes_total.max(bytes),
            });
            result
        };
        analyze_streaming(input, &open, options, stream)
    }
}

/// The result of [`Analyzer::run`]: the report, the analysis behind it, and the gate.
#[derive(Debug)]
pub struct RiskReport {
    report: Report,
    analysis: Analysis,
    summary: Summary,
    fail_on: Option<RiskSeverity>,
    /// Sample values read back (only with `show_values`), for the text format.
    values: BTreeMap<(String, u64), String>,
}

impl RiskReport {
    /// The risk report `ira.report/1` (with a baseline: the new risks only).
    pub fn report(&self) -> &Report {
        &self.report
    }

    /// The report, by value.
    pub fn into_report(self) -> Report {
        self.report
    }

    /// Every finding of the run (with a baseline too), sorted.
    pub fn findings(&self) -> &[Finding] {
        &self.analysis.findings
    }

    /// The analysis: findings, the legacy profile, what the target populates.
    pub fn analysis(&self) -> &Analysis {
        &self.analysis
    }

    /// The severity the gate fails at: the builder's `fail_on`, else the spec's.
    pub fn fail_on(&self) -> Option<RiskSeverity> {
        self.fail_on
    }

    /// Whether an open risk of the report is at or above [`fail_on`](Self::fail_on):
    /// `ira analyze` then exits 1. Accepted risks do not count; with a baseline only
    /// new risks do.
    pub fn gate_failed(&self) -> bool {
        self.fail_on
            .is_some_and(|t| self.report.open_at_or_above(t) > 0)
    }

    /// The report in `format`.
    pub fn render(&self, format: Format) -> String {
        match format {
            Format::Text => self.text(),
            Format::Json => ira_report::report_json::json(&self.report),
            Format::Csv => ira_report::csv::csv(&self.report),
            Format::Markdown => ira_report::markdown::markdown(&self.report),
            Format::Sarif => ira_report::sarif::sarif(&self.report),
            Format::Junit => ira_report::junit::junit(
                &self.report,
                self.fail_on.unwrap_or(ira_report::junit::DEFAULT_THRESHOLD),
            ),
            Format::Html => ira_report::html::html(&self.report),
        }
    }

    fn text(&self) -> String {
        let baseline = self.report.baseline.as_ref();
        let new: Vec<Finding>;
        let findings = if baseline.is_some() {
            let ids: std::collections::BTreeSet<&str> =
                self.report.risks.iter().map(|r| r.id.as_str()).collect();
            new = self
                .analysis
                .findings
                .iter()
                .filter(|f| ids.contains(ira_report::risk::risk_id(f).as_str()))
                .cloned()
                .collect();
            &new
        } else {
            &self.analysis.findings
        };
        ira_report::findings::text_with(
            &self.summary,
            findings,
            TextOptions {
                show_values: self.report.show_values,
                values: Some(&self.values),
                baseline,
            },
        ) + &ira_report::findings::accounts_text(&self.analysis.files)
    }
}

/// Resource type → URL of the one StructureDefinition constraining it.
fn target_profiles(artifacts: &Artifacts) -> BTreeMap<String, String> {
    let mut by_type: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for sd in &artifacts.structure_definitions {
        // Profiles only: a base definition (specialization) constrains nothing.
        if sd.derivation.as_deref() == Some("specialization") {
            continue;
        }
        by_type.entry(&sd.type_name).or_default().push(&sd.url);
    }
    by_type
        .into_iter()
        .filter_map(|(ty, mut urls)| {
            urls.sort_unstable();
            urls.dedup();
            match urls.as_slice() {
                [one] => Some((ty.to_owned(), (*one).to_owned())),
                _ => None,
            }
        })
        .collect()
}

/// The audit trail of a report: SHA-256 of every input file (read again here, the
/// report does no I/O) and the timestamp.
fn provenance(
    files: &[(InputRole, PathBuf)],
    generated_at: Timestamp,
    mut spec_sha256: Option<String>,
) -> Result<Provenance, Error> {
    let mut inputs = Vec::new();
    for (role, path) in files {
        // In blocks: a 1 GB input is hashed in constant memory.
        let (sha256, bytes) = ira_report::report_json::sha256_hex_reader(
            std::fs::File::open(path).map_err(|source| Error::Read {
                what: "input",
                path: path.clone(),
                source,
            })?,
        )
        .map_err(|source| Error::Read {
            what: "input",
            path: path.clone(),
            source,
        })?;
        if *role == InputRole::Spec {
            spec_sha256 = Some(sha256.clone());
        }
        inputs.push(InputFile {
            role: *role,
            path: path.display().to_string(),
            bytes,
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
pub(crate) fn normalize(path: &Path) -> PathBuf {
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

fn read_text(path: &Path, what: &'static str) -> Result<String, Error> {
    let bytes = std::fs::read(path).map_err(|source| Error::Read {
        what,
        path: path.to_path_buf(),
        source,
    })?;
    String::from_utf8(bytes).map_err(|e| Error::NotUtf8 {
        what,
        path: path.to_path_buf(),
        offset: e.utf8_error().valid_up_to(),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_target_profile_only_when_exactly_one_constrains_the_type() {
        let sd = |url: &str, ty: &str, derivation: &str| {
            format!(
                r#"{{"resourceType":"StructureDefinition","url":"{url}","name":"N","type":"{ty}",
                "kind":"resource","derivation":"{derivation}",
                "differential":{{"element":[{{"id":"{ty}","path":"{ty}"}}]}}}}"#
            )
        };
        let text = format!(
            "[{},{},{},{}]",
            sd("http://x/p1", "Patient", "constraint"),
            sd("http://x/o1", "Observation", "constraint"),
            sd("http://x/o2", "Observation", "constraint"),
            sd(
                "http://hl7.org/fhir/StructureDefinition/Encounter",
                "Encounter",
                "specialization"
            ),
        );
        let artifacts = Artifacts::from_json(&text, "t.json").unwrap();
        assert_eq!(artifacts.structure_definitions.len(), 4);
        let map = target_profiles(&artifacts);
        assert_eq!(
            map.into_iter().collect::<Vec<_>>(),
            [("Patient".to_owned(), "http://x/p1".to_owned())]
        );
    }

    #[test]
    fn normalize_tidies_without_resolving() {
        assert_eq!(normalize(Path::new("a/./b/../c")), PathBuf::from("a/c"));
        assert_eq!(normalize(Path::new("../x")), PathBuf::from("../x"));
        assert_eq!(normalize(Path::new("/../x")), PathBuf::from("/x"));
    }
}
