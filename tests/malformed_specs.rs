//! The spec and profile part of the malformed corpus (`fixtures/malformed/spec-*`,
//! `fixtures/malformed-profiles/profile-*`), table-driven: each file gives its own error, located (line, or the
//! resource's index in a Bundle), and the error never quotes the faulty value. The
//! HL7 v2 and FHIR part is `crates/ira-parse/tests/malformed_corpus.rs`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

use ira::analyze::profile::Profile;
use ira::analyze::spec::Spec;
use ira::analyze::target::Artifacts;

fn text(name: &str) -> String {
    // Spec fixtures are in malformed/; profile ones in malformed-profiles/ (several are
    // well-formed FHIR, so they do not belong with the damaged samples).
    let dir = if name.starts_with("profile-") {
        "fixtures/malformed-profiles"
    } else {
        "fixtures/malformed"
    };
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir).join(name);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// (file, line of the error, words the message must hold, value it must not quote — a
/// spec is configuration, not patient data, and serde names a wrong enum variant or
/// type by value; the check is kept where ira words the message itself)
#[rustfmt::skip]
const SPECS: &[(&str, usize, &str, &str)] = &[
    ("spec-unknown-key.toml", 8, "unknown field `profile`", "target-patient.json"),
    ("spec-wrong-type.toml", 10, "expected an integer", ""),
    ("spec-bad-date.toml", 12, "", "31.01.2027"),
    ("spec-bad-path-override.toml", 13, "SEG-n", "ZPI-2.1"),
    ("spec-invalid-toml.toml", 3, "", "Invalid TOML"),
    ("spec-duplicate-key.toml", 7, "duplicate", "\"v2\""),
    ("spec-unknown-section.toml", 8, "unknown field `inputs`", "../v2/"),
    ("spec-bad-severity.toml", 9, "expected one of `info`", ""),
];

#[test]
fn every_malformed_spec_gives_its_error_at_its_line() {
    let mut failures = Vec::new();
    for &(file, line, words, value) in SPECS {
        match Spec::from_toml_str(&text(file), file) {
            Ok(_) => failures.push(format!("{file}: accepted")),
            Err(e) => {
                let shown = e.to_string();
                if e.line != line {
                    failures.push(format!("{file}: line {} (want {line}): {shown}", e.line));
                }
                if !shown.contains(words) {
                    failures.push(format!("{file}: message lacks {words:?}: {shown}"));
                }
                if !value.is_empty() && shown.contains(value) {
                    failures.push(format!("{file}: message quotes the value: {shown}"));
                }
                if !shown.starts_with(&format!("{file}:{line}:")) {
                    failures.push(format!("{file}: not located by file:line: {shown}"));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// (file, JSON line of a syntax error, index of the faulty resource, words of the reason)
#[rustfmt::skip]
const PROFILES: &[(&str, Option<usize>, Option<usize>, &str)] = &[
    ("profile-sd-invalid-json.json", Some(8), None, "not valid json"),
    ("profile-sd-no-url.json", None, Some(1), "StructureDefinition without url"),
    ("profile-sd-bad-max.json", None, Some(0), "max is neither a number nor *"),
    ("profile-sd-element-without-path.json", None, Some(0), "element without path"),
];

#[test]
fn every_malformed_profile_gives_its_error_and_position() {
    let mut failures = Vec::new();
    for &(file, line, entry, words) in PROFILES {
        match Artifacts::from_json(&text(file), file) {
            Ok(_) => failures.push(format!("{file}: accepted")),
            Err(e) => {
                if (e.line, e.entry) != (line, entry) {
                    failures.push(format!(
                        "{file}: at line {:?} entry {:?}, want {line:?} {entry:?}: {e}",
                        e.line, e.entry
                    ));
                }
                if !e.reason.contains(words) {
                    failures.push(format!("{file}: reason lacks {words:?}: {e}"));
                }
                if e.to_string().contains("many") {
                    failures.push(format!("{file}: quotes the value: {e}"));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_saved_profile_of_another_schema_is_refused_without_quoting_it() {
    let e = serde_json::from_str::<Profile>(&text("profile-ira-wrong-schema.json")).unwrap_err();
    let shown = e.to_string();
    assert!(
        shown.contains(ira::analyze::profile::SCHEMA_MISMATCH),
        "{shown}"
    );
    assert!(!shown.contains("ira.profile/9"), "{shown}");
    assert!(e.is_data(), "{shown}");
}
