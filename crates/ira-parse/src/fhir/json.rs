//! FHIR JSON and NDJSON.
//!
//! Each resource is parsed once into a borrowed tree ([`lite`]) that keeps every value's
//! span: a Bundle entry resource's byte offset is its span's start, its text a slice of
//! the input, and the schema check runs on the same tree. A resource keeps its own text
//! (numbers exactly as written); a Bundle shell gets a text written from the spans of
//! its members without the entry resources.

use serde_json::Value;

use super::lite::{self, Node, Spanned, SyntaxError};
use super::table::{other_version, r4};
use super::{FhirFile, Resource, WalkCache, schema};
use crate::issue::{Issue, IssueCode};
use crate::limits::Limits;
use crate::location::{FileId, Location};

/// Reads a FHIR JSON file: one resource, or a Bundle (any type) whose entry resources
/// become resources of their own after the Bundle's shell. A syntax error costs the
/// resource it is in: of a damaged Bundle, the shell and the entries complete before the
/// error are still read.
pub fn read_json(bytes: &[u8], file: FileId) -> FhirFile {
    read_json_with(bytes, file, &Limits::default())
}

/// [`read_json`] under explicit [`Limits`]: JSON nested deeper than
/// `max_json_depth` is skipped with `fhir-limit-depth`.
pub fn read_json_with(bytes: &[u8], file: FileId, limits: &Limits) -> FhirFile {
    let mut b = Builder::new(bytes, file);
    b.limits = *limits;
    let start = skip_bom(bytes);
    let body = &bytes[start..];
    if body.iter().all(u8::is_ascii_whitespace) {
        b.issue_at(IssueCode::InputEmpty, None, start, "no JSON content");
        return b.finish();
    }
    let text = match std::str::from_utf8(body) {
        Ok(t) => t,
        Err(e) => {
            b.skipped += 1;
            let at = start + e.valid_up_to();
            b.issue_at(IssueCode::FhirInvalidJson, None, at, "not valid UTF-8");
            return b.finish();
        }
    };
    match lite::parse_limited(text, limits.json_depth()) {
        Ok(tree) if matches!(tree.node, Node::Object(_)) => b.object(text, &tree, start),
        Ok(tree) => {
            b.skipped += 1;
            let detail = "top level is not a JSON object (a resource is an object)";
            b.issue_at(IssueCode::FhirInvalidJson, None, start + tree.start, detail);
        }
        Err(e) => {
            b.skipped += 1;
            b.issue_at(
                error_code(&e, IssueCode::FhirInvalidJson),
                None,
                start + e.offset,
                &syntax_detail(&e),
            );
            // A damaged Bundle still gives the entries complete before the error.
            if let Some(partial) = lite::salvage_object(text, "entry") {
                let is_bundle = partial
                    .get("resourceType")
                    .and_then(Spanned::as_str)
                    .is_some_and(|t| t == "Bundle");
                if is_bundle {
                    b.object(text, &partial, start);
                }
            }
        }
    }
    b.finish()
}

/// Reads an NDJSON file (FHIR bulk data export): one resource a line. A line that is not
/// a JSON object is reported (`fhir-bad-ndjson-line`) and the next line is read; blank
/// lines are ignored.
pub fn read_ndjson(bytes: &[u8], file: FileId) -> FhirFile {
    read_ndjson_with(bytes, file, &Limits::default())
}

/// [`read_ndjson`] under explicit [`Limits`]: a line longer than `max_line_bytes`
/// (`fhir-limit-line-length`) or nested deeper than `max_json_depth`
/// (`fhir-limit-depth`) is skipped and the next line read.
pub fn read_ndjson_with(bytes: &[u8], file: FileId, limits: &Limits) -> FhirFile {
    let mut b = Builder::new(bytes, file);
    b.limits = *limits;
    let mut lines = NdjsonLines::new(bytes);
    while let Some((offset, line)) = lines.next_line() {
        b.ndjson_line(offset, line);
    }
    b.finish()
}

/// Reads an NDJSON buffer one line at a time: each item is what one non-blank line gave
/// (its resources and issues; a Bundle line gives its shell and entries). Resources are
/// numbered across the whole file, as [`read_ndjson`] numbers them.
#[derive(Debug)]
pub struct NdjsonReader<'a> {
    lines: NdjsonLines<'a>,
    builder: Builder<'a>,
}

