//! The fuzzed entry points, shared by the cargo-fuzz targets (`fuzz/fuzz_targets/`, on
//! nightly) and the stable tests that replay `fixtures/fuzz/**` and run the property
//! tests (`tests/fuzz_regressions.rs`, `tests/fuzz_props.rs`, which include this file
//! with `#[path]`). Each function takes arbitrary bytes, drives one entry point the way
//! the product does, and asserts the invariants that must hold whatever the input:
//! no panic, every position inside the input, counts that reconcile.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use ira_analyze::analysis::{AnalysisInput, analyze as run_analysis};
use ira_analyze::map::Map;
use ira_analyze::spec::{ConceptMap, Spec};
use ira_analyze::target::Artifacts;
use ira_parse::document::{Counts, ReadOptions, SampleSink, read_samples};
use ira_parse::fhir::Conformance;
use ira_parse::hl7::{self, Charset, Delimiters, Encoding};
use ira_parse::input::{Discovery, Format, SourceFile, detect, discover};
use ira_parse::model::{ElementPath, Sample};
use ira_parse::{FileId, Issue, Location};

/// Bounds a position must stay within for an input of `len` bytes.
#[derive(Clone, Copy, Debug)]
pub struct Bounds {
    len: u64,
    /// An upper bound of the lines (every `\r` and `\n` may end one).
    lines: u32,
}

impl Bounds {
    pub fn of(bytes: &[u8]) -> Bounds {
        let breaks = bytes.iter().filter(|&&b| b == b'\n' || b == b'\r').count();
        Bounds {
            len: bytes.len() as u64,
            lines: u32::try_from(breaks).unwrap_or(u32::MAX).saturating_add(1),
        }
    }

    /// Asserts `loc` points inside the input (`what` says whose location it is).
    pub fn check(&self, loc: &Location, what: &str) {
        assert!(
            loc.offset <= self.len,
            "{what}: offset {} past the end ({} bytes)",
            loc.offset,
            self.len
        );
        assert!(
            loc.line <= self.lines,
            "{what}: line {} past the last ({})",
            loc.line,
            self.lines
        );
    }
}

/// A sink that walks every item of every sample, decodes every value and checks every
/// location.
#[derive(Debug)]
pub struct Walker {
    pub bounds: Bounds,
    pub samples: u32,
    pub items: u64,
    pub issues: Vec<Issue>,
}

impl Walker {
    pub fn new(bytes: &[u8]) -> Walker {
        Walker {
            bounds: Bounds::of(bytes),
            samples: 0,
            items: 0,
            issues: Vec::new(),
        }
    }
}

impl SampleSink for Walker {
    fn sample(&mut self, sample: &dyn Sample, issues: &[Issue]) {
        self.samples += 1;
        let info = sample.info();
        self.bounds.check(&info.location, "sample");
        for i in issues {
            self.bounds.check(&i.location, i.code.as_str());
        }
        self.issues.extend_from_slice(issues);
        let bounds = self.bounds;
        let mut items = 0u64;
        let v2 = sample.as_v2();
        sample.walk(&mut |item| {
            items += 1;
            bounds.check(&item.location, "item");
            let _ = item.value.text();
            let _ = item.value.raw_len();
            let path = item.path.to_string();
            assert!(!path.is_empty(), "empty path");
            // The random-access getter finds the same bytes the walk gave.
            if let (Some(m), ElementPath::V2(p), ira_parse::model::Value::V2 { raw, .. }) =
                (v2, item.path, &item.value)
            {
                assert_eq!(
                    m.get_raw(&p),
                    Some(*raw),
                    "get_raw({path}) differs from walk"
                );
            }
        });
        self.items += items;
        if let Some(r) = sample.as_fhir() {
            let _ = r.to_json();
            let _ = r.version();
        }
    }

    fn issue(&mut self, issue: &Issue) {
        self.bounds.check(&issue.location, issue.code.as_str());
        self.issues.push(issue.clone());
    }
}

/// The file every entry point reads as (nothing is read from or written to disk).
pub fn source_file(name: &str) -> SourceFile {
    SourceFile {
        id: FileId(0),
        path: PathBuf::from(name),
        walked: false,
    }
}

/// Reads `bytes` as `format` through `read_samples` and checks that the counts
/// reconcile: found = read + skipped, one sample handed over per message read.
pub fn read_and_walk(
    bytes: &[u8],
    format: Format,
    conformance: Option<&dyn Conformance>,
) -> (Counts, Walker) {
    let file = source_file("fuzz.input");
    let mut w = Walker::new(bytes);
    let counts = read_samples(
        &file,
        format,
        bytes,
        ReadOptions {
            conformance,
            ..ReadOptions::default()
        },
        &mut w,
    );
    assert!(
        counts.skipped <= counts.found,
        "skipped {} > found {}",
        counts.skipped,
        counts.found
    );
    assert!(
        counts.damaged <= counts.found,
        "damaged > found: {counts:?}"
    );
    assert_eq!(
        counts.read(),
        w.samples,
        "read (found - skipped) differs from the samples handed over: {counts:?}"
    );
    (counts, w)
}

