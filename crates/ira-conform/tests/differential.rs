//! Differential tests of `ira-fhirbolt`'s oracle: the concrete type deserialized straight
//! from the text (the direct path) against fhirbolt's `Resource` enum (the reference).
//!
//! The property relied on: whenever the direct path accepts a text, the enum accepts it
//! too; so `deserialize_error_as` (direct, then the enum when the direct path fails) gives
//! exactly the enum's answer and message. Checked on every FHIR fixture resource (Bundle
//! entries and shells as the reader gives them, contained resources on their own too), the
//! fuzz seeds under `fixtures/fuzz/`, a generated NDJSON corpus, systematic mutations of
//! valid resources, and every text the check's search tries, whose findings must also be
//! identical with either oracle. A larger sweep: `cargo test -p ira-conform --release
//! --test differential -- --ignored --nocapture`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use ira_conform::{FhirboltConformance, check_with};
use ira_fhirbolt::{deserialize_error, deserialize_error_as, direct_error};
use ira_parse::FileId;
use ira_parse::fhir::{Conformance, FhirFile, Resource, read_json, read_ndjson, read_xml};
use serde_json::{Value, json};

/// What the comparisons found.
#[derive(Default)]
struct Tally {
    texts: usize,
    /// Texts the direct path does not take (see `ira_fhirbolt::direct_error`).
    not_direct: usize,
    both_pass: usize,
    both_fail: usize,
    /// The direct path refuses, the enum accepts: harmless (the enum is asked), but time.
    direct_stricter: usize,
    /// Both refuse, and `missing field` names the same member (or neither names one).
    same_missing_field: usize,
    /// The direct path accepts, the enum refuses, or the combined oracle differs from
    /// the enum: a wrong answer.
    violations: Vec<String>,
    /// Examples of `direct_stricter` by resource type (informational).
    stricter_by_type: BTreeMap<String, usize>,
    types: BTreeMap<String, usize>,
}

impl Tally {
    fn compare(&mut self, resource_type: &str, text: &str) {
        self.texts += 1;
        *self.types.entry(resource_type.to_owned()).or_default() += 1;
        let reference = deserialize_error(text);
        let combined = deserialize_error_as(resource_type, text);
        if combined != reference {
            self.violations.push(format!(
                "combined {combined:?} != enum {reference:?} for {resource_type}: {text}"
            ));
        }
        match direct_error(resource_type, text) {
            None => self.not_direct += 1,
            Some(None) if reference.is_none() => self.both_pass += 1,
            Some(None) => self.violations.push(format!(
                "direct accepts, enum refuses ({reference:?}) for {resource_type}: {text}"
            )),
            Some(Some(_)) if reference.is_none() => {
                self.direct_stricter += 1;
                *self
                    .stricter_by_type
                    .entry(resource_type.to_owned())
                    .or_default() += 1;
            }
            Some(Some(d)) => {
                self.both_fail += 1;
                let r = reference.unwrap_or_default();
                if missing_field(&d) == missing_field(&r) {
                    self.same_missing_field += 1;
                }
            }
        }
    }

    /// A resource as the check sees it, its contained resources on their own, and the
    /// whole check with either oracle (identical findings; every text tried compared).
    fn resource(&mut self, r: &Resource, full_check: bool) {
        self.compare(r.resource_type(), r.json_text());
        if let Some(Value::Array(items)) = r.to_json().get("contained") {
            for c in items {
                if let Some(t) = c.get("resourceType").and_then(Value::as_str) {
                    self.compare(t, &serde_json::to_string(c).unwrap());
                }
            }
        }
        if full_check {
            self.full_check(r);
        }
    }

    fn full_check(&mut self, r: &Resource) {
        let mut tried: Vec<(String, String)> = Vec::new();
        let reference = check_with(r, &mut |t, x| {
            tried.push((t.to_owned(), x.to_owned()));
            deserialize_error(x)
        });
        let now = FhirboltConformance.check(r);
        if now != reference {
            self.violations.push(format!(
                "findings differ for {}: {now:?} != {reference:?}",
                r.json_text()
            ));
        }
        for (t, x) in tried {
            self.compare(&t, &x);
        }
    }

    fn file(&mut self, f: &FhirFile, full_check: bool) {
        for r in &f.resources {
            self.resource(r, full_check);
        }
    }

