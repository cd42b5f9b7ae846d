//! End to end through the library facade, as an embedder would use it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;

#[test]
fn the_facade_reads_the_fixtures_with_positions() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let ov = ira::overview(&[root], true).unwrap();
    assert!(ov.totals.messages.found > 0);
    assert!(ov.totals.resources.found > 0);
    // Malformed fixtures are data: they are read, and their issues are positioned.
    let malformed: Vec<_> = ov
        .files
        .iter()
        .filter(|f| f.path.contains("malformed"))
        .collect();
    assert!(malformed.len() >= 10, "{} malformed files", malformed.len());
    for f in malformed {
        assert!(!f.issues.is_empty(), "{}: no issue", f.path);
        assert!(f.issues.iter().all(|i| i.location.file == f.file));
    }
}

#[test]
fn a_missing_path_is_an_error_not_a_panic() {
    let err = ira::overview(&[PathBuf::from("no/such/path")], false).unwrap_err();
    assert!(err.to_string().contains("no/such/path"));
}

// ---- ira::Analyzer ----

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use ira::{Analyzer, Error, Format, Severity, Timestamp};

#[allow(dead_code)]
#[path = "../examples/analyze.rs"]
mod example;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn demo() -> Analyzer {
    Analyzer::new()
        .spec(root().join("fixtures/demo/ira.toml"))
        .generated_at(Timestamp(1_764_067_157))
}

#[test]
fn the_example_renders_the_demo_and_its_gate() {
    let (markdown, failed) = example::analyze(&root().join("fixtures/demo/ira.toml")).unwrap();
    assert!(
        markdown.starts_with("# ira risk report: Demo"),
        "{markdown}"
    );
    assert!(markdown.contains("**NO-GO**"));
    assert!(failed, "the demo spec fails on its high risks");
}

#[test]
fn analyzer_runs_the_demo_and_renders_every_format() {
    let run = demo().run().unwrap();
    let report = run.report();
    assert_eq!(report.schema, "ira.report/1");
    assert!(!report.show_values);
    assert!(report.baseline.is_none());
    assert_eq!(report.risks.len(), run.findings().len());
    assert_eq!(run.fail_on(), Some(Severity::High));
    assert!(run.gate_failed());
    for format in [
        Format::Text,
        Format::Json,
        Format::Csv,
        Format::Markdown,
        Format::Sarif,
        Format::Junit,
    ] {
        assert!(!run.render(format).is_empty(), "{format:?}");
    }
    // The facade fills what findings do not carry: MSH-10 of v2 examples, and the
    // target profile where exactly one loaded profile constrains the type.
    let ex = &report.risks[0].evidence.examples[0];
    assert_eq!(ex.control_id.as_deref(), Some("DEMO0005"));
    assert!(ex.value.is_none());
    let birth = report
        .risks
        .iter()
        .find(|r| {
            r.target
                .as_ref()
                .is_some_and(|t| t.path == "Patient.birthDate")
        })
        .unwrap();
    assert_eq!(
        birth.target.as_ref().unwrap().profile.as_deref(),
        Some("http://example.org/fhir/StructureDefinition/target-patient")
    );
    let encounter = report
        .risks
        .iter()
        .find(|r| {
            r.target
                .as_ref()
                .is_some_and(|t| t.path.starts_with("Encounter."))
        })
        .unwrap();
    assert_eq!(
        encounter.target.as_ref().unwrap().profile,
        None,
        "no Encounter profile"
    );
    // A lower bar from the builder wins over the spec's.
    let relaxed = demo().fail_on(Severity::Critical).run().unwrap();
    assert!(!relaxed.gate_failed());
}

#[test]
fn the_thread_count_does_not_change_a_byte() {
    let one = demo().jobs(1).run().unwrap().render(Format::Json);
    let three = demo().jobs(3).run().unwrap().render(Format::Json);
    assert_eq!(one, three);
}

