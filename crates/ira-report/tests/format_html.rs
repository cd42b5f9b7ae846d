//! `ira analyze --format html`: one self-contained file, looked at in a real headless
//! Chromium.
//!
//! The browser tests look for `chromium`, `chromium-browser`, `google-chrome` or
//! `google-chrome-stable` on the PATH, or take the binary from `IRA_CHROMIUM`. Without
//! one they print a note and pass, unless `IRA_REQUIRE_BROWSER=1` (CI sets it), when
//! they fail.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod risk_fixture;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use ira_analyze::rules::RiskSeverity;
use ira_report::baseline::{self, Baseline, BaselineRisk};
use ira_report::html::{escape, html};
use ira_report::report_json::Report;
use ira_report::risk::{RiskItem, Status};
use risk_fixture::{ODD_FILE, findings, report, report_of, report_with, spec};

#[test]
fn html_snapshot() {
    insta::assert_snapshot!("risk_report_html", html(&report()));
}

/// The value the facade would have read back at an example, hostile in one place.
const HOSTILE: &str = "<script>alert(1)</script>";

/// The shared report as `--show-values` makes it: values at the IRA201 examples (one
/// of them hostile markup) and at the first IRA601 example; the others have none (a
/// whole segment, say).
fn report_with_values() -> Report {
    let mut r = report();
    r.show_values = true;
    for x in &mut r.risks {
        match x.rule.as_str() {
            "IRA201" => {
                x.evidence.examples[0].value = Some("X".into());
                x.evidence.examples[1].value = Some(HOSTILE.into());
            }
            "IRA601" => {
                x.evidence.examples[0].value = Some("MRN-TEST-0001".into());
            }
            _ => {}
        }
    }
    r
}

/// The shared report compared with a baseline that lacked the IRA201 and IRA404 risks
/// (so they are new) and had one risk this run does not have (resolved), whose title
/// needs escaping.
fn report_with_baseline() -> Report {
    let mut r = report();
    let mut risks: Vec<BaselineRisk> = r
        .risks
        .iter()
        .filter(|x| x.rule != "IRA201" && x.rule != "IRA404")
        .map(BaselineRisk::of)
        .collect();
    risks.push(BaselineRisk {
        id: "IRA305-0123456789ab".into(),
        rule: "IRA305".into(),
        title: "Repeats <dropped> & lost: ORU_R01 OBX-5".into(),
        severity: RiskSeverity::Medium,
        scope: vec!["ORU_R01".into()],
    });
    baseline::apply(
        &mut r,
        &Baseline { risks },
        "reports/main & \"old\".json",
        &"ab".repeat(32),
    );
    r
}

#[test]
fn html_with_values_snapshot() {
    let r = report_with_values();
    let out = html(&r);
    insta::assert_snapshot!("risk_report_html_values", out);
    // The warning is at the top, right under the heading, once.
    assert_eq!(out.matches("id=\"phi-warning\"").count(), 1);
    let warning = out.find("<strong>⚠ This report contains patient data.</strong>");
    assert!(warning.unwrap() < out.find("<p class=\"headline\">").unwrap());
    assert!(out.find("<h1>").unwrap() < warning.unwrap());
    assert!(out.contains("it holds sample values, i.e. patient data.</p></footer>"));
    // Values next to their places, escaped; places without a value unchanged.
    assert!(out.contains(
        "<li><code>legacy/adt.hl7:3</code> = <code class=\"value\">X</code> <small>(sample 1, byte 120)</small></li>"
    ));
    assert!(out.contains(
        "<code>legacy/adt.hl7:9</code> = <code class=\"value\">&lt;script&gt;alert(1)&lt;/script&gt;</code>"
    ));
    assert!(out.contains("= <code class=\"value\">MRN-TEST-0001</code>"));
    assert_eq!(out.matches("<code class=\"value\">").count(), 3);
    assert!(!out.contains(HOSTILE));
    assert_eq!(out.matches("<script").count(), 1, "only ours");
    // Without --show-values none of it.
    let plain = html(&report());
    assert!(!plain.contains("phi-warning") && !plain.contains("<code class=\"value\">"));
    assert!(plain.contains("no sample values.</p></footer>"));
}

