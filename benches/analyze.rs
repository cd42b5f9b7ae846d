//! Analysis throughput by stage on a generated HL7 v2 corpus (~20 MB), each row next to
//! a floor measured in the same run: parse (read and walk), profile, rules (the shared
//! walk feeding every leaf rule), profile + rules in one walk, the whole analysis
//! through the streaming entry point, and rendering the JSON risk report.
//!
//! Run: `cargo bench --bench analyze` (see benches/README.md). Corpus size:
//! `IRA_BENCH_MB` (default 20). Rows run on one thread, except `analyze_streaming_*`.

use std::hint::black_box;
use std::io::Cursor;
use std::sync::Arc;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ira::analyze::analysis::{AnalysisInput, analyze_streaming};
use ira::analyze::map::Map;
use ira::analyze::profile::FileProfiler;
use ira::analyze::rules::SampleRuleRun;
use ira::analyze::stream::{Opened, StreamOptions};
use ira::analyze::target::Artifacts;
use ira::parse::document::{ReadOptions, SampleSink, read_samples};
use ira::parse::input::{self, Format, SourceFile};
use ira::parse::model::Sample;
use ira::parse::{FileId, Issue};
use ira::report::report_json::{self, Counts, Provenance, ReportInput, Timestamp};
use ira_gen::{Framing, Hl7Options, Terminator, hl7_corpus};
use memchr::{memchr_iter, memchr2_iter};

/// Fixed so that every run measures the same bytes (the seed of `benches/parse.rs`).
const SEED: u64 = 20_251_125;

fn corpus_bytes() -> usize {
    let mb = std::env::var("IRA_BENCH_MB")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(20);
    mb << 20
}

fn configure(c: &mut Criterion) -> Criterion {
    // The machine has 2 shared cores: few samples, short runs.
    std::mem::take(c)
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5))
}

/// The floor: a memchr split into segments (`\r`/`\n`) and fields (`|`), counted.
fn memchr_split_segments_fields(corpus: &[u8]) -> (u64, u64) {
    let (mut segments, mut fields) = (0u64, 0u64);
    let mut start = 0;
    let mut seg = |s: &[u8]| {
        if !s.is_empty() {
            segments += 1;
            fields += memchr_iter(b'|', s).count() as u64 + 1;
        }
    };
    for end in memchr2_iter(b'\r', b'\n', corpus) {
        seg(&corpus[start..end]);
        start = end + 1;
    }
    seg(&corpus[start..]);
    (segments, fields)
}

fn file() -> SourceFile {
    SourceFile {
        id: FileId(0),
        path: "bench.hl7".into(),
        walked: false,
    }
}

/// Reads the corpus and walks every leaf (what every later row does at least).
struct Walk(u64);

impl SampleSink for Walk {
    fn sample(&mut self, sample: &dyn Sample, _issues: &[Issue]) {
        sample.walk(&mut |item| self.0 += item.value.raw_len() as u64);
    }
    fn issue(&mut self, _issue: &Issue) {}
}

/// The profiler and the rules, fed by one walk per message (as `ira analyze` does).
struct Both<'e> {
    profiler: FileProfiler,
    rules: SampleRuleRun<'e>,
}

impl SampleSink for Both<'_> {
    fn sample(&mut self, sample: &dyn Sample, _issues: &[Issue]) {
        let mut p = self.profiler.begin_sample(sample);
        let mut r = self.rules.begin_sample(sample);
        let (profiler, rules) = (&mut self.profiler, &mut self.rules);
        sample.walk(&mut |item| {
            profiler.item(&mut p, item);
            rules.item(&mut r, item);
        });
        self.profiler.end_sample(p);
        self.rules.end_sample(r);
    }
    fn issue(&mut self, _issue: &Issue) {}
}

fn read<S: SampleSink>(corpus: &[u8], sink: &mut S) {
    read_samples(&file(), Format::Hl7v2, corpus, ReadOptions::default(), sink);
}

