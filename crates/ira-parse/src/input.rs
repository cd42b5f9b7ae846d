//! Input discovery and format detection.
//!
//! Inputs are files and directories (walked recursively, in sorted order so file ids are
//! stable). A file's format is detected by its content — MLLP start block, `MSH`/`FHS`/`BHS`,
//! JSON object, NDJSON lines, XML — not by its extension; the extension only breaks ties
//! (`.ndjson` for a one-line file). A file that cannot be read is reported and the run
//! goes on; only a path named on the command line that does not exist is an error.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::issue::{Issue, IssueCode, Severity};
use crate::limits::Limits;
use crate::location::{FileId, Location};

/// The format of an input file, detected by content.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// HL7 v2 ER7 (plain, MLLP-framed or batch).
    Hl7v2,
    /// FHIR JSON: a resource or a Bundle.
    FhirJson,
    /// FHIR NDJSON: one resource a line.
    FhirNdjson,
    /// FHIR XML.
    FhirXml,
    /// None of the above.
    Unknown,
}

impl Format {
    /// A short name for people (`hl7v2`, `fhir-json`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Hl7v2 => "hl7v2",
            Format::FhirJson => "fhir-json",
            Format::FhirNdjson => "fhir-ndjson",
            Format::FhirXml => "fhir-xml",
            Format::Unknown => "unknown",
        }
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Input that cannot be used at all.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// A path named by the user does not exist or cannot be inspected.
    #[error("{}: {source}", path.display())]
    NotFound {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// No input paths were given.
    #[error("no input paths given")]
    NoInputs,
}

/// One input file of a run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SourceFile {
    pub id: FileId,
    pub path: PathBuf,
    /// True when the file was found by walking a directory (not named by the user). Files
    /// of unknown format found this way are noted, not flagged as errors.
    pub walked: bool,
}

/// The files of a run, numbered in sorted path order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct FileTable {
    files: Vec<SourceFile>,
}

impl FileTable {
    /// Every file, in id order.
    pub fn files(&self) -> &[SourceFile] {
        &self.files
    }

    /// The file with this id.
    pub fn get(&self, id: FileId) -> Option<&SourceFile> {
        self.files.get(id.0 as usize)
    }

    /// The path of a file for display (`?` if the id is unknown).
    pub fn display(&self, id: FileId) -> String {
        self.get(id)
            .map(|f| f.path.display().to_string())
            .unwrap_or_else(|| "?".to_owned())
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

/// The result of walking the inputs: the files found, and problems met on the way
/// (unreadable directories, symlink loops), each as an issue.
#[derive(Debug, Default)]
pub struct Discovery {
    pub table: FileTable,
    /// Problems with paths that are not in the table (an unreadable directory entry).
    /// Their `location.file` is meaningless; `detail` names the path.
    pub problems: Vec<Issue>,
}

/// Walks `paths` (files and directories, recursively) and numbers the files found.
///
/// Duplicates are removed; directories are walked in sorted order; symbolic links to
/// directories already being walked (loops) are reported and not followed again.
pub fn discover(paths: &[PathBuf]) -> Result<Discovery, InputError> {
    if paths.is_empty() {
        return Err(InputError::NoInputs);
    }
    let mut found: Vec<(PathBuf, bool)> = Vec::new();
    let mut problems = Vec::new();
    for p in paths {
        let meta = std::fs::metadata(p).map_err(|source| InputError::NotFound {
            path: p.clone(),
            source,
        })?;
        if meta.is_dir() {
            let mut seen = HashSet::new();
            walk_dir(p, &mut seen, &mut found, &mut problems);
        } else if meta.is_file() {
            found.push((p.clone(), false));
        } else {
            // Never opened: opening a fifo would block until a writer comes.
            problems.push(not_regular(p));
        }
    }
    // Sort for stable ids; a file named by the user and also found by a walk is kept once,
    // as named.
    found.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
    found.dedup_by(|later, earlier| later.0 == earlier.0);
    let files = found
        .into_iter()
        .enumerate()
        .map(|(i, (path, walked))| SourceFile {
            id: FileId(i as u32),
            path,
            walked,
        })
        .collect();
    Ok(Discovery {
        table: FileTable { files },
        problems,
    })
}

fn walk_dir(
    dir: &Path,
    seen: &mut HashSet<PathBuf>,
    found: &mut Vec<(PathBuf, bool)>,
    problems: &mut Vec<Issue>,
) {
    // Canonical paths of the directories on the way detect symlink loops.
    let canon = match std::fs::canonicalize(dir) {
        Ok(c) => c,
        Err(e) => {
            problems.push(unreadable(dir, &e.to_string()));
            return;
        }
    };
    if !seen.insert(canon) {
        problems.push(Issue::new(
            IssueCode::InputSymlinkLoop,
            Location::default(),
            format!(
                "{}: directory already walked (symbolic link loop); not followed again",
                dir.display()
            ),
        ));
        return;
    }
    let entries = match std::fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) => {
            problems.push(unreadable(dir, &e.to_string()));
            return;
        }
    };
    let mut children: Vec<PathBuf> = Vec::new();
    for entry in entries {
        match entry {
            Ok(e) => children.push(e.path()),
            Err(e) => problems.push(unreadable(dir, &e.to_string())),
        }
    }
    children.sort();
    for child in children {
        let name_hidden = child
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with('.'));
        if name_hidden {
            // Hidden files and directories (.git, editor swap files) are not samples.
            continue;
        }
        match std::fs::metadata(&child) {
            Ok(m) if m.is_dir() => walk_dir(&child, seen, found, problems),
            Ok(m) if m.is_file() => found.push((child, true)),
            Ok(_) => problems.push(not_regular(&child)),
            Err(e) => problems.push(unreadable(&child, &e.to_string())),
        }
    }
}