#[test]
fn html_with_baseline_snapshot() {
    let r = report_with_baseline();
    let out = html(&r);
    insta::assert_snapshot!("risk_report_html_baseline", out);
    assert!(out.contains(
        "Compared with the baseline <code>reports/main &amp; &quot;old&quot;.json</code>: \
         <strong>2 new</strong>, 5 unchanged, <a href=\"#resolved\">1 resolved</a>."
    ));
    // The table and the details hold the new risks only, by severity.
    assert!(out.contains("<h2>New risks (2)</h2>"));
    assert!(!out.contains("<h2>Risk register</h2>"));
    assert_eq!(r.risks.len(), 2);
    assert_eq!(row_ids(&out), ids(&static_order(&r)));
    assert_eq!(attrs(&out, "<details id=", "id").len(), 2);
    assert!(out.contains("<title id=\"chart-severity-t\">New risks by severity</title>"));
    // What pulls the score down links to details only where the page has them.
    let new_ids: Vec<String> = r.risks.iter().map(|x| format!("#r-{}", x.id)).collect();
    let links: Vec<String> = attrs(&out, "<a href=\"#r-", "href");
    assert!(!links.is_empty());
    assert!(links.iter().all(|l| new_ids.contains(l)), "{links:?}");
    assert!(out.contains("<li><code>IRA601-7006fa4b7d6e</code> <small>(unchanged)</small> <span"));
    // The resolved risk, escaped, after the details.
    let resolved = &out[out.find("<section id=\"resolved\">").unwrap()..];
    assert!(
        resolved.starts_with("<section id=\"resolved\">\n<h2>Resolved since the baseline (1)</h2>")
    );
    assert!(resolved.contains(
        "<tr data-id=\"IRA305-0123456789ab\"><td><code>IRA305-0123456789ab</code></td>\
         <td>IRA305</td><td>Repeats &lt;dropped&gt; &amp; lost: ORU_R01 OBX-5</td>\
         <td><span class=\"sev sev-medium\">medium</span></td></tr>"
    ));
    assert!(
        out.find("<section id=\"details\">").unwrap()
            < out.find("<section id=\"resolved\">").unwrap()
    );
    assert!(!out.contains("<dropped>"));
    // Provenance names the baseline and its digest.
    assert!(out.contains(&format!(
        "<dt>Baseline</dt><dd><code>reports/main &amp; &quot;old&quot;.json</code>, SHA-256 \
         <code class=\"hash\">{}</code></dd>",
        "ab".repeat(32)
    )));
    // The baseline of the same run: nothing new, nothing resolved.
    let mut same = report();
    let risks = same.risks.iter().map(BaselineRisk::of).collect();
    baseline::apply(&mut same, &Baseline { risks }, "same.json", "00");
    let out = html(&same);
    assert!(
        out.contains("<strong>0 new</strong>, 7 unchanged, <a href=\"#resolved\">0 resolved</a>.")
    );
    assert!(out.contains("<h2>New risks (0)</h2>"));
    assert!(out.contains("<p>No new risks.</p>"));
    assert!(out.contains("<p>None: every risk of the baseline is still found.</p>"));
    assert!(!out.contains("<table id=\"risk-table\""));
    // Without a baseline none of it.
    let plain = html(&report());
    assert!(!plain.contains("Compared with the baseline") && !plain.contains("id=\"resolved\""));
}

/// Every value of `attr` on elements whose opening tag starts with `tag_start`, in
/// document order (a tiny scanner, enough for the markup written here and for
/// Chromium's serialisation of it).
fn attrs(doc: &str, tag_start: &str, attr: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = doc;
    while let Some(i) = rest.find(tag_start) {
        let tag = &rest[i..];
        let end = tag.find('>').unwrap();
        let open = &tag[..end];
        let key = format!(" {attr}=\"");
        if let Some(j) = open.find(&key) {
            let v = &open[j + key.len()..];
            out.push(v[..v.find('"').unwrap()].to_owned());
        }
        rest = &tag[end..];
    }
    out
}

/// The risk ids of the table's rows, in order.
fn row_ids(doc: &str) -> Vec<String> {
    attrs(doc, "<tr class=\"risk", "data-id")
}

fn rank(s: RiskSeverity) -> u8 {
    s as u8
}

