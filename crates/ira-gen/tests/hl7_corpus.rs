//! Behaviour of the HL7 v2 generator: determinism, prefixes, framing, and message content.

// Helpers outside #[test] fns may unwrap too: these are tests.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use ira_gen::{
    Framing, Hl7Kind, Hl7Options, Terminator, hl7_corpus, hl7_message, write_hl7_corpus,
};

fn opts(seed: u64, target_bytes: usize, framing: Framing, terminator: Terminator) -> Hl7Options {
    Hl7Options {
        seed,
        target_bytes,
        framing,
        terminator,
    }
}

const FRAMINGS: [Framing; 3] = [Framing::Newline, Framing::Mllp, Framing::None];
const TERMINATORS: [Terminator; 3] = [Terminator::Cr, Terminator::Lf, Terminator::CrLf];

#[test]
fn same_seed_same_bytes_and_different_seeds_differ() {
    let a = hl7_corpus(&opts(7, 200_000, Framing::Newline, Terminator::Cr));
    let b = hl7_corpus(&opts(7, 200_000, Framing::Newline, Terminator::Cr));
    let c = hl7_corpus(&opts(8, 200_000, Framing::Newline, Terminator::Cr));
    assert_eq!(a, b);
    assert_ne!(a, c);
    assert!(
        a.len() >= 200_000 && a.len() < 200_000 + 10_000,
        "len {}",
        a.len()
    );
}

#[test]
fn zero_target_is_empty() {
    assert!(hl7_corpus(&opts(1, 0, Framing::Mllp, Terminator::Cr)).is_empty());
}

#[test]
fn smaller_corpus_is_a_prefix_of_larger_one() {
    for framing in FRAMINGS {
        for terminator in TERMINATORS {
            let small = hl7_corpus(&opts(3, 30_000, framing, terminator));
            let large = hl7_corpus(&opts(3, 120_000, framing, terminator));
            assert!(large.len() > small.len());
            assert!(large.starts_with(&small), "{framing:?} {terminator:?}");
        }
    }
}

#[test]
fn streaming_writes_the_same_bytes() {
    let o = opts(11, 100_000, Framing::Mllp, Terminator::CrLf);
    let mut streamed = Vec::new();
    let stats = write_hl7_corpus(&o, &mut streamed).unwrap();
    assert_eq!(streamed, hl7_corpus(&o));
    assert_eq!(stats.bytes, streamed.len() as u64);
    assert_eq!(
        stats.items as usize,
        streamed.iter().filter(|&&b| b == 0x0B).count()
    );
}

/// Splits a corpus back into messages according to its framing, checking the framing bytes.
fn split_messages(corpus: &[u8], framing: Framing, terminator: Terminator) -> Vec<Vec<u8>> {
    let term = terminator.bytes();
    match framing {
        Framing::Mllp => {
            let mut out = Vec::new();
            let mut rest = corpus;
            while !rest.is_empty() {
                assert_eq!(rest[0], 0x0B, "frame must start with VT");
                let end = rest
                    .windows(2)
                    .position(|w| w == b"\x1C\r")
                    .expect("frame end");
                out.push(rest[1..end].to_vec());
                rest = &rest[end + 2..];
            }
            out
        }
        Framing::Newline => {
            // Each message ends with its last segment's terminator plus one empty line.
            let sep: &[u8] = match terminator {
                Terminator::Cr => b"\r\n",
                Terminator::Lf => b"\n\n",
                Terminator::CrLf => b"\r\n\r\n",
            };
            let mut out = Vec::new();
            let mut rest = corpus;
            while !rest.is_empty() {
                let end = rest
                    .windows(sep.len())
                    .position(|w| w == sep)
                    .expect("separator");
                let keep = end + sep.len() - (sep.len() - term.len());
                out.push(rest[..keep].to_vec());
                rest = &rest[end + sep.len()..];
            }
            out
        }
        Framing::None => {
            // Messages start at each MSH segment.
            let text = corpus;
            let mut starts = vec![0];
            let marker: Vec<u8> = [term, b"MSH|"].concat();
            for (i, w) in text.windows(marker.len()).enumerate() {
                if w == marker.as_slice() {
                    starts.push(i + term.len());
                }
            }
            starts.push(text.len());
            starts
                .windows(2)
                .map(|w| text[w[0]..w[1]].to_vec())
                .collect()
        }
    }
}

#[test]
fn framing_and_terminators_are_as_requested() {
    for framing in FRAMINGS {
        for terminator in TERMINATORS {
            let o = opts(5, 60_000, framing, terminator);
            let corpus = hl7_corpus(&o);
            let messages = split_messages(&corpus, framing, terminator);
            assert!(messages.len() > 10);
            for (i, m) in messages.iter().enumerate() {
                let (_, expected) = hl7_message(5, i as u64, terminator);
                assert_eq!(m, &expected, "message {i} with {framing:?} {terminator:?}");
                assert!(m.starts_with(b"MSH|^~\\&|"));
                assert!(m.ends_with(terminator.bytes()));
            }
            match terminator {
                Terminator::Lf => assert!(!corpus.contains(&b'\r') || framing == Framing::Mllp),
                Terminator::Cr if framing != Framing::Newline => assert!(!corpus.contains(&b'\n')),
                _ => {}
            }
        }
    }
}

fn segments(msg: &[u8]) -> Vec<&str> {
    std::str::from_utf8(msg)
        .unwrap()
        .split('\r')
        .filter(|s| !s.is_empty())
        .collect()
}

fn field(seg: &str, n: usize) -> &str {
    // For MSH, field n is at split index n-1 (MSH-1 is the separator itself).
    let idx = if seg.starts_with("MSH") { n - 1 } else { n };
    seg.split('|').nth(idx).unwrap_or("")
}

