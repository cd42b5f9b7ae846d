//! Profile throughput on a generated corpus (ignored: run in release with
//! `cargo test --release -p ira-analyze --test profile_speed -- --ignored --nocapture`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Instant;

use ira_analyze::profile::{Profile, profile_bytes};
use ira_gen::{Hl7Options, fhir_ndjson, hl7_corpus};
use rayon::prelude::*;

fn measure(name: &str, files: &[(String, Vec<u8>)]) {
    let bytes: usize = files.iter().map(|f| f.1.len()).sum();
    for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let t = Instant::now();
        let p = pool.install(|| {
            files.par_iter().map(|(n, b)| profile_bytes(n, b)).reduce(
                Profile::default,
                |mut a, b| {
                    a.merge(b);
                    a
                },
            )
        });
        let s = t.elapsed().as_secs_f64();
        println!(
            "{name}: {threads} thread(s): {:.1} MiB in {s:.2} s = {:.1} MiB/s, {:.0} samples/s ({} samples)",
            bytes as f64 / 1048576.0,
            bytes as f64 / 1048576.0 / s,
            p.samples as f64 / s,
            p.samples
        );
    }
}

fn chunks(
    bytes: &[u8],
    n: usize,
    start: impl Fn(&[u8], usize) -> bool,
    ext: &str,
) -> Vec<(String, Vec<u8>)> {
    let step = bytes.len() / n;
    let mut out = Vec::new();
    let mut from = 0;
    let mut i = step;
    while i < bytes.len() {
        match (i..bytes.len()).find(|&j| start(bytes, j)) {
            Some(j) => {
                out.push((
                    format!("corpus/part-{:02}.{ext}", out.len()),
                    bytes[from..j].to_vec(),
                ));
                from = j;
                i = j + step;
            }
            None => break,
        }
    }
    out.push((
        format!("corpus/part-{:02}.{ext}", out.len()),
        bytes[from..].to_vec(),
    ));
    out
}

#[test]
#[ignore]
fn profile_throughput() {
    let hl7 = hl7_corpus(&Hl7Options {
        seed: 1,
        target_bytes: 64 << 20,
        ..Hl7Options::default()
    });
    measure(
        "hl7v2",
        &chunks(
            &hl7,
            16,
            |b, j| b[j..].starts_with(b"MSH") && b[j - 1] == b'\n',
            "hl7",
        ),
    );
    let fhir = fhir_ndjson(1, 64 << 20);
    measure(
        "fhir ndjson",
        &chunks(&fhir, 16, |b, j| b[j - 1] == b'\n', "ndjson"),
    );
}
