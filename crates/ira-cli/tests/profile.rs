//! `ira profile`: profiling, saving, merging saved profiles, and refusing what is not a
//! profile with exit code 2 and a one-line error naming the file.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;
use std::process::{Command, Output};

fn ira() -> Command {
    Command::new(env!("CARGO_BIN_EXE_ira"))
}

fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures")
        .join(rel)
}

fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ira-profile-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

#[test]
fn profile_prints_a_table_per_group() {
    let out = ira()
        .arg("profile")
        .arg(fixture("v2/oru_r01_v251.hl7"))
        .output()
        .unwrap();
    let text = ok(&out);
    assert!(
        text.starts_with("profile of 1 file, 1 sample, 1 group\n"),
        "{text}"
    );
    assert!(text.contains("hl7v2 ORU_R01 2.5.1"));
    assert!(text.contains("OBX-5 "));
    // Codes are counted, not shown, unless asked.
    assert!(!text.contains("GOODHOSP"));
    let out = ira()
        .args(["profile", "--show-codes"])
        .arg(fixture("v2/oru_r01_v251.hl7"))
        .output()
        .unwrap();
    assert!(ok(&out).contains("codes: GOODHOSP ×1"));
}

#[test]
fn merging_saved_profiles_equals_profiling_all_at_once() {
    let dir = temp_dir("merge");
    let inputs = [
        fixture("v2/oru_r01_v251.hl7"),
        fixture("v2/adt_v23_feed.hl7"),
        fixture("fhir/transaction-bundle.json"),
    ];
    let mut saved = Vec::new();
    for (i, input) in inputs.iter().enumerate() {
        let path = dir.join(format!("part{i}.json"));
        // --out alone writes JSON.
        let out = ira()
            .arg("profile")
            .arg(input)
            .arg("--out")
            .arg(&path)
            .output()
            .unwrap();
        assert_eq!(ok(&out), "");
        saved.push(path);
    }
    let all = ira()
        .args(["profile", "--format", "json"])
        .args(&inputs)
        .output()
        .unwrap();
    let all = ok(&all);
    assert!(all.contains("\"schema\": \"ira.profile/1\""));
    // Merged in another order: the same bytes.
    let merged = ira()
        .args(["profile", "--merge", "--format", "json"])
        .args(saved.iter().rev())
        .output()
        .unwrap();
    assert_eq!(ok(&merged), all);
    // Text of a merge works too.
    let text = ira()
        .args(["profile", "--merge"])
        .args(&saved)
        .output()
        .unwrap();
    assert!(ok(&text).starts_with("profile of 3 files, 12 samples,"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_file_that_is_not_a_profile_is_refused_naming_it() {
    let dir = temp_dir("bad");
    let good = dir.join("good.json");
    ok(&ira()
        .arg("profile")
        .arg(fixture("v2/oru_r01_v251.hl7"))
        .arg("--out")
        .arg(&good)
        .output()
        .unwrap());
    let other_schema = dir.join("other.json");
    std::fs::write(
        &other_schema,
        r#"{"schema":"ira.parse/1","files":0,"samples":0,"groups":[]}"#,
    )
    .unwrap();
    let cases = [
        (fixture("fhir/patient.json"), "not an ira profile"),
        (fixture("v2/oru_r01_v251.hl7"), "not JSON"),
        (other_schema.clone(), "schema is not ira.profile/1"),
        (dir.join("missing.json"), "cannot read"),
    ];
    for (bad, why) in cases {
        let out = ira()
            .args(["profile", "--merge"])
            .arg(&good)
            .arg(&bad)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{}", bad.display());
        let err = String::from_utf8_lossy(&out.stderr);
        // `ira: error: <what> (<where>)`.
        assert!(err.starts_with("ira: error: "), "{err}");
        assert!(
            err.trim_end().ends_with(&format!("({})", bad.display())),
            "{err}"
        );
        assert!(err.contains(why), "{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(out.stdout.is_empty());
        // Nothing of the file's content is quoted.
        assert!(
            !err.contains("TESTPATIENT") && !err.contains("MRN000") && !err.contains("MSH|"),
            "{err}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
