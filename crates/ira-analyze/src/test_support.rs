//! Helpers shared by the crate's unit tests.

use std::path::{Path, PathBuf};

/// The repository's `fixtures/` directory.
pub(crate) fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

/// Every `.hl7` file under `dir`, recursively, in name order.
pub(crate) fn hl7_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    paths.sort();
    for p in paths {
        if p.is_dir() {
            hl7_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "hl7") {
            out.push(p);
        }
    }
}