/// The table's static order: severity, most severe first, report order among equals.
fn static_order(r: &Report) -> Vec<&RiskItem> {
    let mut v: Vec<&RiskItem> = r.risks.iter().collect();
    v.sort_by_key(|x| std::cmp::Reverse(rank(x.severity)));
    v
}

fn ids(v: &[&RiskItem]) -> Vec<String> {
    v.iter().map(|x| x.id.clone()).collect()
}

#[test]
fn self_contained_with_a_strict_policy() {
    let out = html(&report());
    assert!(out.starts_with("<!DOCTYPE html>\n<html lang=\"en\">\n"));
    assert!(out.ends_with("</html>\n"));
    // No URL of any kind: no scheme, no protocol-relative reference, no src, no
    // external stylesheet; links are fragments only.
    for bad in [
        "http:", "https:", "file://", "data:", "//", "src=", "<link", "@import", "url(",
    ] {
        assert!(!out.contains(bad), "{bad} in the HTML");
    }
    for href in attrs(&out, "<a ", "href") {
        assert!(href.starts_with("#r-"), "{href}");
    }
    // One style element, one script, no inline event handlers or style attributes
    // (the policy would block them).
    assert_eq!(out.matches("<style").count(), 1);
    assert_eq!(out.matches("<script").count(), 1);
    assert!(!out.contains(" style=\"") && !out.contains(" onclick="));
    let csp = attrs(
        &out,
        "<meta http-equiv=\"Content-Security-Policy\"",
        "content",
    );
    assert_eq!(csp.len(), 1);
    let csp = &csp[0];
    assert!(
        csp.starts_with("default-src 'none'; style-src 'sha256-"),
        "{csp}"
    );
    assert!(csp.contains("; script-src 'sha256-"), "{csp}");
    assert!(!csp.contains("unsafe"), "{csp}");
}

#[test]
fn table_charts_details_and_inputs() {
    let r = report();
    let out = html(&r);
    // Header: interface, verdict, score, tool, timestamp.
    assert!(out.contains("<h1>ira risk report: Demo ADT feed</h1>"));
    assert!(out.contains("<span class=\"verdict no-go\" id=\"verdict\">NO-GO</span>"));
    assert!(out.contains("readiness <strong id=\"score\">63</strong>/100"));
    assert!(out.contains("generated 2025-11-25T10:39:17Z"));
    assert!(out.contains(&format!("ira {}", env!("CARGO_PKG_VERSION"))));
    // Table: one row per risk, already in severity order.
    assert_eq!(row_ids(&out), ids(&static_order(&r)));
    let first = &row_ids(&out)[0];
    assert!(first.starts_with("IRA601-"), "the critical risk first");
    // Charts: 5 severities + 6 categories + 5 scopes bars, each with a visible number.
    assert_eq!(out.matches("<g class=\"bar\">").count(), 5 + 6 + 5);
    assert_eq!(out.matches("<svg ").count(), 3);
    assert!(out.contains("<title id=\"chart-severity-t\">Risks by severity</title>"));
    assert!(out.contains(
        "Critical: 1 open risk, 0 accepted; High: 2 open risks, 0 accepted; \
         Medium: 2 open risks, 0 accepted; Low: 0 open risks, 1 accepted; \
         Info: 1 open risk, 0 accepted."
    ));
    assert!(
        out.contains(">1 (1 accepted)</text>"),
        "the low bar: all accepted"
    );
    assert!(out.contains(">63/100</text>") && out.contains(">97/100</text>"));
    // The spec's minimum readiness is drawn on the readiness chart.
    assert!(out.contains("<line class=\"min\""));
    // Details: one per risk, same order, with the places and the recommendation.
    assert_eq!(
        attrs(&out, "<details id=", "id"),
        ids(&static_order(&r))
            .iter()
            .map(|i| format!("r-{i}"))
            .collect::<Vec<_>>()
    );
    assert!(out.contains("<code>legacy/lab results.hl7:12</code>"));
    assert!(
        out.contains("<code>[[code_maps]]</code>"),
        "code spans of rule docs"
    );
    // Accepted and expired acceptances are marked.
    let tz = r.risks.iter().find(|x| x.rule == "IRA302").unwrap();
    assert!(out.contains(&format!(
        "<tr class=\"risk accepted\" data-id=\"{}\">",
        tz.id
    )));
    assert!(out.contains(
        "<span class=\"status accepted\">✓ accepted</span> <small>until 2030-01-31</small>"
    ));
    let zpi = r.risks.iter().find(|x| x.rule == "IRA101").unwrap();
    assert!(out.contains(&format!(
        "<tr class=\"risk open expired\" data-id=\"{}\">",
        zpi.id
    )));
    assert!(out.contains("⚠ acceptance expired 2020-01-01"));
    // A risk without paths shows dashes, sorted as empty.
    let charset = r.risks.iter().find(|x| x.rule == "IRA402").unwrap();
    let row = out
        .lines()
        .find(|l| l.contains(&format!("data-id=\"{}\"", charset.id)))
        .unwrap();
    assert_eq!(
        row.matches("<td data-v=\"\" class=\"none\">—</td>").count(),
        2
    );
    // Inputs with digests, sorted by role then path.
    assert!(out.contains("<h2>Inputs and provenance</h2>"));
    assert_eq!(
        out.matches("<code class=\"hash\">").count(),
        1 + r.inputs.len()
    );
}

