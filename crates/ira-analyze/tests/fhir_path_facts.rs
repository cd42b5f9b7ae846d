//! The facts of FHIR paths the walk cache hands on (`Sample::walk_fhir`: the path without
//! indexes, its repetition, an id) give the profiler and every rule exactly what they
//! work out from the path string themselves: a resource fed as it is (no facts) and fed
//! through the walk cache (facts) give the same profile and findings, on every FHIR
//! fixture and on resources with member names that hold brackets.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use ira_analyze::profile::FileProfiler;
use ira_analyze::rules::SampleRuleRun;
use ira_parse::FileId;
use ira_parse::document::SampleSink;
use ira_parse::fhir::{FhirFile, WalkCache, read_json, read_ndjson, strip_plain};
use ira_parse::model::{ElementPath, Sample};

/// Synthetic resources: brackets in member names (unknown elements, walked all the
/// same), identifiers at several depths, references, a contained resource.
const CRAFTED: &str = r##"{"resourceType":"Patient","id":"FAKE-1","identifier":[{"system":"urn:oid:1.2.3","value":"MRN-1"},{"value":"MRN-2"}],"a[0]":{"b[x]":"1","c]":"2","d[":["3"]},"e[99999999999999999999]":"x","link":[{"other":{"reference":"Patient/FAKE-2","identifier":{"value":"v"}}}],"birthDate":"1980-02-30","_birthDate":{"extension":[{"url":"u","valueDate":"1980-13-01"}]}}
{"resourceType":"Observation","id":"FAKE-obs","status":"final ","code":{"text":"x"},"subject":{"reference":"Patient/FAKE-9"},"contained":[{"resourceType":"Patient","id":"c1","identifier":[{"value":"c"}]}],"performer":[{"reference":"#c1"},{"reference":"#nope"}],"effectiveDateTime":"2024-03-01T10:15:00","valueQuantity":{"value":7.50}}
{"resourceType":"Observation","id":"FAKE-obs","status":"final","code":{"text":"y"},"identifier":[{"system":"urn:oid:1.2.3","value":"MRN-1"}]}
"##;

fn fixtures() -> Vec<(PathBuf, FhirFile)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures");
    let found = ira_parse::input::discover(&[root]).unwrap();
    let mut out = Vec::new();
    for p in found.table.files().iter().map(|f| &f.path) {
        let Ok(bytes) = std::fs::read(p) else {
            continue;
        };
        let f = match p.extension().and_then(|e| e.to_str()) {
            Some("ndjson") => read_ndjson(&bytes, FileId(0)),
            Some("json") => read_json(&bytes, FileId(0)),
            _ => continue,
        };
        if !f.resources.is_empty() {
            out.push((p.clone(), f));
        }
    }
    out.push((
        PathBuf::from("crafted.ndjson"),
        read_ndjson(CRAFTED.as_bytes(), FileId(0)),
    ));
    out
}

#[test]
fn facts_give_the_same_profile_and_findings() {
    let files = fixtures();
    assert!(files.len() > 10);
    let mut with_facts = 0;
    for (path, f) in &files {
        let (mut plain_rules, mut cached_rules) =
            (SampleRuleRun::default(), SampleRuleRun::default());
        let (mut plain_prof, mut cached_prof) = (FileProfiler::new("f"), FileProfiler::new("f"));
        let mut cache = WalkCache::default();
        for r in &f.resources {
            plain_rules.sample(r, &[]);
            plain_prof.sample(r, &[]);
            let cached = cache.sample(r);
            cached_rules.sample(&cached, &[]);
            cached_prof.sample(&cached, &[]);
            cached.walk_fhir(&mut |_, facts| with_facts += usize::from(facts.is_some()));
        }
        assert_eq!(
            format!("{:?}", plain_rules.finish()),
            format!("{:?}", cached_rules.finish()),
            "{}",
            path.display()
        );
        assert_eq!(
            plain_prof.finish(),
            cached_prof.finish(),
            "{}",
            path.display()
        );
    }
    assert!(with_facts > 100, "{with_facts}");
}

/// Each item's facts are those of its own path, and one id stands for one path.
#[test]
fn facts_match_their_paths() {
    let mut cache = WalkCache::default();
    let mut by_id = std::collections::HashMap::new();
    let mut buf = String::new();
    let mut plain = 0;
    let mut odd = 0;
    for (_, f) in fixtures() {
        for r in &f.resources {
            cache.sample(r).walk_fhir(&mut |item, facts| {
                let ElementPath::Fhir(p) = item.path else {
                    panic!("not a FHIR path")
                };
                match (strip_plain(p, &mut buf), facts) {
                    (Some(rep), Some(f)) => {
                        plain += 1;
                        assert_eq!((f.stripped, f.rep), (buf.as_str(), rep), "{p}");
                        let seen = by_id.entry(f.id).or_insert_with(|| buf.clone());
                        assert_eq!(*seen, buf);
                    }
                    (None, None) => odd += 1,
                    (a, b) => panic!("{p}: {a:?} {b:?}"),
                }
            });
        }
    }
    assert!(plain > 100 && odd >= 3, "{plain} {odd}");
}