fn unreadable(path: &Path, why: &str) -> Issue {
    Issue::new(
        IssueCode::InputUnreadable,
        Location::default(),
        format!("{}: {why}", path.display()),
    )
}

fn not_regular(path: &Path) -> Issue {
    Issue::new(
        IssueCode::InputNotRegularFile,
        Location::default(),
        format!(
            "{}: not a regular file (fifo, socket or device); not opened",
            path.display()
        ),
    )
}

/// Reads a whole file under the default [`Limits`]. An error becomes an issue located
/// in the file: `input-unreadable`, `input-not-regular-file`, `input-too-large` (checked
/// before any byte is loaded) or `input-changed-while-read`.
pub fn read_file(file: &SourceFile) -> Result<Vec<u8>, Issue> {
    read_file_with(file, &Limits::default())
}

/// [`read_file`] under explicit [`Limits`] (`max_file_bytes`).
pub fn read_file_with(file: &SourceFile, limits: &Limits) -> Result<Vec<u8>, Issue> {
    read_observed(file, limits, &mut || {})
}

/// Opens a file for streaming (large files, read in chunks): the same checks as
/// [`read_file_with`] before the first byte (a regular file, within the size limit),
/// and at the end of the stream the same check that the file did not change while it
/// was read — a changed file ends the stream with an error, so none of it is used.
/// Files up to `whole_below` bytes are read whole with [`read_file_with`].
pub fn open_with(
    file: &SourceFile,
    limits: &Limits,
    whole_below: u64,
) -> Result<Box<dyn std::io::Read + Send>, Issue> {
    let fail = |code: IssueCode, detail: String| {
        Err(Issue::new(code, Location::new(file.id, None, 0, 0), detail))
    };
    let before = match std::fs::metadata(&file.path) {
        Ok(m) => m,
        Err(e) => return fail(IssueCode::InputUnreadable, format!("cannot read: {e}")),
    };
    if !before.is_file() || before.len() <= whole_below || before.len() > limits.max_file_bytes {
        // Small, or refused: the whole-file path says why with the right code.
        return read_file_with(file, limits)
            .map(|b| Box::new(std::io::Cursor::new(b)) as Box<dyn std::io::Read + Send>);
    }
    match std::fs::File::open(&file.path) {
        Ok(f) => Ok(Box::new(Watched {
            file: f,
            path: file.path.clone(),
            len: before.len(),
            modified: before.modified().ok(),
            read: 0,
        })),
        Err(e) => fail(IssueCode::InputUnreadable, format!("cannot read: {e}")),
    }
}

/// A file being streamed that checks, at its end, that it is still the file it was.
struct Watched {
    file: std::fs::File,
    path: PathBuf,
    len: u64,
    modified: Option<std::time::SystemTime>,
    read: u64,
}