#[test]
fn everything_is_escaped() {
    let out = html(&report());
    // The file name with <, & and " and the odd detail appear escaped only.
    assert!(out.contains(&format!("<code>{}:2</code>", escape(ODD_FILE))));
    assert!(out.contains("legacy/q&amp;a &lt;old&gt; &quot;v1&quot;.hl7"));
    assert!(!out.contains(ODD_FILE));
    assert!(!out.contains("<contained>") && !out.contains("<NM>") && !out.contains("<old>"));
    assert!(out.contains("&lt;contained&gt;"));
    assert!(out.contains("Sender is in one time zone &amp; the target &lt;assumes&gt; it."));
    // Hostile strings in every kind of place stay text.
    let mut f = findings();
    f[0].detail = "</dd><script>alert(1)</script>".into();
    f[1].scope = "\"><svg onload=alert(1)>".into();
    f[2].examples[0].file = "x\"><img src=x onerror=alert(1)>.hl7".into();
    f[3].source = Some("</code><script>".into());
    let mut s = spec();
    s.interface.name = "</title><script>alert('t')</script>".into();
    let out = html(&report_with(&f, Some(&s)));
    assert_eq!(out.matches("<script").count(), 1, "only ours");
    assert!(!out.contains("<svg onload") && !out.contains("<img"));
    assert!(out.contains("&lt;/title&gt;&lt;script&gt;alert(&#39;t&#39;)&lt;/script&gt;"));
    assert!(out.contains("&lt;/dd&gt;&lt;script&gt;alert(1)&lt;/script&gt;"));
}

#[test]
fn same_report_same_bytes_and_input_order_does_not_matter() {
    let a = html(&report());
    assert_eq!(a, html(&report()));
    let mut rev = findings();
    rev.reverse();
    assert_eq!(a, html(&report_of(&rev)));
}

#[test]
fn without_spec_or_risks() {
    let out = html(&report_with(&[], None));
    assert!(out.contains("<h1>ira risk report: interface</h1>"));
    assert!(out.contains("<span class=\"verdict none\" id=\"verdict\">No gate</span>"));
    assert!(out.contains("The spec sets no thresholds, so there is no gate."));
    assert!(out.contains("<p>No risks.</p>"));
    assert!(!out.contains("<table id=\"risk-table\""));
    assert!(!out.contains("<line class=\"min\""));
    // The scopes seen still have their bars, at 100.
    assert!(out.contains(">100/100</text>"));
    assert!(
        out.contains("data-ira-ready"),
        "the script is there all the same"
    );
}

/// The demo's canary values never reach the HTML.
#[test]
fn no_sample_values_in_the_html_of_the_demo() {
    let text = html(&risk_fixture::demo_report());
    assert!(text.contains("<tr class=\"risk"));
    for canary in risk_fixture::CANARIES {
        assert!(!text.contains(canary), "{canary} leaked");
    }
}

// ---- in a real browser ----

