//! The `ira-gen` binary writes what the library generates.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Command;

use ira_gen::{Framing, Hl7Options, Terminator, fhir_bundles, fhir_ndjson, hl7_corpus};

fn run(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_ira-gen"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn binary_output_matches_the_library() {
    let dir = std::env::temp_dir().join(format!("ira-gen-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();

    let hl7 = dir.join("c.hl7");
    let out = run(&[
        "hl7",
        "--size-mb",
        "0.25",
        "--seed",
        "9",
        "--framing",
        "mllp",
        "--terminator",
        "crlf",
        "-o",
        hl7.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let expected = hl7_corpus(&Hl7Options {
        seed: 9,
        target_bytes: 1 << 18,
        framing: Framing::Mllp,
        terminator: Terminator::CrLf,
    });
    assert_eq!(std::fs::read(&hl7).unwrap(), expected);

    let out = run(&["fhir-ndjson", "--size-mb", "0.25", "--seed", "9"]);
    assert!(out.status.success());
    assert_eq!(out.stdout, fhir_ndjson(9, 1 << 18));

    let bundles = dir.join("bundles");
    let out = run(&[
        "fhir-bundles",
        "--count",
        "3",
        "--seed",
        "9",
        "-o",
        bundles.to_str().unwrap(),
    ]);
    assert!(out.status.success());
    for (i, b) in fhir_bundles(9, 3).iter().enumerate() {
        assert_eq!(
            &std::fs::read(bundles.join(format!("bundle-{i:05}.json"))).unwrap(),
            b
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bad_arguments_exit_2_with_usage() {
    for args in [
        &["bogus"][..],
        &["hl7", "--framing", "x"],
        &["hl7", "--size-mb"],
        &["hl7", "--seed", "-1"],
    ] {
        let out = run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("usage:"));
    }
}