fn analysis(c: &mut Criterion) {
    let corpus = hl7_corpus(&Hl7Options {
        seed: SEED,
        target_bytes: corpus_bytes(),
        framing: Framing::Newline,
        terminator: Terminator::Cr,
    });
    eprintln!("hl7 corpus: {} bytes", corpus.len());
    let mut g = c.benchmark_group("analyze_hl7");
    g.throughput(Throughput::Bytes(corpus.len() as u64));
    g.bench_function("memchr_split_segments_fields", |b| {
        b.iter(|| black_box(memchr_split_segments_fields(black_box(&corpus))))
    });
    g.bench_function("parse_walk", |b| {
        b.iter(|| {
            let mut w = Walk(0);
            read(&corpus, &mut w);
            black_box(w.0)
        })
    });
    g.bench_function("profile", |b| {
        b.iter(|| {
            let mut p = FileProfiler::new("bench.hl7");
            read(&corpus, &mut p);
            black_box(p.finish())
        })
    });
    g.bench_function("rules", |b| {
        b.iter(|| {
            let mut r = SampleRuleRun::default();
            read(&corpus, &mut r);
            black_box(r.finish())
        })
    });
    g.bench_function("profile_rules_shared_walk", |b| {
        b.iter(|| {
            let mut s = Both {
                profiler: FileProfiler::new("bench.hl7"),
                rules: SampleRuleRun::default(),
            };
            read(&corpus, &mut s);
            black_box((s.profiler.finish(), s.rules.finish()))
        })
    });

    // The whole analysis (context rules included) through the streaming entry point,
    // on one file, read from memory, cut into 8 MiB chunks, 1 and 2 threads.
    let dir = std::env::temp_dir().join(format!("ira-bench-analyze-{}", std::process::id()));
    let path = dir.join("corpus.hl7");
    let written = std::fs::create_dir_all(&dir).and_then(|_| std::fs::write(&path, &corpus));
    let discovery = written
        .ok()
        .and_then(|_| input::discover(std::slice::from_ref(&path)).ok());
    let shared: Arc<[u8]> = corpus.clone().into();
    let open = |_: &SourceFile| -> Result<Opened, Issue> {
        Ok(Box::new(Cursor::new(Arc::clone(&shared))) as Opened)
    };
    let map = Map::builtin();
    let mut last = None;
    if let Some(d) = &discovery {
        for threads in [1usize, 2] {
            let Ok(pool) = rayon::ThreadPoolBuilder::new().num_threads(threads).build() else {
                continue;
            };
            g.bench_function(format!("analyze_streaming_{threads}_threads"), |b| {
                b.iter(|| {
                    let a = pool.install(|| {
                        analyze_streaming(
                            AnalysisInput {
                                legacy: d,
                                target: None,
                                artifacts: Artifacts::default(),
                                map,
                                spec: None,
                            },
                            &open,
                            ReadOptions::default(),
                            StreamOptions::default(),
                        )
                    });
                    black_box(a.findings.len())
                })
            });
        }
        last = Some(analyze_streaming(
            AnalysisInput {
                legacy: d,
                target: None,
                artifacts: Artifacts::default(),
                map,
                spec: None,
            },
            &open,
            ReadOptions::default(),
            StreamOptions::default(),
        ));
    }
    g.finish();

    // Rendering the JSON risk report from the findings; the floor is serde_json writing
    // the findings as they are.
    if let Some(a) = last {
        let provenance = Provenance {
            generated_at: Timestamp(0),
            spec_sha256: None,
            inputs: Vec::new(),
        };
        let mut g = c.benchmark_group("render");
        g.bench_function("serde_json_findings", |b| {
            b.iter(|| black_box(serde_json::to_string_pretty(&a.findings).map(|s| s.len())))
        });
        g.bench_function("report_json", |b| {
            b.iter(|| {
                let report = report_json::build(ReportInput {
                    findings: &a.findings,
                    spec: None,
                    scopes: &[],
                    counts: Counts::default(),
                    provenance: &provenance,
                });
                black_box(report_json::json(&report).len())
            })
        });
        g.finish();
    }
    std::fs::remove_dir_all(dir).ok();
}

criterion_group! {
    name = benches;
    config = configure(&mut Criterion::default());
    targets = analysis
}
criterion_main!(benches);
