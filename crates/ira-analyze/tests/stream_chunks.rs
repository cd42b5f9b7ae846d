//! A large HL7 v2 file read in chunks, in parallel, gives exactly what a whole-file read
//! gives: the same findings and profile, with file-absolute positions, for 1 and 2
//! threads, across plain, MLLP and damaged framing and a batch.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;

use ira_analyze::analysis::{Analysis, AnalysisInput, analyze, analyze_streaming};
use ira_analyze::map::Map;
use ira_analyze::profile::{profile, profile_streaming};
use ira_analyze::stream::StreamOptions;
use ira_analyze::target::Artifacts;
use ira_gen::{Framing, Hl7Options, Terminator, hl7_corpus};
use ira_parse::chunk::open_file;
use ira_parse::document::ReadOptions;
use ira_parse::input::{self, Discovery};

fn corpus() -> Vec<u8> {
    let mut out = Vec::new();
    let parts = [
        (Framing::Newline, Terminator::Cr),
        (Framing::Mllp, Terminator::Cr),
        (Framing::None, Terminator::Lf),
        (Framing::Newline, Terminator::CrLf),
    ];
    for (i, (framing, terminator)) in parts.into_iter().enumerate() {
        out.extend(hl7_corpus(&Hl7Options {
            seed: 7 + i as u64,
            target_bytes: 250 << 10,
            framing,
            terminator,
        }));
        // Damage between the parts: garbage, a segment without MSH, a stray end block.
        out.extend_from_slice(b"not hl7 at all\rPID|1||X\r\x1c\r");
    }
    // A batch at the end: not cut inside.
    out.extend_from_slice(b"BHS|^~\\&|A\r");
    out.extend(hl7_corpus(&Hl7Options {
        seed: 99,
        target_bytes: 200 << 10,
        ..Hl7Options::default()
    }));
    out.extend_from_slice(b"BTS|3\r");
    out
}

fn setup() -> (PathBuf, Discovery) {
    let dir = std::env::temp_dir().join(format!("ira-stream-chunks-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("big.hl7");
    std::fs::write(&path, corpus()).unwrap();
    let d = input::discover(std::slice::from_ref(&path)).unwrap();
    (dir, d)
}

fn run(d: &Discovery, threads: usize, stream: StreamOptions) -> Analysis {
    let map = Map::builtin();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    pool.install(|| {
        analyze_streaming(
            AnalysisInput {
                legacy: d,
                target: None,
                artifacts: Artifacts::default(),
                map,
                spec: None,
            },
            &open_file,
            ReadOptions::default(),
            stream,
        )
    })
}

#[test]
fn chunked_reads_equal_the_whole_file_read_for_any_thread_count() {
    let (dir, d) = setup();
    let small = StreamOptions {
        chunk_size: 64 << 10,
        chunks_per_thread: 2,
    };
    // The file is cut into many chunks; the batch is in the last one.
    let bytes = corpus();
    let mut chunker = ira_parse::chunk::Chunker::new(&bytes[..], small.chunk_size);
    let mut chunks = Vec::new();
    while let Some(c) = chunker.next_chunk().unwrap() {
        chunks.push(c);
    }
    assert!(chunks.len() > 10, "{}", chunks.len());
    let has_bhs = |b: &[u8]| b.windows(4).any(|w| w == b"BHS|");
    assert!(has_bhs(&chunks.last().unwrap().bytes));
    assert!(!chunks[..chunks.len() - 1].iter().any(|c| has_bhs(&c.bytes)));
    let whole = run(&d, 1, StreamOptions::whole());
    assert!(!whole.findings.is_empty());
    // Positions are file-absolute: some example lies beyond the first chunk.
    assert!(
        whole
            .findings
            .iter()
            .flat_map(|f| &f.examples)
            .any(|e| e.offset > 64 << 10 && e.line > 1000 && e.message.unwrap_or(0) > 100)
    );
    for threads in [1, 2] {
        let chunked = run(&d, threads, small);
        assert_eq!(chunked.findings, whole.findings, "{threads} thread(s)");
        assert_eq!(chunked.legacy, whole.legacy, "{threads} thread(s)");
    }
    // The loader API (whole files loaded, then cut) gives the same.
    let map = Map::builtin();
    let loaded = analyze(
        AnalysisInput {
            legacy: &d,
            target: None,
            artifacts: Artifacts::default(),
            map,
            spec: None,
        },
        &input::read_file,
        ReadOptions::default(),
    );
    assert_eq!(loaded.findings, whole.findings);
    assert_eq!(loaded.legacy, whole.legacy);
    // And `ira profile`'s path.
    let p = profile_streaming(&d, &open_file, small);
    assert_eq!(p, whole.legacy);
    assert_eq!(profile(&d, input::read_file), whole.legacy);
    std::fs::remove_dir_all(dir).ok();
}