impl<'a> NdjsonReader<'a> {
    /// A reader over `bytes`, the content of file `file`.
    pub fn new(bytes: &'a [u8], file: FileId) -> Self {
        Self::with_limits(bytes, file, &Limits::default())
    }

    /// A reader under explicit [`Limits`] (line length, nesting depth).
    pub fn with_limits(bytes: &'a [u8], file: FileId, limits: &Limits) -> Self {
        let mut builder = Builder::new(bytes, file);
        builder.limits = *limits;
        Self {
            lines: NdjsonLines::new(bytes),
            builder,
        }
    }
}

impl NdjsonReader<'_> {
    /// The next batch, as [`Iterator::next`] gives it, reading a line that holds one
    /// resource in a single pass that keeps its items in `cache`: `true` when it did, and
    /// then the batch is that one resource and `cache` holds its walk (hand it on with
    /// [`WalkCache::sample_walked`]). `false`: read as usual, `cache` untouched or
    /// emptied.
    pub(crate) fn next_walked(&mut self, cache: &mut WalkCache) -> Option<(FhirFile, bool)> {
        let (offset, line) = self.lines.next_line()?;
        let walked = self.builder.ndjson_line_walked(offset, line, Some(cache));
        Some((self.builder.take_batch(), walked))
    }
}

impl Iterator for NdjsonReader<'_> {
    type Item = FhirFile;
    fn next(&mut self) -> Option<FhirFile> {
        let (offset, line) = self.lines.next_line()?;
        self.builder.ndjson_line(offset, line);
        Some(self.builder.take_batch())
    }
}

/// The non-blank lines of an NDJSON buffer, with their byte offset (after leading
/// whitespace) — for callers that stream a large export line by line.
#[derive(Debug, Clone)]
pub struct NdjsonLines<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> NdjsonLines<'a> {
    /// Lines of `bytes` (a leading UTF-8 byte order mark is skipped).
    pub fn new(bytes: &'a [u8]) -> Self {
        Self {
            bytes,
            pos: skip_bom(bytes),
        }
    }

    /// The next non-blank line: its offset and its bytes without surrounding whitespace.
    pub fn next_line(&mut self) -> Option<(usize, &'a [u8])> {
        while self.pos < self.bytes.len() {
            let start = self.pos;
            let end =
                memchr::memchr(b'\n', &self.bytes[start..]).map_or(self.bytes.len(), |i| start + i);
            self.pos = end + 1;
            let line = &self.bytes[start..end];
            let Some(first) = line.iter().position(|c| !c.is_ascii_whitespace()) else {
                continue;
            };
            let last = line
                .iter()
                .rposition(|c| !c.is_ascii_whitespace())
                .unwrap_or(first);
            return Some((start + first, &line[first..=last]));
        }
        None
    }
}

impl<'a> Iterator for NdjsonLines<'a> {
    type Item = (usize, &'a [u8]);
    fn next(&mut self) -> Option<Self::Item> {
        self.next_line()
    }
}

fn skip_bom(bytes: &[u8]) -> usize {
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        3
    } else {
        0
    }
}

/// `otherwise`, or `fhir-limit-depth` when the error is the nesting limit.
fn error_code(e: &SyntaxError, otherwise: IssueCode) -> IssueCode {
    if e.what == lite::TOO_DEEP {
        IssueCode::FhirLimitDepth
    } else {
        otherwise
    }
}

fn syntax_detail(e: &SyntaxError) -> String {
    if e.eof {
        e.what.to_owned()
    } else {
        format!("JSON syntax error: {}", e.what)
    }
}

/// Counts lines up to increasing offsets without rescanning.
#[derive(Debug)]
struct LineCounter {
    pos: usize,
    line: u32,
}

impl LineCounter {
    fn line_at(&mut self, bytes: &[u8], offset: usize) -> u32 {
        let offset = offset.min(bytes.len());
        if offset < self.pos {
            self.pos = 0;
            self.line = 1;
        }
        let n = memchr::memchr_iter(b'\n', &bytes[self.pos..offset]).count();
        self.line = self
            .line
            .saturating_add(u32::try_from(n).unwrap_or(u32::MAX));
        self.pos = offset;
        self.line
    }
}

