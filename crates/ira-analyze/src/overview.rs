//! The structural overview of a set of inputs: per file its format, how many messages or
//! resources it holds (read, damaged, skipped), of which types and versions, and every
//! issue with its position. It is what `ira parse` shows.
//!
//! Files are read in parallel (rayon) and the result is put back in file-id order, so
//! the overview is the same whatever the thread count.

use std::collections::BTreeMap;

use rayon::prelude::*;
use serde::Serialize;

use ira_parse::document::{Counts, ReadOptions, SampleSink, read_samples};
use ira_parse::input::{Discovery, FileTable, Format, SourceFile, detect};
use ira_parse::model::{Sample, Standard};
use ira_parse::{FileId, Issue, Severity};

/// The overview of one file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FileOverview {
    pub file: FileId,
    pub path: String,
    pub format: Format,
    pub bytes: u64,
    pub counts: Counts,
    /// Samples per kind and version, e.g. `ADT^A01` / `2.3` → 2, `Patient` / `4.0.1` → 5.
    pub kinds: Vec<KindCount>,
    /// Every issue found in the file, in position order.
    pub issues: Vec<Issue>,
}

/// How many samples of one kind and version a file holds.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct KindCount {
    pub standard: Standard,
    pub kind: String,
    pub version: Option<String>,
    pub count: u32,
}

/// The overview of a whole run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Overview {
    pub files: Vec<FileOverview>,
    /// Problems met while walking the inputs (unreadable directories, symlink loops).
    pub input_problems: Vec<Issue>,
    pub totals: Totals,
}

/// Totals over every file.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    pub files: u32,
    pub bytes: u64,
    pub messages: Counts,
    pub resources: Counts,
    pub issues: u32,
    pub errors: u32,
    pub warnings: u32,
}

#[derive(Default)]
struct Collector {
    kinds: BTreeMap<(Standard, String, Option<String>), u32>,
    issues: Vec<Issue>,
}

impl SampleSink for Collector {
    fn sample(&mut self, sample: &dyn Sample, issues: &[Issue]) {
        let info = sample.info();
        let key = (
            info.standard,
            info.kind.into_owned(),
            info.version.map(|v| v.into_owned()),
        );
        *self.kinds.entry(key).or_default() += 1;
        self.issues.extend_from_slice(issues);
    }

    fn issue(&mut self, issue: &Issue) {
        self.issues.push(issue.clone());
    }
}

/// Builds the overview of one file from its bytes (already read by the caller).
pub fn overview_file(file: &SourceFile, bytes: &[u8], options: ReadOptions<'_>) -> FileOverview {
    let format = detect(bytes, Some(&file.path));
    let mut collector = Collector::default();
    let counts = read_samples(file, format, bytes, options, &mut collector);
    let mut issues = collector.issues;
    issues.sort_by(|a, b| {
        (a.location.offset, a.location.line, a.code).cmp(&(
            b.location.offset,
            b.location.line,
            b.code,
        ))
    });
    FileOverview {
        file: file.id,
        path: file.path.display().to_string(),
        format,
        bytes: bytes.len() as u64,
        counts,
        kinds: collector
            .kinds
            .into_iter()
            .map(|((standard, kind, version), count)| KindCount {
                standard,
                kind,
                version,
                count,
            })
            .collect(),
        issues,
    }
}

/// The overview of every discovered file. `load` reads a file (the caller's I/O); a
/// file it cannot read is reported as an issue of that file, and the run goes on.
pub fn overview<L>(discovery: &Discovery, load: L, options: ReadOptions<'_>) -> Overview
where
    L: Fn(&SourceFile) -> Result<Vec<u8>, Issue> + Sync,
{
    let table: &FileTable = &discovery.table;
    let files: Vec<FileOverview> = table
        .files()
        .par_iter()
        .map(|file| match load(file) {
            Ok(bytes) => overview_file(file, &bytes, options),
            Err(issue) => FileOverview {
                file: file.id,
                path: file.path.display().to_string(),
                format: Format::Unknown,
                bytes: 0,
                counts: Counts::default(),
                kinds: Vec::new(),
                issues: vec![issue],
            },
        })
        .collect();
    let mut totals = Totals {
        files: files.len() as u32,
        ..Totals::default()
    };
    for f in &files {
        totals.bytes += f.bytes;
        let c = match f.format {
            Format::Hl7v2 => &mut totals.messages,
            _ => &mut totals.resources,
        };
        c.found += f.counts.found;
        c.damaged += f.counts.damaged;
        c.skipped += f.counts.skipped;
        for i in &f.issues {
            totals.issues += 1;
            match i.severity {
                Severity::Error => totals.errors += 1,
                Severity::Warning => totals.warnings += 1,
                Severity::Info => {}
            }
        }
    }
    for i in &discovery.problems {
        totals.issues += 1;
        match i.severity {
            Severity::Error => totals.errors += 1,
            Severity::Warning => totals.warnings += 1,
            Severity::Info => {}
        }
    }
    Overview {
        files,
        input_problems: discovery.problems.clone(),
        totals,
    }
}
