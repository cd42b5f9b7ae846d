//! Property tests: the reader never panics, whatever the bytes, and accounts for every
//! byte (in a message, in an issue's stray range, or as framing).
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use ira_parse::FileId;
use ira_parse::hl7::{self, Charset, Encoding};
use ira_parse::model::{Item, Sample, V2Path};
use proptest::prelude::*;

const VALID: &[u8] = b"MSH|^~\\&|APP|FAC|IRA|IRA|20240101||ADT^A01^ADT_A01|C1|P|2.5|||||||UNICODE UTF-8\rPID|1||MRN1^^^F^MR~X&Y||DOE^JANE\\S\\X||\"\"\rOBX|1|TX|||a\\.br\\b\\X0D\\c\r";

/// Reads everything, walks every message, and checks the invariants.
fn exercise(bytes: &[u8]) {
    let mut r = hl7::read(bytes, FileId(7));
    let mut in_messages = 0u64;
    let mut count = 0u32;
    let mut last_end = 0u64;
    for m in r.by_ref() {
        count += 1;
        assert_eq!(m.number(), count);
        let start = m.location().offset;
        let end = start + m.bytes().len() as u64;
        assert!(start >= last_end, "messages overlap or go backwards");
        last_end = end;
        assert_eq!(&bytes[start as usize..end as usize], m.bytes());
        in_messages += m.bytes().len() as u64;
        let _ = m.info();
        let _ = (
            m.message_type(),
            m.trigger(),
            m.structure(),
            m.version(),
            m.control_id(),
            m.batch(),
        );
        for s in m.segments() {
            let _ = s.fields().count();
            let _ = s.name_str();
        }
        let mut paths = Vec::new();
        let mut leaves = Vec::new();
        m.walk(&mut |i: &Item<'_>| {
            if let (ira_parse::model::ElementPath::V2(p), ira_parse::model::Value::V2 { raw, .. }) =
                (i.path, &i.value)
            {
                leaves.push((p, raw.to_vec()));
            }
            let _ = i.value.text();
            let off = i.location.offset;
            assert!(off >= start && off <= end, "item outside its message");
            assert_eq!(i.location.message, Some(m.number()));
            assert_eq!(i.location.file, FileId(7));
            if let ira_parse::model::ElementPath::V2(p) = i.path {
                paths.push(p);
            }
        });
        for p in paths.iter().take(50) {
            let _ = m.get(p).map(|v| v.text().into_owned());
        }
        // `get` finds what `walk` reported, at the same path.
        for (p, raw) in &leaves {
            assert_eq!(m.get_raw(p), Some(&raw[..]), "{p}");
        }
        for issue in m.issues() {
            assert_eq!(issue.location.message, Some(m.number()));
            assert!(issue.location.offset <= bytes.len() as u64);
        }
    }
    for issue in r.take_issues() {
        assert_eq!(issue.location.message, None);
        assert!(issue.location.offset <= bytes.len() as u64);
    }
    let s = r.summary();
    assert_eq!(s.messages, count);
    assert!(s.damaged + s.skipped <= s.messages);
    assert_eq!(
        in_messages + s.stray_bytes + s.framing_bytes,
        bytes.len() as u64,
        "bytes not accounted for"
    );
    assert!(r.next().is_none(), "reader is fused after the end");
}

/// Bytes drawn mostly from HL7's structural alphabet, to reach deep code paths.
fn hl7ish() -> impl Strategy<Value = Vec<u8>> {
    let atoms = prop::sample::select(vec![
        &b"MSH|^~\\&|"[..],
        b"MSH|",
        b"MSH*:!#@*",
        b"|",
        b"^",
        b"~",
        b"&",
        b"\\",
        b"\\F\\",
        b"\\X",
        b"\r",
        b"\n",
        b"\r\n",
        b"\x0b",
        b"\x1c\r",
        b"\x1c",
        b"PID|",
        b"BHS|^~\\&|",
        b"BTS|1",
        b"FHS|^~\\&|",
        b"FTS|",
        b"2.5",
        b"ADT^A01",
        b"\x00",
        b"\xe9",
        b"\xc3\xa9",
        b"UNICODE UTF-8",
        b"8859/1",
        b"ab",
        b" ",
    ]);
    prop::collection::vec(atoms, 0..80).prop_map(|v| v.concat())
}

proptest! {
    // 512 cases by default; `PROPTEST_CASES=N` for a longer hunt.
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(512),
    ))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        exercise(&bytes);
    }

    #[test]
    fn hl7_shaped_bytes_never_panic(bytes in hl7ish()) {
        exercise(&bytes);
    }

    #[test]
    fn bytes_spliced_into_a_valid_message(at in 0..VALID.len(), junk in prop::collection::vec(any::<u8>(), 0..40), twice in any::<bool>()) {
        let mut bytes = VALID.to_vec();
        bytes.splice(at..at, junk.iter().copied());
        if twice {
            let again = bytes.clone();
            bytes.extend_from_slice(&again);
        }
        exercise(&bytes);
    }

    #[test]
    fn decode_never_panics(raw in prop::collection::vec(any::<u8>(), 0..64), cs in 0..3u8) {
        let charset = [Charset::Ascii, Charset::Latin1, Charset::Utf8][cs as usize];
        let enc = Encoding { charset, ..Encoding::default() };
        let _ = enc.decode(&raw);
    }

    #[test]
    fn get_never_panics(path in "[A-Z]{3}(\\[[0-9]{1,2}\\])?(-[0-9]{1,3}(\\[[0-9]{1,2}\\])?(\\.[0-9]{1,2}(\\.[0-9]{1,2})?)?)?") {
        let m = hl7::read(VALID, FileId(0)).next().unwrap();
        if let Some(p) = V2Path::parse(&path) {
            let _ = m.get(&p);
        }
    }
}

#[test]
fn valid_message_is_clean() {
    let (msgs, issues): (Vec<_>, _) = {
        let mut r = hl7::read(VALID, FileId(0));
        (r.by_ref().collect(), r.take_issues())
    };
    assert_eq!(msgs.len(), 1);
    assert!(issues.is_empty());
    assert!(msgs[0].issues().is_empty(), "{:?}", msgs[0].issues());
    exercise(VALID);
}