impl std::io::Read for Watched {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.file.read(buf)?;
        self.read += n as u64;
        if n == 0 && !buf.is_empty() {
            let same = std::fs::metadata(&self.path)
                .map(|m| m.len() == self.len && m.modified().ok() == self.modified)
                .unwrap_or(false);
            if !same || self.read != self.len {
                return Err(std::io::Error::other(
                    "size or modification time changed while the file was read",
                ));
            }
        }
        Ok(n)
    }
}

/// Reads a file, calling `mid` between the read and the second look at its metadata
/// (a seam for the test of a file that changes while read).
fn read_observed(
    file: &SourceFile,
    limits: &Limits,
    mid: &mut dyn FnMut(),
) -> Result<Vec<u8>, Issue> {
    let fail = |code: IssueCode, detail: String| {
        Err(Issue::new(code, Location::new(file.id, None, 0, 0), detail))
    };
    let before = match std::fs::metadata(&file.path) {
        Ok(m) => m,
        Err(e) => return fail(IssueCode::InputUnreadable, format!("cannot read: {e}")),
    };
    if !before.is_file() {
        let detail = "not a regular file (fifo, socket or device); not opened".to_owned();
        return fail(IssueCode::InputNotRegularFile, detail);
    }
    if before.len() > limits.max_file_bytes {
        let detail = format!(
            "file of {} bytes, over the limit of {} bytes; not read",
            before.len(),
            limits.max_file_bytes
        );
        return fail(IssueCode::InputTooLarge, detail);
    }
    let bytes = match std::fs::read(&file.path) {
        Ok(b) => b,
        Err(e) => return fail(IssueCode::InputUnreadable, format!("cannot read: {e}")),
    };
    mid();
    let changed = match std::fs::metadata(&file.path) {
        Ok(after) => {
            after.len() != before.len()
                || bytes.len() as u64 != before.len()
                || after.modified().ok() != before.modified().ok()
        }
        Err(_) => true,
    };
    if changed {
        let detail = "size or modification time changed while the file was read; not used \
                      (copy the file and analyse the copy)"
            .to_owned();
        return fail(IssueCode::InputChangedWhileRead, detail);
    }
    Ok(bytes)
}

/// Detects the format of `bytes` by content; `path` only breaks ties.
pub fn detect(bytes: &[u8], path: Option<&Path>) -> Format {
    let body = skip_bom_and_space(bytes);
    let Some(&first) = body.first() else {
        return Format::Unknown;
    };
    if first == 0x0B {
        return Format::Hl7v2;
    }
    if body.starts_with(b"MSH") || body.starts_with(b"FHS") || body.starts_with(b"BHS") {
        return Format::Hl7v2;
    }
    if first == b'{' {
        return if looks_like_ndjson(body, path) {
            Format::FhirNdjson
        } else {
            Format::FhirJson
        };
    }
    if first == b'<' {
        return Format::FhirXml;
    }
    // A JSON array of objects: read as JSON so the reader says what is wrong with it
    // (a resource is an object) rather than "unknown format".
    if first == b'[' && body[1..].trim_ascii_start().first() == Some(&b'{') {
        return Format::FhirJson;
    }
    // HL7 v2 with leading damage (a binary blob, a stray header): look for a message
    // start near the beginning — `MSH` and a plausible delimiter declaration at the start
    // of a line, so a script or a note that merely quotes a message is not taken for one.
    let head = &bytes[..bytes.len().min(64 * 1024)];
    if memchr::memmem::find_iter(head, b"MSH")
        .any(|i| at_line_start(head, i) && plausible_msh(&head[i..]))
    {
        return Format::Hl7v2;
    }
    Format::Unknown
}

fn at_line_start(bytes: &[u8], i: usize) -> bool {
    i == 0 || matches!(bytes[i - 1], b'\r' | b'\n' | 0x0B)
}

/// `MSH`, a field separator, then 2 to 5 encoding characters closed by the field
/// separator: punctuation only, all different.
fn plausible_msh(at: &[u8]) -> bool {
    let Some(&sep) = at.get(3) else {
        return false;
    };
    if sep.is_ascii_alphanumeric() || sep.is_ascii_whitespace() || sep.is_ascii_control() {
        return false;
    }
    let rest = &at[4..at.len().min(10)];
    let Some(end) = rest.iter().position(|&c| c == sep) else {
        return false;
    };
    let enc = &rest[..end];
    (2..=5).contains(&enc.len())
        && enc.iter().all(|c| c.is_ascii_punctuation())
        && enc.iter().enumerate().all(|(k, c)| !enc[..k].contains(c))
}

