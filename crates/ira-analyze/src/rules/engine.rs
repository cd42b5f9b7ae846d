//! Runs the per-sample rules over files, in parallel, deterministically.

use rayon::prelude::*;

use ira_parse::Issue;
use ira_parse::document::{ReadOptions, SampleSink, read_samples};
use ira_parse::input::{Discovery, SourceFile, detect};
use ira_parse::model::Sample;

use super::file_rule::FileState;
use super::{SampleRule, Tally, file_rules, sample_rules, structure_of};

/// A [`SampleSink`] that runs every per-sample rule on each sample it receives, and
/// every file rule over the file's samples. One run reads one file: call
/// [`SampleRuleRun::finish`] at its end.
#[derive(Default)]
pub struct SampleRuleRun {
    pub tally: Tally,
    /// Per-file state of the file rules, started at the file's first sample.
    files: Vec<Box<dyn FileState>>,
}

impl std::fmt::Debug for SampleRuleRun {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SampleRuleRun")
            .field("tally", &self.tally)
            .field("file_rules", &self.files.len())
            .finish()
    }
}

impl SampleRuleRun {
    /// Runs `rules` on one sample.
    pub fn observe(&mut self, sample: &dyn Sample, rules: &[&dyn SampleRule]) {
        let info = sample.info();
        let scope = structure_of(&info).scope();
        self.tally.count_sample(&scope);
        for rule in rules {
            rule.observe(sample, &scope, &mut self.tally);
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

impl SampleSink for SampleRuleRun {
    fn sample(&mut self, sample: &dyn Sample, _issues: &[Issue]) {
        self.observe(sample, sample_rules());
        self.observe_file(sample);
    }

    fn issue(&mut self, _issue: &Issue) {}
}

/// Runs every per-sample rule over the discovered files (read by `load`, the caller's
/// I/O), files in parallel, tallies merged in file order.
pub fn run_sample_rules<L>(discovery: &Discovery, load: L, options: ReadOptions<'_>) -> Tally
where
    L: Fn(&SourceFile) -> Result<Vec<u8>, Issue> + Sync,
{
    discovery
        .table
        .files()
        .par_iter()
        .map(|file| {
            let mut run = SampleRuleRun::default();
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
