#![no_main]

use std::path::Path;
use std::sync::OnceLock;

use ira_parse::input::Discovery;

static SLOTS: OnceLock<(Discovery, Discovery)> = OnceLock::new();

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    // Small inputs only: the pipeline's cost grows with the input, not its bugs.
    if data.len() > 16 * 1024 {
        return;
    }
    let slots = SLOTS.get_or_init(|| {
        ira_fuzz::entry::analyze_slots(&Path::new(env!("CARGO_MANIFEST_DIR")).join("slots"))
    });
    ira_fuzz::entry::analyze(data, slots);
});
