//! Differential test against `hl7-parser` 0.3.0: both readers must agree on every
//! field / repetition / component / subcomponent value of well-formed messages — the
//! fixtures under `fixtures/v2/` and a generated corpus. Where hl7-parser is known to be
//! wrong, the disagreement is asserted explicitly (so a fixed hl7-parser shows up too).
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

#[path = "hl7_support/mod.rs"]
mod support;

use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};

use ira_parse::FileId;
use ira_parse::hl7::{self, Message};
use ira_parse::model::{Item, Sample, Value};
use support::fixture;

type Leaves = Vec<(String, String)>;

/// Our leaves: `path = raw` for every non-empty leaf, in document order.
fn ours(m: &Message<'_>) -> Leaves {
    let mut v = Vec::new();
    m.walk(&mut |i: &Item<'_>| {
        let Value::V2 { raw, .. } = i.value else {
            panic!()
        };
        v.push((
            i.path.to_string(),
            String::from_utf8_lossy(raw).into_owned(),
        ));
    });
    v
}

/// hl7-parser's leaves with our numbering convention (component 0 = repetition not
/// split, subcomponent 0 = component not split; a component split into subcomponents
/// is numbered). `Err` if it refuses the message or panics.
fn theirs(msg: &str, lenient: bool) -> Result<Leaves, String> {
    let parsed = catch_unwind(|| {
        hl7_parser::Message::parse_with_lenient_newlines(msg, lenient).map(|m| {
            let mut out = Vec::new();
            let mut occ: HashMap<&str, u32> = HashMap::new();
            for seg in m.segments() {
                let o = occ.entry(seg.name).or_insert(0);
                *o += 1;
                let seg_path = if *o > 1 {
                    format!("{}[{}]", seg.name, o)
                } else {
                    seg.name.to_string()
                };
                for (fi, field) in seg.fields().enumerate() {
                    let f = fi + 1;
                    if seg.name == "MSH" && f <= 2 {
                        out.push((format!("{seg_path}-{f}"), field.raw_value().to_string()));
                        continue;
                    }
                    for (ri, rep) in field.repeats().enumerate() {
                        let r = if ri > 0 {
                            format!("[{}]", ri + 1)
                        } else {
                            String::new()
                        };
                        let split_c = rep.components.len() > 1;
                        for (ci, comp) in rep.components().enumerate() {
                            let split_s = comp.subcomponents.len() > 1;
                            for (si, sub) in comp.subcomponents().enumerate() {
                                if sub.value.is_empty() {
                                    continue;
                                }
                                let mut p = format!("{seg_path}-{f}{r}");
                                if split_c || split_s {
                                    p += &format!(".{}", ci + 1);
                                    if split_s {
                                        p += &format!(".{}", si + 1);
                                    }
                                }
                                out.push((p, sub.value.to_string()));
                            }
                        }
                    }
                }
            }
            out
        })
    });
    match parsed {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(format!("error: {e}")),
        Err(_) => Err("panicked".into()),
    }
}

/// The text hl7-parser is given: the message's bytes, without MLLP framing (it has no
/// MLLP support), as `&str` (it cannot take anything else).
fn as_str<'a>(m: &Message<'a>) -> Option<&'a str> {
    std::str::from_utf8(m.bytes()).ok()
}

fn compare_file(rel: &str, lenient: bool) -> Vec<(u32, Leaves, Result<Leaves, String>)> {
    let bytes = fixture(rel);
    let mut out = Vec::new();
    for m in hl7::read(&bytes, FileId(0)) {
        let text =
            as_str(&m).unwrap_or_else(|| panic!("{rel}: message {} is not UTF-8", m.number()));
        out.push((m.number(), ours(&m), theirs(text, lenient)));
    }
    out
}

#[test]
fn agree_on_the_well_formed_fixtures() {
    for rel in [
        "v2/adt_v23_feed.hl7",
        "v2/oru_r01_v251.hl7",
        "v2/siu_s12.hl7",
        "v2/mllp_stream.mllp",
        "v2/batch.hl7",
        "v2/custom_delimiters.hl7",
    ] {
        for (n, a, b) in compare_file(rel, false) {
            assert_eq!(Ok(a), b, "{rel} message {n}");
        }
    }
}

