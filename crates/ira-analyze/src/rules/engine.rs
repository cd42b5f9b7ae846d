//! Runs the per-sample rules over files, in parallel, deterministically.

use rayon::prelude::*;

use ira_parse::Issue;
use ira_parse::document::{ReadOptions, SampleSink, read_samples};
use ira_parse::input::{Discovery, SourceFile, detect};
use ira_parse::model::Sample;

use super::{SampleRule, Tally, sample_rules, structure_of};

/// A [`SampleSink`] that runs every per-sample rule on each sample it receives.
#[derive(Debug, Default)]
pub struct SampleRuleRun {
    pub tally: Tally,
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
}

impl SampleSink for SampleRuleRun {
    fn sample(&mut self, sample: &dyn Sample, _issues: &[Issue]) {
        self.observe(sample, sample_rules());
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
            run.tally
        })
        .reduce(Tally::default, |mut a, b| {
            a.merge(b);
            a
        })
}