fn skip_bom_and_space(bytes: &[u8]) -> &[u8] {
    let b = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let start = b
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(b.len());
    &b[start..]
}

/// NDJSON: the first line is a whole object (ends with `}`) and the next non-empty line
/// starts another one. A single-line file counts as NDJSON only with an `.ndjson` or
/// `.jsonl` extension (both readings give the same resource).
fn looks_like_ndjson(body: &[u8], path: Option<&Path>) -> bool {
    let ext_says = path
        .and_then(|p| p.extension())
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("ndjson") || e.eq_ignore_ascii_case("jsonl"));
    let Some(nl) = memchr::memchr(b'\n', body) else {
        return ext_says;
    };
    let first = body[..nl].trim_ascii();
    if !first.ends_with(b"}") {
        return false;
    }
    let rest = body[nl + 1..].trim_ascii_start();
    if rest.is_empty() {
        return ext_says;
    }
    // More lines after a first line that is a whole object: NDJSON, even when the
    // second line is damaged (else one bad line would cost every resource of the file).
    rest.first() == Some(&b'{') || whole_value(first)
}

/// Whether `line` is one complete JSON object or array: its brackets, outside strings,
/// close exactly at its end (a cheap shape check, not a parse).
fn whole_value(line: &[u8]) -> bool {
    let (mut depth, mut in_str, mut esc) = (0usize, false, false);
    for (i, &c) in line.iter().enumerate() {
        if in_str {
            match c {
                _ if esc => esc = false,
                b'\\' => esc = true,
                b'"' => in_str = false,
                _ => {}
            }
            continue;
        }
        match c {
            b'"' => in_str = true,
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth = match depth.checked_sub(1) {
                    Some(d) => d,
                    None => return false,
                };
                if depth == 0 {
                    return i + 1 == line.len();
                }
            }
            _ => {}
        }
    }
    false
}

