//! Helpers shared by the FHIR reader tests.
#![allow(dead_code, clippy::panic)]

use std::path::PathBuf;

use ira_parse::fhir::{FhirFile, Resource};
use ira_parse::model::Sample;

pub fn fixture(rel: &str) -> Vec<u8> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures")
        .join(rel);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// One line per item: `path = value (hint)`.
pub fn items(r: &Resource) -> Vec<String> {
    let mut out = Vec::new();
    r.walk(&mut |item| {
        out.push(format!(
            "{} = {} ({:?})",
            item.path,
            item.value.text(),
            item.hint
        ));
    });
    out
}

/// A readable dump of a whole file: each resource's info and items, then the issues.
pub fn dump(f: &FhirFile) -> String {
    let mut s = String::new();
    for r in &f.resources {
        let info = r.info();
        s.push_str(&format!(
            "## {} (message {:?}, line {}, byte {}, version {})\n",
            info.kind,
            info.location.message,
            info.location.line,
            info.location.offset,
            info.version.unwrap_or_default()
        ));
        for line in items(r) {
            s.push_str(&line);
            s.push('\n');
        }
    }
    for i in &f.issues {
        s.push_str(&format!(
            "!! {} {:?} at {}: {}\n",
            i.code, i.severity, i.location, i.detail
        ));
    }
    s.push_str(&format!("summary: {:?}\n", f.summary));
    s
}