/// Collects the resources and issues of one file.
#[derive(Debug)]
pub(crate) struct Builder<'a> {
    bytes: &'a [u8],
    file: FileId,
    lines: LineCounter,
    next_message: u32,
    resources: Vec<Resource>,
    issues: Vec<Issue>,
    damaged: u32,
    pub(crate) skipped: u32,
    pub(crate) limits: Limits,
}

impl<'a> Builder<'a> {
    pub(crate) fn new(bytes: &'a [u8], file: FileId) -> Self {
        Self {
            bytes,
            file,
            lines: LineCounter { pos: 0, line: 1 },
            next_message: 1,
            resources: Vec::new(),
            issues: Vec::new(),
            damaged: 0,
            skipped: 0,
            limits: Limits::default(),
        }
    }

    pub(crate) fn location(&mut self, message: Option<u32>, offset: usize) -> Location {
        let line = self.lines.line_at(self.bytes, offset);
        Location::new(self.file, message, offset as u64, line)
    }

    pub(crate) fn issue_at(
        &mut self,
        code: IssueCode,
        message: Option<u32>,
        offset: usize,
        detail: &str,
    ) {
        let loc = self.location(message, offset);
        self.issues.push(Issue::new(code, loc, detail));
    }

    /// What was read since the last batch; numbering and line counting go on.
    fn take_batch(&mut self) -> FhirFile {
        let batch = Builder {
            bytes: self.bytes,
            file: self.file,
            lines: LineCounter { pos: 0, line: 1 },
            next_message: self.next_message,
            resources: std::mem::take(&mut self.resources),
            issues: std::mem::take(&mut self.issues),
            damaged: std::mem::take(&mut self.damaged),
            skipped: std::mem::take(&mut self.skipped),
            limits: self.limits,
        };
        batch.finish()
    }

    pub(crate) fn finish(mut self) -> FhirFile {
        // Bundle shells are pushed after their entries' issues; keep file order.
        self.issues.sort_by_key(|i| i.location.offset);
        let resources = u32::try_from(self.resources.len()).unwrap_or(u32::MAX);
        FhirFile {
            resources: self.resources,
            issues: self.issues,
            summary: super::Summary {
                resources,
                damaged: self.damaged,
                skipped: self.skipped,
            },
        }
    }

    fn ndjson_line(&mut self, offset: usize, line: &[u8]) {
        self.ndjson_line_walked(offset, line, None);
    }

    /// One NDJSON line; with a `cache`, a line holding one resource that reads clean
    /// (valid JSON, nothing for the shape check to report) is read in one pass that keeps
    /// its items there (`true`); any other line is read through the tree (`false`).
    pub(crate) fn ndjson_line_walked(
        &mut self,
        offset: usize,
        line: &[u8],
        cache: Option<&mut WalkCache>,
    ) -> bool {
        if line.len() > self.limits.max_line_bytes {
            self.skipped += 1;
            let detail = format!(
                "line of {} bytes, over the limit of {} bytes; skipped",
                line.len(),
                self.limits.max_line_bytes
            );
            self.issue_at(IssueCode::FhirLimitLineLength, None, offset, &detail);
            return false;
        }
        let text = match std::str::from_utf8(line) {
            Ok(t) => t,
            Err(e) => {
                self.skipped += 1;
                let at = offset + e.valid_up_to();
                self.issue_at(IssueCode::FhirBadNdjsonLine, None, at, "not valid UTF-8");
                return false;
            }
        };
        if let Some(cache) = cache
            && let Some(rt) = one_pass_type(text)
        {
            let mut path = String::with_capacity(128);
            path.push_str(rt);
            let clean = cache.read_clean(text, self.limits.json_depth(), rt, &mut path);
            if clean {
                // What `object` does for such a resource: no issue, its text verbatim.
                let message = self.take_message();
                let location = self.location(Some(message), offset);
                self.push_text(
                    rt.to_owned(),
                    None,
                    text.into(),
                    location,
                    false,
                    true,
                    Vec::new(),
                );
                return true;
            }
        }
        match lite::parse_limited(text, self.limits.json_depth()) {
            Ok(tree) if matches!(tree.node, Node::Object(_)) => self.object(text, &tree, offset),
            Ok(_) => {
                self.skipped += 1;
                let detail = "not a JSON object (a resource is an object)";
                self.issue_at(IssueCode::FhirBadNdjsonLine, None, offset, detail);
            }
            Err(e) => {
                self.skipped += 1;
                let at = offset + e.offset;
                let code = error_code(&e, IssueCode::FhirBadNdjsonLine);
                self.issue_at(code, None, at, &syntax_detail(&e));
            }
        }
        false
    }

