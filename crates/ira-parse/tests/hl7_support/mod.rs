//! Shared helpers for the `hl7_*` tests (a directory, so cargo does not build it as a test of its own).
#![allow(dead_code, clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use std::fmt::Write as _;
use std::path::PathBuf;

use ira_parse::FileId;
use ira_parse::hl7::{self, Message};
use ira_parse::issue::Issue;
use ira_parse::model::{Item, Sample};

pub fn fixture(rel: &str) -> Vec<u8> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures")
        .join(rel);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Raw bytes shown printable: ASCII as is, everything else as `<xx>`.
pub fn show(raw: &[u8]) -> String {
    let mut s = String::new();
    for &b in raw {
        if (0x20..0x7f).contains(&b) {
            s.push(b as char);
        } else {
            let _ = write!(s, "<{b:02x}>");
        }
    }
    s
}

pub fn show_issue(i: &Issue) -> String {
    let m = i
        .location
        .message
        .map_or("-".to_string(), |m| m.to_string());
    format!(
        "{} {:?} msg={} line={} offset={}: {}",
        i.code, i.severity, m, i.location.line, i.location.offset, i.detail
    )
}

pub fn dump_message(m: &Message<'_>, out: &mut String) {
    let info = m.info();
    let _ = writeln!(
        out,
        "message {} @{}:{} kind={} structure={} version={} control_id={} charset={:?} usable={} batch={}",
        m.number(),
        m.location().line,
        m.location().offset,
        info.kind,
        info.structure.as_deref().unwrap_or("-"),
        info.version.as_deref().unwrap_or("-"),
        m.control_id().unwrap_or("-"),
        m.encoding().charset,
        m.is_usable(),
        m.batch()
            .map(|b| format!("{}/{}", b.number, b.control_id.unwrap_or("-")))
            .unwrap_or("-".into()),
    );
    for i in m.issues() {
        let _ = writeln!(out, "  ! {}", show_issue(i));
    }
    m.walk(&mut |item: &Item<'_>| {
        let text = item.value.text();
        let ira_parse::model::Value::V2 { raw, .. } = item.value else {
            panic!("v2 value expected")
        };
        let shown = show(raw);
        let decoded = if text != shown.as_str() {
            format!(" => {text:?}")
        } else {
            String::new()
        };
        let null = if item.hint == ira_parse::model::TypeHint::Null {
            " (null)"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "  {} = {}{}{} @{}:{}",
            item.path, shown, decoded, null, item.location.line, item.location.offset
        );
    });
}

/// Reads a whole file: messages, reader issues and summary as text.
pub fn dump(bytes: &[u8]) -> String {
    let mut out = String::new();
    let mut r = hl7::read(bytes, FileId(0));
    for m in r.by_ref() {
        dump_message(&m, &mut out);
    }
    for i in r.take_issues() {
        let _ = writeln!(out, "reader ! {}", show_issue(&i));
    }
    let _ = writeln!(out, "summary {:?}", r.summary());
    out
}

/// Messages and reader issues of a file.
pub fn read_all(bytes: &[u8]) -> (Vec<Message<'_>>, Vec<Issue>, hl7::Summary) {
    let mut r = hl7::read(bytes, FileId(0));
    let msgs: Vec<_> = r.by_ref().collect();
    (msgs, r.take_issues(), r.summary().clone())
}
