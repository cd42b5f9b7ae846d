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