    /// Checks the resource type; `None` (resource skipped, issue written) if it is
    /// missing or unknown, else the type and the other FHIR version it belongs to.
    pub(crate) fn check_type(
        &mut self,
        resource_type: Option<&str>,
        offset: usize,
    ) -> Option<(String, Option<&'static str>)> {
        let Some(rt) = resource_type else {
            self.skipped += 1;
            self.issue_at(
                IssueCode::FhirMissingResourceType,
                None,
                offset,
                "object has no string resourceType",
            );
            return None;
        };
        if r4().is_resource_type(rt) {
            return Some((rt.to_owned(), None));
        }
        if let Some(version) = other_version(rt) {
            return Some((rt.to_owned(), Some(version)));
        }
        self.skipped += 1;
        // The type is only named when it is a plausible type name, never free text.
        let detail = if rt.len() <= 64 && rt.bytes().all(|c| c.is_ascii_alphanumeric()) {
            format!("resourceType {rt} is not an R4 resource type")
        } else {
            format!(
                "resourceType is not an R4 resource type ({} bytes)",
                rt.len()
            )
        };
        self.issue_at(IssueCode::FhirUnknownResourceType, None, offset, &detail);
        None
    }

    /// Adds a resource and its issues (the caller has run the schema check).
    pub(crate) fn push(
        &mut self,
        resource_type: String,
        version: Option<&'static str>,
        text: Box<str>,
        location: Location,
        bundle_shell: bool,
        issues: Vec<Issue>,
    ) {
        self.push_text(
            resource_type,
            version,
            text,
            location,
            bundle_shell,
            false,
            issues,
        );
    }

    /// [`Builder::push`], saying whether `text` stands verbatim in the file at `location`.
    #[allow(clippy::too_many_arguments)]
    fn push_text(
        &mut self,
        resource_type: String,
        version: Option<&'static str>,
        text: Box<str>,
        location: Location,
        bundle_shell: bool,
        verbatim: bool,
        mut issues: Vec<Issue>,
    ) {
        if let Some(v) = version {
            issues.push(Issue::new(
                IssueCode::FhirWrongVersion,
                location,
                format!("{resource_type} is a FHIR {v} resource type, not R4"),
            ));
        }
        if !issues.is_empty() {
            self.damaged += 1;
        }
        self.issues.append(&mut issues);
        self.resources.push(Resource {
            resource_type,
            version: version.map(str::to_owned),
            text,
            location,
            bundle_shell,
            verbatim,
        });
    }

    /// Adds a resource given as a JSON value (converted from XML, or a Bundle shell),
    /// with its schema issues.
    pub(crate) fn push_value(
        &mut self,
        resource_type: String,
        version: Option<&'static str>,
        json: &Value,
        location: Location,
        bundle_shell: bool,
        mut issues: Vec<Issue>,
    ) {
        // Serializing a Value cannot fail (string keys only); numbers stay as written.
        let text = serde_json::to_string(json).unwrap_or_default();
        if version.is_none() {
            let declared = json.get("fhirVersion").and_then(Value::as_str);
            issues.extend(declared_version(&resource_type, declared, location));
            if let Ok(tree) = lite::parse(&text) {
                schema::check_tree(&resource_type, &tree, location, &mut issues);
            }
        }
        self.push(
            resource_type,
            version,
            text.into(),
            location,
            bundle_shell,
            issues,
        );
    }

    pub(crate) fn resources_len(&self) -> usize {
        self.resources.len()
    }

    pub(crate) fn take_message(&mut self) -> u32 {
        let m = self.next_message;
        self.next_message += 1;
        m
    }

    pub(crate) fn insert_shell_at(&mut self, index: usize) {
        // `push` appended the shell after its entries; move it before them.
        if let Some(shell) = self.resources.pop() {
            self.resources
                .insert(index.min(self.resources.len()), shell);
        }
    }