/// The browser binary, or `None` (with a note) when there is none and none is required.
fn browser() -> Option<PathBuf> {
    let required = std::env::var("IRA_REQUIRE_BROWSER").is_ok_and(|v| v == "1");
    if let Some(p) = std::env::var_os("IRA_CHROMIUM").filter(|p| !p.is_empty()) {
        let p = PathBuf::from(p);
        assert!(p.is_file(), "IRA_CHROMIUM={} is not a file", p.display());
        return Some(p);
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for name in [
        "chromium",
        "chromium-browser",
        "google-chrome",
        "google-chrome-stable",
    ] {
        for dir in std::env::split_paths(&path) {
            let p = dir.join(name);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    assert!(
        !required,
        "IRA_REQUIRE_BROWSER=1 but no chromium, chromium-browser or google-chrome on the PATH \
         (or set IRA_CHROMIUM)"
    );
    eprintln!(
        "note: no headless browser found (chromium, chromium-browser, google-chrome, or \
         IRA_CHROMIUM): the HTML report was not looked at in a browser"
    );
    None
}

/// A fresh directory for one test (no tempfile crate in this crate's dependencies).
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ira-html-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs the browser headless on `url` with `extra` arguments; returns stdout. Each run
/// has its own profile directory (runs in parallel would otherwise share one) and a
/// time limit.
fn run_browser(bin: &Path, dir: &Path, url: &str, extra: &[String]) -> String {
    static RUNS: AtomicUsize = AtomicUsize::new(0);
    let profile = dir.join(format!("profile-{}", RUNS.fetch_add(1, Ordering::Relaxed)));
    let mut cmd = Command::new(bin);
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-extensions",
        "--disable-sync",
        "--mute-audio",
    ])
    .arg(format!("--user-data-dir={}", profile.display()))
    .args(extra)
    .arg(url)
    .stdin(Stdio::null())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    // Read stdout on a thread so a large DOM cannot fill the pipe and stall the browser.
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut stdout, &mut s).unwrap();
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut stderr, &mut s);
        s
    });
    let deadline = Instant::now() + Duration::from_secs(90);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the browser did not finish within 90 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let out = out.join().unwrap();
    let err = err.join().unwrap();
    assert!(status.success(), "browser failed: {status}\n{err}");
    out
}

/// A `file://` URL for `path` (percent-encoding what a URL cannot hold as is).
fn file_url(path: &Path) -> String {
    let mut s = String::from("file://");
    for b in path.to_str().unwrap().bytes() {
        if b.is_ascii_alphanumeric() || b"/-_.~".contains(&b) {
            s.push(char::from(b));
        } else {
            s.push_str(&format!("%{b:02X}"));
        }
    }
    s
}

#[test]
fn the_browser_runs_the_script_and_draws_the_charts() {
    let Some(bin) = browser() else { return };
    let dir = scratch("render");
    let page = dir.join("report.html");
    let r = report();
    std::fs::write(&page, html(&r)).unwrap();
    let dom = run_browser(&bin, &dir, &file_url(&page), &["--dump-dom".into()]);
    // The policy let our script run (a wrong hash would block it), and it wired the table.
    assert!(
        dom.contains("data-ira-ready=\"1\""),
        "the script did not run:\n{}",
        &dom[..dom.len().min(2000)]
    );
    assert_eq!(row_ids(&dom), ids(&static_order(&r)));
    assert_eq!(dom.matches("<g class=\"bar\">").count(), 16);
    assert_eq!(dom.matches("<rect ").count(), dom_rects(&r));
    assert!(dom.contains("data-sort=\"severity-desc\""));
    // The escaped file name came back as text, not markup.
    assert!(dom.contains("legacy/q&amp;a &lt;old&gt; \"v1\".hl7:2"));
    assert!(!dom.contains("<old>"));

    // A screenshot: the page renders to a non-empty PNG.
    let png = dir.join("report.png");
    run_browser(
        &bin,
        &dir,
        &file_url(&page),
        &[
            format!("--screenshot={}", png.display()),
            "--window-size=1280,1800".into(),
            "--hide-scrollbars".into(),
        ],
    );
    let bytes = std::fs::read(&png).unwrap();
    assert!(bytes.len() > 10_000, "screenshot of {} bytes", bytes.len());
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");

    // The demo interface's real findings render and sort too.
    let demo = risk_fixture::demo_report();
    let page = dir.join("demo.html");
    std::fs::write(&page, html(&demo)).unwrap();
    let url = format!("{}#sort=affected-desc", file_url(&page));
    let dom = run_browser(&bin, &dir, &url, &["--dump-dom".into()]);
    assert!(dom.contains("data-ira-ready=\"1\""));
    assert_eq!(row_ids(&dom).len(), demo.risks.len());
    assert!(dom.contains("data-sort=\"affected-desc\""));
    let _ = std::fs::remove_dir_all(&dir);
}