#[test]
fn a_report_value_is_a_baseline() {
    let first = demo().run().unwrap().into_report();
    let again = demo().baseline(&first).run().unwrap();
    let b = again.report().baseline.as_ref().unwrap();
    assert_eq!((b.new, b.unchanged), (0, first.risks.len() as u64));
    assert!(b.resolved.is_empty());
    assert!(again.report().risks.is_empty());
    assert!(!again.gate_failed(), "nothing new: the gate passes");
    // Readiness still describes the whole run; the spec's fail_on check of the gate
    // counts new risks only.
    let (now, then) = (&again.report().readiness, &first.readiness);
    assert_eq!(
        (&now.interface, &now.scopes),
        (&then.interface, &then.scopes)
    );
    assert_eq!(
        then.gate.as_ref().unwrap().decision,
        ira::report::risk::Decision::NoGo
    );
    assert_eq!(
        now.gate.as_ref().unwrap().decision,
        ira::report::risk::Decision::Go
    );
}

#[test]
fn progress_is_reported_per_file() {
    let calls = Arc::new(AtomicUsize::new(0));
    let last = Arc::new(std::sync::Mutex::new(ira::Progress::default()));
    let (c, l) = (calls.clone(), last.clone());
    demo()
        .on_progress(move |p| {
            c.fetch_add(1, Ordering::Relaxed);
            let mut last = l.lock().unwrap();
            if p.files_done >= last.files_done {
                *last = *p;
            }
        })
        .run()
        .unwrap();
    let last = *last.lock().unwrap();
    // fixtures/demo: 2 legacy files, 1 target file; one call before reading.
    assert_eq!(last.files_total, 3);
    assert_eq!(last.files_done, 3);
    assert_eq!(calls.load(Ordering::Relaxed), 4);
    assert!(last.bytes_total > 0);
    assert_eq!(last.bytes_done, last.bytes_total);
}

#[test]
fn a_spec_as_text_with_inline_inputs() {
    let toml = "[interface]\nname = \"inline\"\n\n[legacy]\npaths = [\"legacy/\"]\n\n[target]\nkind = \"fhir-r4\"\n";
    let run = Analyzer::new()
        .spec_str(toml, root().join("fixtures/demo"))
        .generated_at(Timestamp(0))
        .run()
        .unwrap();
    let report = run.report();
    assert_eq!(report.interface.as_deref(), Some("inline"));
    assert_eq!(
        report.spec.as_ref().unwrap().sha256.as_ref().unwrap().len(),
        64
    );
    assert_eq!(report.summary.counts.legacy_files, 2);
    assert_eq!(run.fail_on(), None);
    assert!(!run.gate_failed(), "no fail_on: the gate never fails");
}

#[test]
fn errors_say_what_then_where() {
    let err = Analyzer::new().spec("no/such/ira.toml").run().unwrap_err();
    assert!(matches!(err, Error::Read { what: "spec", .. }), "{err:?}");
    let msg = err.to_string();
    assert!(msg.starts_with("cannot read the spec: "), "{msg}");
    assert!(msg.ends_with("(no/such/ira.toml)"), "{msg}");

    let err = demo().jobs(0).run().unwrap_err();
    assert!(matches!(err, Error::NoJobs), "{err:?}");

    let err = Analyzer::new().run().unwrap_err();
    assert!(matches!(err, Error::NoLegacySamples), "{err:?}");

    let err = Analyzer::new()
        .legacy(["no/such/feed.hl7"])
        .run()
        .unwrap_err();
    assert_eq!(
        err.to_string().rsplit_once(" (").unwrap().1,
        "no/such/feed.hl7)"
    );

    let err = demo()
        .baseline(root().join("fixtures/demo/ira.toml"))
        .run()
        .unwrap_err();
    assert!(matches!(err, Error::Baseline { .. }), "{err:?}");
    assert!(
        err.to_string().starts_with("the baseline is not JSON ("),
        "{err}"
    );
    assert!(
        err.to_string().contains("ira.toml, line 1, column"),
        "{err}"
    );
}