    /// Reads one resource: `tree`, parsed from `text`, which starts at file offset `base`.
    fn object(&mut self, text: &str, tree: &Spanned<'_>, base: usize) {
        let offset = base + tree.start;
        let rt = tree.get("resourceType").and_then(Spanned::as_str);
        let Some((rt, version)) = self.check_type(rt.as_deref(), offset) else {
            return;
        };
        let message = self.take_message();
        let location = self.location(Some(message), offset);
        if rt == "Bundle" && version.is_none() {
            self.bundle(text, tree, base, rt, location);
            return;
        }
        let mut issues = Vec::new();
        if version.is_none() {
            let declared = tree.get("fhirVersion").and_then(Spanned::as_str);
            issues.extend(declared_version(&rt, declared.as_deref(), location));
            schema::check_tree(&rt, tree, location, &mut issues);
        }
        let own = text.get(tree.start..tree.end).unwrap_or_default();
        self.push_text(rt, version, own.into(), location, false, true, issues);
    }

    /// A Bundle: its entry resources are read as resources of their own; the shell gets
    /// a text of its members without them.
    fn bundle(
        &mut self,
        text: &str,
        tree: &Spanned<'_>,
        base: usize,
        rt: String,
        location: Location,
    ) {
        let first_entry = self.resources.len();
        let response_bundle = matches!(
            tree.get("type").and_then(Spanned::as_str).as_deref(),
            Some("batch-response" | "transaction-response")
        );
        let raw = |v: &Spanned<'_>| text.get(v.start..v.end).unwrap_or("null");
        let Node::Object(members) = &tree.node else {
            return;
        };
        let mut shell = String::with_capacity(256);
        let mut issues = Vec::new();
        shell.push('{');
        for (i, (key, v)) in members.iter().enumerate() {
            if i > 0 {
                shell.push(',');
            }
            push_key(&mut shell, key);
            let Node::Array(entries) = &v.node else {
                shell.push_str(raw(v));
                continue;
            };
            if key != "entry" {
                shell.push_str(raw(v));
                continue;
            }
            shell.push('[');
            for (j, entry) in entries.iter().enumerate() {
                if j > 0 {
                    shell.push(',');
                }
                let Node::Object(entry_members) = &entry.node else {
                    shell.push_str(raw(entry)); // the schema check reports it
                    continue;
                };
                let mut has_resource = false;
                let mut first = true;
                shell.push('{');
                for (ek, ev) in entry_members {
                    if ek == "resource" && matches!(ev.node, Node::Object(_)) {
                        has_resource = true;
                        self.object(text, ev, base);
                        continue;
                    }
                    if !first {
                        shell.push(',');
                    }
                    first = false;
                    push_key(&mut shell, ek);
                    shell.push_str(raw(ev));
                }
                shell.push('}');
                let method = entry
                    .get("request")
                    .and_then(|r| r.get("method"))
                    .and_then(Spanned::as_str);
                let no_body = matches!(method.as_deref(), Some("GET" | "HEAD" | "DELETE"));
                if !has_resource && !response_bundle && !no_body {
                    let loc = self.location(location.message, base + entry.start);
                    issues.push(Issue::new(
                        IssueCode::FhirEntryWithoutResource,
                        loc,
                        format!("Bundle.entry[{j}] has no resource"),
                    ));
                }
            }
            shell.push(']');
        }
        shell.push('}');
        if let Ok(tree) = lite::parse(&shell) {
            schema::check_tree(&rt, &tree, location, &mut issues);
        }
        self.push(rt, None, shell.into(), location, true, issues);
        self.insert_shell_at(first_entry);
    }
}

/// The resource type of a line the one-pass read can take: one that opens with its
/// `resourceType`, a string without escapes naming an R4 resource type other than a
/// Bundle (split into its entries) and the types that may declare another FHIR version
/// (`fhirVersion`).
fn one_pass_type(text: &str) -> Option<&str> {
    let rest = text.strip_prefix("{\"resourceType\":\"")?;
    let rt = &rest[..memchr::memchr2(b'"', b'\\', rest.as_bytes())?];
    if rest.as_bytes().get(rt.len()) != Some(&b'"')
        || !r4().is_resource_type(rt)
        || matches!(
            rt,
            "Bundle" | "CapabilityStatement" | "StructureDefinition" | "ImplementationGuide"
        )
    {
        return None;
    }
    Some(rt)
}

