//! What rules record: counts of affected samples and a few positions, keyed by rule,
//! scope, paths and a PHI-free detail. Tallies merge; merging in file order gives the
//! same result whatever the thread count.

use std::collections::BTreeMap;

use serde::Serialize;

use ira_parse::input::FileTable;
use ira_parse::{FileId, Location};

use super::v2types::RuleEnv;
use super::{RiskSeverity, find, sample_rules};
use crate::fasthash::FastMap;
use crate::profile::SeenAt;

/// How many example locations a finding keeps.
pub const MAX_EXAMPLES: usize = 3;

/// What a finding is about. Every part is PHI-free: rule ids, message structures or
/// resource types, element paths, and short details made of codes and names from the
/// standards (`value type NM`, `PV1 before PID`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct TallyKey {
    pub rule: &'static str,
    /// Message structure (`ADT_A01`), message kind, or resource type.
    pub scope: String,
    /// Source element path (`OBX-5`), if the finding has one.
    pub source: Option<String>,
    /// Target element path (`Observation.value[x]`), if the finding has one.
    pub target: Option<String>,
    /// What exactly, without values.
    pub detail: String,
}

/// The evidence behind one key.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Evidence {
    /// Samples affected.
    pub affected: u64,
    /// The first few locations, in (file, offset) order.
    pub examples: Vec<Location>,
}

/// A finding key packed into an integer by the rule that notes it (a path and a detail
/// variant, say). Only the rule's [`super::SampleRule::describe`] turns it into the
/// strings of a [`TallyKey`], once per distinct key, when the tally is settled: the hot
/// path hashes one integer instead of building and comparing strings.
pub type PackedKey = u128;

/// Everything the rules recorded over a set of samples.
#[derive(Clone, Debug, Default)]
pub struct Tally {
    entries: BTreeMap<TallyKey, Evidence>,
    /// Samples seen per scope: the denominators.
    totals: BTreeMap<String, u64>,
    /// Findings noted by packed key, not described yet: (rule, scope id, key).
    packed: FastMap<(&'static str, u32, PackedKey), Evidence>,
    /// Interned scopes of `packed`.
    scopes: Vec<String>,
    scope_ids: FastMap<String, u32>,
}

impl PartialEq for Tally {
    /// Equal findings and totals (packed findings compared by scope name, not id).
    fn eq(&self, other: &Self) -> bool {
        let packed = |t: &Tally| {
            t.packed
                .iter()
                .map(|((r, s, k), e)| ((*r, t.scopes.get(*s as usize).cloned(), *k), e.clone()))
                .collect::<BTreeMap<_, _>>()
        };
        self.entries == other.entries
            && self.totals == other.totals
            && packed(self) == packed(other)
    }
}

impl Eq for Tally {}

impl Tally {
    /// Counts one sample of `scope` (the engine does this once per sample).
    pub fn count_sample(&mut self, scope: &str) {
        if let Some(n) = self.totals.get_mut(scope) {
            *n += 1;
        } else {
            self.totals.insert(scope.to_owned(), 1);
        }
    }

    /// Records that one sample is affected. A rule calls this at most once per sample
    /// and key.
    pub fn record(&mut self, key: TallyKey, at: Location) {
        let e = self.entries.entry(key).or_default();
        e.affected += 1;
        push_example(&mut e.examples, at);
    }

    /// The id of `scope` among the packed findings.
    fn scope_id(&mut self, scope: &str) -> u32 {
        if let Some(&id) = self.scope_ids.get(scope) {
            return id;
        }
        let id = u32::try_from(self.scopes.len()).unwrap_or(u32::MAX);
        self.scopes.push(scope.to_owned());
        self.scope_ids.insert(scope.to_owned(), id);
        id
    }

    /// Records that one sample is affected, under a key packed by `rule` (see
    /// [`PackedKey`]); [`Tally::settle`] describes it later.
    pub fn record_packed(&mut self, rule: &'static str, scope: u32, key: PackedKey, at: Location) {
        let e = self.packed.entry((rule, scope, key)).or_default();
        e.affected += 1;
        push_example(&mut e.examples, at);
    }