    fn assert_sound(&self, what: &str) {
        println!(
            "{what}: {} texts ({} types), not direct {}, both pass {}, both fail {} \
             (same missing field {}), direct stricter {} {:?}",
            self.texts,
            self.types.len(),
            self.not_direct,
            self.both_pass,
            self.both_fail,
            self.same_missing_field,
            self.direct_stricter,
            self.stricter_by_type,
        );
        for v in self.violations.iter().take(12) {
            println!("VIOLATION {}", v.chars().take(700).collect::<String>());
        }
        assert!(
            self.violations.is_empty(),
            "{what}: {} violations, first: {}",
            self.violations.len(),
            self.violations[0]
        );
    }
}

/// `missing field `status`` → `status`, as the check reads it.
fn missing_field(msg: &str) -> Option<&str> {
    msg.split("missing field `")
        .nth(1)
        .and_then(|r| r.split('`').next())
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every file under `dir`, recursively, in path order (ira's own input discovery).
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let found = ira_parse::input::discover(&[dir.to_path_buf()]).unwrap();
    found.table.files().iter().map(|f| f.path.clone()).collect()
}

/// Every FHIR file under `fixtures/` (the fuzz seeds under `fixtures/fuzz/` included),
/// read as its extension says.
fn fixture_files() -> Vec<(PathBuf, FhirFile)> {
    files_under(&root().join("fixtures"))
        .into_iter()
        .filter_map(|p| {
            let bytes = std::fs::read(&p).unwrap();
            let f = match p.extension()?.to_str()? {
                "json" => read_json(&bytes, FileId(0)),
                "ndjson" => read_ndjson(&bytes, FileId(0)),
                "xml" => read_xml(&bytes, FileId(0)),
                _ => return None,
            };
            Some((p, f))
        })
        .collect()
}

/// The seeds of `fuzz/corpus/fhir/` when `fuzz/seed.sh` (or a fuzzing run) made them:
/// the first byte picks the reader.
fn fuzz_corpus_files() -> Vec<FhirFile> {
    let dir = root().join("fuzz/corpus/fhir");
    let paths = if dir.is_dir() {
        files_under(&dir)
    } else {
        Vec::new()
    };
    paths
        .into_iter()
        .filter_map(|p| {
            let bytes = std::fs::read(&p).ok()?;
            let (first, rest) = bytes.split_first()?;
            Some(match first % 3 {
                0 => read_json(rest, FileId(0)),
                1 => read_ndjson(rest, FileId(0)),
                _ => read_xml(rest, FileId(0)),
            })
        })
        .collect()
}

/// One resource a line, as NDJSON, read back (so the check sees them as the reader gives
/// them).
fn read_values(values: &[Value]) -> FhirFile {
    let mut text = String::new();
    for v in values {
        text.push_str(&serde_json::to_string(v).unwrap());
        text.push('\n');
    }
    read_ndjson(text.as_bytes(), FileId(0))
}

/// A step from a value to one of its children.
#[derive(Clone, Debug)]
enum Step {
    Key(String),
    Index(usize),
}

/// Every path below `v` (the resource's own `resourceType` excluded).
fn paths(v: &Value, at: &mut Vec<Step>, out: &mut Vec<Vec<Step>>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                if at.is_empty() && k == "resourceType" {
                    continue;
                }
                at.push(Step::Key(k.clone()));
                out.push(at.clone());
                paths(x, at, out);
                at.pop();
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                at.push(Step::Index(i));
                out.push(at.clone());
                paths(x, at, out);
                at.pop();
            }
        }
        _ => {}
    }
}

fn get_mut<'v>(v: &'v mut Value, steps: &[Step]) -> Option<&'v mut Value> {
    steps.iter().try_fold(v, |cur, s| match s {
        Step::Key(k) => cur.get_mut(k.as_str()),
        Step::Index(i) => cur.get_mut(*i),
    })
}

fn with(base: &Value, path: &[Step], f: impl FnOnce(&mut Value)) -> Value {
    let mut v = base.clone();
    if let Some(x) = get_mut(&mut v, path) {
        f(x);
    }
    v
}

fn without(base: &Value, path: &[Step]) -> Value {
    let mut v = base.clone();
    let (last, parent) = path.split_last().unwrap();
    match (get_mut(&mut v, parent), last) {
        (Some(Value::Object(m)), Step::Key(k)) => {
            m.shift_remove(k);
        }
        (Some(Value::Array(a)), Step::Index(i)) => {
            a.remove(*i);
        }
        _ => {}
    }
    v
}

