//! Analyses the demo interface (`fixtures/demo/ira.toml`) with the library facade and
//! prints the risk report as Markdown, then the gate's verdict.
//!
//! ```sh
//! cargo run --example analyze                # the demo
//! cargo run --example analyze -- my/ira.toml # another spec
//! ```
//!
//! Exits 1 when the gate fails (open risks at or above the spec's `fail_on`), like
//! `ira analyze`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use ira::{Analyzer, Format};

/// The Markdown report of the interface `spec` describes, and whether its gate fails.
pub fn analyze(spec: &Path) -> Result<(String, bool), ira::Error> {
    let report = Analyzer::new().spec(spec).run()?;
    Ok((report.render(Format::Markdown), report.gate_failed()))
}

fn main() -> ExitCode {
    let spec = std::env::args_os().nth(1).map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo/ira.toml"),
        PathBuf::from,
    );
    match analyze(&spec) {
        Ok((markdown, failed)) => {
            print!("{markdown}");
            if failed {
                println!("\ngate: NO-GO (open risks at or above the spec's fail_on)");
                ExitCode::from(1)
            } else {
                println!("\ngate: GO");
                ExitCode::SUCCESS
            }
        }
        Err(e) => {
            eprintln!("analyze: error: {e}");
            ExitCode::from(2)
        }
    }
}
