//! Base FHIR R4 conformance of resources, checked with fhirbolt.
//!
//! Kept apart from `ira-parse` because fhirbolt takes minutes to compile (its
//! deserializer is instantiated in `ira-fhirbolt`, which depends on no ira crate, so
//! that changing the readers does not compile it again). What we measured of
//! fhirbolt 0.4 (feature `r4`):
//!
//! * The oracle is fhirbolt's `Resource` enum: its verdict and message decide. It is
//!   asked through `ira_fhirbolt::deserialize_error_as`, which first deserializes the
//!   concrete type (`Patient`, …) straight from the text and, only when that fails, asks
//!   the enum (which builds a generic element tree first, and was most of this check's
//!   time). The direct path is stricter than the enum on many inputs, never more lenient
//!   where it is taken (Bundle, nested resources, empty arrays and `_div` stay on the
//!   enum): so the answers, and the findings, are the enum's (`tests/differential.rs`).
//!   `from_str::<Bundle>` refuses ordinary transaction bundles.
//! * Strict mode refuses unknown elements; compatibility mode is meant to drop them, but
//!   it never consumes an unknown element's value, and one holding a non-empty array
//!   (`"foo": [1]`, `"_foo": [..]`, at any depth) makes it loop forever (found by fuzzing,
//!   `fixtures/fuzz/fhir/unknown-array-hang.json`). So we use strict mode: an unknown element
//!   is then a fault like any other, and is not reported again when the reader's own
//!   check against the R4 table (`ira_parse::fhir::check_schema`) named it already.
//! * It is lenient on shapes (an object where an array is expected, a string for a
//!   decimal) but refuses a missing required element (`missing field`) and values its
//!   Rust types cannot hold (a fraction in an integer, a number for a code).
//! * Its errors carry no element path, and serde's messages may quote values (`invalid
//!   type: integer `1``). So a message is never passed on; the elements at fault are
//!   found by removing elements until the resource deserializes (delta debugging, at
//!   most 400 fhirbolt runs a resource), and each issue names its path.

use ira_parse::fhir::{Conformance, FHIR_VERSION, Resource, check_schema};
use ira_parse::{Issue, IssueCode};
use serde_json::Value;

/// At most this many fhirbolt runs to locate the faults of one resource.
const MAX_RUNS: usize = 400;

/// [`Conformance`] with fhirbolt's R4 model.
#[derive(Clone, Copy, Debug, Default)]
pub struct FhirboltConformance;

impl Conformance for FhirboltConformance {
    fn check(&self, resource: &Resource) -> Vec<Issue> {
        check_with(resource, &mut run)
    }
}

/// The check of [`FhirboltConformance`] with `oracle(resource_type, text)` in place of
/// fhirbolt (every run, the fast path and each step of the search, asks it). For the
/// differential tests, which compare the direct and the enum paths of `ira-fhirbolt`
/// over whole checks and record every text the search tries.
#[doc(hidden)]
pub fn check_with(
    resource: &Resource,
    oracle: &mut dyn FnMut(&str, &str) -> Option<String>,
) -> Vec<Issue> {
    if resource.version() != FHIR_VERSION {
        return Vec::new(); // another FHIR version: the reader said so
    }
    let text = resource.json_text();
    // Fast path: the text as it is, unless it may hold an empty array (see `sweep`).
    let resource_type = resource.resource_type();
    if !may_have_empty_array(text) && oracle(resource_type, text).is_none() {
        return Vec::new();
    }
    let root = resource.to_json();
    let mut s = Search {
        root: &root,
        resource_type,
        oracle,
        runs: 0,
    };
    if s.passes(&[]) {
        return Vec::new();
    }
    let mut faults = s.faults(&mut Vec::new(), &[]);
    if faults.is_empty() {
        faults.push(Vec::new()); // the resource itself (e.g. a required element missing)
    }
    // The reader's own check (run when the file was read) may have named the same
    // elements already; only what it did not see is added.
    let known: Vec<String> = check_schema(resource)
        .into_iter()
        .map(|i| i.detail)
        .collect();
    let mut issues = Vec::new();
    for fault in &faults {
        let path = path_of(resource.resource_type(), fault);
        // The reader names `_x` as written; `path_of` names it `x`. A fault the
        // reader named, or one inside an element it named unknown, is not
        // reported again.
        let written = written_path_of(resource.resource_type(), fault);
        let seen = |k: &str| k == path || k == written;
        let inside = |k: &str| within(&path, k) || within(&written, k);
        if known.iter().any(|d| {
            d.split_once(": ")
                .is_some_and(|(k, what)| seen(k) || (what == "unknown element" && inside(k)))
        }) {
            continue;
        }
        let others: Vec<Vec<Step>> = faults.iter().filter(|f| *f != fault).cloned().collect();
        let what = match s.error_with(&others).as_deref().and_then(missing_field) {
            Some(field) => format!("required element {field} is missing"),
            None => "value not valid for its R4 type".to_owned(),
        };
        let detail = format!("{path}: {what} (fhirbolt)");
        issues.push(Issue::new(
            IssueCode::FhirSchema,
            resource.location(),
            detail,
        ));
    }
    issues
}

