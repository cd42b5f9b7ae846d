//! The analysis driver: reads the legacy and target samples (through the caller's
//! loader), profiles them and runs every rule, and returns sorted findings.
//!
//! One pass over each legacy file feeds both the profiler and the per-sample rules;
//! files are processed in parallel with rayon and their results merged in file order,
//! so the findings are the same whatever the thread count. Target files are read the
//! same way into what the target populates ([`TargetUsage`], [`V2Requirements`]).

use std::io::Read;

use rayon::prelude::*;

use ira_parse::Issue;
use ira_parse::document::{ReadOptions, SampleSink, read_samples};
use ira_parse::input::{Discovery, SourceFile, detect};
use ira_parse::model::Sample;

use crate::account::{Accountant, FileAccount, Role};
use crate::leaves::{Both, LeafIndex};
use crate::map::Map;
use crate::profile::{FileProfiler, Profile};
use crate::rules::{
    AnalysisContext, FileStates, Finding, RuleEnv, SampleRuleRun, Tally, context_rules,
};
use crate::spec::Spec;
use crate::stream::{Opened, Partial, Shift, StreamOptions, opener_from_loader, read_file};
use crate::target::{Artifacts, Requirements, TargetUsage, V2Requirements};

/// What to analyse.
#[derive(Debug)]
pub struct AnalysisInput<'a> {
    /// The legacy samples.
    pub legacy: &'a Discovery,
    /// The target samples, if any (FHIR and/or HL7 v2).
    pub target: Option<&'a Discovery>,
    /// Target profiles, value sets and code systems, already loaded.
    pub artifacts: Artifacts,
    /// The v2 → FHIR map, with the project's overrides applied.
    pub map: &'a Map,
    /// The interface spec, if any.
    pub spec: Option<&'a Spec>,
}

/// The result of an analysis.
#[derive(Debug)]
pub struct Analysis {
    /// Every finding, sorted by rule, scope, source, target, detail.
    pub findings: Vec<Finding>,
    /// The profile of the legacy samples.
    pub legacy: Profile,
    /// What the target FHIR samples populate (empty when none were given).
    pub target_usage: TargetUsage,
    /// What the target v2 samples populate (empty when none were given).
    pub target_v2: V2Requirements,
    /// What became of every file's samples (legacy, then target, in file order):
    /// found = analysed + rejected.
    pub files: Vec<FileAccount>,
}

/// One pass over a legacy file: the profile and the per-sample rules.
struct LegacySink<'e> {
    profiler: FileProfiler,
    rules: SampleRuleRun<'e>,
    /// One lookup per v2 leaf for both.
    index: LeafIndex<'e>,
}

impl SampleSink for LegacySink<'_> {
    /// One walk over the sample feeds the profiler and every leaf rule.
    fn sample(&mut self, sample: &dyn Sample, issues: &[Issue]) {
        // The sample's kind, structure and scope, worked out once for both.
        let info = sample.info();
        let structure = crate::rules::structure_of(&info);
        let mut p = self.profiler.begin_sample_as(&info, &structure);
        let mut r = self
            .rules
            .begin_sample_in(sample, issues, structure.scope());
        let (profiler, rules, index) = (&mut self.profiler, &mut self.rules, &mut self.index);
        match sample.as_v2() {
            // The reader's inlined leaf loop: no indirect call per leaf.
            Some(m) => {
                let mut prev = LeafIndex::START;
                let mut to = Both {
                    profiler,
                    p: &mut p,
                    rules,
                    r: &mut r,
                };
                m.for_each_leaf(|leaf| {
                    index.leaf(&mut prev, &m.item(leaf), leaf.path, &mut to);
                });
            }
            None => sample.walk_fhir(&mut |item, facts| {
                profiler.item_with(&mut p, item, facts);
                rules.item(&mut r, item);
            }),
        }
        self.profiler.end_sample(p);
        self.rules.end_sample(r);
    }

    fn issue(&mut self, issue: &Issue) {
        self.profiler.issue(issue);
        self.rules.issue(issue);
    }
}

/// The result of reading a legacy file or chunk: the file rules' states stay open until
/// the end of the file.
struct LegacyResult(Profile, Tally, FileStates);

impl Partial for LegacyResult {
    fn shift(&mut self, by: Shift) {
        self.0.shift_positions(by);
        self.1.shift_positions(by);
        self.2.shift(by);
    }

    fn merge_next(&mut self, next: Self) {
        self.0.merge(next.0);
        self.1.merge(next.1);
        self.2.merge_next(next.2);
    }

    fn end_file(&mut self) {
        self.0.files = 1;
        std::mem::take(&mut self.2).finish(&mut self.1);
    }
}

