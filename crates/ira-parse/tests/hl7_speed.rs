//! Throughput of the whole reader: split + walk every leaf down to subcomponents.
//! Ignored by default (timing); run in release:
//! `cargo test -p ira-parse --release --test hl7_speed -- --ignored --nocapture`.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

use ira_parse::FileId;
use ira_parse::hl7;
use ira_parse::model::{Item, Sample};

fn corpus(target: usize) -> Vec<u8> {
    // Realistic mix: ADT and ORU messages with components, repetitions, escapes.
    let adt = b"MSH|^~\\&|REGADT|GOODHOSP|IRA|IRA|20240105083000||ADT^A01^ADT_A01|MSG00001|P|2.5.1|||AL|NE||UNICODE UTF-8\rEVN|A01|20240105083000\rPID|1||MRN0001^^^GOODHOSP^MR~NHS0001^^^NHS^NH||TESTPATIENT^ALPHA^Q^^^^L||19800101|F|||1 TEST STREET^^SPRINGFIELD^ST^00001^USA^H||555-0100^PRN^PH~^NET^Internet^test@example.invalid\rPV1|1|I|WARD1^101^A^GOODHOSP||||1234^DOCTOR^TEST^^^^MD|||MED||||||||V0001^^^GOODHOSP^VN\r".to_vec();
    let oru = b"MSH|^~\\&|LABSYS|GOODLAB|IRA|IRA|20240210101500||ORU^R01^ORU_R01|LAB0001|P|2.5.1\rPID|1||MRN0100^^^GOODHOSP^MR||DOE^JOHN||19600101|M\rOBR|1|ORD0001|FIL0001|24331-1^Lipid panel^LN|||20240210080000\rOBX|1|NM|2093-3^Cholesterol^LN||182|mg/dL^mg/dL^UCUM|<200|N|||F\rOBX|2|CWE|5778-6^Color of Urine^LN||YEL^Yellow^HL70000&LOCAL||||||F\rOBX|3|TX|11526-1^Pathology^LN||Line one\\.br\\Line two \\F\\ pipe~Second||||||F\rNTE|1|L|Reviewed by lab staff; ratio 1\\S\\2\r".to_vec();
    let mut out = Vec::with_capacity(target + 1024);
    while out.len() < target {
        out.extend_from_slice(&adt);
        out.extend_from_slice(&oru);
    }
    out
}

#[test]
#[ignore = "timing; run in release with --ignored"]
fn throughput() {
    let data = corpus(64 << 20);
    let mut best = f64::MAX;
    let mut leaves = 0usize;
    for _ in 0..5 {
        let t = Instant::now();
        leaves = 0;
        let mut bytes = 0usize;
        for m in hl7::read(&data, FileId(0)) {
            m.walk(&mut |i: &Item<'_>| {
                leaves += 1;
                bytes += i.value.raw_len();
            });
        }
        std::hint::black_box(bytes);
        best = best.min(t.elapsed().as_secs_f64());
    }
    let mut split_only = f64::MAX;
    for _ in 0..3 {
        let t = Instant::now();
        let n = hl7::read(&data, FileId(0))
            .map(|m| m.issues().len())
            .sum::<usize>();
        std::hint::black_box(n);
        split_only = split_only.min(t.elapsed().as_secs_f64());
    }
    println!(
        "split and check only: {:.0} MB/s",
        data.len() as f64 / split_only / 1e6
    );
    // For comparison: hl7-parser 0.3.0 on the same messages (split by us, as it cannot
    // split a file), touching every subcomponent.
    let texts: Vec<&str> = hl7::read(&data, FileId(0))
        .map(|m| std::str::from_utf8(m.bytes()).unwrap())
        .collect();
    let t = Instant::now();
    let mut n = 0usize;
    for text in &texts {
        let m = hl7_parser::Message::parse(text).unwrap();
        for seg in m.segments() {
            for f in seg.fields() {
                for r in f.repeats() {
                    for c in r.components() {
                        n += c.subcomponents().filter(|s| !s.value.is_empty()).count();
                    }
                }
            }
        }
    }
    std::hint::black_box(n);
    println!(
        "hl7-parser 0.3.0: {:.0} MB/s",
        data.len() as f64 / t.elapsed().as_secs_f64() / 1e6
    );
    let mbps = data.len() as f64 / best / 1e6;
    println!("{} MB, {leaves} leaves: {mbps:.0} MB/s", data.len() >> 20);
    if !cfg!(debug_assertions) {
        assert!(mbps >= 300.0, "{mbps:.0} MB/s is below the 300 MB/s target");
    }
}
