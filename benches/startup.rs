//! Start-up of `ira analyze`: the work every run does before and around reading its
//! samples, on the demo interface (`fixtures/demo`, five small files and a spec with one
//! map override).
//!
//! Run: `cargo bench --bench startup` (see benches/README.md). The process-level figure
//! (`ira analyze --spec fixtures/demo/ira.toml`, cold caches, page faults included) is
//! measured with `perf stat` and is in docs/PERFORMANCE.md; these rows split it:
//!
//! - `map_build_builtin`: the built-in v2 → FHIR map parsed from its embedded TSV tables
//!   (once per process);
//! - `map_with_overrides_demo`: the demo spec's overrides applied to the built-in map
//!   (once per run);
//! - `analyze_demo_in_process`: a whole `ira::Analyzer` run on the demo, from the spec
//!   to the risk report, in a process that has run it before (what an embedder pays per
//!   run once the caches of what is derived from the built-in map are warm).

use std::collections::BTreeMap;
use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use ira::analyze::map::Map;
use ira::analyze::spec::Spec;

fn configure(c: &mut Criterion) -> Criterion {
    // The machine has 2 shared cores: few samples, short runs.
    std::mem::take(c)
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
}

fn startup(c: &mut Criterion) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let spec_path = root.join("fixtures/demo/ira.toml");
    let Ok(toml) = std::fs::read_to_string(&spec_path) else {
        eprintln!("{} not found: nothing to measure", spec_path.display());
        return;
    };
    let Ok(spec) = Spec::from_toml_str(&toml, "ira.toml") else {
        eprintln!("the demo spec does not load: nothing to measure");
        return;
    };
    let overrides = spec.map_overrides(&BTreeMap::new());

    let mut g = c.benchmark_group("startup");
    g.bench_function("map_build_builtin", |b| {
        b.iter(|| black_box(Map::build_builtin().map(|m| m.segments().count())))
    });
    g.bench_function("map_with_overrides_demo", |b| {
        b.iter(|| black_box(Map::with_overrides(&overrides).map(|m| m.segments().count())))
    });
    let analyzer = ira::Analyzer::new()
        .spec(&spec_path)
        .generated_at(ira::Timestamp(0))
        .jobs(1);
    g.bench_function("analyze_demo_in_process", |b| {
        b.iter(|| black_box(analyzer.run().map(|r| r.findings().len())))
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = configure(&mut Criterion::default());
    targets = startup
}
criterion_main!(benches);
