//! Snapshots of the parsed structure of every well-formed fixture under `fixtures/v2/`.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

#[path = "hl7_support/mod.rs"]
mod support;

use support::{dump, fixture, read_all};

macro_rules! snap {
    ($name:ident, $file:literal) => {
        #[test]
        fn $name() {
            let bytes = fixture(concat!("v2/", $file));
            insta::assert_snapshot!(stringify!($name), dump(&bytes));
        }
    };
}

snap!(adt_v23_feed, "adt_v23_feed.hl7");
snap!(oru_r01_v251, "oru_r01_v251.hl7");
snap!(siu_s12, "siu_s12.hl7");
snap!(mllp_stream, "mllp_stream.mllp");
snap!(batch, "batch.hl7");
snap!(latin1_adt, "latin1_adt.hl7");
snap!(crlf_and_lf, "crlf_and_lf.hl7");
snap!(custom_delimiters, "custom_delimiters.hl7");
snap!(v27_truncation, "v27_truncation.hl7");

const GOOD: &[&str] = &[
    "v2/adt_v23_feed.hl7",
    "v2/oru_r01_v251.hl7",
    "v2/siu_s12.hl7",
    "v2/mllp_stream.mllp",
    "v2/batch.hl7",
    "v2/latin1_adt.hl7",
    "v2/crlf_and_lf.hl7",
    "v2/custom_delimiters.hl7",
    "v2/v27_truncation.hl7",
];

#[test]
fn good_fixtures_read_without_any_issue() {
    for f in GOOD {
        let bytes = fixture(f);
        let (msgs, issues, summary) = read_all(&bytes);
        assert!(!msgs.is_empty(), "{f}");
        assert!(issues.is_empty(), "{f}: {issues:?}");
        for m in &msgs {
            assert!(
                m.issues().is_empty(),
                "{f} message {}: {:?}",
                m.number(),
                m.issues()
            );
        }
        assert_eq!(
            (summary.damaged, summary.skipped, summary.stray_bytes),
            (0, 0, 0),
            "{f}"
        );
        let in_messages: usize = msgs.iter().map(|m| m.bytes().len()).sum();
        assert_eq!(
            in_messages as u64 + summary.framing_bytes,
            bytes.len() as u64,
            "{f}"
        );
    }
}
