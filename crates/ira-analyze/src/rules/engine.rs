//! Runs the per-sample rules over files, in parallel, deterministically.

use rayon::prelude::*;

use ira_parse::Issue;
use ira_parse::document::{ReadOptions, SampleSink, read_samples};
use ira_parse::input::{Discovery, SourceFile, detect};
use ira_parse::model::{ElementPath, Item, Sample, V2Path};

use super::file_rule::{FileState, FileStates};
use super::tally::Noted;
use super::v2types::{RuleEnv, V2Leaf, V2Position, pack_path};
use super::{SampleCx, SampleFindings, SampleRule, Tally, file_rules, sample_rules, structure_of};
use crate::fasthash::FastMap;

/// A [`SampleSink`] that runs every per-sample rule on each sample it receives, and
/// every file rule over the file's samples. One run reads one file: call
/// [`SampleRuleRun::finish`] at its end.
pub struct SampleRuleRun<'e> {
    pub tally: Tally,
    /// The map in force.
    env: &'e RuleEnv<'e>,
    /// Per-file state of the file rules, started at the file's first sample.
    files: Vec<Box<dyn FileState>>,
    /// Per schema position met in the file: the map's facts and the leaf rules that
    /// want its leaves (bit i: `leaf_rules()[i]`). Most positions are wanted by none.
    /// (Entries of `positions`, by packed schema path.)
    at: FastMap<u128, u32>,
    /// The positions met, in the order met: packed schema path, facts, subscription.
    positions: Vec<(u128, V2Position<'e>, u32)>,
    /// Per position, the one that followed it last time (`NO_POSITION`: not known), and
    /// the one that started the last sample. Messages repeat their sequence of paths,
    /// so the next position is usually the predicted one: a comparison of packed paths
    /// instead of a hash lookup per leaf.
    next: Vec<u32>,
    start: u32,
    /// What each leaf rule noted in the current sample (kept between samples so their
    /// buffers are reused).
    noted: Vec<Noted>,
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
            at: FastMap::default(),
            positions: Vec::new(),
            next: Vec::new(),
            start: NO_POSITION,
            noted: Vec::new(),
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
        let scope = structure_of(&sample.info()).scope();
        self.observe_file_in(sample, &scope);
    }

    /// [`SampleRuleRun::observe_file`] for a sample whose scope is known.
    fn observe_file_in(&mut self, sample: &dyn Sample, scope: &str) {
        if self.files.is_empty() {
            self.files = file_rules().iter().map(|r| r.start()).collect();
        }
        for state in &mut self.files {
            state.observe(sample, scope);
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
        let scope = structure_of(&sample.info()).scope();
        self.begin_sample_in(sample, issues, scope)
    }

    /// [`SampleRuleRun::begin_sample_with`] for a sample whose scope (see
    /// [`super::Structure::scope`]) the caller worked out already.
    pub fn begin_sample_in(
        &mut self,
        sample: &dyn Sample,
        issues: &[Issue],
        scope: String,
    ) -> RuleSample {
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
        self.observe_file_in(sample, &scope);
        if v2 && self.noted.is_empty() {
            self.noted = leaf_rules().iter().map(|_| Noted::default()).collect();
        }
        RuleSample {
            v2,
            scope,
            prev: NO_POSITION,
        }
    }

    /// One item of the sample begun by [`SampleRuleRun::begin_sample`] (v2 leaves go to
    /// the leaf rules; other items are ignored).
    #[inline]
    pub fn item(&mut self, s: &mut RuleSample, item: &Item<'_>) {
        if !s.v2 {
            return;
        }
        let ElementPath::V2(path) = item.path else {
            return;
        };
        let (at, wanted) = self.position(&path, &mut s.prev);
        self.leaf_at(s, item, path, &at, wanted);
    }

    /// The facts of the schema position of `path` and the leaf rules that want its
    /// leaves (a bit per rule), for a caller that keeps them per position.
    pub(crate) fn subscription(&self, path: &V2Path) -> (V2Position<'e>, u32) {
        subscribe(path, self.env)
    }

    /// A v2 leaf of the sample at `path`, whose position's facts and subscription the
    /// caller found (see [`SampleRuleRun::subscription`]): the rules that want it see it.
    #[inline]
    pub(crate) fn leaf_at(
        &mut self,
        s: &RuleSample,
        item: &Item<'_>,
        path: V2Path,
        at: &V2Position<'e>,
        wanted: u32,
    ) {
        if wanted == 0 || !s.v2 {
            return;
        }
        let env = self.env;
        let leaf = V2Leaf::at(item, path, at);
        let cx = SampleCx {
            scope: &s.scope,
            env,
        };
        // Only the subscribed rules, by their bits: a leaf is wanted by one or two.
        let rules = leaf_rules();
        let mut w = wanted;
        while w != 0 {
            let i = w.trailing_zeros() as usize;
            w &= w - 1;
            let (Some(rule), Some(noted)) = (rules.get(i), self.noted.get_mut(i)) else {
                continue;
            };
            let mut f = SampleFindings::with(rule.meta().id, &s.scope, std::mem::take(noted));
            rule.v2_leaf(&leaf, &cx, &mut f);
            *noted = f.into_noted();
        }
    }

    /// The facts and subscription of `path`'s schema position, trying first the
    /// position that followed `prev` (the sample's previous leaf) last time; `prev`
    /// becomes this position.
    #[inline]
    fn position(&mut self, path: &V2Path, prev: &mut u32) -> (V2Position<'e>, u32) {
        let key = pack_path(&path.schema_key());
        let guess = match *prev {
            NO_POSITION => self.start,
            p => self.next.get(p as usize).copied().unwrap_or(NO_POSITION),
        };
        if let Some(&(k, at, wanted)) = self.positions.get(guess as usize)
            && k == key
        {
            *prev = guess;
            return (at, wanted);
        }
        let env = self.env;
        let index = match self.at.get(&key) {
            Some(&i) => i,
            None => {
                let (at, wanted) = subscribe(path, env);
                let i = u32::try_from(self.positions.len()).unwrap_or(NO_POSITION);
                self.positions.push((key, at, wanted));
                self.next.push(NO_POSITION);
                self.at.insert(key, i);
                i
            }
        };
        match *prev {
            NO_POSITION => self.start = index,
            p => {
                if let Some(n) = self.next.get_mut(p as usize) {
                    *n = index;
                }
            }
        }
        *prev = index;
        match self.positions.get(index as usize) {
            Some(&(_, at, wanted)) => (at, wanted),
            // More than u32::MAX positions in a file: no prediction, facts anew.
            None => subscribe(path, env),
        }
    }

    /// Ends the sample: records what the leaf rules noted.
    pub fn end_sample(&mut self, s: RuleSample) {
        if !s.v2 {
            return;
        }
        for (rule, noted) in leaf_rules().iter().zip(self.noted.iter_mut()) {
            noted.drain_into(rule.meta().id, &s.scope, &mut self.tally);
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
        let rules: Vec<_> = sample_rules()
            .iter()
            .copied()
            .filter(|r| r.walks_v2())
            .collect();
        // A subscription is one bit of a `u32` per rule.
        debug_assert!(rules.len() <= 32);
        rules
    })
}