    /// Turns the packed findings into described ones: each distinct key is described
    /// once by its rule with the map of `env`. Same result as if every finding had been
    /// recorded with its strings.
    pub fn settle(&mut self, env: &RuleEnv<'_>) {
        if self.packed.is_empty() {
            return;
        }
        let packed = std::mem::take(&mut self.packed);
        for ((rule_id, scope, key), ev) in packed {
            let Some(rule) = sample_rules().iter().find(|r| r.meta().id == rule_id) else {
                continue;
            };
            let Some((source, target, detail)) = rule.describe(key, env) else {
                continue;
            };
            let scope = self.scopes.get(scope as usize).cloned().unwrap_or_default();
            let key = TallyKey {
                rule: rule_id,
                scope,
                source,
                target,
                detail,
            };
            add_evidence(self.entries.entry(key).or_default(), ev);
        }
    }

    /// Adds `other` (a tally of later files) to this one.
    pub fn merge(&mut self, other: Tally) {
        for (scope, n) in other.totals {
            *self.totals.entry(scope).or_default() += n;
        }
        for (key, ev) in other.entries {
            add_evidence(self.entries.entry(key).or_default(), ev);
        }
        for ((rule, scope, key), ev) in other.packed {
            let Some(name) = other.scopes.get(scope as usize) else {
                continue;
            };
            let scope = self.scope_id(name);
            add_evidence(self.packed.entry((rule, scope, key)).or_default(), ev);
        }
    }

    /// Moves every example location by `by` (a chunk of a file read on its own, put
    /// back in place).
    pub fn shift_positions(&mut self, by: crate::stream::Shift) {
        let shift = |l: &mut Location| {
            l.offset = l.offset.saturating_add(by.offset);
            l.line = l.line.saturating_add(by.lines);
            l.message = l.message.map(|m| m.saturating_add(by.messages));
        };
        for ev in self.entries.values_mut().chain(self.packed.values_mut()) {
            ev.examples.iter_mut().for_each(shift);
        }
    }

    /// Samples seen in `scope`.
    pub fn total(&self, scope: &str) -> u64 {
        self.totals.get(scope).copied().unwrap_or(0)
    }

    pub fn entries(&self) -> impl Iterator<Item = (&TallyKey, &Evidence)> {
        self.entries.iter()
    }

    /// The findings, sorted by rule, scope, source, target, detail; example locations
    /// name their file by its path in `files`.
    pub fn findings(&self, files: &FileTable) -> Vec<Finding> {
        self.findings_with(&|id| files.display(id))
    }

    /// [`Tally::findings`] with a function that names files.
    pub fn findings_with(&self, file_name: &dyn Fn(FileId) -> String) -> Vec<Finding> {
        self.entries
            .iter()
            .map(|(key, ev)| {
                let total = self.total(&key.scope).max(ev.affected);
                let rate = if total == 0 {
                    0.0
                } else {
                    ev.affected as f64 / total as f64
                };
                let meta = find(key.rule);
                let severity = meta
                    .map(|m| RiskSeverity::scaled(m.severity, rate, m.patient_safety))
                    .unwrap_or(RiskSeverity::Info);
                Finding {
                    rule: key.rule,
                    name: meta.map(|m| m.name).unwrap_or(""),
                    severity,
                    scope: key.scope.clone(),
                    source: key.source.clone(),
                    target: key.target.clone(),
                    detail: key.detail.clone(),
                    affected: ev.affected,
                    total,
                    examples: ev
                        .examples
                        .iter()
                        .map(|l| SeenAt {
                            file: file_name(l.file),
                            offset: l.offset,
                            line: l.line,
                            message: l.message,
                        })
                        .collect(),
                }
            })
            .collect()
    }
}

/// What one rule finds in one sample, each key once, recorded into the tally at the end
/// (a rule reports a sample at most once per key).
#[derive(Debug)]
pub struct SampleFindings<'s> {
    rule: &'static str,
    scope: &'s str,
    noted: Noted,
}

/// The findings of a [`SampleFindings`], kept between the leaves of a shared walk.
#[derive(Debug, Default)]
pub struct Noted {
    found: Vec<(TallyKey, Location)>,
    packed: Vec<(PackedKey, Location)>,
}

impl Noted {
    /// True when nothing was noted.
    #[cfg(test)]
    pub(crate) fn is_empty(&self) -> bool {
        self.found.is_empty() && self.packed.is_empty()
    }

    /// Records what was noted by `rule` in a sample of `scope` into `tally`, and empties
    /// itself (keeping its buffers for the next sample).
    pub(crate) fn drain_into(&mut self, rule: &'static str, scope: &str, tally: &mut Tally) {
        for (key, at) in self.found.drain(..) {
            tally.record(key, at);
        }
        if !self.packed.is_empty() {
            let scope = tally.scope_id(scope);
            for (key, at) in self.packed.drain(..) {
                tally.record_packed(rule, scope, key, at);
            }
        }
    }
}

