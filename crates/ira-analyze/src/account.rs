//! Nothing lost: what became of every input file's messages and resources.
//!
//! Each file gets a [`FileAccount`]: samples found = analysed + rejected, every rejected
//! sample under the code of the issue that rejected it, and a file that could not be
//! read at all under its own code. [`Accountant`] wraps the analysis sink to count, so
//! the account comes from the same single pass as the analysis.

use std::collections::BTreeMap;

use serde::Serialize;

use ira_parse::document::{Counts, SampleSink};
use ira_parse::input::SourceFile;
use ira_parse::model::Sample;
use ira_parse::{Format, Issue, IssueCode, Severity};

/// Which side of the interface a file belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Legacy,
    Target,
}

/// The key of [`FileAccount::rejected_by`] for rejected samples whose issue could not
/// be told apart. Never expected; a test over the malformed corpus checks it is absent.
pub const UNATTRIBUTED: &str = "unattributed";

/// The reconciliation of one input file: `found == analysed + rejected`, and the
/// values of `rejected_by` sum to `rejected`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FileAccount {
    /// The file's id in its side's file table.
    pub file: u32,
    /// The path as the run named it.
    pub path: String,
    /// Legacy or target.
    pub role: Role,
    /// The format detected (`unknown` when the file was not read).
    pub format: Format,
    /// Messages or resources found in the file.
    pub found: u32,
    /// Handed to analysis (profiled and checked by the rules), damaged ones included.
    pub analysed: u32,
    /// Found but not usable, each with an error issue.
    pub rejected: u32,
    /// Rejected samples by the stable id of the issue that rejected them.
    pub rejected_by: BTreeMap<&'static str, u32>,
    /// Why the file itself could not be read (`input-unreadable`, `input-too-large`,
    /// `input-changed-while-read`, …); `None` when it was read.
    pub unreadable: Option<&'static str>,
}

impl FileAccount {
    /// The account of a file that could not be read.
    pub fn unreadable(file: &SourceFile, role: Role, issue: &Issue) -> Self {
        Self {
            file: file.id.0,
            path: file.path.display().to_string(),
            role,
            format: Format::Unknown,
            found: 0,
            analysed: 0,
            rejected: 0,
            rejected_by: BTreeMap::new(),
            unreadable: Some(issue.code.as_str()),
        }
    }

    /// The account of a file that could not be read, for `code`.
    pub fn unreadable_as(file: &SourceFile, role: Role, code: IssueCode) -> Self {
        Self {
            unreadable: Some(code.as_str()),
            ..Self::empty(file, role, Format::Unknown)
        }
    }

    /// The account of a file read that held nothing.
    pub fn empty(file: &SourceFile, role: Role, format: Format) -> Self {
        Self {
            file: file.id.0,
            path: file.path.display().to_string(),
            role,
            format,
            found: 0,
            analysed: 0,
            rejected: 0,
            rejected_by: BTreeMap::new(),
            unreadable: None,
        }
    }

    /// Adds the account of the next chunk of the same file.
    pub fn absorb(&mut self, next: FileAccount) {
        self.found = self.found.saturating_add(next.found);
        self.analysed = self.analysed.saturating_add(next.analysed);
        self.rejected = self.rejected.saturating_add(next.rejected);
        for (code, n) in next.rejected_by {
            let e = self.rejected_by.entry(code).or_default();
            *e = e.saturating_add(n);
        }
        self.unreadable = self.unreadable.or(next.unreadable);
    }

    /// Whether the account adds up (`found == analysed + rejected`, reasons sum to
    /// `rejected`).
    pub fn reconciles(&self) -> bool {
        let by: u64 = self.rejected_by.values().map(|&n| u64::from(n)).sum();
        u64::from(self.found) == u64::from(self.analysed) + u64::from(self.rejected)
            && by == u64::from(self.rejected)
    }
}

/// FHIR issues outside any resource read that each stand for one skipped resource,
/// NDJSON line or file.
fn rejects_a_resource(code: IssueCode) -> bool {
    matches!(
        code,
        IssueCode::FhirInvalidJson
            | IssueCode::FhirInvalidXml
            | IssueCode::FhirMissingResourceType
            | IssueCode::FhirUnknownResourceType
            | IssueCode::FhirBadNdjsonLine
            | IssueCode::FhirLimitDepth
            | IssueCode::FhirLimitLineLength
    )
}

/// A [`SampleSink`] that passes everything on to `inner` and counts what it sees.
pub struct Accountant<'s> {
    inner: &'s mut dyn SampleSink,
    analysed: u32,
    /// The rejecting issue of each unusable v2 message (its first error), by number.
    v2_rejected: BTreeMap<u32, &'static str>,
    /// Issues outside any resource that reject one each.
    loose: BTreeMap<&'static str, u32>,
    unreadable: Option<&'static str>,
}

impl std::fmt::Debug for Accountant<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Accountant")
            .field("analysed", &self.analysed)
            .finish_non_exhaustive()
    }
}

impl<'s> Accountant<'s> {
    pub fn new(inner: &'s mut dyn SampleSink) -> Self {
        Self {
            inner,
            analysed: 0,
            v2_rejected: BTreeMap::new(),
            loose: BTreeMap::new(),
            unreadable: None,
        }
    }

    /// The account of `file`, given what `read_samples` returned for it.
    pub fn finish(
        self,
        file: &SourceFile,
        role: Role,
        format: Format,
        counts: Counts,
    ) -> FileAccount {
        let mut rejected_by = self.loose;
        for code in self.v2_rejected.into_values() {
            *rejected_by.entry(code).or_default() += 1;
        }
        let attributed: u32 = rejected_by.values().sum();
        if attributed != counts.skipped {
            // Keep the sum exact; the corpus test makes sure this never happens.
            rejected_by.clear();
            if counts.skipped > 0 {
                rejected_by.insert(UNATTRIBUTED, counts.skipped);
            }
        }
        FileAccount {
            file: file.id.0,
            path: file.path.display().to_string(),
            role,
            format: if self.unreadable.is_some() {
                Format::Unknown
            } else {
                format
            },
            found: counts.found,
            analysed: self.analysed,
            rejected: counts.skipped,
            rejected_by,
            unreadable: self.unreadable,
        }
    }
}

impl SampleSink for Accountant<'_> {
    fn sample(&mut self, sample: &dyn Sample, issues: &[Issue]) {
        self.analysed += 1;
        self.inner.sample(sample, issues);
    }

    fn issue(&mut self, issue: &Issue) {
        if issue.severity == Severity::Error {
            match (issue.code, issue.location.message) {
                (IssueCode::InputTooLarge, _) => self.unreadable = Some(issue.code.as_str()),
                (code, None) if rejects_a_resource(code) => {
                    *self.loose.entry(code.as_str()).or_default() += 1;
                }
                (code, Some(n)) if code.as_str().starts_with("v2-") => {
                    self.v2_rejected.entry(n).or_insert(code.as_str());
                }
                _ => {}
            }
        }
        self.inner.issue(issue);
    }
}
