//! Runs the per-sample rules over files, in parallel, deterministically.

use rayon::prelude::*;

use ira_parse::Issue;
use ira_parse::document::{ReadOptions, SampleSink, read_samples};
use ira_parse::input::{Discovery, SourceFile, detect};
use ira_parse::model::{Item, Sample};

use super::file_rule::{FileState, FileStates};
use super::v2types::{RuleEnv, V2Leaf};
use super::{SampleCx, SampleFindings, SampleRule, Tally, file_rules, sample_rules, structure_of};

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

    /// Starts one sample: counts it, runs the rules that look at it whole, and returns
    /// what the leaf rules need for the shared walk. Hand every item of the sample to
    /// [`SampleRuleRun::item`], then call [`SampleRuleRun::end_sample`].
    pub fn begin_sample(&mut self, sample: &dyn Sample) -> RuleSample {
        self.begin_sample_with(sample, &[])
    }

    /// [`SampleRuleRun::begin_sample`] with the issues the reader found in the sample
    /// (for the rules that look at them, [`SampleRule::issues`]).
    pub fn begin_sample_with(&mut self, sample: &dyn Sample, issues: &[Issue]) -> RuleSample {
        let info = sample.info();
        let scope = structure_of(&info).scope();
        self.tally.count_sample(&scope);
        let v2 = sample.as_v2().is_some();
        let cx = SampleCx {
            scope: &scope,
            env: self.env,
        };
        for rule in sample_rules() {
            if !issues.is_empty() {
                rule.issues(sample, issues, &cx, &mut self.tally);
            }
            if !(v2 && rule.walks_v2()) {
                rule.observe(sample, &cx, &mut self.tally);
            }
        }
        self.observe_file(sample);
        RuleSample {
            v2,
            found: if v2 {
                leaf_rules().iter().map(|_| Default::default()).collect()
            } else {
                Vec::new()
            },
            scope,
        }
    }

    /// One item of the sample begun by [`SampleRuleRun::begin_sample`] (v2 leaves go to
    /// the leaf rules; other items are ignored).
    #[inline]
    pub fn item(&mut self, s: &mut RuleSample, item: &Item<'_>) {
        if !s.v2 {
            return;
        }
        let Some(leaf) = V2Leaf::of(item, &self.env.positions) else {
            return;
        };
        let cx = SampleCx {
            scope: &s.scope,
            env: self.env,
        };
        for (rule, noted) in leaf_rules().iter().zip(s.found.iter_mut()) {
            let mut f = SampleFindings::with(rule.meta().id, &s.scope, std::mem::take(noted));
            rule.v2_leaf(&leaf, &cx, &mut f);
            *noted = f.into_noted();
        }
    }

    /// Ends the sample: records what the leaf rules noted.
    pub fn end_sample(&mut self, s: RuleSample) {
        for (rule, noted) in leaf_rules().iter().zip(s.found) {
            SampleFindings::with(rule.meta().id, &s.scope, noted).record(&mut self.tally);
        }
    }

    /// Ends the file: the file rules record what they found; returns the tally (every
    /// finding described).
    pub fn finish(self) -> Tally {
        let (mut tally, files) = self.finish_open();
        files.finish(&mut tally);
        tally
    }

    /// Ends part of a file (a chunk): returns the tally (every finding described) and
    /// the file rules' states, still open, to be merged with those of the file's other
    /// chunks in order and finished at its end ([`FileStates`]).
    pub fn finish_open(mut self) -> (Tally, FileStates) {
        self.tally.settle(self.env);
        (self.tally, FileStates(self.files))
    }
}

/// The rules that take v2 leaves from the shared walk.
fn leaf_rules() -> &'static [&'static dyn SampleRule] {
    static LEAF: std::sync::OnceLock<Vec<&'static dyn SampleRule>> = std::sync::OnceLock::new();
    LEAF.get_or_init(|| {
        sample_rules()
            .iter()
            .copied()
            .filter(|r| r.walks_v2())
            .collect()
    })
}

/// One sample in the shared walk: its scope and what each leaf rule noted so far.
#[derive(Debug)]
pub struct RuleSample {
    v2: bool,
    scope: String,
    found: Vec<super::tally::Noted>,
}

impl SampleSink for SampleRuleRun<'_> {
    fn sample(&mut self, sample: &dyn Sample, issues: &[Issue]) {
        let mut s = self.begin_sample_with(sample, issues);
        if s.v2 {
            sample.walk(&mut |item| self.item(&mut s, item));
        }
        self.end_sample(s);
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
