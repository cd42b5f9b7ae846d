//! Parse throughput on generated corpora (~20 MB HL7 v2, ~20 MB FHIR NDJSON).
//!
//! The baselines are floors, not competitors: a reader that builds positioned values
//! cannot beat a bare memchr split, and serde_json into `Value` is what "just parse the
//! JSON" costs with the workspace's features (`arbitrary_precision`, `preserve_order`).
//! Run: `cargo bench --bench parse` (see benches/README.md). Corpus size can be changed
//! with `IRA_BENCH_MB` (default 20).

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ira_gen::{Framing, Hl7Options, Terminator, fhir_ndjson, hl7_corpus};
use memchr::{memchr_iter, memchr2_iter};

/// Fixed so that every run measures the same bytes.
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

/// Calls `f` on each non-empty piece of `bytes` between `sep` bytes.
#[inline]
fn for_each_piece(bytes: &[u8], sep: u8, mut f: impl FnMut(&[u8])) {
    let mut start = 0;
    for end in memchr_iter(sep, bytes) {
        f(&bytes[start..end]);
        start = end + 1;
    }
    f(&bytes[start..]);
}

/// Segments (split at `\r` or `\n`, empty ones skipped) and their fields (split at `|`).
/// Returns (segments, fields, bytes in fields) so no split can be optimised away.
fn split_segments_fields(corpus: &[u8]) -> (u64, u64, u64) {
    let (mut segments, mut fields, mut field_bytes) = (0u64, 0u64, 0u64);
    let mut start = 0;
    let mut seg = |s: &[u8]| {
        if s.is_empty() {
            return;
        }
        segments += 1;
        for_each_piece(s, b'|', |f| {
            fields += 1;
            field_bytes += f.len() as u64;
        });
    };
    for end in memchr2_iter(b'\r', b'\n', corpus) {
        seg(&corpus[start..end]);
        start = end + 1;
    }
    seg(&corpus[start..]);
    (segments, fields, field_bytes)
}

/// Like [`split_segments_fields`], then every field at `~`, every repetition at `^`,
/// every component at `&`: the full ER7 hierarchy a reader walks. Returns the counts
/// at each level (segments, fields, repetitions, components, subcomponents).
fn split_all_delimiters(corpus: &[u8]) -> [u64; 5] {
    let mut n = [0u64; 5];
    let mut start = 0;
    let mut seg = |s: &[u8]| {
        if s.is_empty() {
            return;
        }
        n[0] += 1;
        for_each_piece(s, b'|', |f| {
            n[1] += 1;
            for_each_piece(f, b'~', |r| {
                n[2] += 1;
                for_each_piece(r, b'^', |c| {
                    n[3] += 1;
                    for_each_piece(c, b'&', |_| n[4] += 1);
                });
            });
        });
    };
    for end in memchr2_iter(b'\r', b'\n', corpus) {
        seg(&corpus[start..end]);
        start = end + 1;
    }
    seg(&corpus[start..]);
    n
}

/// Parses every NDJSON line into a `serde_json::Value`; returns lines parsed and failures.
fn serde_json_value_ndjson(corpus: &[u8]) -> (u64, u64) {
    let (mut ok, mut failed) = (0u64, 0u64);
    for_each_piece(corpus, b'\n', |line| {
        if line.is_empty() {
            return;
        }
        match serde_json::from_slice::<serde_json::Value>(line) {
            Ok(v) => {
                black_box(&v);
                ok += 1;
            }
            Err(_) => failed += 1,
        }
    });
    (ok, failed)
}

/// Checks every NDJSON line is valid JSON without building a tree (borrowed `RawValue`).
fn serde_json_validate_ndjson(corpus: &[u8]) -> u64 {
    let mut ok = 0u64;
    for_each_piece(corpus, b'\n', |line| {
        if !line.is_empty() && serde_json::from_slice::<&serde_json::value::RawValue>(line).is_ok()
        {
            ok += 1;
        }
    });
    ok
}

/// ira's HL7 v2 reader: messages and segments found and checked, values not walked.
fn ira_hl7_read(corpus: &[u8]) -> (u64, u64) {
    let mut reader = ira::parse::hl7::read(corpus, ira::parse::FileId(0));
    let (mut messages, mut segments) = (0u64, 0u64);
    for m in reader.by_ref() {
        messages += 1;
        segments += m.segments().count() as u64;
    }
    (messages, segments)
}