/// Conformance resources say which FHIR version they are for (`fhirVersion`); one that
/// names another version than 4.0.x is a resource of that version.
fn declared_version(rt: &str, declared: Option<&str>, location: Location) -> Option<Issue> {
    let v = declared?;
    let declares = matches!(
        rt,
        "CapabilityStatement" | "StructureDefinition" | "ImplementationGuide"
    );
    if !declares || v.starts_with("4.0") {
        return None;
    }
    // A version code is short; anything else is not quoted.
    let shown = if v.len() <= 16
        && v.bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'.' || c == b'-')
    {
        v
    } else {
        "another version"
    };
    let detail = format!("{rt}.fhirVersion declares {shown}, not R4 (4.0.x)");
    Some(Issue::new(IssueCode::FhirWrongVersion, location, detail))
}

fn push_key(out: &mut String, key: &str) {
    // A member name re-escaped (it was decoded); writing a str as JSON cannot fail.
    out.push_str(&serde_json::to_string(key).unwrap_or_else(|_| "\"\"".to_owned()));
    out.push(':');
}

/// Parses validated JSON text into a `serde_json::Value`, numbers as written.
pub(crate) fn to_value(text: &str) -> Value {
    let mut v = serde_json::from_str(text).unwrap_or(Value::Null);
    restore_exponents(text, &mut v);
    v
}

/// serde_json writes exponents its own way (`1E2` becomes `1e+2`) even with
/// `arbitrary_precision`. Numbers must stay as written, so when the text has a number
/// with an exponent, every number of the value is set back to its source text (the
/// numbers of a value and of its text come in the same order; with a duplicate member
/// name they may not, and then nothing is changed).
fn restore_exponents(text: &str, v: &mut Value) {
    let tokens = number_tokens(text.as_bytes());
    if !tokens.iter().any(|t| t.contains(['e', 'E'])) {
        return;
    }
    let mut numbers = Vec::new();
    collect_numbers(v, &mut numbers);
    if numbers.len() != tokens.len() {
        return;
    }
    for (n, t) in numbers.into_iter().zip(tokens) {
        *n = serde_json::Number::from_string_unchecked(t.to_owned());
    }
}

fn collect_numbers<'v>(v: &'v mut Value, out: &mut Vec<&'v mut serde_json::Number>) {
    match v {
        Value::Number(n) => out.push(n),
        Value::Array(a) => a.iter_mut().for_each(|x| collect_numbers(x, out)),
        Value::Object(m) => m.values_mut().for_each(|x| collect_numbers(x, out)),
        _ => {}
    }
}

/// The number tokens of a well-formed JSON text, in order.
fn number_tokens(b: &[u8]) -> Vec<&str> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'"' => {
                i += 1;
                while let Some(j) = b.get(i..).and_then(|r| memchr::memchr2(b'"', b'\\', r)) {
                    i += j;
                    if b[i] == b'\\' {
                        i += 2;
                    } else {
                        break;
                    }
                }
                i += 1;
            }
            b'-' | b'0'..=b'9' => {
                let start = i;
                while i < b.len() && matches!(b[i], b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9')
                {
                    i += 1;
                }
                // ASCII only, so this is valid UTF-8.
                out.push(std::str::from_utf8(&b[start..i]).unwrap_or("0"));
            }
            _ => i += 1,
        }
    }
    out
}

/// The one-pass read of NDJSON lines gives exactly what the tree gives: the same
/// resources, issues and counts, and kept items equal to the resource's own walk.
#[cfg(test)]
mod one_pass {
    use proptest::prelude::*;

    use super::*;
    use crate::model::Sample;

    fn items(s: &dyn Sample) -> Vec<String> {
        let mut v = Vec::new();
        s.walk(&mut |i| v.push(format!("{i:?}")));
        v
    }

    /// Each item's path without indexes and innermost repetition, as the walk gives them.
    fn facts(s: &dyn Sample) -> Vec<Option<(String, u64)>> {
        let mut v = Vec::new();
        s.walk_fhir(&mut |_, f| v.push(f.map(|f| (f.stripped.to_owned(), f.rep))));
        v
    }

