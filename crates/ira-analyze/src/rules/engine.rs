//! Runs the per-sample rules over files, in parallel, deterministically.

use rayon::prelude::*;

use ira_parse::Issue;
use ira_parse::document::{ReadOptions, SampleSink, read_samples};
use ira_parse::input::{Discovery, SourceFile, detect};
use ira_parse::model::Sample;

use super::file_rule::FileState;
use super::v2types::RuleEnv;
use super::{SampleCx, SampleRule, Tally, file_rules, sample_rules, structure_of};

/// A [`SampleSink`] that runs every per-sample rule on each sample it receives, and
/// every file rule over the file's samples. One run reads one file: call
/// [`SampleRuleRun::finish`] at its end.
pub struct SampleRuleRun<'e> {
    pub tally: Tally,
    /// The map in force.
    env: &'e RuleEnv<'e>,
    /// Per-file state of the file rules, started at the file's first sample.
    files: Vec<Box<dyn FileState>>,
}

impl Default for SampleRuleRun<'static> {
    /// A run with ira's built-in map.
    fn default() -> Self {
        SampleRuleRun::new(RuleEnv::builtin())
    }
}

impl std::fmt::Debug for SampleRuleRun<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SampleRuleRun")
            .field("tally", &self.tally)
            .field("file_rules", &self.files.len())
            .finish()
    }
}

impl<'e> SampleRuleRun<'e> {
    /// A run with the map of `env` (with a project's overrides).
    pub fn new(env: &'e RuleEnv<'e>) -> Self {
        Self {
            tally: Tally::default(),
            env,
            files: Vec::new(),
        }
    }

    /// Runs `rules` on one sample.
    pub fn observe(&mut self, sample: &dyn Sample, rules: &[&dyn SampleRule]) {
        let info = sample.info();
        let scope = structure_of(&info).scope();
        self.tally.count_sample(&scope);
        let cx = SampleCx {
            scope: &scope,
            env: self.env,
        };
        for rule in rules {
            rule.observe(sample, &cx, &mut self.tally);
        }
    }

    /// Feeds one sample of the file to every file rule.
    pub fn observe_file(&mut self, sample: &dyn Sample) {
        if self.files.is_empty() {
            self.files = file_rules().iter().map(|r| r.start()).collect();
        }
        let scope = structure_of(&sample.info()).scope();
        for state in &mut self.files {
            state.observe(sample, &scope);
        }
    }

    /// Ends the file: the file rules record what they found; returns the tally.
    pub fn finish(mut self) -> Tally {
        for state in self.files {
            state.finish(&mut self.tally);
        }
        self.tally
    }
}

impl SampleSink for SampleRuleRun<'_> {
    fn sample(&mut self, sample: &dyn Sample, _issues: &[Issue]) {
        self.observe(sample, sample_rules());
        self.observe_file(sample);
    }

    fn issue(&mut self, _issue: &Issue) {}
}

/// Runs every per-sample and file rule over the discovered files (read by `load`, the
/// caller's I/O) with ira's built-in map, files in parallel, tallies merged in file
/// order.
pub fn run_sample_rules<L>(discovery: &Discovery, load: L, options: ReadOptions<'_>) -> Tally
where
    L: Fn(&SourceFile) -> Result<Vec<u8>, Issue> + Sync,
{
    run_sample_rules_with(RuleEnv::builtin(), discovery, load, options)
}

/// [`run_sample_rules`] with the map of `env`.
pub fn run_sample_rules_with<L>(
    env: &RuleEnv<'_>,
    discovery: &Discovery,
    load: L,
    options: ReadOptions<'_>,
) -> Tally
where
    L: Fn(&SourceFile) -> Result<Vec<u8>, Issue> + Sync,
{
    discovery
        .table
        .files()
        .par_iter()
        .map(|file| {
            let mut run = SampleRuleRun::new(env);
            if let Ok(bytes) = load(file) {
                let format = detect(&bytes, Some(&file.path));
                read_samples(file, format, &bytes, options, &mut run);
            }
            run.finish()
        })
        .reduce(Tally::default, |mut a, b| {
            a.merge(b);
            a
        })
}
