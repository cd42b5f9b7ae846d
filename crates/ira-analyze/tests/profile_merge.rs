//! Profiles merge associatively and commutatively: built in parallel or on one thread,
//! merged in any order and grouping, saved and loaded, the result is the same.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::OnceLock;

use ira_analyze::profile::{Profile, profile_bytes};
use ira_gen::{Hl7Options, fhir_ndjson, hl7_corpus};
use proptest::prelude::*;
use rayon::prelude::*;

/// Splits `bytes` into about `n` parts, each starting where `starts(bytes, i)` holds.
fn split(bytes: &[u8], n: usize, starts: impl Fn(&[u8], usize) -> bool) -> Vec<Vec<u8>> {
    let step = bytes.len() / n;
    let mut cuts = vec![0];
    let mut i = step;
    while i < bytes.len() {
        match (i..bytes.len()).find(|&j| starts(bytes, j)) {
            Some(j) => {
                cuts.push(j);
                i = j + step;
            }
            None => break,
        }
    }
    cuts.push(bytes.len());
    cuts.windows(2)
        .map(|w| bytes[w[0]..w[1]].to_vec())
        .collect()
}

/// A generated corpus as in-memory files: HL7 v2 and FHIR NDJSON.
fn corpus(hl7_bytes: usize, fhir_bytes: usize, parts: usize) -> Vec<(String, Vec<u8>)> {
    let hl7 = hl7_corpus(&Hl7Options {
        seed: 7,
        target_bytes: hl7_bytes,
        ..Hl7Options::default()
    });
    let fhir = fhir_ndjson(7, fhir_bytes);
    let mut files = Vec::new();
    for (i, part) in split(&hl7, parts, |b, j| {
        b[j..].starts_with(b"MSH") && b[j - 1] == b'\n'
    })
    .into_iter()
    .enumerate()
    {
        files.push((format!("corpus/feed-{i:02}.hl7"), part));
    }
    for (i, part) in split(&fhir, parts, |b, j| b[j - 1] == b'\n')
        .into_iter()
        .enumerate()
    {
        files.push((format!("corpus/bulk-{i:02}.ndjson"), part));
    }
    files
}

fn build_in_pool(files: &[(String, Vec<u8>)], threads: usize) -> Profile {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    pool.install(|| {
        files
            .par_iter()
            .map(|(name, bytes)| profile_bytes(name, bytes))
            .reduce(Profile::default, |mut a, b| {
                a.merge(b);
                a
            })
    })
}

#[test]
fn parallel_profile_equals_single_thread_profile() {
    let files = corpus(1 << 20, 256 << 10, 8);
    assert!(files.len() >= 12, "{} files", files.len());
    let one = build_in_pool(&files, 1);
    let four = build_in_pool(&files, 4);
    assert!(one.samples > 1000, "{} samples", one.samples);
    assert_eq!(one, four);
    let (j1, j4) = (
        serde_json::to_string_pretty(&one).unwrap(),
        serde_json::to_string_pretty(&four).unwrap(),
    );
    assert!(j1 == j4, "serialised profiles differ");
    // And both equal a plain fold, backwards.
    let backwards = Profile::merged(files.iter().rev().map(|(n, b)| profile_bytes(n, b)));
    assert_eq!(one, backwards);
    // Paths of one group add up: no sample counted twice for a path.
    for g in one.groups.values() {
        for p in g.paths.values() {
            assert!(p.samples <= g.samples);
            assert!(p.values >= p.samples);
        }
    }
}

#[test]
fn a_saved_profile_loads_back_equal_and_merges_alike() {
    let files = corpus(96 << 10, 32 << 10, 3);
    let parts: Vec<Profile> = files.iter().map(|(n, b)| profile_bytes(n, b)).collect();
    let all = Profile::merged(parts.clone());
    let text = serde_json::to_string(&all).unwrap();
    let back: Profile = serde_json::from_str(&text).unwrap();
    assert_eq!(back, all);
    // Merging saved parts equals saving the merge.
    let loaded: Vec<Profile> = parts
        .iter()
        .map(|p| serde_json::from_str(&serde_json::to_string(p).unwrap()).unwrap())
        .collect();
    assert_eq!(Profile::merged(loaded), all);
}

#[test]
fn another_schema_is_refused() {
    let err = serde_json::from_str::<Profile>(
        r#"{"schema":"ira.parse/1","files":0,"samples":0,"groups":[]}"#,
    )
    .unwrap_err();
    assert!(err.to_string().contains("ira.profile/1"), "{err}");
    assert!(serde_json::from_str::<Profile>(r#"{"files":[]}"#).is_err());
}

/// Per-file profiles of a small corpus, built once for every proptest case.
fn parts() -> &'static [Profile] {
    static PARTS: OnceLock<Vec<Profile>> = OnceLock::new();
    PARTS.get_or_init(|| {
        corpus(48 << 10, 16 << 10, 5)
            .iter()
            .map(|(n, b)| profile_bytes(n, b))
            .collect()
    })
}

/// Merges `ps` as a tree: split at `cut`, merge each side recursively, then the sides.
fn tree_merge(ps: &[Profile], cuts: &[usize]) -> Profile {
    match ps.len() {
        0 => Profile::default(),
        1 => ps[0].clone(),
        n => {
            let c = cuts.first().map_or(1, |c| 1 + c % (n - 1));
            let rest = cuts.get(1..).unwrap_or(&[]);
            let mut left = tree_merge(&ps[..c], rest);
            left.merge(tree_merge(&ps[c..], rest));
            left
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn merge_is_associative_and_commutative(
        order in Just(()).prop_perturb(|_, mut rng| {
            let mut v: Vec<usize> = (0..parts().len()).collect();
            for i in (1..v.len()).rev() {
                v.swap(i, rng.random_range(0..=i));
            }
            v
        }),
        cuts in proptest::collection::vec(0usize..64, 0..12),
    ) {
        let reference = Profile::merged(parts().iter().cloned());
        let shuffled: Vec<Profile> = order.iter().map(|&i| parts()[i].clone()).collect();
        prop_assert_eq!(tree_merge(&shuffled, &cuts), reference);
    }
}

#[test]
fn huge_counts_in_a_loaded_profile_saturate_instead_of_overflowing() {
    let mut p = parts()[0].clone();
    for g in p.groups.values_mut() {
        g.samples = u64::MAX;
        for path in g.paths.values_mut() {
            path.samples = u64::MAX;
            path.length.count = u64::MAX;
            for n in path.length.histogram.values_mut() {
                *n = u64::MAX;
            }
        }
    }
    let text = serde_json::to_string(&p).unwrap();
    let mut a: Profile = serde_json::from_str(&text).unwrap();
    a.merge(serde_json::from_str(&text).unwrap());
    let g = a.groups.values().next().unwrap();
    assert_eq!(g.samples, u64::MAX);
    assert!(g.paths.values().all(|p| p.length.p95 <= p.length.max));
}
