#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Issue 6's parse-alone target on a noisy machine: ira's HL7 v2 reader down to
//! subcomponents against a plain memchr split of the same bytes into segments and
//! fields, the three timed in turn in each round (so that load changes hit all alike),
//! best of N rounds each.
//!
//! ```sh
//! cargo run --release -p ira-gen -- hl7 --size-mb 20 --seed 20251125 -o /tmp/c20.hl7
//! cargo run --release -p ira-parse --example parse_vs_memchr -- /tmp/c20.hl7 15
//! ```
//!
//! `split`: segments at `\r`/`\n`, fields at `|`, with memchr (`benches/parse.rs`
//! `memchr_split_segments_fields`). `read`: ira's reader (messages split, segments
//! indexed and checked). `leaves`: the reader and `Message::for_each_leaf`, every leaf
//! with its path, raw value, offset and line (`benches/parse.rs` `ira_hl7_read_leaves`).
use std::hint::black_box;
use std::time::Instant;

use memchr::{memchr_iter, memchr2_iter};

fn split(corpus: &[u8]) -> (u64, u64) {
    let (mut s, mut f) = (0u64, 0u64);
    let mut start = 0;
    let mut seg = |x: &[u8]| {
        if x.is_empty() {
            return;
        }
        s += 1;
        let mut st = 0;
        for e in memchr_iter(b'|', x) {
            f += (e - st) as u64;
            st = e + 1;
        }
        f += (x.len() - st) as u64;
    };
    for end in memchr2_iter(b'\r', b'\n', corpus) {
        seg(&corpus[start..end]);
        start = end + 1;
    }
    seg(&corpus[start..]);
    (s, f)
}

fn read(corpus: &[u8]) -> u64 {
    let mut n = 0;
    for m in ira_parse::hl7::read(corpus, ira_parse::FileId(0)) {
        n += m.segments().count() as u64;
    }
    n
}

fn leaves(corpus: &[u8]) -> (u64, u64) {
    let (mut items, mut acc) = (0u64, 0u64);
    for m in ira_parse::hl7::read(corpus, ira_parse::FileId(0)) {
        m.for_each_leaf(|l| {
            items += 1;
            acc += l.raw.len() as u64 + l.offset + u64::from(l.path.component);
        });
    }
    (items, acc)
}

fn main() {
    let path = std::env::args()
        .nth(1)
        .expect("usage: parse_vs_memchr CORPUS.hl7 [ROUNDS]");
    let reps: usize = std::env::args()
        .nth(2)
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);
    let corpus = std::fs::read(path).unwrap();
    let mb = corpus.len() as f64 / (1 << 20) as f64;
    let mut best = [f64::MAX; 3];
    let mut out = (0, 0, (0, 0));
    for _ in 0..reps {
        // Interleaved so that load changes hit all three alike.
        let t = Instant::now();
        out.0 = black_box(split(black_box(&corpus))).0;
        best[0] = best[0].min(t.elapsed().as_secs_f64());
        let t = Instant::now();
        out.1 = black_box(read(black_box(&corpus)));
        best[1] = best[1].min(t.elapsed().as_secs_f64());
        let t = Instant::now();
        out.2 = black_box(leaves(black_box(&corpus)));
        best[2] = best[2].min(t.elapsed().as_secs_f64());
    }
    for (name, b) in ["split", "read", "leaves"].iter().zip(best) {
        println!(
            "{name:8} {:7.1} MiB/s  {:.2} ms  {:.2}x split",
            mb / b,
            b * 1e3,
            best[0] / b
        );
    }
    println!("{out:?}");
}