impl<'s> SampleFindings<'s> {
    pub fn new(rule: &'static str, scope: &'s str) -> Self {
        Self::with(rule, scope, Noted::default())
    }

    /// Findings of `rule` in a sample of `scope`, going on from `noted`.
    pub(crate) fn with(rule: &'static str, scope: &'s str, noted: Noted) -> Self {
        Self { rule, scope, noted }
    }

    /// What was noted so far.
    pub(crate) fn into_noted(self) -> Noted {
        self.noted
    }

    /// Notes a finding at `at` under a key packed by the rule (which describes it in
    /// [`super::SampleRule::describe`]), unless this sample noted the same key already.
    /// A rule uses either packed keys or strings for a kind of finding, never both.
    pub fn note_packed(&mut self, key: PackedKey, at: Location) {
        if self.noted.packed.iter().any(|(k, _)| *k == key) {
            return;
        }
        self.noted.packed.push((key, at));
    }

    /// Notes a finding at `at`, unless the same (source, target, detail) was noted in
    /// this sample already.
    pub fn note(
        &mut self,
        source: Option<String>,
        target: Option<String>,
        detail: impl Into<String>,
        at: Location,
    ) {
        let detail = detail.into();
        if self
            .noted
            .found
            .iter()
            .any(|(k, _)| k.source == source && k.target == target && k.detail == detail)
        {
            return;
        }
        let key = TallyKey {
            rule: self.rule,
            scope: self.scope.to_owned(),
            source,
            target,
            detail,
        };
        self.noted.found.push((key, at));
    }

    /// Records everything noted.
    pub fn record(self, tally: &mut Tally) {
        for (key, at) in self.noted.found {
            tally.record(key, at);
        }
        if !self.noted.packed.is_empty() {
            let scope = tally.scope_id(self.scope);
            for (key, at) in self.noted.packed {
                tally.record_packed(self.rule, scope, key, at);
            }
        }
    }
}

fn add_evidence(e: &mut Evidence, other: Evidence) {
    e.affected += other.affected;
    for at in other.examples {
        push_example(&mut e.examples, at);
    }
}

/// Keeps the `MAX_EXAMPLES` smallest locations, so the result does not depend on the
/// order in which samples or tallies arrive.
fn push_example(examples: &mut Vec<Location>, at: Location) {
    let key = |l: &Location| (l.file, l.offset, l.message);
    match examples.binary_search_by_key(&key(&at), key) {
        Ok(_) => {}
        Err(i) if i < MAX_EXAMPLES => {
            examples.insert(i, at);
            examples.truncate(MAX_EXAMPLES);
        }
        Err(_) => {}
    }
}

/// A gap found in the samples, with its evidence: counts and positions, never values.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Finding {
    pub rule: &'static str,
    pub name: &'static str,
    pub severity: RiskSeverity,
    pub scope: String,
    pub source: Option<String>,
    pub target: Option<String>,
    pub detail: String,
    /// Samples affected, and samples of the scope seen.
    pub affected: u64,
    pub total: u64,
    /// The first few places it was seen (by file path, then offset).
    pub examples: Vec<SeenAt>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(detail: &str) -> TallyKey {
        TallyKey {
            rule: "IRA401",
            scope: "ADT_A01".into(),
            source: None,
            target: None,
            detail: detail.into(),
        }
    }

    fn at(file: u32, offset: u64) -> Location {
        Location::new(FileId(file), Some(1), offset, 1)
    }

    #[test]
    fn merge_is_order_independent_and_keeps_the_first_examples() {
        let mut a = Tally::default();
        let mut b = Tally::default();
        for (i, off) in [50u64, 10, 90, 30].into_iter().enumerate() {
            let t = if i % 2 == 0 { &mut a } else { &mut b };
            t.count_sample("ADT_A01");
            t.record(key("x"), at(0, off));
        }
        let mut ab = a.clone();
        ab.merge(b.clone());
        let mut ba = b;
        ba.merge(a);
        assert_eq!(ab, ba);
        let f = ab.findings_with(&|id| format!("f{}", id.0));
        assert_eq!(f.len(), 1);
        assert_eq!((f[0].affected, f[0].total), (4, 4));
        let offsets: Vec<u64> = f[0].examples.iter().map(|l| l.offset).collect();
        assert_eq!(offsets, [10, 30, 50]);
    }
}