#[test]
fn known_disagreement_newline_terminators() {
    // hl7-parser (strict, the default) does not end segments at `\n`: the rest of the
    // message after the first `\n` is silently glued into the previous field, and it
    // still returns Ok. With `lenient_newlines` it agrees with us.
    let results = compare_file("v2/crlf_and_lf.hl7", false);
    assert_eq!(results.len(), 3);
    let segs = |v: &Leaves| v.iter().filter(|(k, _)| k.ends_with("-1")).count();
    for (n, a, b) in &results {
        let b = b.as_ref().expect("hl7-parser returns Ok");
        assert_ne!(a, b, "message {n}");
        if *n < 3 {
            // Messages 1 and 2 have `\n` between segments: the segments after it are
            // not seen as segments at all.
            assert!(
                segs(b) < segs(a),
                "message {n}: hl7-parser should miss segments"
            );
        } else {
            // Message 3 ends with `\n`: it is kept as part of the last value.
            assert_eq!(segs(b), segs(a));
            assert!(b.last().unwrap().1.ends_with('\n'));
        }
    }
    for (n, a, b) in compare_file("v2/crlf_and_lf.hl7", true) {
        assert_eq!(Ok(a), b, "lenient, message {n}");
    }
}

#[test]
fn known_disagreement_v27_truncation_character_shifts_msh() {
    // MSH-2 `^~\&#` (v2.7 truncation character): hl7-parser takes exactly four encoding
    // characters, reads `#` as MSH-3 and shifts every later MSH field by one.
    let results = compare_file("v2/v27_truncation.hl7", false);
    let (_, a, b) = &results[0];
    let b = b.as_ref().expect("hl7-parser returns Ok");
    let get = |v: &Leaves, p: &str| v.iter().find(|(k, _)| k == p).map(|(_, v)| v.clone());
    assert_eq!(get(a, "MSH-2").as_deref(), Some("^~\\&#"));
    assert_eq!(get(b, "MSH-2").as_deref(), Some("^~\\&"));
    assert_eq!(get(b, "MSH-3").as_deref(), Some("#"));
    assert_eq!(get(a, "MSH-10").as_deref(), Some("V27A0001"));
    assert_eq!(get(b, "MSH-11").as_deref(), Some("V27A0001"));
    // Segments after MSH agree.
    let after = |v: &Leaves| {
        v.iter()
            .filter(|(k, _)| !k.starts_with("MSH"))
            .cloned()
            .collect::<Vec<_>>()
    };
    assert_eq!(after(a), after(b));
}

#[test]
fn known_disagreement_latin1_cannot_be_given_to_hl7_parser() {
    // hl7-parser takes `&str`: ISO-8859-1 bytes (é = 0xE9) are not valid UTF-8, so the
    // message cannot even be handed to it. We read it (see the latin1_adt snapshot).
    let bytes = fixture("v2/latin1_adt.hl7");
    assert!(std::str::from_utf8(&bytes).is_err());
    let msgs: Vec<_> = hl7::read(&bytes, FileId(0)).collect();
    assert_eq!(msgs.len(), 1);
    assert!(msgs[0].issues().is_empty());
}

#[test]
fn known_disagreement_bad_segment_name_drops_the_rest_silently() {
    // A segment name of 2 characters: hl7-parser returns Ok and silently drops every
    // segment from there on; we flag the segment and keep the ones after it.
    for msg in [
        "MSH|^~\\&|A|B|C|D|20240101||ADT^A01|X1|P|2.5\rPI|1\rPV1|1|I\r",
        // Name-only segment (we flag it as truncated): same silent loss.
        "MSH|^~\\&|A|B|C|D|20240101||ADT^A01|X1|P|2.5\rIN1\rPV1|1|I\r",
    ] {
        let ours_msgs: Vec<_> = hl7::read(msg.as_bytes(), FileId(0)).collect();
        let a = ours(&ours_msgs[0]);
        assert!(a.iter().any(|(k, _)| k == "PV1-2"));
        match theirs(msg, false) {
            Ok(b) => assert!(
                !b.iter().any(|(k, _)| k == "PV1-2"),
                "hl7-parser now keeps PV1: {b:?}"
            ),
            Err(e) => panic!("expected hl7-parser to return Ok, got {e}"),
        }
    }
}

#[test]
fn decoded_escapes_agree_except_non_ascii_hex() {
    let enc = ira_parse::hl7::Encoding::default();
    let seps = hl7_parser::message::Separators::default();
    for raw in [
        r"A\F\B",
        r"x\S\y\T\z\R\w\E\v",
        r"a\X0D\b",
        r"plain",
        r"\.br\",
    ] {
        let ours = enc.decode(raw.as_bytes()).into_owned();
        let theirs = seps.decode(raw).to_string();
        if raw == r"\.br\" {
            // We decode `\.br\` to a line feed, hl7-parser to a carriage return.
            assert_eq!((ours.as_str(), theirs.as_str()), ("\n", "\r"));
        } else {
            assert_eq!(ours, theirs, "{raw}");
        }
    }
    // A hex escape next to non-ASCII text: hl7-parser's decoder panics (it slices the
    // string at byte offsets that are not char boundaries); ours decodes.
    let raw = "éé\\X0D\\";
    let theirs = catch_unwind(AssertUnwindSafe(|| seps.decode(raw).to_string()));
    let ours = ira_parse::hl7::Encoding {
        charset: ira_parse::hl7::Charset::Utf8,
        ..enc
    }
    .decode(raw.as_bytes());
    assert_eq!(ours, "éé\r");
    eprintln!(
        "hl7-parser on non-ASCII + hex escape: {}",
        if theirs.is_err() { "panicked" } else { "ok" }
    );
}