/// HL7 v2: `read_samples` with a walking sink, then the raw reader: byte accounting,
/// every segment and field, every value decoded under every charset.
pub fn hl7(bytes: &[u8]) {
    let _ = detect(bytes, None);
    let (counts, _) = read_and_walk(bytes, Format::Hl7v2, None);
    let bounds = Bounds::of(bytes);

    let mut reader = hl7::read(bytes, FileId(0));
    let mut message_bytes = 0u64;
    let mut messages = 0u32;
    while let Some(m) = reader.next() {
        messages += 1;
        message_bytes += m.bytes().len() as u64;
        for i in reader.take_issues().iter().chain(m.issues()) {
            bounds.check(&i.location, i.code.as_str());
        }
        bounds.check(&m.location(), "message");
        let _ = (m.message_type(), m.trigger(), m.structure(), m.version());
        let _ = (m.control_id(), m.batch(), m.is_damaged(), m.number());
        let d = m.encoding().delimiters;
        let encodings = [Charset::Ascii, Charset::Latin1, Charset::Utf8].map(|charset| Encoding {
            delimiters: d,
            charset,
        });
        for seg in m.segments() {
            bounds.check(&seg.location(), "segment");
            let _ = (seg.name_str(), seg.is_well_formed(), seg.occurrence());
            for (n, field) in seg.fields() {
                assert_eq!(seg.field(n), Some(field), "field {n} differs");
                for e in &encodings {
                    let _ = e.decode(field);
                }
            }
        }
        m.walk(&mut |item| {
            if let ira_parse::model::Value::V2 { raw, .. } = item.value {
                for e in &encodings {
                    let _ = e.decode(raw);
                }
            }
        });
    }
    for i in reader.take_issues() {
        bounds.check(&i.location, i.code.as_str());
    }
    let s = reader.summary().clone();
    assert_eq!(s.messages, messages, "summary counts other messages");
    assert_eq!(
        message_bytes + s.stray_bytes + s.framing_bytes,
        bytes.len() as u64,
        "byte accounting: messages {message_bytes} + stray {} + framing {} != {}",
        s.stray_bytes,
        s.framing_bytes,
        bytes.len()
    );
    assert_eq!(counts.found, s.messages);

    // The delimiter and charset parsers and the escape decoder on their own.
    let _ = Delimiters::from_header(bytes);
    let _ = Charset::from_msh18(bytes);
    for charset in [Charset::Ascii, Charset::Latin1, Charset::Utf8] {
        let _ = charset.decode(bytes);
        if let Ok((delimiters, _)) = Delimiters::from_header(bytes) {
            let _ = Encoding {
                delimiters,
                charset,
            }
            .decode(bytes);
        }
        let _ = Encoding {
            delimiters: Delimiters::default(),
            charset,
        }
        .decode(bytes);
    }
}

/// FHIR: the first byte picks JSON (resource or Bundle), NDJSON or XML; the rest is
/// read through `read_samples` and walked, with the base-R4 check `conformance` for JSON.
pub fn fhir(data: &[u8], conformance: Option<&dyn Conformance>) {
    let Some((&pick, bytes)) = data.split_first() else {
        return;
    };
    let (format, conformance) = match pick % 3 {
        0 => (Format::FhirJson, conformance),
        1 => (Format::FhirNdjson, None),
        _ => (Format::FhirXml, None),
    };
    let _ = detect(bytes, None);
    read_and_walk(bytes, format, conformance);
}

/// The interface spec: parsed from TOML, then its map overrides built and applied to
/// the built-in map (with an empty ConceptMap for each named file).
pub fn spec(bytes: &[u8]) {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    let spec = match Spec::from_toml_str(text, "fuzz.toml") {
        Ok(s) => s,
        Err(e) => {
            let _ = e.to_string();
            return;
        }
    };
    let files = spec.files(Path::new("base"));
    let concept_maps: BTreeMap<String, ConceptMap> = files
        .concept_maps
        .iter()
        .map(|(k, _)| (k.clone(), ConceptMap::default()))
        .collect();
    let overrides = spec.map_overrides(&concept_maps);
    if let Ok(map) = Map::with_overrides(&overrides) {
        let _ = map.messages().count();
    }
    let _ = spec.in_scope("ADT^A01");
}