/// Values of the wrong JSON type (or of a kind fhirbolt's Rust types may not hold).
fn wrong_values() -> Vec<Value> {
    vec![
        json!(7),
        json!(1.5),
        json!(-1),
        json!(5_000_000_000_i64),
        json!(1e2),
        json!(true),
        json!("x"),
        json!("7"),
        json!("true"),
        json!("2026-13-45"),
        json!({}),
        json!({"foo": 1}),
        json!({"extension": [{"url": "http://x", "valueString": "s"}]}),
        json!(["x"]),
        json!([7]),
        json!([{}]),
        json!([]),
        json!(null),
        json!([null]),
    ]
}

/// Systematic mutations of `base` (a resource the enum accepts), at every element or,
/// for a large resource, at `max_paths` elements evenly spread.
fn mutations(base: &Value, others: &[Value], max_paths: usize) -> Vec<Value> {
    let mut all = Vec::new();
    paths(base, &mut Vec::new(), &mut all);
    let step = all.len().div_ceil(max_paths.max(1)).max(1);
    let all: Vec<Vec<Step>> = all.into_iter().step_by(step).collect();
    let mut out = Vec::new();
    for p in &all {
        // Drop the element (each required one among them).
        out.push(without(base, p));
        // A wrong-typed value in its place.
        for w in wrong_values() {
            out.push(with(base, p, |x| *x = w));
        }
        let current = get_mut(&mut base.clone(), p).cloned().unwrap();
        match &current {
            // An object where an array is expected, and an array emptied.
            Value::Array(a) if !a.is_empty() => {
                let first = a[0].clone();
                out.push(with(base, p, |x| *x = first));
            }
            // An array where a single value is expected.
            Value::Object(_) | Value::String(_) | Value::Number(_) | Value::Bool(_) => {
                out.push(with(base, p, |x| *x = Value::Array(vec![current.clone()])));
            }
            _ => {}
        }
        // A fraction in an integer, a number for a code: numbers and strings swapped.
        if let Value::Number(n) = &current {
            let s = n.to_string();
            out.push(with(base, p, |x| *x = json!(s)));
            out.push(with(base, p, |x| {
                *x = serde_json::from_str(&format!("{s}.5")).unwrap_or(json!(0.5))
            }));
        }
        if let Value::String(s) = &current {
            out.push(with(base, p, |x| *x = json!(s.len())));
        }
        if let Some(Step::Key(k)) = p.last() {
            // `_k` beside the element: a primitive's extension, or `_` on a complex one.
            let parent = &p[..p.len() - 1];
            for ext in [
                json!({"extension": [{"url": "http://x", "valueString": "s"}]}),
                json!({"id": "a"}),
                json!({"value": "x"}),
                json!({"foo": 1}),
                json!([{"id": "a"}]),
                json!(7),
            ] {
                let name = format!("_{k}");
                out.push(with(base, parent, |x| {
                    if let Value::Object(m) = x {
                        m.insert(name, ext);
                    }
                }));
            }
        }
    }
    // Unknown elements, in every object.
    for p in std::iter::once(Vec::new()).chain(all.iter().cloned()) {
        for (k, v) in [
            ("foo", json!(1)),
            ("foo", json!([1])),
            ("_foo", json!({})),
            ("resourceType", json!("Patient")),
        ] {
            let v2 = with(base, &p, |x| {
                if let Value::Object(m) = x {
                    if !m.contains_key(k) {
                        m.insert(k.to_owned(), v);
                    }
                }
            });
            out.push(v2);
        }
    }
    // Nested resources in `contained`: valid, mutated, of an unknown type, a Bundle.
    let mut nested: Vec<Value> = others.iter().take(3).cloned().collect();
    nested.push(json!({"resourceType": "Nonsense", "id": "n"}));
    nested.push(json!({"resourceType": "Bundle", "type": "collection"}));
    nested.push(json!({"id": "no-type"}));
    if let Some(o) = others.first() {
        nested.extend(mutations_shallow(o));
    }
    for n in nested {
        let mut v = base.clone();
        if let Value::Object(m) = &mut v {
            m.insert("contained".into(), json!([n]));
        }
        out.push(v);
    }
    out
}

/// A few mutations of `base` for nesting inside `contained`.
fn mutations_shallow(base: &Value) -> Vec<Value> {
    let Value::Object(m) = base else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for k in m.keys().filter(|k| *k != "resourceType") {
        let p = [Step::Key(k.clone())];
        out.push(without(base, &p));
        out.push(with(base, &p, |x| *x = json!(7)));
        out.push(with(base, &p, |x| *x = json!({"foo": 1})));
    }
    out
}