// ---- generated corpus --------------------------------------------------------------

/// xorshift64*: tiny seeded generator, no extra crate.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len() as u64) as usize]
    }
}

fn gen_value(r: &mut Rng, out: &mut String) {
    const ATOMS: &[&str] = &[
        "DOE",
        "JANE",
        "TESTPATIENT",
        "12345",
        "2.5",
        "20240101",
        "A B",
        "x-y",
        "\\F\\",
        "\\S\\",
        "\\T\\",
        "\\R\\",
        "\\E\\",
        "\\X0D\\",
        "\"\"",
        "",
        "",
        "MR",
        "0.5",
        "<",
        "N",
    ];
    for _ in 0..=r.below(2) {
        out.push_str(r.pick(ATOMS));
    }
}

fn gen_field(r: &mut Rng, out: &mut String) {
    let reps = 1 + r.below(4) / 3; // mostly 1, sometimes 2
    for rep in 0..reps {
        if rep > 0 {
            out.push('~');
        }
        let comps = if r.below(3) == 0 { 1 + r.below(6) } else { 1 };
        for c in 0..comps {
            if c > 0 {
                out.push('^');
            }
            let subs = if r.below(5) == 0 { 1 + r.below(3) } else { 1 };
            for s in 0..subs {
                if s > 0 {
                    out.push('&');
                }
                gen_value(r, out);
            }
        }
    }
}

fn gen_message(r: &mut Rng, n: u64) -> String {
    const SEGS: &[&str] = &[
        "PID", "PV1", "OBX", "NTE", "ZPI", "OBR", "AL1", "NK1", "IN1", "EVN",
    ];
    let mut m = format!(
        "MSH|^~\\&|APP{}|FAC|IRA|IRA|20240101120000||ADT^A0{}|GEN{n:06}|P|2.5",
        r.below(9),
        1 + r.below(8)
    );
    for _ in 0..r.below(12) {
        m.push('\r');
        m.push_str(r.pick(SEGS));
        // At least one field: a name-only segment is a separate known disagreement.
        for _ in 0..=r.below(15) {
            m.push('|');
            gen_field(r, &mut m);
        }
    }
    m.push('\r');
    m
}

#[test]
fn agree_on_a_generated_corpus() {
    let mut r = Rng(0x1A2B_3C4D_5E6F_7081);
    let mut file = String::new();
    let mut expected = Vec::new();
    for n in 0..500 {
        let m = gen_message(&mut r, n);
        expected.push(m.clone());
        file.push_str(&m);
    }
    // Read as one file (our splitter) and compare message by message (each given to
    // hl7-parser alone, which cannot split a file).
    let msgs: Vec<_> = hl7::read(file.as_bytes(), FileId(0)).collect();
    assert_eq!(msgs.len(), expected.len());
    let mut leaves = 0;
    for (m, text) in msgs.iter().zip(&expected) {
        assert_eq!(m.bytes(), text.as_bytes());
        let a = ours(m);
        leaves += a.len();
        assert_eq!(
            Ok(a),
            theirs(text, false),
            "message {}: {text:?}",
            m.number()
        );
    }
    assert!(leaves > 10_000, "corpus too small: {leaves} leaves");
    // Decoded values (escapes) agree too, leaf by leaf (the corpus is ASCII and has no
    // `\.br\`).
    let seps = hl7_parser::message::Separators::default();
    let mut decoded = 0;
    for m in &msgs {
        m.walk(&mut |i: &Item<'_>| {
            let Value::V2 { raw, .. } = i.value else {
                panic!()
            };
            if i.path.to_string().starts_with("MSH-2") {
                return;
            }
            let raw = std::str::from_utf8(raw).unwrap();
            assert_eq!(
                i.value.text(),
                seps.decode(raw).to_string(),
                "{} in message {}",
                i.path,
                m.number()
            );
            decoded += 1;
        });
    }
    assert_eq!(decoded + msgs.len(), leaves);
}