/// fhirbolt's error for `text`, a resource of type `resource_type`, `None` if it
/// deserializes (a panic counts as an error). Every run of the check, the fast path and
/// each step of the search, asks this one oracle.
fn run(resource_type: &str, text: &str) -> Option<String> {
    ira_fhirbolt::deserialize_error_as(resource_type, text)
}

/// Whether `text` has `[` then `]` with only whitespace between (maybe inside a string:
/// then the slow path is taken for nothing, which is harmless).
fn may_have_empty_array(text: &str) -> bool {
    let b = text.as_bytes();
    memchr::memchr_iter(b'[', b).any(|i| {
        b[i + 1..]
            .iter()
            .find(|c| !c.is_ascii_whitespace())
            .is_some_and(|&c| c == b']')
    })
}

/// `missing field `status`` → `status`: a member name, never a value.
fn missing_field(msg: &str) -> Option<String> {
    let rest = msg.split("missing field `").nth(1)?;
    let name = rest.split('`').next()?;
    name.bytes()
        .all(|c| c.is_ascii_alphanumeric() || c == b'_')
        .then(|| name.to_owned())
}

/// A step from a value to one of its children.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Step {
    Key(String),
    Index(usize),
}

fn path_of(resource_type: &str, steps: &[Step]) -> String {
    let mut p = resource_type.to_owned();
    for s in steps {
        match s {
            // `_birthDate` (a primitive's extensions) is reported as `birthDate`, the
            // path convention of the reader.
            Step::Key(k) => {
                p.push('.');
                p.push_str(k.strip_prefix('_').filter(|n| !n.is_empty()).unwrap_or(k));
            }
            Step::Index(i) => p.push_str(&format!("[{i}]")),
        }
    }
    p
}

/// Whether `path` is the element `at` or one under it.
fn within(path: &str, at: &str) -> bool {
    path.strip_prefix(at)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('.') || rest.starts_with('['))
}

/// The path with member names as written (`_birthDate` stays `_birthDate`), as the
/// reader's own schema check names elements.
fn written_path_of(resource_type: &str, steps: &[Step]) -> String {
    let mut p = resource_type.to_owned();
    for s in steps {
        match s {
            Step::Key(k) => {
                p.push('.');
                p.push_str(k);
            }
            Step::Index(i) => p.push_str(&format!("[{i}]")),
        }
    }
    p
}

fn get_mut<'v>(v: &'v mut Value, steps: &[Step]) -> Option<&'v mut Value> {
    let mut cur = v;
    for s in steps {
        cur = match s {
            Step::Key(k) => cur.get_mut(k.as_str())?,
            Step::Index(i) => cur.get_mut(*i)?,
        };
    }
    Some(cur)
}

fn get<'v>(v: &'v Value, steps: &[Step]) -> Option<&'v Value> {
    let mut cur = v;
    for s in steps {
        cur = match s {
            Step::Key(k) => cur.get(k.as_str())?,
            Step::Index(i) => cur.get(*i)?,
        };
    }
    Some(cur)
}

