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

/// The leaves of one segment's fields (from `fields`, numbered from `first_field`) by
/// nested splits, the obvious way: (field, repetition, component, subcomponent, value),
/// non-empty values only. A component is numbered when its repetition has components
/// or it has subcomponents; a subcomponent when its component has subcomponents.
fn reference_leaves(
    fields: &[u8],
    first_field: u16,
    [f, c, r]: [u8; 3],
    s: Option<u8>,
) -> Vec<(u16, u16, u16, u16, Vec<u8>)> {
    let mut out = Vec::new();
    for (fi, field) in fields.split(|&b| b == f).enumerate() {
        for (ri, rep) in field.split(|&b| b == r).enumerate() {
            let rep_split = rep.contains(&c);
            for (ci, comp) in rep.split(|&b| b == c).enumerate() {
                let subs: Vec<&[u8]> = match s {
                    Some(s) => comp.split(|&b| b == s).collect(),
                    None => vec![comp],
                };
                let sub_split = subs.len() > 1;
                for (si, sub) in subs.into_iter().enumerate() {
                    if sub.is_empty() {
                        continue;
                    }
                    let n = |i: usize| u16::try_from(i + 1).unwrap();
                    out.push((
                        first_field + u16::try_from(fi).unwrap(),
                        n(ri),
                        if rep_split || sub_split { n(ci) } else { 0 },
                        if sub_split { n(si) } else { 0 },
                        sub.to_vec(),
                    ));
                }
            }
        }
    }
    out
}

/// Delimiter sets: the usual one, one without a subcomponent separator, odd bytes.
const DELIMITER_SETS: [(&[u8; 1], &[u8]); 4] = [
    (b"|", b"^~\\&"),
    (b"|", b"^~\\"),
    (b"*", b":!#@"),
    (b"!", b"+,-/"),
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(512),
    ))]

    /// `for_each_leaf` (eight bytes at a time) gives exactly the leaves of nested
    /// splits, with their offsets, for any delimiters and segment contents.
    #[test]
    fn leaves_are_those_of_nested_splits(
        set in 0..DELIMITER_SETS.len(),
        bodies in prop::collection::vec(
            prop::collection::vec(prop::sample::select(vec![0u8, 1, 2, 3, 4, 5, 6]), 0..70),
            1..5,
        ),
    ) {
        let (fsep, enc) = DELIMITER_SETS[set];
        let (f, c, r) = (fsep[0], enc[0], enc[1]);
        let s = enc.get(3).copied();
        // Body symbols: two value bytes, each delimiter (a missing one: a value), and
        // the escape character (not a delimiter: the walk does not decode).
        let alphabet = [b'x', b'y', f, c, r, s.unwrap_or(b'z'), enc[2]];
        let mut msg = Vec::new();
        msg.extend_from_slice(b"MSH");
        msg.extend_from_slice(fsep);
        msg.extend_from_slice(enc);
        for v in [&b"S"[..], b"F", b"R", b"G", b"20240101", b"", b"ADT", b"C1", b"P", b"2.5"] {
            msg.push(f);
            msg.extend_from_slice(v);
        }
        // MSH-9 is ADT^A01 in this set's component separator.
        let at = msg.windows(3).position(|w| w == b"ADT").unwrap() + 3;
        msg.splice(at..at, [c, b'Z', b'0', b'1']);
        let mut expected = Vec::new();
        for (k, body) in bodies.iter().enumerate() {
            let text: Vec<u8> = body.iter().map(|&i| alphabet[usize::from(i)]).collect();
            msg.push(b'\r');
            let name = [b'Z', b'Q', b'0' + u8::try_from(k).unwrap()];
            msg.extend_from_slice(&name);
            msg.push(f);
            let start = msg.len();
            msg.extend_from_slice(&text);
            let mut offset = start;
            // Offsets: each reference leaf is found from where the previous one ended.
            for (field, rep, comp, sub, v) in reference_leaves(&text, 1, [f, c, r], s) {
                let i = msg[offset..].windows(v.len()).position(|w| w == &v[..]).unwrap();
                offset += i;
                expected.push((name, field, rep, comp, sub, v.clone(), offset as u64));
                offset += v.len();
            }
        }
        msg.push(b'\r');
        let m = hl7::read(&msg, FileId(0)).next().unwrap();
        prop_assert!(m.is_usable(), "{:?}", m.issues());
        let mut got = Vec::new();
        m.for_each_leaf(|l| {
            if l.path.segment != *b"MSH" {
                got.push((
                    l.path.segment,
                    l.path.field,
                    l.path.repetition,
                    l.path.component,
                    l.path.subcomponent,
                    l.raw.to_vec(),
                    l.offset,
                ));
            }
        });
        prop_assert_eq!(got, expected);
    }
}
