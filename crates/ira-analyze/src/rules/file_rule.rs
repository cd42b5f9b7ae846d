//! Rules of the third kind: [`FileRule`]s see every sample of one file before they
//! decide (a reference resolves to a resource later in the same Bundle; a duplicate is
//! only a duplicate once its twin has been read).
//!
//! The engine reads one file per [`SampleRuleRun`](super::SampleRuleRun): for each file
//! it asks every file rule for a fresh [`FileState`], feeds it the file's samples in
//! file order, and finishes it at the end of the file, when the state records what it
//! found in the file's [`Tally`]. State never outlives its file, so files still run in
//! parallel and tallies still merge in file order.

use ira_parse::model::Sample;

use super::{RuleMeta, Tally};

/// A rule that decides per file, once all its samples have been seen.
pub trait FileRule: Send + Sync {
    fn meta(&self) -> &'static RuleMeta;

    /// Fresh state for one file.
    fn start(&self) -> Box<dyn FileState>;
}

/// What a [`FileRule`] keeps while one file is read. Keep shapes, ids for matching and
/// locations; what is recorded in the tally must be PHI-free like any finding.
pub trait FileState: Send {
    /// Looks at the next sample of the file (whose scope, e.g. `Observation`, is given).
    fn observe(&mut self, sample: &dyn Sample, scope: &str);

    /// The file is finished: records what was found. A state records each sample at
    /// most once per key, as sample rules do.
    fn finish(self: Box<Self>, tally: &mut Tally);
}
