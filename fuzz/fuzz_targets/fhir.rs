#![no_main]

use std::sync::Once;
use std::sync::atomic::{AtomicU64, Ordering};

static HOOK: Once = Once::new();
static CAUGHT: AtomicU64 = AtomicU64::new(0);

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    // libfuzzer-sys's panic hook aborts on every panic, even one caught by
    // `catch_unwind`. ira-conform runs fhirbolt (a known panicker) under
    // `catch_unwind`, so those panics must not count as crashes: this hook only counts
    // and shows them. A panic that escapes the entry point still aborts (libfuzzer-sys
    // aborts when the target unwinds), so it is still a crash.
    HOOK.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
            let n = CAUGHT.fetch_add(1, Ordering::Relaxed) + 1;
            if n <= 20 || n.is_power_of_two() {
                let at = info.location().map(|l| l.to_string()).unwrap_or_default();
                eprintln!("panic #{n} at {at} (caught: contained unless the run aborts)");
            }
        }));
    });
    #[cfg(feature = "conform")]
    let conformance: Option<&dyn ira_parse::fhir::Conformance> =
        Some(&ira_conform::FhirboltConformance);
    // Without the `conform` feature (fhirbolt takes long to compile): the readers alone.
    #[cfg(not(feature = "conform"))]
    let conformance = None;
    ira_fuzz::entry::fhir(data, conformance);
});
