//! Whatever the bytes, reading them as any format and walking every sample never panics,
//! and every sample's items carry locations inside the input.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;

use ira_parse::document::Counts;
use ira_parse::document::{ReadOptions, SampleSink, read_samples};
use ira_parse::input::{Format, SourceFile, detect};
use ira_parse::model::Sample;
use ira_parse::{FileId, Issue, IssueCode, Limits, Severity};
use proptest::prelude::*;

struct Walker {
    len: u64,
    samples: usize,
    items: usize,
    issues: usize,
}

impl SampleSink for Walker {
    fn sample(&mut self, sample: &dyn Sample, issues: &[Issue]) {
        self.samples += 1;
        self.issues += issues.len();
        let _ = sample.info();
        let len = self.len;
        let mut items = 0;
        sample.walk(&mut |item| {
            items += 1;
            let _ = item.value.text();
            let _ = item.path.to_string();
            assert!(item.location.offset <= len, "offset past the end");
        });
        self.items += items;
    }

    fn issue(&mut self, issue: &Issue) {
        self.issues += 1;
        assert!(
            issue.location.offset <= self.len,
            "issue offset past the end"
        );
    }
}

fn read_as(bytes: &[u8], format: Format) -> Walker {
    let file = SourceFile {
        id: FileId(0),
        path: PathBuf::from("prop.bin"),
        walked: false,
    };
    let mut w = Walker {
        len: bytes.len() as u64,
        samples: 0,
        items: 0,
        issues: 0,
    };
    read_samples(&file, format, bytes, ReadOptions::default(), &mut w);
    w
}

const FORMATS: [Format; 5] = [
    Format::Hl7v2,
    Format::FhirJson,
    Format::FhirNdjson,
    Format::FhirXml,
    Format::Unknown,
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let _ = detect(&bytes, None);
        for f in FORMATS {
            let _ = read_as(&bytes, f);
        }
    }

    #[test]
    fn hl7_like_bytes_never_panic(
        body in "(MSH\\|\\^~\\\\&\\|[A-Z|^~&\\\\0-9 ]{0,60}\r){1,3}([A-Z]{2,4}\\|[A-Za-z0-9|^~&\\\\ .]{0,80}[\r\n]{1,2}){0,8}",
        noise in proptest::collection::vec(any::<u8>(), 0..16),
        at in 0usize..400,
    ) {
        let mut bytes = body.into_bytes();
        let at = at.min(bytes.len());
        bytes.splice(at..at, noise);
        let w = read_as(&bytes, Format::Hl7v2);
        prop_assert!(w.samples + w.issues > 0, "nothing read and nothing reported");
    }

    #[test]
    fn arbitrary_json_never_panics(v in arb_json()) {
        let text = v.to_string();
        for f in [Format::FhirJson, Format::FhirNdjson] {
            let _ = read_as(text.as_bytes(), f);
        }
        let resource = serde_json::json!({"resourceType": "Patient", "extra": v}).to_string();
        let w = read_as(resource.as_bytes(), Format::FhirJson);
        prop_assert_eq!(w.samples, 1);
    }
}

fn arb_json() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::Bool),
        any::<i64>().prop_map(|n| serde_json::json!(n)),
        "[a-zA-Z0-9 éü\\\\\"]{0,12}".prop_map(serde_json::Value::String),
    ];
    leaf.prop_recursive(4, 64, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::Array),
            proptest::collection::btree_map("[a-zA-Z_]{1,10}", inner, 0..6)
                .prop_map(|m| { serde_json::Value::Object(m.into_iter().collect()) }),
        ]
    })
}

/// Reads `bytes` as `format` under `limits`: samples read, issues, counts.
fn read_limited(bytes: &[u8], format: Format, limits: Limits) -> (Walker, Vec<Issue>, Counts) {
    struct Keep(Walker, Vec<Issue>);
    impl SampleSink for Keep {
        fn sample(&mut self, sample: &dyn Sample, issues: &[Issue]) {
            self.0.sample(sample, issues);
        }
        fn issue(&mut self, issue: &Issue) {
            self.0.issue(issue);
            self.1.push(issue.clone());
        }
    }
    let file = SourceFile {
        id: FileId(0),
        path: PathBuf::from("prop.bin"),
        walked: false,
    };
    let walker = Walker {
        len: bytes.len() as u64,
        samples: 0,
        items: 0,
        issues: 0,
    };
    let mut k = Keep(walker, Vec::new());
    let options = ReadOptions {
        limits,
        ..ReadOptions::default()
    };
    let counts = read_samples(&file, format, bytes, options, &mut k);
    (k.0, k.1, counts)
}

fn arb_limits() -> impl Strategy<Value = Limits> {
    (
        1u64..4096,
        1usize..256,
        1u32..12,
        1u32..40,
        1u32..12,
        1u32..12,
    )
        .prop_map(|(file, line, segs, fields, reps, depth)| Limits {
            max_file_bytes: file,
            max_line_bytes: line,
            max_segments_per_message: segs,
            max_fields_per_segment: fields,
            max_repetitions_per_field: reps,
            max_json_depth: depth,
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Under any limits, however small: no panic, everything found is read or skipped,
    /// and every skipped v2 message carries an error saying why.
    #[test]
    fn tiny_limits_never_panic_and_lose_nothing(
        body in "(MSH\\|\\^~\\\\&\\|[A-Z|^~&0-9 ]{0,60}\r){1,3}([A-Z]{3}\\|[A-Za-z0-9|^~& .]{0,120}\r){0,12}",
        json in arb_json(),
        limits in arb_limits(),
    ) {
        let bytes = body.as_bytes();
        let (w, loose, counts) = read_limited(bytes, Format::Hl7v2, limits);
        prop_assert_eq!(counts.found, w.samples as u32 + counts.skipped);
        if bytes.len() as u64 > limits.max_file_bytes {
            prop_assert_eq!(loose.len(), 1);
            prop_assert_eq!(loose[0].code, IssueCode::InputTooLarge);
        } else {
            let skipped_with_reason: std::collections::BTreeSet<u32> = loose
                .iter()
                .filter(|i| i.severity == Severity::Error)
                .filter_map(|i| i.location.message)
                .collect();
            prop_assert_eq!(skipped_with_reason.len() as u32, counts.skipped);
        }
        let text = serde_json::json!({"resourceType": "Patient", "extra": json}).to_string();
        for f in [Format::FhirJson, Format::FhirNdjson, Format::FhirXml] {
            let (w, _, counts) = read_limited(text.as_bytes(), f, limits);
            prop_assert_eq!(counts.found, w.samples as u32 + counts.skipped);
        }
    }
}