/// The facts of the schema position of `path` and the leaf rules that want its leaves.
fn subscribe<'e>(path: &V2Path, env: &'e RuleEnv<'e>) -> (V2Position<'e>, u32) {
    let at = V2Position::of(path, &env.positions);
    let wanted = leaf_rules()
        .iter()
        .enumerate()
        .filter(|(_, r)| r.wants_v2(&at, env))
        .fold(0u32, |m, (i, _)| m | bit(i));
    (at, wanted)
}

/// The bit of leaf rule `i` in a subscription mask (none past 32 rules; `leaf_rules`
/// checks there are fewer).
fn bit(i: usize) -> u32 {
    u32::try_from(i)
        .ok()
        .and_then(|i| 1u32.checked_shl(i))
        .unwrap_or(0)
}

/// One sample in the shared walk: whether it is v2, its scope, where its walk is.
#[derive(Debug)]
pub struct RuleSample {
    v2: bool,
    scope: String,
    /// The position of the sample's previous leaf (see [`SampleRuleRun::position`]).
    prev: u32,
}

/// No position (see [`SampleRuleRun::next`]).
const NO_POSITION: u32 = u32::MAX;

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

#[cfg(test)]
mod tests {
    use ira_parse::FileId;

    use super::*;

    /// Checks the subscription contract on every leaf of a sample: a rule that does not
    /// want a position notes nothing there.
    struct Contract<'e> {
        env: &'e RuleEnv<'e>,
        leaves: u64,
        skipped: u64,
    }

    impl SampleSink for Contract<'_> {
        fn sample(&mut self, sample: &dyn Sample, _issues: &[Issue]) {
            if sample.as_v2().is_none() {
                return;
            }
            let scope = structure_of(&sample.info()).scope();
            let cx = SampleCx {
                scope: &scope,
                env: self.env,
            };
            let env = self.env;
            let (leaves, skipped) = (&mut self.leaves, &mut self.skipped);
            sample.walk(&mut |item| {
                let ElementPath::V2(path) = item.path else {
                    return;
                };
                *leaves += 1;
                let (at, wanted) = subscribe(&path, env);
                let leaf = V2Leaf::at(item, path, &at);
                for (i, rule) in leaf_rules().iter().enumerate() {
                    if wanted & bit(i) != 0 {
                        continue;
                    }
                    *skipped += 1;
                    let mut f = SampleFindings::new(rule.meta().id, &scope);
                    rule.v2_leaf(&leaf, &cx, &mut f);
                    assert!(
                        f.into_noted().is_empty(),
                        "{} noted a finding at {path}, a position it does not want",
                        rule.meta().id
                    );
                }
            });
        }

        fn issue(&mut self, _issue: &Issue) {}
    }

    #[test]
    fn a_rule_notes_nothing_at_positions_it_does_not_want() {
        let root = crate::test_support::fixtures_dir();
        let mut files = Vec::new();
        crate::test_support::hl7_files(&root, &mut files);
        assert!(
            files.len() > 20,
            "fixtures not found under {}",
            root.display()
        );
        let mut check = Contract {
            env: RuleEnv::builtin(),
            leaves: 0,
            skipped: 0,
        };
        for path in files {
            let bytes = std::fs::read(&path).unwrap();
            let file = SourceFile {
                id: FileId(0),
                path,
                walked: false,
            };
            read_samples(
                &file,
                ira_parse::input::Format::Hl7v2,
                &bytes,
                ReadOptions::default(),
                &mut check,
            );
        }
        // The fixtures exercise the filter: most (rule, leaf) pairs are skipped.
        assert!(check.leaves > 1000, "{} leaves", check.leaves);
        assert!(check.skipped > check.leaves, "{} skipped", check.skipped);
    }
}
