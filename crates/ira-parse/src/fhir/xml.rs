//! FHIR XML, converted to the JSON form so that both give the same paths and values.
//!
//! XML does not say which elements repeat nor which values are numbers or booleans; the
//! R4 element table does. `<given value="A"/>` becomes `"given": ["A"]`, `<value
//! value="7.50"/>` of a Quantity the number `7.50` (as written), a primitive's children
//! (`extension`, the `id` attribute) its `_name` twin, `<div>` (narrative XHTML) one
//! string with its markup as written, and a resource inside `<contained>` or `<resource>`
//! an object with its `resourceType`.

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::QName;
use serde_json::{Map, Value};

use super::FhirFile;
use super::json::Builder;
use super::table::{JsonShape, json_shape, r4};
use crate::issue::{Issue, IssueCode};
use crate::location::FileId;

const FHIR_NS: &[u8] = b"http://hl7.org/fhir";

/// Deeper XML is refused, as serde_json refuses JSON nested deeper than 128: the
/// converted value is walked and dropped recursively.
const MAX_DEPTH: usize = 120;

/// Reads a FHIR XML file: one resource, or a Bundle whose entry resources become
/// resources of their own after the Bundle's shell. Ill-formed XML ends the reading at
/// the error (`fhir-invalid-xml`, positioned); the entries of a Bundle completed before
/// it still come through.
pub fn read_xml(bytes: &[u8], file: FileId) -> FhirFile {
    read_xml_with(bytes, file, &crate::limits::Limits::default())
}

/// [`read_xml`] under explicit [`Limits`](crate::limits::Limits): elements nested
/// deeper than half of `max_json_depth` (their JSON form nests about twice as deep, an
/// array level per repeating element) end the reading with `fhir-limit-depth`.
pub fn read_xml_with(bytes: &[u8], file: FileId, limits: &crate::limits::Limits) -> FhirFile {
    let mut b = Builder::new(bytes, file);
    b.limits = *limits;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        b.issue_at(IssueCode::InputEmpty, None, 0, "no XML content");
        return b.finish();
    }
    let mut c = Converter {
        reader: Reader::from_reader(bytes),
        bytes,
        stack: Vec::new(),
        root: None,
        entry_offsets: Vec::new(),
        notes: Vec::new(),
        max_depth: (limits.json_depth() / 2).clamp(1, MAX_DEPTH),
        too_deep: false,
    };
    let result = c.run();
    let too_deep = c.too_deep;
    let Converter {
        root,
        stack,
        entry_offsets,
        notes,
        ..
    } = c;
    let mut damaged_root = None;
    if let Err((offset, detail)) = result {
        let code = if too_deep {
            IssueCode::FhirLimitDepth
        } else {
            IssueCode::FhirInvalidXml
        };
        b.issue_at(code, None, offset, &detail);
        // Salvage the entries of a Bundle completed before the error; an entry resource
        // being read when the error came is lost.
        let partial = stack.len() > 1;
        if stack.is_empty() && root.is_none() {
            b.skipped += 1; // nothing could be read
        }
        if let Some(Frame {
            kind: Kind::Resource(rt),
            map,
            offset,
            ..
        }) = stack.into_iter().next()
        {
            if rt == "Bundle" {
                if partial {
                    b.skipped += 1;
                }
                damaged_root = Some((rt, map, offset));
            } else {
                b.skipped += 1;
            }
        }
    }
    let root = root.or(damaged_root);
    if let Some((rt, map, offset)) = root {
        b.xml_resource(rt, Value::Object(map), offset, entry_offsets, notes);
    }
    b.finish()
}

