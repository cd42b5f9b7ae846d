//! The caches of what is derived from the built-in map change no finding: the demo
//! interface (`fixtures/demo`, with a map override) and the spec fixture analysed with
//! the built-in map's parts shared (`Map::with_overrides`, twice: the first run of the
//! process fills the caches) give the same findings as with a map built anew from the
//! embedded data, which shares nothing with the built-in map and so resolves everything
//! itself.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::path::Path;

use ira_analyze::analysis::{AnalysisInput, analyze};
use ira_analyze::map::Map;
use ira_analyze::rules::Finding;
use ira_analyze::spec::Spec;
use ira_analyze::target::Artifacts;
use ira_parse::Issue;
use ira_parse::document::ReadOptions;
use ira_parse::input::{SourceFile, discover};

fn findings(spec_path: &Path, map: &Map) -> Vec<Finding> {
    let text = std::fs::read_to_string(spec_path).unwrap();
    let spec = Spec::from_toml_str(&text, "ira.toml").unwrap();
    let files = spec.files(spec_path.parent().unwrap());
    let legacy = discover(&files.legacy).unwrap();
    let target = (!files.target.is_empty()).then(|| discover(&files.target).unwrap());
    let mut artifacts = Artifacts::default();
    for p in files.profiles.iter().chain(&files.value_sets) {
        let text = std::fs::read_to_string(p).unwrap();
        artifacts.add_json(&text, &p.display().to_string()).unwrap();
    }
    let load = |f: &SourceFile| -> Result<Vec<u8>, Issue> { Ok(std::fs::read(&f.path).unwrap()) };
    analyze(
        AnalysisInput {
            legacy: &legacy,
            target: target.as_ref(),
            artifacts,
            map,
            spec: Some(&spec),
        },
        &load,
        ReadOptions::default(),
    )
    .findings
}

fn check(spec: &str) {
    let spec_path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(spec);
    let text = std::fs::read_to_string(&spec_path).unwrap();
    let overrides = Spec::from_toml_str(&text, "ira.toml")
        .unwrap()
        .map_overrides(&BTreeMap::new());
    assert!(!overrides.fields.is_empty(), "{spec} has map overrides");

    let shared = Map::with_overrides(&overrides).unwrap();
    let cold = findings(&spec_path, &shared);
    let warm = findings(&spec_path, &Map::with_overrides(&overrides).unwrap());
    let mut fresh = Map::build_builtin().unwrap();
    fresh.extend(&overrides).unwrap();
    let anew = findings(&spec_path, &fresh);

    assert!(
        cold.iter().any(|f| f.rule == "IRA103"),
        "{spec}: IRA103 (the inverse map's rule) has findings to compare"
    );
    assert_eq!(cold, anew, "{spec}: cached parts against a map built anew");
    assert_eq!(cold, warm, "{spec}: cold against warm caches");
}

#[test]
fn the_demo_finds_the_same_with_and_without_the_caches() {
    check("fixtures/demo/ira.toml");
}

#[test]
fn the_spec_fixture_finds_the_same_with_and_without_the_caches() {
    check("fixtures/spec/ira.toml");
}
