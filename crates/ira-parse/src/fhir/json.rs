//! FHIR JSON and NDJSON.
//!
//! A resource is first read as an ordered list of `(member name, raw JSON)` pairs that
//! borrow from the input (`&RawValue`), so the byte offset of any member is a pointer
//! difference. A Bundle's entries are read the same way, so each entry resource gets its
//! own offset without a second pass; everything else becomes a `serde_json::Value`
//! (numbers kept as written: the workspace enables `arbitrary_precision`).

use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::table::{other_version, r4};
use super::{FhirFile, Resource, schema};
use crate::issue::{Issue, IssueCode};
use crate::location::{FileId, Location};

/// Reads a FHIR JSON file: one resource, or a Bundle (any type) whose entry resources
/// become resources of their own after the Bundle's shell.
pub fn read_json(bytes: &[u8], file: FileId) -> FhirFile {
    let mut b = Builder::new(bytes, file);
    let start = skip_bom(bytes);
    let body = &bytes[start..];
    if body.iter().all(u8::is_ascii_whitespace) {
        b.issue_at(IssueCode::InputEmpty, None, start, "no JSON content");
        return b.finish();
    }
    match serde_json::from_slice::<RawObject<'_>>(body) {
        Ok(obj) => {
            let offset = first_non_ws(bytes, start);
            b.object(obj, offset);
        }
        Err(e) => {
            let offset = error_offset(body, &e) + start;
            b.skipped += 1;
            b.issue_at(
                IssueCode::FhirInvalidJson,
                None,
                offset,
                &json_error_detail(&e),
            );
        }
    }
    b.finish()
}

/// Reads an NDJSON file (FHIR bulk data export): one resource a line. A line that is not
/// a JSON object is reported (`fhir-bad-ndjson-line`) and the next line is read; blank
/// lines are ignored.
pub fn read_ndjson(bytes: &[u8], file: FileId) -> FhirFile {
    let mut b = Builder::new(bytes, file);
    let mut lines = NdjsonLines::new(bytes);
    while let Some((offset, line)) = lines.next_line() {
        b.ndjson_line(offset, line);
    }
    b.finish()
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

fn first_non_ws(bytes: &[u8], from: usize) -> usize {
    bytes[from..]
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .map_or(from, |i| from + i)
}

/// Byte offset (in `body`) of a serde_json error: its column counts bytes from the line
/// start, and points just past the offending byte; a truncated text ends at its end.
pub(crate) fn error_offset(body: &[u8], e: &serde_json::Error) -> usize {
    if e.is_eof() {
        return body.len();
    }
    let mut line_start = 0;
    for _ in 1..e.line() {
        match memchr::memchr(b'\n', &body[line_start..]) {
            Some(i) => line_start += i + 1,
            None => break,
        }
    }
    (line_start + e.column().saturating_sub(1)).min(body.len())
}

/// A description of a JSON error that never quotes input (serde's data errors can).
pub(crate) fn json_error_detail(e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    match e.classify() {
        Category::Eof => "JSON ends early (truncated)".to_owned(),
        // Syntax messages are fixed texts ("expected `,` or `}`", "trailing characters").
        Category::Syntax => {
            let msg = e.to_string();
            let msg = msg.split(" at line ").next().unwrap_or("syntax error");
            format!("JSON syntax error: {msg}")
        }
        Category::Data => "not a JSON object (a resource is an object)".to_owned(),
        Category::Io => "read error".to_owned(),
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
pub(crate) struct Builder<'a> {
    bytes: &'a [u8],
    file: FileId,
    lines: LineCounter,
    next_message: u32,
    resources: Vec<Resource>,
    issues: Vec<Issue>,
    damaged: u32,
    pub(crate) skipped: u32,
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
        match serde_json::from_slice::<RawObject<'_>>(line) {
            Ok(obj) => self.object(obj, offset),
            Err(e) => {
                self.skipped += 1;
                let at = offset + error_offset(line, &e);
                self.issue_at(
                    IssueCode::FhirBadNdjsonLine,
                    None,
                    at,
                    &json_error_detail(&e),
                );
            }
        }
    }

    fn offset_of(&self, raw: &RawValue) -> usize {
        (raw.get().as_ptr() as usize).saturating_sub(self.bytes.as_ptr() as usize)
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

    /// Adds a resource read from `json`, with its schema issues.
    pub(crate) fn push(
        &mut self,
        resource_type: String,
        version: Option<&'static str>,
        json: Value,
        location: Location,
        bundle_shell: bool,
        mut issues: Vec<Issue>,
    ) -> usize {
        if let Some(v) = version {
            issues.push(Issue::new(
                IssueCode::FhirWrongVersion,
                location,
                format!("{resource_type} is a FHIR {v} resource type, not R4"),
            ));
        }
        let resource = Resource {
            resource_type,
            version: version.map(str::to_owned),
            json,
            location,
            bundle_shell,
        };
        if version.is_none() {
            schema::check_into(&resource, &mut issues);
        }
        if !issues.is_empty() {
            self.damaged += 1;
        }
        self.issues.append(&mut issues);
        self.resources.push(resource);
        self.resources.len() - 1
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

    /// Reads one resource object that starts at `offset`.
    fn object(&mut self, obj: RawObject<'_>, offset: usize) {
        let rt = obj
            .get("resourceType")
            .and_then(|r| serde_json::from_str::<&str>(r.get()).ok());
        let Some((rt, version)) = self.check_type(rt, offset) else {
            return;
        };
        let message = self.take_message();
        let location = self.location(Some(message), offset);
        if rt == "Bundle" && version.is_none() {
            self.bundle(obj, rt, location);
            return;
        }
        let json = Value::Object(obj.into_map());
        self.push(rt, version, json, location, false, Vec::new());
    }

    fn bundle(&mut self, obj: RawObject<'_>, rt: String, location: Location) {
        let first_entry = self.resources.len();
        let response_bundle = matches!(
            obj.get("type")
                .and_then(|r| serde_json::from_str::<&str>(r.get()).ok()),
            Some("batch-response" | "transaction-response")
        );
        let mut shell = Map::new();
        let mut issues = Vec::new();
        for (key, raw) in obj.0 {
            if key != "entry" {
                shell.insert(key, to_value(raw));
                continue;
            }
            let Ok(entries) = serde_json::from_str::<Vec<&RawValue>>(raw.get()) else {
                shell.insert(key, to_value(raw)); // not an array: the schema check says so
                continue;
            };
            let mut out = Vec::with_capacity(entries.len());
            for entry in entries {
                let Ok(entry_obj) = serde_json::from_str::<RawObject<'_>>(entry.get()) else {
                    out.push(to_value(entry));
                    continue;
                };
                let mut has_resource = false;
                let mut map = Map::new();
                for (ek, ev) in entry_obj.0 {
                    if ek == "resource" {
                        if let Ok(res) = serde_json::from_str::<RawObject<'_>>(ev.get()) {
                            has_resource = true;
                            let at = self.offset_of(ev);
                            self.object(res, at);
                            continue;
                        }
                    }
                    map.insert(ek, to_value(ev));
                }
                if !has_resource && !response_bundle && !method_without_body(&map) {
                    let at = self.offset_of(entry);
                    let loc = self.location(location.message, at);
                    issues.push(Issue::new(
                        IssueCode::FhirEntryWithoutResource,
                        loc,
                        format!("Bundle.entry[{}] has no resource", out.len()),
                    ));
                }
                out.push(Value::Object(map));
            }
            shell.insert(key, Value::Array(out));
        }
        self.push(rt, None, Value::Object(shell), location, true, issues);
        self.insert_shell_at(first_entry);
    }
}

