//! Beyond one machine (docs/SCALING.md): a corpus profiled as N separate `ira profile
//! --shard I/N` processes and merged with `ira profile --merge` gives, byte for byte, the
//! profile of one `ira profile` run over the whole corpus, whatever the order of the merge.
//!
//! The binary is built by `cargo test --workspace` (ira-cli has integration tests of its
//! own, which makes cargo build it); we find it beside this test's executable.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use ira_gen::{Framing, Hl7Options, Terminator};

mod support;
use support::ira_binary;

fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ira-scaling-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn ok(out: &Output) {
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A seeded mixed corpus of 13 files in nested folders: HL7 v2 feeds (newline and MLLP
/// framing, CR and LF terminators), FHIR NDJSON, FHIR transaction Bundles, an empty file
/// and a file of no known format. The same seed gives the same bytes.
fn write_corpus(root: &Path) {
    let hl7 = root.join("hl7");
    std::fs::create_dir_all(hl7.join("archive")).unwrap();
    for k in 0..5u64 {
        let opts = Hl7Options {
            seed: 600 + k,
            target_bytes: 24_000 + 6_000 * k as usize,
            framing: if k % 2 == 0 {
                Framing::Newline
            } else {
                Framing::Mllp
            },
            terminator: if k == 3 {
                Terminator::Lf
            } else {
                Terminator::Cr
            },
        };
        let dir = if k < 3 {
            hl7.clone()
        } else {
            hl7.join("archive")
        };
        std::fs::write(
            dir.join(format!("feed-{k}.hl7")),
            ira_gen::hl7_corpus(&opts),
        )
        .unwrap();
    }
    let ndjson = root.join("fhir");
    std::fs::create_dir_all(&ndjson).unwrap();
    for k in 0..3u64 {
        std::fs::write(
            ndjson.join(format!("export-{k}.ndjson")),
            ira_gen::fhir_ndjson(700 + k, 20_000),
        )
        .unwrap();
    }
    let bundles = root.join("bundles");
    std::fs::create_dir_all(&bundles).unwrap();
    for (i, b) in ira_gen::fhir_bundles(800, 3).iter().enumerate() {
        std::fs::write(bundles.join(format!("bundle-{i}.json")), b).unwrap();
    }
    std::fs::write(root.join("empty.hl7"), b"").unwrap();
    std::fs::write(root.join("notes.txt"), b"not a sample\n").unwrap();
}

fn profile_whole(corpus: &Path, out: &Path) {
    let o = Command::new(ira_binary())
        .arg("profile")
        .arg(corpus)
        .arg("-o")
        .arg(out)
        .output()
        .unwrap();
    ok(&o);
}

/// Starts the N shards as separate processes at once, as a batch engine would (one per
/// Kubernetes indexed-Job pod, or per Spark partition), each writing its own profile.
fn profile_shards(corpus: &Path, dir: &Path, n: usize) -> Vec<PathBuf> {
    let outs: Vec<PathBuf> = (0..n)
        .map(|i| dir.join(format!("shard-{i}-of-{n}.json")))
        .collect();
    let children: Vec<Child> = outs
        .iter()
        .enumerate()
        .map(|(i, out)| {
            Command::new(ira_binary())
                .arg("profile")
                .arg(corpus)
                .arg("--shard")
                .arg(format!("{i}/{n}"))
                .arg("-o")
                .arg(out)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for c in children {
        ok(&c.wait_with_output().unwrap());
    }
    outs
}

fn merge(inputs: &[&Path], out: &Path) -> Vec<u8> {
    let o = Command::new(ira_binary())
        .args(["profile", "--merge"])
        .args(inputs)
        .arg("-o")
        .arg(out)
        .output()
        .unwrap();
    ok(&o);
    std::fs::read(out).unwrap()
}

fn files_of(profile: &Path) -> u64 {
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(profile).unwrap()).unwrap();
    v["files"].as_u64().unwrap()
}

#[test]
fn three_shards_merged_equal_the_single_run_byte_for_byte() {
    let dir = temp_dir("three");
    let corpus = dir.join("corpus");
    write_corpus(&corpus);
    let whole_path = dir.join("whole.json");
    profile_whole(&corpus, &whole_path);
    let whole = std::fs::read(&whole_path).unwrap();
    let wv: serde_json::Value = serde_json::from_slice(&whole).unwrap();
    assert_eq!(wv["files"], 13);
    assert!(wv["samples"].as_u64().unwrap() > 200, "{}", wv["samples"]);
    assert!(wv["groups"].as_array().unwrap().len() >= 8);

    let shards = profile_shards(&corpus, &dir, 3);
    let [a, b, c] = [&shards[0], &shards[1], &shards[2]].map(PathBuf::as_path);
    // Round-robin over the 13 sorted files: 5, 4 and 4, none of them the whole.
    assert_eq!([files_of(a), files_of(b), files_of(c)], [5, 4, 4]);
    for s in [a, b, c] {
        assert_ne!(
            std::fs::read(s).unwrap(),
            whole,
            "{} is the whole profile",
            s.display()
        );
    }

    let merged = merge(&[a, b, c], &dir.join("abc.json"));
    assert!(
        merged == whole,
        "merged shards differ from the single run: diff {} {}",
        dir.join("abc.json").display(),
        whole_path.display()
    );
    // Order-independent: any order of the inputs gives the same bytes.
    for (order, name) in [([b, a, c], "bac"), ([c, b, a], "cba"), ([b, c, a], "bca")] {
        let m = merge(&order, &dir.join(format!("{name}.json")));
        assert!(
            m == whole,
            "merge in order {name} differs from the single run"
        );
    }
    // And grouping-independent: merging a merge (a tree of reducers) changes nothing.
    merge(&[c, a], &dir.join("ca.json"));
    let tree = merge(&[dir.join("ca.json").as_path(), b], &dir.join("ca_b.json"));
    assert!(tree == whole, "(c+a)+b differs from the single run");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn more_shards_than_files_still_merge_to_the_single_run() {
    let dir = temp_dir("many");
    let corpus = dir.join("corpus");
    write_corpus(&corpus);
    let whole_path = dir.join("whole.json");
    profile_whole(&corpus, &whole_path);
    let shards = profile_shards(&corpus, &dir, 16);
    // Shards 13..16 have no file: an empty profile that merges as nothing.
    for s in &shards[13..] {
        assert_eq!(files_of(s), 0, "{}", s.display());
    }
    let inputs: Vec<&Path> = shards.iter().rev().map(PathBuf::as_path).collect();
    let merged = merge(&inputs, &dir.join("merged.json"));
    assert!(merged == std::fs::read(&whole_path).unwrap());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn shards_of_the_fixtures_damaged_files_included_merge_to_the_single_run() {
    // Every fixture: malformed HL7 and FHIR, XML, profiles, specs, files of no sample format.
    let fixtures = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let dir = temp_dir("fixtures");
    let whole_path = dir.join("whole.json");
    profile_whole(&fixtures, &whole_path);
    let shards = profile_shards(&fixtures, &dir, 4);
    let inputs: Vec<&Path> = [3, 1, 0, 2].iter().map(|&i| shards[i].as_path()).collect();
    let merged = merge(&inputs, &dir.join("merged.json"));
    assert!(merged == std::fs::read(&whole_path).unwrap());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_bad_shard_is_refused_with_a_clear_error() {
    let fixtures = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/v2");
    for (shard, expected) in [
        ("3/3", "the shard index must be below the count"),
        ("0/0", "the shard count must be at least 1"),
        ("1", "expected I/N with 0 <= I < N"),
        ("a/2", "shard index is not a whole number"),
        ("1/-2", "shard count is not a whole number"),
    ] {
        let o = Command::new(ira_binary())
            .args(["profile", "--shard", shard])
            .arg(&fixtures)
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "--shard {shard}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(expected), "--shard {shard}: {err}");
        assert!(o.stdout.is_empty());
    }
    let o = Command::new(ira_binary())
        .args(["profile", "--merge", "--shard", "0/2", "a.json"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("cannot be used with"));
}