/// The loaders of target artifacts, ConceptMaps and saved profiles.
pub fn profile_loaders(bytes: &[u8]) {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    let mut artifacts = Artifacts::default();
    if let Err(e) = artifacts.add_json(text, "fuzz.json") {
        let _ = e.to_string();
    }
    match ConceptMap::from_json(text, "fuzz.json") {
        Ok(maps) => {
            for m in &maps {
                let _ = m.concept_overrides(None, None);
            }
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
    match ira_report::profile::from_json(text) {
        Ok(p) => {
            // A profile that loads renders, and loads again from its own JSON.
            let json = ira_report::profile::json(&p);
            let _ = ira_report::profile::text(&p, ira_report::profile::TextOptions::default());
            assert!(
                ira_report::profile::from_json(&json).is_ok(),
                "a saved profile does not load again"
            );
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
}

/// Splits `data` at the first `sep` byte (the whole of it when there is none).
fn split_at_byte(data: &[u8], sep: u8) -> (&[u8], &[u8]) {
    match data.iter().position(|&b| b == sep) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[]),
    }
}

/// The whole pipeline on a small input. `data` is cut at 0xFF bytes into legacy
/// samples, target samples, target artifacts and an interface spec (`ira.toml`); the
/// loader hands those bytes over in place of the files (nothing is read from disk but
/// their names, nothing written). The findings become a risk report, rendered in every
/// format.
pub fn analyze(data: &[u8], slots: &(Discovery, Discovery)) {
    let (legacy_bytes, rest) = split_at_byte(data, 0xFF);
    let (target_bytes, rest) = split_at_byte(rest, 0xFF);
    let (artifact_bytes, spec_bytes) = split_at_byte(rest, 0xFF);
    let (legacy, target) = slots;
    let load = |f: &SourceFile| -> Result<Vec<u8>, Issue> {
        let legacy_side = f.path.file_name().is_some_and(|n| n == "legacy.hl7");
        Ok(if legacy_side {
            legacy_bytes.to_vec()
        } else {
            target_bytes.to_vec()
        })
    };
    let mut artifacts = Artifacts::default();
    if let Ok(text) = std::str::from_utf8(artifact_bytes) {
        let _ = artifacts.add_json(text, "fuzz-profile.json");
    }
    let spec = std::str::from_utf8(spec_bytes)
        .ok()
        .filter(|t| !t.is_empty())
        .and_then(|t| Spec::from_toml_str(t, "fuzz.toml").ok());
    let overridden;
    let map: &Map = match &spec {
        Some(s) => match Map::with_overrides(&s.map_overrides(&BTreeMap::new())) {
            Ok(m) => {
                overridden = m;
                &overridden
            }
            Err(_) => return,
        },
        None => Map::builtin(),
    };
    let profiles = artifacts.structure_definitions.len();
    let result = run_analysis(
        AnalysisInput {
            legacy,
            target: (!target_bytes.is_empty()).then_some(target),
            artifacts,
            map,
            spec: spec.as_ref(),
        },
        &load,
        ReadOptions::default(),
    );
    render_all(
        &result,
        spec.as_ref(),
        profiles,
        legacy.table.len(),
        target.table.len(),
    );
}

fn render_all(
    result: &ira_analyze::analysis::Analysis,
    spec: Option<&Spec>,
    profiles: usize,
    legacy_files: usize,
    target_files: usize,
) {
    use ira_report::report_json::{Counts, Provenance, ReportInput, Timestamp, build};
    let summary = ira_report::findings::Summary {
        interface: spec.map(|s| s.interface.name.clone()),
        legacy_files,
        legacy_samples: result.legacy.samples,
        target_files,
        profiles,
    };
    let provenance = Provenance {
        generated_at: Timestamp(0),
        spec_sha256: None,
        inputs: Vec::new(),
    };
    let report = build(ReportInput {
        findings: &result.findings,
        spec,
        scopes: &[],
        counts: Counts {
            legacy_files,
            legacy_samples: result.legacy.samples,
            target_files,
            profiles,
        },
        provenance: &provenance,
    });
    let json = ira_report::report_json::json(&report);
    assert!(
        serde_json::from_str::<serde_json::Value>(&json).is_ok(),
        "report JSON does not parse"
    );
    let _ = ira_report::findings::text(&summary, &result.findings);
    let _ = ira_report::findings::json(&summary, &result.findings);
    let _ = ira_report::csv::csv(&report);
    let _ = ira_report::markdown::markdown(&report);
    let _ = ira_report::sarif::sarif(&report);
    for threshold in [
        ira_report::junit::DEFAULT_THRESHOLD,
        ira_analyze::rules::RiskSeverity::Low,
    ] {
        let _ = ira_report::junit::junit(&report, threshold);
    }
    let _ = ira_report::profile::json(&result.legacy);
}

/// The legacy and target "files" of [`analyze`]: the two files of `fuzz/slots/` (`dir`),
/// of which only the names are used (the loader hands over the fuzz input instead).
pub fn analyze_slots(dir: &Path) -> (Discovery, Discovery) {
    let d = |name: &str| discover(&[dir.join(name)]).unwrap_or_default();
    (d("legacy.hl7"), d("target.json"))
}