/// One pass over a target file: what it populates, and the per-sample rules (which
/// look at FHIR identifiers and references).
struct TargetSink<'e> {
    usage: TargetUsage,
    v2: V2Requirements,
    rules: SampleRuleRun<'e>,
}

impl SampleSink for TargetSink<'_> {
    fn sample(&mut self, sample: &dyn Sample, issues: &[Issue]) {
        if sample.as_v2().is_some() {
            self.v2.sample(sample, issues);
        } else {
            self.usage.sample(sample, issues);
        }
        self.rules.sample(sample, issues);
    }

    fn issue(&mut self, issue: &Issue) {
        self.usage.issue(issue);
        self.rules.issue(issue);
    }
}

/// Runs the analysis. `load` reads a file (the caller's I/O); a file it cannot read
/// contributes nothing here (the caller reports it, e.g. through the overview).
///
/// Large HL7 v2 files are still processed in chunks in parallel, but each is loaded
/// whole first; [`analyze_streaming`] reads them in bounded chunks.
pub fn analyze<L>(input: AnalysisInput<'_>, load: &L, options: ReadOptions<'_>) -> Analysis
where
    L: Fn(&SourceFile) -> Result<Vec<u8>, Issue> + Sync,
{
    analyze_streaming(
        input,
        &opener_from_loader(load),
        options,
        StreamOptions::default(),
    )
}

/// Runs the analysis, reading files through `open` (the caller's I/O) as streams: large
/// HL7 v2 files in bounded chunks cut at message boundaries, processed in parallel and
/// merged in chunk order (memory does not grow with file size; the findings are the same
/// whatever the chunk size and thread count). A file it cannot open or read contributes
/// nothing here.
pub fn analyze_streaming<O>(
    input: AnalysisInput<'_>,
    open: &O,
    options: ReadOptions<'_>,
    stream: StreamOptions,
) -> Analysis
where
    O: Fn(&SourceFile) -> Result<Opened, Issue> + Sync,
{
    // Sample rules see the map in force, project overrides included.
    let env = RuleEnv::new(input.map);
    let (legacy, legacy_tally, mut files) = input
        .legacy
        .table
        .files()
        .par_iter()
        .map(|file| {
            let path = file.path.display().to_string();
            let (read, account) = read_file(
                file,
                Role::Legacy,
                open,
                options,
                stream,
                &|| LegacySink {
                    profiler: FileProfiler::new(path.clone()),
                    rules: SampleRuleRun::new(&env),
                    index: LeafIndex::new(),
                },
                &|sink: LegacySink<'_>| {
                    let (tally, states) = sink.rules.finish_open();
                    LegacyResult(sink.profiler.finish(), tally, states)
                },
            );
            match read {
                Some(LegacyResult(p, t, _)) => (p, t, vec![account]),
                // Unreadable: counted as a file (its account says why), nothing else.
                None => (
                    FileProfiler::new(path).finish(),
                    SampleRuleRun::new(&env).finish(),
                    vec![account],
                ),
            }
        })
        .reduce(
            || (Profile::default(), Tally::default(), Vec::new()),
            |(mut p, mut t, mut f), (p2, t2, f2)| {
                p.merge(p2);
                t.merge(t2);
                f.extend(f2);
                (p, t, f)
            },
        );
    // Reduction keeps file order; sorting makes it explicit.
    files.sort_by_key(|a| a.file);

    // Target samples are few; read them in order (their sinks are not mergeable). File
    // rules (references, duplicates) see one file at a time.
    let mut target = TargetSink {
        usage: TargetUsage::default(),
        v2: V2Requirements::default(),
        rules: SampleRuleRun::new(&env),
    };
    let mut target_tally = Tally::default();
    if let Some(d) = input.target {
        for file in d.table.files() {
            files.push(read_target(file, open, options, &mut target));
            let done = std::mem::replace(&mut target.rules, SampleRuleRun::new(&env));
            target_tally.merge(done.finish());
        }
    }

    let mut requirements = Requirements::new();
    requirements.add_artifacts(input.artifacts);
    let has_fhir_target = !target.usage.samples.is_empty();
    if has_fhir_target {
        requirements.set_usage(target.usage.clone());
    }
    let ctx = AnalysisContext {
        map: input.map,
        legacy: &legacy,
        requirements: &requirements,
        target_usage: has_fhir_target.then_some(&target.usage),
        target_v2: (!target.v2.messages.is_empty()).then_some(&target.v2),
        spec: input.spec,
    };

    let mut findings = legacy_tally.findings(&input.legacy.table);
    if let Some(d) = input.target {
        findings.extend(target_tally.findings(&d.table));
    }
    for rule in context_rules() {
        rule.check(&ctx, &mut findings);
    }
    findings.sort_by(|a, b| {
        (a.rule, &a.scope, &a.source, &a.target, &a.detail)
            .cmp(&(b.rule, &b.scope, &b.source, &b.target, &b.detail))
    });
    Analysis {
        findings,
        legacy,
        target_usage: target.usage,
        target_v2: target.v2,
        files,
    }
}