/// Text-level mutations serde_json cannot build: duplicate members.
fn duplicates(base: &Value) -> Vec<String> {
    let Value::Object(m) = base else {
        return Vec::new();
    };
    let text = serde_json::to_string(base).unwrap();
    m.iter()
        .map(|(k, v)| {
            let member = format!(
                "{}:{},",
                serde_json::to_string(k).unwrap(),
                serde_json::to_string(v).unwrap()
            );
            format!("{{{member}{}", &text[1..])
        })
        .collect()
}

/// Valid resources, one or two a type, from the fixtures and a generated corpus.
fn bases() -> Vec<Value> {
    let mut by_type: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    let mut add = |r: &Resource| {
        if r.version() == ira_parse::fhir::FHIR_VERSION
            && deserialize_error(r.json_text()).is_none()
        {
            let v = by_type.entry(r.resource_type().to_owned()).or_default();
            if v.len() < 2 {
                v.push(r.to_json());
            }
        }
    };
    for (_, f) in fixture_files() {
        f.resources.iter().for_each(&mut add);
    }
    let generated = read_ndjson(&ira_gen::fhir_ndjson(7, 100_000), FileId(0));
    generated.resources.iter().for_each(&mut add);
    // Parameters, whose `parameter.resource` nests a resource outside `contained`.
    let parameters = br#"{"resourceType":"Parameters","id":"ps","parameter":[{"name":"a","valueString":"x"},{"name":"n","valueDecimal":1.5},{"name":"r","resource":{"resourceType":"Patient","id":"p","gender":"female"}},{"name":"b","valueBoolean":true,"part":[{"name":"c","valueInteger":2}]}]}"#;
    read_ndjson(parameters, FileId(0))
        .resources
        .iter()
        .for_each(&mut add);
    by_type.into_values().flatten().collect()
}

#[test]
fn fixtures_and_fuzz_seeds_agree() {
    let mut t = Tally::default();
    for (_, f) in fixture_files() {
        t.file(&f, true);
    }
    for f in fuzz_corpus_files() {
        t.file(&f, true);
    }
    t.assert_sound("fixtures");
    assert!(t.texts > 100, "{}", t.texts);
}

#[test]
fn a_generated_corpus_agrees() {
    let mut t = Tally::default();
    let f = read_ndjson(&ira_gen::fhir_ndjson(1, 200_000), FileId(0));
    t.file(&f, true);
    for b in ira_gen::fhir_bundles(1, 3) {
        t.file(&read_json(&b, FileId(0)), true);
    }
    t.assert_sound("generated");
    assert_eq!(t.violations.len(), 0);
}

#[test]
fn mutations_of_valid_resources_agree() {
    let bases = bases();
    assert!(bases.len() >= 8, "{}", bases.len());
    let mut t = Tally::default();
    for (i, b) in bases.iter().enumerate() {
        let others: Vec<Value> = bases
            .iter()
            .cycle()
            .skip(i + 1)
            .take(bases.len() - 1)
            .cloned()
            .collect();
        let ms = mutations(b, &others, 40);
        // Every mutation is compared; a sample goes through the whole check (the search
        // tries hundreds of texts a faulty resource).
        let f = read_values(&ms);
        for (n, r) in f.resources.iter().enumerate() {
            t.resource(r, n % 32 == 0);
        }
        let ty = b.get("resourceType").and_then(Value::as_str).unwrap();
        for d in duplicates(b) {
            t.compare(ty, &d);
        }
    }
    t.assert_sound("mutations");
}

/// The large sweep: a 5 MB generated corpus (seeds 1–3) with whole checks, and every
/// mutation through the whole check.
#[test]
#[ignore = "large; run in release"]
fn large_sweep_agrees() {
    let mut t = Tally::default();
    for seed in 1..=3 {
        let f = read_ndjson(&ira_gen::fhir_ndjson(seed, 5 << 20), FileId(0));
        t.file(&f, true);
        for b in ira_gen::fhir_bundles(seed, 50) {
            t.file(&read_json(&b, FileId(0)), true);
        }
    }
    t.assert_sound("generated 3 x 5 MB");
    let bases = bases();
    let mut t = Tally::default();
    for (i, b) in bases.iter().enumerate() {
        let others: Vec<Value> = bases.iter().skip(i + 1).cloned().collect();
        t.file(&read_values(&mutations(b, &others, usize::MAX)), true);
    }
    t.assert_sound("mutations, whole checks");
}