/// ira's HL7 v2 reader and a walk of every leaf (path, raw value, location), summing
/// value lengths and path fields so nothing is optimised away.
fn ira_hl7_read_walk(corpus: &[u8]) -> (u64, u64) {
    use ira::parse::model::{ElementPath, Sample};
    let (mut items, mut acc) = (0u64, 0u64);
    for m in ira::parse::hl7::read(corpus, ira::parse::FileId(0)) {
        m.walk(&mut |item| {
            items += 1;
            acc += item.value.raw_len() as u64 + item.location.offset;
            if let ElementPath::V2(p) = item.path {
                acc += u64::from(p.component);
            }
        });
    }
    (items, acc)
}

/// ira's HL7 v2 reader and every leaf through `Message::for_each_leaf` (path, raw value,
/// file offset, line, plain-text flag; the visitor inlined, no `Item` built), summing as above.
fn ira_hl7_read_leaves(corpus: &[u8]) -> (u64, u64) {
    let (mut items, mut acc) = (0u64, 0u64);
    for m in ira::parse::hl7::read(corpus, ira::parse::FileId(0)) {
        m.for_each_leaf(|leaf| {
            items += 1;
            acc += leaf.raw.len() as u64 + leaf.offset + u64::from(leaf.path.component);
        });
    }
    (items, acc)
}

/// ira's NDJSON reader into the document model, and a walk of every leaf.
fn ira_fhir_ndjson_read_walk(corpus: &[u8]) -> (u64, u64) {
    use ira::parse::model::{ElementPath, Sample};
    let file = ira::parse::fhir::read_ndjson(corpus, ira::parse::FileId(0));
    let (mut items, mut acc) = (0u64, 0u64);
    for r in &file.resources {
        r.walk(&mut |item| {
            items += 1;
            acc += item.value.raw_len() as u64;
            if let ElementPath::Fhir(p) = item.path {
                acc += p.len() as u64;
            }
        });
    }
    (items, acc)
}

fn hl7(c: &mut Criterion) {
    let corpus = hl7_corpus(&Hl7Options {
        seed: SEED,
        target_bytes: corpus_bytes(),
        framing: Framing::Newline,
        terminator: Terminator::Cr,
    });
    let [segments, fields, reps, comps, subs] = split_all_delimiters(&corpus);
    eprintln!(
        "hl7 corpus: {} bytes, {segments} segments, {fields} fields, {reps} repetitions, \
         {comps} components, {subs} subcomponents",
        corpus.len()
    );
    let mut g = c.benchmark_group("hl7");
    g.throughput(Throughput::Bytes(corpus.len() as u64));
    g.bench_function("memchr_split_segments_fields", |b| {
        b.iter(|| black_box(split_segments_fields(black_box(&corpus))))
    });
    g.bench_function("memchr_all_delimiters", |b| {
        b.iter(|| black_box(split_all_delimiters(black_box(&corpus))))
    });
    // ira: split into messages and segments, check them, no walk.
    g.bench_function("ira_hl7_read", |b| {
        b.iter(|| black_box(ira_hl7_read(black_box(&corpus))))
    });
    // ira: read and walk every leaf down to subcomponents, with its path and location.
    g.bench_function("ira_hl7_read_walk", |b| {
        b.iter(|| black_box(ira_hl7_read_walk(black_box(&corpus))))
    });
    // The same leaves through the reader's inlined leaf visitor (`Message::for_each_leaf`).
    g.bench_function("ira_hl7_read_leaves", |b| {
        b.iter(|| black_box(ira_hl7_read_leaves(black_box(&corpus))))
    });
    g.finish();
}

fn fhir(c: &mut Criterion) {
    let corpus = fhir_ndjson(SEED, corpus_bytes());
    let (lines, failed) = serde_json_value_ndjson(&corpus);
    eprintln!(
        "fhir ndjson corpus: {} bytes, {lines} resources, {failed} unparsable",
        corpus.len()
    );
    let mut g = c.benchmark_group("fhir_ndjson");
    g.throughput(Throughput::Bytes(corpus.len() as u64));
    g.bench_function("serde_json_value_ndjson", |b| {
        b.iter(|| black_box(serde_json_value_ndjson(black_box(&corpus))))
    });
    g.bench_function("serde_json_validate_ndjson", |b| {
        b.iter(|| black_box(serde_json_validate_ndjson(black_box(&corpus))))
    });
    // ira: read every line into the document model and walk every leaf with its path.
    g.bench_function("ira_fhir_ndjson_read_walk", |b| {
        b.iter(|| black_box(ira_fhir_ndjson_read_walk(black_box(&corpus))))
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = configure(&mut Criterion::default());
    targets = hl7, fhir
}
criterion_main!(benches);
