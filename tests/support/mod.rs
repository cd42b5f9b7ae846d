//! Shared by the root tests that run the built `ira` binary.

use std::path::PathBuf;

/// The `ira` binary next to the test executable (`target/<profile>/deps/x-…` →
/// `target/<profile>/ira`); `cargo test --workspace` builds it.
pub fn ira_binary() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().and_then(|d| d.parent()).unwrap();
    let bin = dir.join(format!("ira{}", std::env::consts::EXE_SUFFIX));
    assert!(
        bin.exists(),
        "{} not built: run `cargo test --workspace`",
        bin.display()
    );
    bin
}