/// Severity for a file of unknown format: an error when the user named it, a note when a
/// directory walk met it (a README beside the samples is not a defect).
pub fn unknown_format_issue(file: &SourceFile) -> Issue {
    let issue = Issue::new(
        IssueCode::InputUnknownFormat,
        Location::new(file.id, None, 0, 1),
        "not HL7 v2 (no MSH, FHS, BHS or MLLP start) nor FHIR JSON, NDJSON or XML; skipped",
    );
    if file.walked {
        issue.with_severity(Severity::Info)
    } else {
        issue
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_by_content() {
        assert_eq!(detect(b"MSH|^~\\&|A", None), Format::Hl7v2);
        assert_eq!(detect(b"\x0bMSH|^~\\&|A\x1c\r", None), Format::Hl7v2);
        assert_eq!(detect(b"FHS|^~\\&|\r", None), Format::Hl7v2);
        assert_eq!(detect(b"\xEF\xBB\xBF  BHS|^~\\&|\r", None), Format::Hl7v2);
        assert_eq!(detect(b"junk\x00\x01\rMSH|^~\\&|", None), Format::Hl7v2);
        assert_eq!(detect(b"junk\x00\x0bMSH|^~\\&|", None), Format::Hl7v2);
        // A script that quotes a message is not a message.
        assert_eq!(
            detect(b"#!/usr/bin/env python3\nm = 'MSH|^~\\&|A'\n", None),
            Format::Unknown
        );
        assert_eq!(detect(b"notes\nMSH is the header\n", None), Format::Unknown);
        assert_eq!(
            detect(b"{\n  \"resourceType\": \"Patient\"\n}\n", None),
            Format::FhirJson
        );
        assert_eq!(
            detect(
                b"{\"resourceType\":\"Patient\"}\n{\"resourceType\":\"Patient\"}\n",
                None
            ),
            Format::FhirNdjson
        );
        assert_eq!(
            detect(
                b"{\"resourceType\":\"Patient\"}\n",
                Some(Path::new("a.ndjson"))
            ),
            Format::FhirNdjson
        );
        assert_eq!(
            detect(
                b"{\"resourceType\":\"Patient\"}\n",
                Some(Path::new("a.json"))
            ),
            Format::FhirJson
        );
        assert_eq!(
            detect(b"<?xml version=\"1.0\"?><Patient/>", None),
            Format::FhirXml
        );
        assert_eq!(
            detect(b"# notes\n", Some(Path::new("x.hl7"))),
            Format::Unknown
        );
        // NDJSON whose second line is damaged is still NDJSON.
        assert_eq!(
            detect(b"{\"resourceType\":\"Patient\"}\nnull\n{}\n", None),
            Format::FhirNdjson
        );
        assert_eq!(
            detect(b"{\"a\":\"}\\\"{\"}\nnull\n", None),
            Format::FhirNdjson
        );
        // A pretty-printed object whose first line happens to end with `}` is not.
        assert_eq!(detect(b"{\"a\":{}\n}\n", None), Format::FhirJson);
        assert_eq!(detect(b"[\n {\"a\":1}]", None), Format::FhirJson);
        assert_eq!(detect(b"[1, 2]", None), Format::Unknown);
        assert_eq!(detect(b"", None), Format::Unknown);
        assert_eq!(detect(b"   \n", None), Format::Unknown);
    }

    #[test]
    fn discover_walks_sorted_skips_hidden_and_reports_missing() {
        let dir = std::env::temp_dir().join(format!("ira-discover-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        std::fs::create_dir_all(dir.join(".git")).unwrap();
        std::fs::write(dir.join("b.hl7"), b"MSH|").unwrap();
        std::fs::write(dir.join("a.json"), b"{}").unwrap();
        std::fs::write(dir.join("sub/c.ndjson"), b"{}").unwrap();
        std::fs::write(dir.join(".git/config"), b"x").unwrap();
        let d = discover(std::slice::from_ref(&dir)).unwrap();
        let names: Vec<_> = d
            .table
            .files()
            .iter()
            .map(|f| f.path.strip_prefix(&dir).unwrap().display().to_string())
            .collect();
        assert_eq!(names, ["a.json", "b.hl7", "sub/c.ndjson"]);
        assert!(d.table.files().iter().all(|f| f.walked));
        assert_eq!(d.table.files()[2].id, FileId(2));

        // The same file named and walked is kept once, as named.
        let d = discover(&[dir.join("b.hl7"), dir.clone()]).unwrap();
        assert_eq!(d.table.len(), 3);
        assert!(!d.table.files()[1].walked);

        let err = discover(&[dir.join("missing.hl7")]).unwrap_err();
        assert!(matches!(err, InputError::NotFound { .. }));
        assert!(err.to_string().contains("missing.hl7"));
        assert!(matches!(discover(&[]), Err(InputError::NoInputs)));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[cfg(unix)]
    #[test]
    fn discover_survives_symlink_loops() {
        let dir = std::env::temp_dir().join(format!("ira-loop-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("a")).unwrap();
        std::fs::write(dir.join("a/m.hl7"), b"MSH|").unwrap();
        std::os::unix::fs::symlink(&dir, dir.join("a/loop")).unwrap();
        let d = discover(std::slice::from_ref(&dir)).unwrap();
        assert_eq!(d.table.len(), 1);
        assert_eq!(d.problems.len(), 1);
        assert_eq!(d.problems[0].code, IssueCode::InputSymlinkLoop);
        assert!(d.problems[0].detail.contains("loop"));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn open_with_streams_large_files_and_catches_a_change_at_the_end() {
        use std::io::{Read, Write};
        let dir = temp_dir("openwith");
        let path = dir.join("big.hl7");
        let content = b"MSH|^~\\&|A\rPID|1\r".repeat(100);
        std::fs::write(&path, &content).unwrap();
        let file = SourceFile {
            id: FileId(0),
            path: path.clone(),
            walked: false,
        };
        let limits = Limits::default();
        // Streamed (over `whole_below`): the same bytes.
        let mut got = Vec::new();
        open_with(&file, &limits, 16)
            .unwrap()
            .read_to_end(&mut got)
            .unwrap();
        assert_eq!(got, content);
        // Over the size limit: refused before the first byte, with its own code.
        let small = Limits {
            max_file_bytes: 10,
            ..Limits::default()
        };
        let refused = open_with(&file, &small, 16).err().unwrap();
        assert_eq!(refused.code, IssueCode::InputTooLarge);
        // Grows while streamed: the stream ends with an error, so none of it is used.
        let mut r = open_with(&file, &limits, 16).unwrap();
        let mut first = [0u8; 64];
        r.read_exact(&mut first).unwrap();
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(b"MSH|^~\\&|B\r")
            .unwrap();
        let mut rest = Vec::new();
        let err = r.read_to_end(&mut rest).unwrap_err();
        assert!(err.to_string().contains("changed while the file was read"));
        let _ = std::fs::remove_dir_all(&dir);
    }

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("ira-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[cfg(unix)]
    #[test]
    fn discover_reports_file_symlink_loops_and_dangling_links() {
        // a -> b -> a: metadata fails with "too many levels of symbolic links"; a link to
        // a file that vanished fails with "not found". Both reported, the rest read.
        let dir = temp_dir("fileloop");
        std::fs::write(dir.join("good.hl7"), b"MSH|").unwrap();
        std::os::unix::fs::symlink(dir.join("b"), dir.join("a")).unwrap();
        std::os::unix::fs::symlink(dir.join("a"), dir.join("b")).unwrap();
        std::os::unix::fs::symlink(dir.join("gone.hl7"), dir.join("dangling.hl7")).unwrap();
        let d = discover(std::slice::from_ref(&dir)).unwrap();
        assert_eq!(d.table.len(), 1);
        let mut got: Vec<_> = d
            .problems
            .iter()
            .map(|p| (p.code, p.detail.split(':').next().unwrap().to_owned()))
            .collect();
        got.sort();
        let p = |n: &str| dir.join(n).display().to_string();
        assert_eq!(
            got,
            [
                (IssueCode::InputUnreadable, p("a")),
                (IssueCode::InputUnreadable, p("b")),
                (IssueCode::InputUnreadable, p("dangling.hl7")),
            ]
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[cfg(unix)]
    #[test]
    fn fifos_are_reported_and_never_opened() {
        let dir = temp_dir("fifo");
        std::fs::write(dir.join("good.hl7"), b"MSH|").unwrap();
        let fifo = dir.join("pipe.hl7");
        let ok = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            eprintln!("mkfifo not available; fifo case not run");
            return;
        }
        // Walked: reported, not in the table. Opening it would block this test forever.
        let d = discover(std::slice::from_ref(&dir)).unwrap();
        assert_eq!(d.table.len(), 1);
        assert_eq!(d.problems.len(), 1);
        assert_eq!(d.problems[0].code, IssueCode::InputNotRegularFile);
        // Named on the command line: the same.
        let d = discover(&[fifo.clone(), dir.join("good.hl7")]).unwrap();
        assert_eq!(d.table.len(), 1);
        assert_eq!(d.problems[0].code, IssueCode::InputNotRegularFile);
        // Read directly (a file table built elsewhere): refused before opening.
        let f = SourceFile {
            id: FileId(3),
            path: fifo,
            walked: false,
        };
        let e = read_file(&f).unwrap_err();
        assert_eq!(e.code, IssueCode::InputNotRegularFile);
        assert_eq!(e.location.file, FileId(3));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn read_file_refuses_too_large_vanished_and_changed_files() {
        let dir = temp_dir("readfile");
        let path = dir.join("m.hl7");
        std::fs::write(&path, b"MSH|^~\\&|A\r").unwrap();
        let f = SourceFile {
            id: FileId(2),
            path: path.clone(),
            walked: false,
        };
        assert_eq!(read_file(&f).unwrap().len(), 11);
        let small = Limits {
            max_file_bytes: 10,
            ..Limits::default()
        };
        let e = read_file_with(&f, &small).unwrap_err();
        assert_eq!(e.code, IssueCode::InputTooLarge);
        assert_eq!(e.location.file, FileId(2));
        assert!(e.detail.contains("11 bytes"), "{}", e.detail);

        // Appended to while read (the seam runs between the read and the second look).
        let e = read_observed(&f, &Limits::default(), &mut || {
            use std::io::Write as _;
            let mut w = std::fs::OpenOptions::new()
                .append(true)
                .open(&path)
                .unwrap();
            w.write_all(b"PID|1\r").unwrap();
        })
        .unwrap_err();
        assert_eq!(e.code, IssueCode::InputChangedWhileRead);
        assert_eq!(e.location.file, FileId(2));

        // Vanished between discovery and reading (stands in for an unreadable file: the
        // tests run as root, so permissions do not bite).
        std::fs::remove_file(&path).unwrap();
        let e = read_file(&f).unwrap_err();
        assert_eq!(e.code, IssueCode::InputUnreadable);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
