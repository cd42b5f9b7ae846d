//! Helpers shared by the crate's unit tests.

use std::path::{Path, PathBuf};

/// The repository's `fixtures/` directory.
pub(crate) fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

/// Every `.hl7` file under `dir`, recursively, in path order (ira's own input
/// discovery).
pub(crate) fn hl7_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(found) = ira_parse::input::discover(&[dir.to_path_buf()]) else {
        return;
    };
    out.extend(
        found
            .table
            .files()
            .iter()
            .map(|f| f.path.clone())
            .filter(|p| p.extension().is_some_and(|e| e == "hl7")),
    );
}