#[test]
fn what_the_direct_path_accepts_and_the_enum_refuses_keeps_the_enum() {
    for (ty, text) in [
        // Extensions on the narrative's xhtml: the direct path takes them, the enum
        // knows only `id` and `value` there.
        (
            "Patient",
            r#"{"resourceType":"Patient","text":{"status":"generated","div":"<div xmlns=\"http://www.w3.org/1999/xhtml\">x</div>","_div":{"extension":[{"url":"http://x","valueString":"s"}]}}}"#,
        ),
        // An empty array: the enum panics, the direct path takes it.
        ("Patient", r#"{"resourceType":"Patient","name":[]}"#),
        ("Patient", r#"{"resourceType":"Patient","name":[ ]}"#),
    ] {
        assert!(deserialize_error(text).is_some(), "{text}");
        assert_eq!(direct_error(ty, text), None, "{text}");
        assert_eq!(deserialize_error_as(ty, text), deserialize_error(text));
    }
}

#[test]
fn decimals_are_read_as_the_enum_reads_them() {
    let obs = |value: &str| {
        format!(
            r#"{{"resourceType":"Observation","status":"final","code":{{"text":"x"}},"valueQuantity":{{"value":{value}}}}}"#
        )
    };
    // A number or a string in a decimal: both deserialize, by either path.
    for v in ["142", "7.50", "-1e2", r#""7.50""#, r#""abc""#] {
        let text = obs(v);
        assert_eq!(deserialize_error(&text), None, "{text}");
        assert_eq!(direct_error("Observation", &text), Some(None), "{text}");
    }
    // A number where a code or a string is expected stays refused.
    for text in [
        r#"{"resourceType":"Observation","status":7,"code":{"text":"x"}}"#,
        r#"{"resourceType":"Observation","status":"final","code":{"text":7}}"#,
    ] {
        assert!(deserialize_error(text).is_some(), "{text}");
        assert!(
            matches!(direct_error("Observation", text), Some(Some(_))),
            "{text}"
        );
        assert_eq!(
            deserialize_error_as("Observation", text),
            deserialize_error(text)
        );
    }
    // The enum takes a number in a choice element of type string; the direct path does
    // not (not a decimal: not quoted), so the enum answers.
    let text =
        r#"{"resourceType":"Observation","status":"final","code":{"text":"x"},"valueString":7.5}"#;
    assert_eq!(deserialize_error(text), None);
    assert!(matches!(direct_error("Observation", text), Some(Some(_))));
    assert_eq!(deserialize_error_as("Observation", text), None);
    // A decimal in an extension: there fhirbolt's direct path wants a JSON number, so
    // once quoted it is refused, and the enum answers (time, not a wrong answer).
    let text = r#"{"resourceType":"Patient","extension":[{"url":"http://x","valueDecimal":2.25}]}"#;
    assert_eq!(deserialize_error(text), None);
    assert!(matches!(direct_error("Patient", text), Some(Some(_))));
    assert_eq!(deserialize_error_as("Patient", text), None);
}

#[test]
fn contained_resources_keep_the_enum() {
    // fhirbolt's direct path reads contained resources through the enum, which leaves
    // the parent's later members read in its tree mode: an extension array after
    // `contained` is refused there, and the enum accepts it.
    let text = r#"{"resourceType":"Patient","contained":[{"resourceType":"Observation","status":"final","code":{"text":"x"},"valueQuantity":{"value":1.5}}],"extension":[{"url":"http://x","valueDecimal":2.25}]}"#;
    assert_eq!(deserialize_error(text), None);
    assert_eq!(direct_error("Patient", text), None);
    assert_eq!(deserialize_error_as("Patient", text), None);
    // Any nested resource likewise (here `Parameters.parameter.resource`).
    let text = r#"{"resourceType":"Parameters","parameter":[{"name":"r","resource":{"resourceType":"Patient","id":"p"}},{"name":"b","valueDecimal":1.5,"extension":[{"url":"http://x","valueString":"s"}]}]}"#;
    assert_eq!(direct_error("Parameters", text), None);
    assert_eq!(
        deserialize_error_as("Parameters", text),
        deserialize_error(text)
    );
}

#[test]
fn bundles_keep_the_enum() {
    let b = &ira_gen::fhir_bundles(1, 1)[0];
    let text = std::str::from_utf8(b).unwrap();
    assert_eq!(direct_error("Bundle", text), None);
    assert_eq!(
        deserialize_error_as("Bundle", text),
        deserialize_error(text)
    );
}