#[test]
fn every_message_has_its_planned_segments() {
    let mut counts = std::collections::HashMap::new();
    let mut v23 = 0;
    let n = 4000;
    for i in 0..n {
        let (kind, msg) = hl7_message(21, i, Terminator::Cr);
        *counts.entry(kind).or_insert(0u32) += 1;
        assert!(msg.starts_with(b"MSH|^~\\&|"));
        let segs = segments(&msg);
        let names: Vec<&str> = segs.iter().map(|s| &s[..3]).collect();
        for name in &names {
            assert!(
                name.bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()),
                "{name}"
            );
        }
        // Required segments appear, in this order.
        let mut pos = 0;
        for req in kind.required_segments() {
            let found = names[pos..].iter().position(|n| n == req);
            assert!(
                found.is_some(),
                "message {i} ({kind:?}) lacks {req} after position {pos}: {names:?}"
            );
            pos += found.unwrap();
        }
        let msh = segs[0];
        let (code, event) = kind.message_type();
        let msh9 = field(msh, 9);
        assert!(msh9.starts_with(&format!("{code}^{event}")), "{msh9}");
        match field(msh, 12) {
            "2.3" => {
                v23 += 1;
                assert_eq!(msh9.split('^').count(), 2);
            }
            "2.5.1" => assert_eq!(msh9.split('^').count(), 3),
            other => panic!("unexpected version {other}"),
        }
        if kind == Hl7Kind::OruR01 {
            let obx = names.iter().filter(|n| **n == "OBX").count();
            assert!((5..=20).contains(&obx), "{obx} OBX");
        }
        for seg in &segs {
            if seg.starts_with("PID") {
                assert!(
                    (120..=400).contains(&seg.len()),
                    "PID of {} bytes",
                    seg.len()
                );
            }
        }
    }
    let share = |k| f64::from(counts[&k]) / n as f64;
    let adt = share(Hl7Kind::AdtA01) + share(Hl7Kind::AdtA04) + share(Hl7Kind::AdtA08);
    assert!((0.41..0.49).contains(&adt), "ADT {adt}");
    assert!((0.31..0.39).contains(&share(Hl7Kind::OruR01)));
    assert!((0.12..0.18).contains(&share(Hl7Kind::OrmO01)));
    assert!((0.03..0.07).contains(&share(Hl7Kind::SiuS12)));
    let v23_share = f64::from(v23) / n as f64;
    assert!((0.10..0.20).contains(&v23_share), "v2.3 share {v23_share}");
}

#[test]
fn corpus_exercises_repetitions_subcomponents_escapes_and_z_segments() {
    let corpus = hl7_corpus(&opts(2, 400_000, Framing::None, Terminator::Cr));
    let text = std::str::from_utf8(&corpus).unwrap();
    let segs: Vec<&str> = text.split('\r').filter(|s| !s.is_empty()).collect();
    let pid_rep = |n: usize| {
        segs.iter()
            .any(|s| s.starts_with("PID|") && field(s, n).contains('~'))
    };
    for n in [3, 5, 11, 13] {
        assert!(pid_rep(n), "no repetition in PID-{n}");
    }
    assert!(
        segs.iter().any(|s| s.starts_with("PID|")
            && field(s, 3).contains("^^^HOSP&2.16.840.1.113883.3.999&ISO^"))
    );
    assert!(
        segs.iter().any(|s| s.starts_with("PV1|")
            && field(s, 7).contains("^HOSP&2.16.840.1.113883.3.999&ISO^L"))
    );
    for esc in [
        "\\F\\", "\\S\\", "\\T\\", "\\R\\", "\\E\\", "\\.br\\", "\\X0D\\",
    ] {
        assert!(
            segs.iter()
                .any(|s| (s.starts_with("NTE|") || s.starts_with("OBX|")) && s.contains(esc)),
            "{esc}"
        );
    }
    for vt in ["NM", "CE", "CWE", "ST", "TX", "SN"] {
        assert!(
            segs.iter()
                .any(|s| s.starts_with("OBX|") && field(s, 2) == vt),
            "OBX type {vt}"
        );
    }
    assert!(
        segs.iter()
            .any(|s| s.starts_with("ZPI|") && s.contains('^') && s.contains('&'))
    );
    assert!(
        segs.iter()
            .any(|s| s.starts_with("ZVS|") && s.contains('^') && s.contains('&'))
    );
}

#[test]
fn every_escape_sequence_is_well_formed() {
    let allowed = ["F", "S", "T", "R", "E", ".br", "X0D"];
    for i in 0..2000 {
        let (_, msg) = hl7_message(9, i, Terminator::Cr);
        let text = std::str::from_utf8(&msg).unwrap();
        for seg in text.split('\r').filter(|s| !s.is_empty()) {
            // MSH-2 holds the escape character itself.
            let body = if seg.starts_with("MSH|") {
                &seg[8..]
            } else {
                seg
            };
            let parts: Vec<&str> = body.split('\\').collect();
            assert!(parts.len() % 2 == 1, "unterminated escape in message {i}");
            for inner in parts.iter().skip(1).step_by(2) {
                assert!(allowed.contains(inner), "escape \\{inner}\\ in message {i}");
            }
        }
    }
}

#[test]
fn first_messages_snapshot() {
    // Guards the "same seed, same bytes" promise across releases of this crate.
    let o = opts(42, 1, Framing::Newline, Terminator::Lf);
    let mut shown = String::new();
    for i in 0..4 {
        let (kind, msg) = hl7_message(o.seed, i, o.terminator);
        shown.push_str(&format!(
            "# {kind:?}\n{}\n",
            String::from_utf8(msg).unwrap()
        ));
    }
    insta::assert_snapshot!(shown);
}