impl Builder<'_> {
    /// Adds the resource converted from XML (and, for a Bundle, its entry resources).
    fn xml_resource(
        &mut self,
        rt: String,
        json: Value,
        offset: usize,
        entry_offsets: Vec<usize>,
        notes: Vec<(usize, String)>,
    ) {
        let Some((rt, version)) = self.check_type(Some(&rt), offset) else {
            return;
        };
        let message = self.take_message();
        let location = self.location(Some(message), offset);
        let mut issues = Vec::new();
        for (at, detail) in notes {
            let loc = self.location(Some(message), at);
            issues.push(Issue::new(IssueCode::FhirSchema, loc, detail));
        }
        if rt != "Bundle" || version.is_some() {
            self.push_value(rt, version, &json, location, false, issues);
            return;
        }
        let mut shell = json;
        let first_entry = self.resources_len();
        let mut offsets = entry_offsets.into_iter();
        let response = matches!(
            shell.get("type").and_then(Value::as_str),
            Some("batch-response" | "transaction-response")
        );
        if let Some(Value::Array(entries)) = shell.get_mut("entry") {
            for (i, entry) in entries.iter_mut().enumerate() {
                let Value::Object(entry) = entry else {
                    continue;
                };
                match entry.shift_remove("resource") {
                    Some(Value::Object(res)) => {
                        let at = offsets.next().unwrap_or(offset);
                        let rt = res
                            .get("resourceType")
                            .and_then(Value::as_str)
                            .map(str::to_owned);
                        if rt.as_deref() == Some("Bundle") {
                            // A Bundle in a Bundle is split too (its entries are located
                            // at it), as in JSON.
                            let res = Value::Object(res);
                            let rt = "Bundle".to_owned();
                            self.xml_resource(rt, res, at, Vec::new(), Vec::new());
                            continue;
                        }
                        let Some((rt, version)) = self.check_type(rt.as_deref(), at) else {
                            continue;
                        };
                        let m = self.take_message();
                        let loc = self.location(Some(m), at);
                        let res = Value::Object(res);
                        self.push_value(rt, version, &res, loc, false, Vec::new());
                    }
                    Some(other) => {
                        entry.insert("resource".to_owned(), other);
                    }
                    None => {
                        let method = entry
                            .get("request")
                            .and_then(|r| r.get("method"))
                            .and_then(Value::as_str);
                        if !response && !matches!(method, Some("GET" | "HEAD" | "DELETE")) {
                            issues.push(Issue::new(
                                IssueCode::FhirEntryWithoutResource,
                                location,
                                format!("Bundle.entry[{i}] has no resource"),
                            ));
                        }
                    }
                }
            }
        }
        self.push_value(rt, None, &shell, location, true, issues);
        self.insert_shell_at(first_entry);
    }
}

#[derive(Debug)]
enum Kind {
    /// A resource element (`<Patient>`): its children are defined under its type.
    Resource(String),
    /// An element with children defined under `base` (`None`: unknown element).
    Object(Option<&'static str>),
    /// A primitive: its value, and its children (id, extension) in `map`.
    Primitive(Option<Value>),
    /// `<contained>`, `<resource>`: holds one resource.
    Holder(Option<Value>),
}

#[derive(Debug)]
struct Frame {
    /// The JSON member name (the XML local name).
    name: String,
    kind: Kind,
    repeats: bool,
    map: Map<String, Value>,
    offset: usize,
}

struct Converter<'a> {
    reader: Reader<&'a [u8]>,
    bytes: &'a [u8],
    stack: Vec<Frame>,
    /// The finished root resource: type, members, start offset.
    root: Option<(String, Map<String, Value>, usize)>,
    /// Offsets of the resources of the root Bundle's entries, in order.
    entry_offsets: Vec<usize>,
    /// Shape problems met while converting (offset, detail), reported as `fhir-schema`.
    notes: Vec<(usize, String)>,
    /// Element nesting limit (from `Limits::max_json_depth`).
    max_depth: usize,
    /// The error returned was the nesting limit.
    too_deep: bool,
}

type XmlError = (usize, String);

fn xml_error_detail(e: &quick_xml::Error) -> String {
    use quick_xml::Error as E;
    // Fixed texts: some quick-xml messages quote input.
    match e {
        E::Syntax(s) => format!("XML syntax error: {s}"),
        E::IllFormed(_) => "ill-formed XML: a start or end tag is missing or mismatched".to_owned(),
        E::InvalidAttr(_) => "ill-formed XML attribute".to_owned(),
        E::Encoding(_) => "text is not valid UTF-8".to_owned(),
        E::Escape(_) => "invalid character or entity reference".to_owned(),
        E::Namespace(_) => "invalid namespace declaration".to_owned(),
        E::Io(_) => "read error".to_owned(),
    }
}