/// Reads a target file whole (target sinks are not mergeable across chunks), counting
/// what became of its samples.
fn read_target<O>(
    file: &SourceFile,
    open: &O,
    options: ReadOptions<'_>,
    sink: &mut dyn SampleSink,
) -> FileAccount
where
    O: Fn(&SourceFile) -> Result<Opened, Issue> + Sync,
{
    let mut reader = match open(file) {
        Ok(r) => r,
        Err(issue) => return FileAccount::unreadable(file, Role::Target, &issue),
    };
    let mut bytes = Vec::new();
    if reader.read_to_end(&mut bytes).is_err() {
        return FileAccount::unreadable_as(
            file,
            Role::Target,
            ira_parse::IssueCode::InputUnreadable,
        );
    }
    let format = detect(&bytes, Some(&file.path));
    let mut acct = Accountant::new(sink);
    let counts = read_samples(file, format, &bytes, options, &mut acct);
    acct.finish(file, Role::Target, format, counts)
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use ira_parse::FileId;
    use ira_parse::input::Format;

    use super::*;

    /// The shared leaf index hands the profiler and the leaf rules what each finds on
    /// its own: one pass through [`LegacySink`] gives the profile and findings of the
    /// profiler and the rules each reading the file by itself.
    #[test]
    fn the_shared_leaf_index_changes_nothing() {
        let root = crate::test_support::fixtures_dir();
        let mut files: Vec<(String, Vec<u8>)> = Vec::new();
        let mut paths = Vec::new();
        crate::test_support::hl7_files(&root, &mut paths);
        assert!(
            paths.len() > 20,
            "fixtures not found under {}",
            root.display()
        );
        for p in paths {
            files.push((
                p.display().to_string(),
                std::fs::read(&p).unwrap_or_default(),
            ));
        }
        files.push((
            "generated.hl7".into(),
            ira_gen::hl7_corpus(&ira_gen::Hl7Options {
                seed: 11,
                target_bytes: 300_000,
                ..Default::default()
            }),
        ));
        // OBX-5 typed by OBX-2 (the type changing between OBX of one message), a
        // component past 4095 (a path the index does not cover), groups alternating.
        let crafted = "MSH|^~\\&|A|B|C|D|20240101||ORU^R01^ORU_R01|1|P|2.5.1\rPID|1||X^^^H^MR\rOBX|1|NM|c^t^LN||7|mg\rOBX|2|ST|c^t^LN||seven\rOBX|3|CE|c^t^LN||a^b^L\rZZZ|1|".to_owned()
            + &"^".repeat(4100)
            + "x\r\nMSH|^~\\&|A|B|C|D|20240101||ADT^A01^ADT_A01|2|P|2.5.1\rPID|1||Y^^^H^MR\rPV1|1|I\r\nMSH|^~\\&|A|B|C|D|20240101||ORU^R01^ORU_R01|3|P|2.5.1\rOBX|1|ST|c^t^LN||7\rOBX|2|NM|c^t^LN||8\r";
        files.push(("crafted.hl7".into(), crafted.into_bytes()));
        let env = RuleEnv::builtin();
        for (name, bytes) in &files {
            let file = SourceFile {
                id: FileId(0),
                path: PathBuf::from(name),
                walked: false,
            };
            let mut shared = LegacySink {
                profiler: FileProfiler::new(name.clone()),
                rules: SampleRuleRun::new(env),
                index: LeafIndex::new(),
            };
            read_samples(
                &file,
                Format::Hl7v2,
                bytes,
                ReadOptions::default(),
                &mut shared,
            );
            let mut profiler = FileProfiler::new(name.clone());
            read_samples(
                &file,
                Format::Hl7v2,
                bytes,
                ReadOptions::default(),
                &mut profiler,
            );
            let mut rules = SampleRuleRun::new(env);
            read_samples(
                &file,
                Format::Hl7v2,
                bytes,
                ReadOptions::default(),
                &mut rules,
            );
            assert_eq!(shared.profiler.finish(), profiler.finish(), "{name}");
            assert_eq!(
                format!("{:?}", shared.rules.finish()),
                format!("{:?}", rules.finish()),
                "{name}"
            );
        }
    }
}