    /// Reads `bytes` both ways; returns how many lines were read in one pass.
    fn compare(bytes: &[u8], limits: &Limits) -> usize {
        let slow: Vec<FhirFile> = NdjsonReader::with_limits(bytes, FileId(3), limits).collect();
        let mut reader = NdjsonReader::with_limits(bytes, FileId(3), limits);
        let mut cache = WalkCache::default();
        let mut one_pass = 0;
        let mut n = 0;
        while let Some((fast, walked)) = reader.next_walked(&mut cache) {
            let Some(slow) = slow.get(n) else {
                panic!("more batches read in one pass");
            };
            n += 1;
            assert_eq!(fast.resources, slow.resources);
            assert_eq!(fast.issues, slow.issues);
            assert_eq!(fast.summary, slow.summary);
            if walked {
                one_pass += 1;
                assert_eq!(fast.resources.len(), 1);
                assert!(fast.issues.is_empty());
                let r = &fast.resources[0];
                assert_eq!(
                    items(&cache.sample_walked(r)),
                    items(r),
                    "{}",
                    r.json_text()
                );
                // The path facts of the member cache are those of the string way.
                let mut fresh = WalkCache::default();
                assert_eq!(
                    facts(&cache.sample_walked(r)),
                    facts(&fresh.sample(r)),
                    "{}",
                    r.json_text()
                );
            }
        }
        assert_eq!(n, slow.len());
        one_pass
    }

    const CLEAN: &[&str] = &[
        r#"{"resourceType":"Patient","id":"p1","active":true,"name":[{"family":"TEST","given":["A",null,"C"]}],"_birthDate":{"extension":[{"url":"u","valueString":"x"}]},"birthDate":"1970-01-01","multipleBirthInteger":2}"#,
        r#"{"resourceType":"Patient","name":[{"given":["A",null],"_given":[null,{"id":"g"}]}]}"#,
        r#"{"resourceType":"Patient","name":[{"_given":[]}]}"#,
        r#"{"resourceType":"Observation","status":"final","code":{"text":"t\u00e9\n"},"valueQuantity":{"value":7.50,"unit":"mg"},"component":[{"code":{},"valueInteger":-2E+3}]}"#,
        r##"{"resourceType":"Observation","contained":[{"resourceType":"Patient","id":"c1","resourceType":"Patient","active":false}],"subject":{"reference":"#c1"}}"##,
        r#"{"resourceType":"Patient" , "id" : "sp" ,"active":true }"#,
        r#"{"resourceType":"Basic","code":{"coding":[{"system":"s","code":"c"}]},"extension":[{"url":"x","valueBoolean":false}]}"#,
        r#"{"resourceType":"Parameters","parameter":[{"name":"r","resource":{"resourceType":"Patient","id":"x"}}]}"#,
        r#"{"resourceType":"Questionnaire","item":[{"linkId":"1","type":"group","item":[{"linkId":"1.1","type":"string"}]}]}"#,
        // Not checked (a repeated `resourceType`): names with brackets, arrays in arrays.
        r##"{"resourceType":"Observation","contained":[{"resourceType":"Patient","resourceType":{"a[0]":[[1,{"b":2}]],"c[x":"d","e":{"f":[true,[null,"g"]]}}}]}"##,
    ];

    const ODD: &[&str] = &[
        r#"{"resourceType":"Patient","foo":1}"#,
        r#"{"resourceType":"Patient","name":{"family":"x"}}"#,
        r#"{"resourceType":"Patient","gender":["male"]}"#,
        r#"{"resourceType":"Patient","name":[]}"#,
        r#"{"resourceType":"Patient","active":"true"}"#,
        r#"{"resourceType":"Patient","birthDate":19700101}"#,
        r#"{"resourceType":"Patient","birthDate":null}"#,
        r#"{"resourceType":"Patient","name":[null]}"#,
        r#"{"resourceType":"Patient","name":[["x"]]}"#,
        r#"{"resourceType":"Patient","_name":{"id":"x"}}"#,
        r#"{"resourceType":"Patient","name":[{"_given":{"id":"x"}}]}"#,
        r#"{"resourceType":"Patient","name":[{"_given":["x"]}]}"#,
        r#"{"resourceType":"Patient","_birthDate":[{"id":"x"}]}"#,
        r#"{"resourceType":"Patient","_birthDate":{"foo":"x"}}"#,
        r#"{"resourceType":"Patient","_":1}"#,
        r#"{"resourceType":"Observation","contained":[{"id":"c1","resourceType":"Patient"}]}"#,
        r#"{"resourceType":"Observation","contained":[{"resourceType":"Foo"}]}"#,
        r#"{"resourceType":"Observation","contained":[{"resourceType":"Patient","foo":1}]}"#,
        r#"{"resourceType":"Observation","contained":[{}]}"#,
        r#"{"resourceType":"Patient","na\u006de":[{"family":"x"}]}"#,
        r#"{"resourceType":"Patient","id":"x"} x"#,
        r#"{"resourceType":"Patient","id":"x\ud800"}"#,
        r#"{"resourceType":"Patient","id":01}"#,
        r#"{"resourceType":"Patient","id":"x",}"#,
        r#"{"resourceType":"Patient","active":tru}"#,
        r#"{"resourceType":"Patient","id":"x""#,
        r#"{"resourceType":"Pat\u0069ent","id":"x"}"#,
        r#"{"resourceType":"MedicationOrder","id":"x"}"#,
        r#"{"resourceType":"Citation","id":"x"}"#,
        r#"{"resourceType":"Nope","id":"x"}"#,
        r#"{"resourceType":"CapabilityStatement","fhirVersion":"5.0.0","status":"active","date":"2020","kind":"instance","format":["json"]}"#,
        r#"{"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"Patient","id":"b1"}}]}"#,
        r#"{"id":"x","resourceType":"Patient"}"#,
        r#"{"resourceType":1}"#,
        r#"[1,2]"#,
        r#"{"resourceType":"Patient","extension":[{"url":"u","extension":[{"url":"v","extension":[{"url":"w","valueCode":"z"}]}]}]}"#,
    ];