impl Converter<'_> {
    fn run(&mut self) -> Result<(), XmlError> {
        loop {
            let start = usize::try_from(self.reader.buffer_position()).unwrap_or(usize::MAX);
            let ev = self.reader.read_event().map_err(|e| {
                let at = usize::try_from(self.reader.error_position()).unwrap_or(start);
                (at.min(self.bytes.len()), xml_error_detail(&e))
            })?;
            match ev {
                Event::Start(e) => self.start(&e, start, false)?,
                Event::Empty(e) => self.start(&e, start, true)?,
                Event::End(_) => self.end(),
                Event::Text(t) => {
                    if !t.iter().all(u8::is_ascii_whitespace) {
                        self.text_note(start);
                    }
                }
                Event::CData(_) | Event::GeneralRef(_) => self.text_note(start),
                Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
                Event::Eof => {
                    if let Some(f) = self.stack.last() {
                        let detail = format!("XML ends inside <{}> (truncated)", f.name);
                        return Err((self.bytes.len(), detail));
                    }
                    if self.root.is_none() {
                        return Err((start, "no root element".to_owned()));
                    }
                    return Ok(());
                }
            }
        }
    }

    fn text_note(&mut self, at: usize) {
        if self.stack.is_empty() && self.root.is_none() {
            self.notes
                .push((at, "text before the root element".to_owned()));
        } else {
            self.notes
                .push((at, "text content where FHIR XML has none".to_owned()));
        }
    }

    fn start(&mut self, e: &BytesStart<'_>, offset: usize, empty: bool) -> Result<(), XmlError> {
        if self.stack.len() >= self.max_depth {
            self.too_deep = true;
            let detail = format!(
                "elements nested deeper than the limit of {} levels; not read",
                self.max_depth
            );
            return Err((offset, detail));
        }
        let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
        let mut value_attr = None;
        let mut id = None;
        let mut url = None;
        let mut xmlns = None;
        for a in e.attributes() {
            let a = a.map_err(|_| (offset, "ill-formed XML attribute".to_owned()))?;
            let v = a
                .unescape_value()
                .map_err(|_| (offset, "invalid character or entity reference".to_owned()))?
                .into_owned();
            match a.key.as_ref() {
                b"value" => value_attr = Some(v),
                b"id" => id = Some(v),
                b"url" => url = Some(v),
                b"xmlns" => xmlns = Some(v),
                k if k.starts_with(b"xmlns:") => {}
                _ => self
                    .notes
                    .push((offset, format!("<{name}>: unknown attribute"))),
            }
        }

        let child = match self.stack.last().map(|f| &f.kind) {
            None if self.root.is_some() => {
                return Err((offset, "a second root element".to_owned()));
            }
            None | Some(Kind::Holder(_)) => {
                if self.stack.is_empty() && xmlns.as_deref().map(str::as_bytes) != Some(FHIR_NS) {
                    self.notes
                        .push((offset, "root element not in the FHIR namespace".to_owned()));
                }
                if self.is_root_bundle_entry() {
                    self.entry_offsets.push(offset);
                }
                ChildKind::Resource
            }
            Some(Kind::Resource(rt)) => {
                let base = rt.clone();
                self.child_kind(&base, &name)
            }
            Some(Kind::Object(Some(base))) => {
                let base: &'static str = base;
                self.child_kind(base, &name)
            }
            Some(Kind::Primitive(_)) => self.child_kind("Element", &name),
            Some(Kind::Object(None)) => ChildKind::Object(None, false),
        };
        let (kind, repeats) = match child {
            ChildKind::Div => {
                let end = if empty {
                    self.reader.buffer_position()
                } else {
                    let end_name = e.name().as_ref().to_vec();
                    self.reader
                        .read_to_end(QName(&end_name))
                        .map_err(|err| (offset, xml_error_detail(&err)))?;
                    self.reader.buffer_position()
                };
                let end = usize::try_from(end)
                    .unwrap_or(self.bytes.len())
                    .min(self.bytes.len());
                let xhtml = String::from_utf8_lossy(&self.bytes[offset..end]).into_owned();
                if let Some(parent) = self.stack.last_mut() {
                    parent.map.insert(name, Value::String(xhtml));
                }
                return Ok(());
            }
            ChildKind::Resource => {
                let mut map = Map::new();
                map.insert("resourceType".to_owned(), Value::String(name.clone()));
                self.push(Frame {
                    kind: Kind::Resource(name.clone()),
                    name,
                    repeats: false,
                    map,
                    offset,
                });
                if let Some(id) = id {
                    self.top_insert("id", id);
                }
                self.note_value_attr(value_attr, offset);
                if empty {
                    self.end();
                }
                return Ok(());
            }
            ChildKind::Holder(r) => (Kind::Holder(None), r),
            ChildKind::Object(base, r) => (Kind::Object(base), r),
            ChildKind::Primitive(shape, r) => {
                let v = value_attr.take().map(|v| primitive(v, shape));
                (Kind::Primitive(v), r)
            }
        };
        let unknown = matches!(kind, Kind::Object(None));
        self.push(Frame {
            name,
            kind,
            repeats,
            map: Map::new(),
            offset,
        });
        if let Some(id) = id {
            self.top_insert("id", id);
        }
        if let Some(url) = url {
            self.top_insert("url", url);
        }
        if unknown {
            if let Some(v) = value_attr {
                self.top_insert("value", v);
            }
        } else {
            self.note_value_attr(value_attr, offset);
        }
        if empty {
            self.end();
        }
        Ok(())
    }

    fn push(&mut self, f: Frame) {
        self.stack.push(f);
    }

    fn top_insert(&mut self, key: &str, v: String) {
        if let Some(f) = self.stack.last_mut() {
            f.map.insert(key.to_owned(), Value::String(v));
        }
    }

    fn note_value_attr(&mut self, v: Option<String>, offset: usize) {
        if v.is_some() {
            let name = self.stack.last().map_or("", |f| f.name.as_str());
            let detail = format!("<{name}>: value attribute on a non-primitive element");
            self.notes.push((offset, detail));
        }
    }

    fn is_root_bundle_entry(&self) -> bool {
        matches!(
            self.stack.as_slice(),
            [Frame { kind: Kind::Resource(rt), .. }, entry, res]
                if rt == "Bundle" && entry.name == "entry" && res.name == "resource"
        )
    }

    fn child_kind(&mut self, base: &str, name: &str) -> ChildKind {
        let table = r4();
        let Some(child) = table.child(base, name) else {
            return ChildKind::Object(None, false);
        };
        let repeats = child.def.repeats();
        let ty = child.ty().unwrap_or("BackboneElement");
        if ty == "Resource" {
            return ChildKind::Holder(repeats);
        }
        if ty == "xhtml" {
            return ChildKind::Div;
        }
        match json_shape(ty) {
            JsonShape::Object => ChildKind::Object(table.children_base(&child), repeats),
            shape => ChildKind::Primitive(shape, repeats),
        }
    }

    fn end(&mut self) {
        let Some(f) = self.stack.pop() else {
            return;
        };
        let Frame {
            name,
            kind,
            repeats,
            map,
            offset,
        } = f;
        let (value, twin) = match kind {
            Kind::Resource(rt) => {
                match self.stack.last_mut() {
                    None => self.root = Some((rt, map, offset)),
                    Some(Frame {
                        kind: Kind::Holder(slot),
                        ..
                    }) => {
                        if slot.is_some() {
                            let detail = "more than one resource in one holder element".to_owned();
                            self.notes.push((offset, detail));
                        }
                        *slot = Some(Value::Object(map));
                    }
                    Some(_) => {}
                }
                return;
            }
            Kind::Holder(v) => {
                if v.is_none() {
                    self.notes
                        .push((offset, format!("<{name}> holds no resource")));
                }
                (Some(v.unwrap_or_else(|| Value::Object(Map::new()))), None)
            }
            Kind::Object(None) if map.len() == 1 && map.contains_key("value") => {
                (map.into_iter().next().map(|(_, v)| v), None)
            }
            Kind::Object(_) => (Some(Value::Object(map)), None),
            Kind::Primitive(v) => (v, (!map.is_empty()).then_some(map)),
        };
        let Some(parent) = self.stack.last_mut() else {
            return;
        };
        let target = &mut parent.map;
        if repeats {
            let arr = target
                .entry(name.clone())
                .or_insert_with(|| Value::Array(Vec::new()));
            let Value::Array(arr) = arr else {
                return;
            };
            let idx = arr.len();
            arr.push(value.unwrap_or(Value::Null));
            if let Some(t) = twin {
                let tw = target
                    .entry(format!("_{name}"))
                    .or_insert_with(|| Value::Array(Vec::new()));
                if let Value::Array(tw) = tw {
                    tw.resize(idx, Value::Null);
                    tw.push(Value::Object(t));
                }
            }
            return;
        }
        if target.contains_key(&name) || target.contains_key(&format!("_{name}")) {
            self.notes.push((
                offset,
                format!("<{name}> repeated where one is allowed (max 1)"),
            ));
            return;
        }
        if let Some(v) = value {
            target.insert(name.clone(), v);
        }
        if let Some(t) = twin {
            target.insert(format!("_{name}"), Value::Object(t));
        }
    }
}

enum ChildKind {
    Resource,
    Div,
    Holder(bool),
    Object(Option<&'static str>, bool),
    Primitive(JsonShape, bool),
}

/// An XML `value` attribute as the JSON value the element's type calls for; kept a string
/// when it is not a valid JSON number or boolean (the shape check then reports it).
fn primitive(v: String, shape: JsonShape) -> Value {
    match shape {
        JsonShape::Boolean if v == "true" => Value::Bool(true),
        JsonShape::Boolean if v == "false" => Value::Bool(false),
        JsonShape::Number
            if !v.bytes().any(|c| c.is_ascii_whitespace())
                && serde_json::from_str::<serde_json::Number>(&v).is_ok() =>
        {
            Value::Number(serde_json::Number::from_string_unchecked(v))
        }
        _ => Value::String(v),
    }
}