/// Marks removed elements before taking them out, so that removing an array item does
/// not shift the paths of the others.
const REMOVED: &str = "\u{0}ira-removed\u{0}";

/// Takes out removed elements, and empty arrays: fhirbolt 0.4 panics on `[]` (FHIR does
/// not allow empty arrays; the reader reports them).
fn sweep(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.retain(|_, x| x.as_str() != Some(REMOVED));
            m.values_mut().for_each(sweep);
            m.retain(|_, x| !matches!(x, Value::Array(a) if a.is_empty()));
        }
        Value::Array(a) => {
            a.retain(|x| x.as_str() != Some(REMOVED));
            a.iter_mut().for_each(sweep);
        }
        _ => {}
    }
}

/// Delta debugging over the resource's elements with fhirbolt as the oracle.
struct Search<'r> {
    root: &'r Value,
    /// The root's `resourceType` (never removed by the search).
    resource_type: &'r str,
    oracle: &'r mut dyn FnMut(&str, &str) -> Option<String>,
    runs: usize,
}

impl Search<'_> {
    /// fhirbolt's error for the resource without the elements at `removed`.
    fn error_with(&mut self, removed: &[Vec<Step>]) -> Option<String> {
        self.runs += 1;
        let mut v = self.root.clone();
        for p in removed {
            if let Some(x) = get_mut(&mut v, p) {
                *x = Value::String(REMOVED.to_owned());
            }
        }
        sweep(&mut v);
        let text = serde_json::to_string(&v).ok()?;
        (self.oracle)(self.resource_type, &text)
    }

    fn passes(&mut self, removed: &[Vec<Step>]) -> bool {
        self.error_with(removed).is_none()
    }

    /// The faulty elements at or under `node`, given that the elements at `removed` are
    /// left out. Empty when no child of `node` is at fault (then `node` itself is).
    fn faults(&mut self, removed: &mut Vec<Vec<Step>>, node: &[Step]) -> Vec<Vec<Step>> {
        let children: Vec<Vec<Step>> = match get(self.root, node) {
            Some(Value::Object(m)) => m
                .keys()
                .filter(|k| !(*k == "resourceType" && is_resource(self.root, node)))
                .map(|k| [node, &[Step::Key(k.clone())]].concat())
                .collect(),
            Some(Value::Array(a)) => (0..a.len())
                .map(|i| [node, &[Step::Index(i)]].concat())
                .collect(),
            _ => return Vec::new(),
        };
        let base = removed.len();
        // Find a set of children whose removal makes the resource deserialize.
        loop {
            if self.runs >= MAX_RUNS || self.passes(removed) {
                break;
            }
            let candidates: Vec<&Vec<Step>> = children
                .iter()
                .filter(|c| !removed[base..].contains(c))
                .collect();
            let mut found = None;
            for c in &candidates {
                removed.push((*c).clone());
                let ok = self.passes(removed);
                removed.pop();
                if ok {
                    found = Some((*c).clone());
                    break;
                }
            }
            if found.is_none() {
                // No single child: remove them one after the other; the one whose
                // removal makes it pass holds a fault.
                let mark = removed.len();
                for c in &candidates {
                    removed.push((*c).clone());
                    if self.passes(removed) {
                        found = Some((*c).clone());
                        break;
                    }
                }
                removed.truncate(mark);
            }
            match found {
                Some(c) => removed.push(c),
                None => break, // the fault is not in a child
            }
        }
        let set: Vec<Vec<Step>> = removed.split_off(base);
        let mut out = Vec::new();
        for (i, f) in set.iter().enumerate() {
            removed.extend(
                set.iter()
                    .enumerate()
                    .filter(|(j, _)| *j != i)
                    .map(|(_, x)| x.clone()),
            );
            let inner = self.faults(removed, f);
            removed.truncate(base);
            if inner.is_empty() {
                out.push(f.clone());
            } else {
                out.extend(inner);
            }
        }
        out
    }
}

fn is_resource(root: &Value, node: &[Step]) -> bool {
    get(root, node).is_some_and(|v| v.get("resourceType").is_some())
}