/// Entries whose request is a GET, HEAD or DELETE carry no resource.
fn method_without_body(entry: &Map<String, Value>) -> bool {
    let method = entry
        .get("request")
        .and_then(|r| r.get("method"))
        .and_then(Value::as_str);
    matches!(method, Some("GET" | "HEAD" | "DELETE"))
}

fn to_value(raw: &RawValue) -> Value {
    // The raw text was already checked as JSON, so this cannot fail; Null just in case.
    let mut v = serde_json::from_str(raw.get()).unwrap_or(Value::Null);
    restore_exponents(raw.get(), &mut v);
    v
}

/// serde_json writes exponents its own way (`1E2` becomes `1e+2`) even with
/// `arbitrary_precision`. Numbers must stay as written, so when the text has a number
/// with an exponent, every number of the value is set back to its source text (the
/// numbers of a value and of its text come in the same order; with a duplicate member
/// name they may not, and then nothing is changed).
pub(crate) fn restore_exponents(text: &str, v: &mut Value) {
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

/// A JSON object as its members' raw texts, in order, borrowed from the input.
#[derive(Debug)]
pub(crate) struct RawObject<'a>(Vec<(String, &'a RawValue)>);

impl<'a> RawObject<'a> {
    fn get(&self, key: &str) -> Option<&'a RawValue> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| *v)
    }

    fn into_map(self) -> Map<String, Value> {
        self.0.into_iter().map(|(k, v)| (k, to_value(v))).collect()
    }
}

impl<'de> Deserialize<'de> for RawObject<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawObject<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut members = Vec::with_capacity(map.size_hint().unwrap_or(16));
                while let Some(k) = map.next_key::<String>()? {
                    let v: &'de RawValue = map.next_value()?;
                    members.push((k, v));
                }
                Ok(RawObject(members))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> {
                Err(serde::de::Error::custom(
                    "an array where a resource object was expected",
                ))
            }
        }
        d.deserialize_map(V)
    }
}