/// A report with a baseline and sample values (one of them hostile markup) renders: the
/// script ran, the rows are the new risks, the resolved table is there, and the hostile
/// value came back as text.
#[test]
fn the_browser_renders_a_baseline_report_with_values() {
    let Some(bin) = browser() else { return };
    let dir = scratch("baseline");
    let page = dir.join("report.html");
    let mut r = report_with_baseline();
    r.show_values = true;
    for x in &mut r.risks {
        x.evidence.examples[0].value = Some(HOSTILE.into());
    }
    std::fs::write(&page, html(&r)).unwrap();
    let url = format!("{}#sort=rule-desc", file_url(&page));
    let dom = run_browser(&bin, &dir, &url, &["--dump-dom".into()]);
    assert!(
        dom.contains("data-ira-ready=\"1\""),
        "the script did not run:\n{}",
        &dom[..dom.len().min(2000)]
    );
    let mut want = static_order(&r);
    want.sort_by(|a, b| b.rule.cmp(&a.rule));
    assert_eq!(row_ids(&dom), ids(&want));
    assert!(dom.contains("data-sort=\"rule-desc\""));
    assert!(dom.contains("<h2>Resolved since the baseline (1)</h2>"));
    assert_eq!(
        attrs(&dom, "<tr data-id=", "data-id"),
        ["IRA305-0123456789ab"]
    );
    assert!(dom.contains("id=\"phi-warning\""));
    assert_eq!(dom.matches("<script").count(), 1, "only ours");
    assert_eq!(
        dom.matches("<code class=\"value\">&lt;script&gt;alert(1)&lt;/script&gt;</code>")
            .count(),
        2
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// How many `<rect>`s the charts of `r` draw: one per non-zero segment.
fn dom_rects(r: &Report) -> usize {
    let out = html(r);
    out.matches("<rect ").count()
}

#[test]
fn the_browser_sorts_by_the_url_fragment() {
    let Some(bin) = browser() else { return };
    let dir = scratch("sort");
    let page = dir.join("report.html");
    let r = report();
    std::fs::write(&page, html(&r)).unwrap();
    let base = static_order(&r);
    // Numeric sort of counts, most affected first, ties in the static order.
    let mut by_affected = base.clone();
    by_affected.sort_by_key(|x| std::cmp::Reverse(x.evidence.affected));
    // Severity by rank, least severe first (alphabetical would put critical first).
    let mut by_severity = base.clone();
    by_severity.sort_by_key(|x| rank(x.severity));
    // Text, descending.
    let mut by_rule = base.clone();
    by_rule.sort_by(|a, b| b.rule.cmp(&a.rule));
    // Status: accepted, then open, then open with a lapsed acceptance.
    let mut by_status = base.clone();
    by_status.sort_by_key(|x| match (&x.status, &x.acceptance) {
        (Status::Accepted, _) => 0,
        (Status::Open, None) => 1,
        (Status::Open, Some(_)) => 2,
    });
    for (fragment, want) in [
        ("affected-desc", &by_affected),
        ("severity-asc", &by_severity),
        ("rule-desc", &by_rule),
        ("status-asc", &by_status),
    ] {
        let url = format!("{}#sort={fragment}", file_url(&page));
        let dom = run_browser(&bin, &dir, &url, &["--dump-dom".into()]);
        assert!(dom.contains("data-ira-ready=\"1\""), "{fragment}");
        assert_eq!(row_ids(&dom), ids(want), "{fragment}");
        assert!(
            dom.contains(&format!("data-sort=\"{fragment}\"")),
            "{fragment}"
        );
        let (key, dir) = fragment.split_once('-').unwrap();
        let sorted = format!(
            "data-key=\"{key}\" data-type=\"{}\" data-first=\"{}\" aria-sort=\"{}\"",
            if matches!(key, "affected" | "severity") {
                "num"
            } else {
                "text"
            },
            if matches!(key, "affected" | "severity") {
                "desc"
            } else {
                "asc"
            },
            if dir == "asc" {
                "ascending"
            } else {
                "descending"
            }
        );
        assert!(dom.contains(&sorted), "{fragment}: {sorted}");
    }
    // The static order is not already one of these (the test could not fail).
    assert_ne!(ids(&base), ids(&by_affected));
    assert_ne!(ids(&base), ids(&by_severity));
    assert_ne!(ids(&base), ids(&by_status));
    let _ = std::fs::remove_dir_all(&dir);
}

/// Clicks on the column headings, in the browser: a test page (ours, not the report)
/// frames the report, clicks heading buttons in it and writes what it saw into its own
/// DOM, which `--dump-dom` returns. `--allow-file-access-from-files` lets the two local
/// files script each other.
#[test]
fn the_browser_sorts_on_clicks() {
    let Some(bin) = browser() else { return };
    let dir = scratch("click");
    let r = report();
    std::fs::write(dir.join("report.html"), html(&r)).unwrap();
    let harness = r##"<!DOCTYPE html>
<html><body><iframe id="f" src="report.html"></iframe><pre id="out"></pre>
<script>
window.addEventListener("load", function () {
  var d = document.getElementById("f").contentDocument;
  var log = ["ready=" + d.documentElement.getAttribute("data-ira-ready")];
  var order = function () {
    return Array.prototype.map.call(d.querySelectorAll("#risk-table tbody tr"),
      function (r) { return r.getAttribute("data-id"); }).join(",");
  };
  var click = function (key) {
    d.querySelector('#risk-table th[data-key="' + key + '"] button').click();
    var th = d.querySelector('#risk-table th[aria-sort]:not([aria-sort="none"])');
    log.push(key + "|" + d.getElementById("risk-table").getAttribute("data-sort") + "|" +
      th.getAttribute("data-key") + "=" + th.getAttribute("aria-sort") + "|" + order());
  };
  ["affected", "affected", "rule", "rule", "effort", "severity"].forEach(click);
  document.getElementById("out").textContent = log.join("\n");
});
</script></body></html>
"##;
    let page = dir.join("harness.html");
    std::fs::write(&page, harness).unwrap();
    let dom = run_browser(
        &bin,
        &dir,
        &file_url(&page),
        &[
            "--dump-dom".into(),
            "--allow-file-access-from-files".into(),
            "--virtual-time-budget=5000".into(),
        ],
    );
    let out = dom
        .split_once("<pre id=\"out\">")
        .and_then(|(_, rest)| rest.split_once("</pre>"))
        .map(|(log, _)| log)
        .unwrap_or_else(|| panic!("no log in the test page:\n{dom}"));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.first(), Some(&"ready=1"), "{out}");
    let base = static_order(&r);
    let sorted = |f: &dyn Fn(&&RiskItem, &&RiskItem) -> std::cmp::Ordering| {
        let mut v = base.clone();
        v.sort_by(|a, b| f(a, b));
        ids(&v).join(",")
    };
    let want = [
        // Counts: first click most affected first, second click reverses.
        (
            "affected|affected-desc|affected=descending",
            sorted(&|a, b| b.evidence.affected.cmp(&a.evidence.affected)),
        ),
        (
            "affected|affected-asc|affected=ascending",
            sorted(&|a, b| a.evidence.affected.cmp(&b.evidence.affected)),
        ),
        // Text: first click A to Z.
        (
            "rule|rule-asc|rule=ascending",
            sorted(&|a, b| a.rule.cmp(&b.rule)),
        ),
        (
            "rule|rule-desc|rule=descending",
            sorted(&|a, b| b.rule.cmp(&a.rule)),
        ),
        // Effort by rank (L, M, S), not alphabetically.
        (
            "effort|effort-desc|effort=descending",
            sorted(&|a, b| b.effort.cmp(&a.effort)),
        ),
        // Back to the static order.
        (
            "severity|severity-desc|severity=descending",
            ids(&base).join(","),
        ),
    ];
    assert_eq!(lines.len(), 1 + want.len(), "{out}");
    for (line, (head, order)) in lines[1..].iter().zip(&want) {
        assert_eq!(*line, format!("{head}|{order}"));
    }
    let _ = std::fs::remove_dir_all(&dir);
}