    #[test]
    fn crafted_lines_read_the_same() {
        let mut all = String::new();
        for l in CLEAN.iter().chain(ODD) {
            all.push_str(l);
            all.push('\n');
        }
        let walked = compare(all.as_bytes(), &Limits::default());
        // Every clean line is read in one pass, the deep extension line too.
        assert_eq!(walked, CLEAN.len() + 1);
        for l in CLEAN {
            assert_eq!(compare(l.as_bytes(), &Limits::default()), 1, "{l}");
        }
        for l in ODD.iter().take(ODD.len() - 1) {
            assert_eq!(compare(l.as_bytes(), &Limits::default()), 0, "{l}");
        }
        // Under a low nesting limit the deep line is left to the tree, which skips it.
        let low = Limits {
            max_json_depth: 6,
            ..Limits::default()
        };
        let deep = ODD.last().copied().unwrap_or_default();
        assert_eq!(compare(deep.as_bytes(), &low), 0);
        assert_eq!(compare(CLEAN[0].as_bytes(), &low), 1);
    }

    /// Every JSON and NDJSON file of the fixtures, each JSON file put on one line.
    #[test]
    fn fixture_lines_read_the_same() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures");
        let found = crate::input::discover(&[root]).unwrap();
        let mut walked = 0;
        for p in found.table.files().iter().map(|f| &f.path) {
            let Ok(mut bytes) = std::fs::read(p) else {
                continue;
            };
            match p.extension().and_then(|e| e.to_str()) {
                Some("ndjson") => {}
                Some("json") => {
                    for b in &mut bytes {
                        if matches!(*b, b'\n' | b'\r') {
                            *b = b' ';
                        }
                    }
                }
                _ => continue,
            }
            walked += compare(&bytes, &Limits::default());
        }
        assert!(walked > 20, "{walked}");
    }

    fn token() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec![
            "{",
            "}",
            "[",
            "]",
            ",",
            ":",
            "\"",
            "null",
            "1",
            "\"x\"",
            "\"_given\"",
            "\"name\"",
            "\"id\"",
            "\"resourceType\"",
            "\"contained\"",
            " ",
            "\\",
            "\"\\u00e9\"",
            "{\"resourceType\":\"Patient\"}",
            "[null]",
            "[]",
            "{}",
            "true",
        ])
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]

        /// Lines close to valid resources: an insertion or a deletion anywhere.
        #[test]
        fn mutated_lines_read_the_same(
            base in prop::sample::select(CLEAN.to_vec()),
            at in 0usize..400,
            cut in 0usize..4,
            insert in token(),
        ) {
            let mut line = base.to_owned();
            let mut at = at.min(line.len());
            while !line.is_char_boundary(at) {
                at -= 1;
            }
            let end = (at + cut).min(line.len());
            if line.is_char_boundary(end) {
                line.replace_range(at..end, insert);
            }
            compare(line.as_bytes(), &Limits::default());
        }
    }
}
