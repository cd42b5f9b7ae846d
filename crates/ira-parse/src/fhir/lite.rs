//! A small strict JSON parser into a borrowed tree, and a walker over validated JSON text.
//!
//! Why not `serde_json::Value`: with `arbitrary_precision` and `preserve_order` it parses
//! at ~120 MB/s here, allocates a `String` per value, and rewrites exponents (`1E2`
//! becomes `1e+2`), while FHIR wants numbers exactly as written. This tree borrows every
//! string and number from the input (escapes are decoded only when a value is used) and
//! keeps the span of each value, which gives Bundle entry offsets for free.

use std::borrow::Cow;

use super::path::{PathTable, strip_plain};
use crate::hash::WordHash;

/// Nesting deeper than this is refused (as serde_json does), so recursion stays bounded.
pub(crate) const MAX_DEPTH: usize = 128;

/// A JSON value borrowed from its text.
#[derive(Debug)]
// Number and boolean payloads are read only by the reference tree walk in tests.
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) enum Node<'a> {
    Object(Vec<(Cow<'a, str>, Spanned<'a>)>),
    Array(Vec<Spanned<'a>>),
    /// The raw content between the quotes (escapes not decoded).
    String(&'a str),
    /// The number as written.
    Number(&'a str),
    Bool(bool),
    Null,
}

/// A value and its byte span in the parsed text.
#[derive(Debug)]
pub(crate) struct Spanned<'a> {
    pub node: Node<'a>,
    pub start: usize,
    pub end: usize,
}

impl<'a> Spanned<'a> {
    /// The member `key` of an object.
    pub fn get(&self, key: &str) -> Option<&Spanned<'a>> {
        match &self.node {
            Node::Object(m) => m.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The decoded string, if this is a string.
    pub fn as_str(&self) -> Option<Cow<'a, str>> {
        match self.node {
            Node::String(raw) => Some(unescape(raw)),
            _ => None,
        }
    }
}

/// Decodes the escapes of a validated JSON string's content.
pub(crate) fn unescape(raw: &str) -> Cow<'_, str> {
    if !raw.contains('\\') {
        return Cow::Borrowed(raw);
    }
    let quoted = format!("\"{raw}\"");
    // Validated when parsed, so this succeeds; fall back to the raw text just in case.
    match serde_json::from_str::<String>(&quoted) {
        Ok(s) => Cow::Owned(s),
        Err(_) => Cow::Borrowed(raw),
    }
}

/// A syntax error: byte offset in the text, whether the text ended early, what was wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SyntaxError {
    pub offset: usize,
    pub eof: bool,
    pub what: &'static str,
}

/// The `what` of a [`SyntaxError`] for nesting deeper than the limit.
pub(crate) const TOO_DEEP: &str = "nested deeper than the nesting limit";

/// Parses one JSON value filling all of `text` (surrounding whitespace allowed).
pub(crate) fn parse(text: &str) -> Result<Spanned<'_>, SyntaxError> {
    parse_limited(text, MAX_DEPTH)
}

/// [`parse`] refusing nesting deeper than `max_depth` (at most [`MAX_DEPTH`]) with
/// [`TOO_DEEP`].
pub(crate) fn parse_limited(text: &str, max_depth: usize) -> Result<Spanned<'_>, SyntaxError> {
    let mut p = Parser {
        s: text,
        b: text.as_bytes(),
        i: 0,
        max_depth: max_depth.min(MAX_DEPTH),
    };
    p.ws();
    let v = p.value(0)?;
    p.ws();
    if p.i < p.b.len() {
        return Err(p.err("trailing characters after the JSON value"));
    }
    Ok(v)
}

/// What can be read of a JSON object whose text has a syntax error: the members before
/// the error, and, when the error is inside the array of member `array_key`, that array
/// with its items complete before the error. Used to keep the entries of a damaged
/// Bundle. `None` if the text does not start as an object.
pub(crate) fn salvage_object<'a>(text: &'a str, array_key: &str) -> Option<Spanned<'a>> {
    let mut p = Parser {
        s: text,
        b: text.as_bytes(),
        i: 0,
        max_depth: MAX_DEPTH,
    };
    p.ws();
    let start = p.i;
    if p.peek() != Some(b'{') {
        return None;
    }
    p.i += 1;
    let mut members = Vec::new();
    loop {
        p.ws();
        if p.peek() != Some(b'"') {
            break;
        }
        let Ok(raw) = p.string() else { break };
        let key = unescape(raw);
        p.ws();
        if p.peek() != Some(b':') {
            break;
        }
        p.i += 1;
        p.ws();
        let vstart = p.i;
        if key == array_key && p.peek() == Some(b'[') {
            p.i += 1;
            let mut items = Vec::new();
            let mut broken = false;
            loop {
                p.ws();
                match p.value(2) {
                    Ok(v) => items.push(v),
                    Err(_) => {
                        broken = true;
                        break;
                    }
                }
                p.ws();
                match p.peek() {
                    Some(b',') => p.i += 1,
                    Some(b']') => {
                        p.i += 1;
                        break;
                    }
                    _ => {
                        broken = true;
                        break;
                    }
                }
            }
            let end = p.i;
            // An array left empty is left out (FHIR arrays are never empty).
            if !items.is_empty() {
                let node = Node::Array(items);
                members.push((
                    key,
                    Spanned {
                        node,
                        start: vstart,
                        end,
                    },
                ));
            }
            if broken {
                break;
            }
        } else {
            match p.value(1) {
                Ok(v) => members.push((key, v)),
                Err(_) => break,
            }
        }
        p.ws();
        match p.peek() {
            Some(b',') => p.i += 1,
            _ => break,
        }
    }
    Some(Spanned {
        node: Node::Object(members),
        start,
        end: p.i,
    })
}

#[derive(Clone)]
struct Parser<'a> {
    s: &'a str,
    b: &'a [u8],
    i: usize,
    max_depth: usize,
}

impl<'a> Parser<'a> {
    fn err(&self, what: &'static str) -> SyntaxError {
        SyntaxError {
            offset: self.i.min(self.b.len()),
            eof: self.i >= self.b.len(),
            what: if self.i >= self.b.len() {
                "JSON ends early (truncated)"
            } else {
                what
            },
        }
    }

    fn ws(&mut self) {
        while let Some(c) = self.b.get(self.i) {
            if matches!(c, b' ' | b'\t' | b'\n' | b'\r') {
                self.i += 1;
            } else {
                break;
            }
        }
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn value(&mut self, depth: usize) -> Result<Spanned<'a>, SyntaxError> {
        let start = self.i;
        let node = match self.peek() {
            Some(b'{') => self.object(depth)?,
            Some(b'[') => self.array(depth)?,
            Some(b'"') => Node::String(self.string()?),
            Some(b'-' | b'0'..=b'9') => Node::Number(self.number()?),
            Some(b't') => self.literal("true", Node::Bool(true))?,
            Some(b'f') => self.literal("false", Node::Bool(false))?,
            Some(b'n') => self.literal("null", Node::Null)?,
            _ => return Err(self.err("expected a value")),
        };
        Ok(Spanned {
            node,
            start,
            end: self.i,
        })
    }

    fn literal(&mut self, word: &'static str, node: Node<'a>) -> Result<Node<'a>, SyntaxError> {
        let end = self.i + word.len();
        if self.b.get(self.i..end) == Some(word.as_bytes()) {
            self.i = end;
            Ok(node)
        } else if self.b.len() < end && word.as_bytes().starts_with(&self.b[self.i..]) {
            self.i = self.b.len();
            Err(self.err(""))
        } else {
            Err(self.err("expected a value"))
        }
    }

    fn object(&mut self, depth: usize) -> Result<Node<'a>, SyntaxError> {
        if depth >= self.max_depth {
            return Err(self.err(TOO_DEEP));
        }
        self.i += 1;
        let mut members = Vec::new();
        self.ws();
        if self.peek() == Some(b'}') {
            self.i += 1;
            return Ok(Node::Object(members));
        }
        loop {
            self.ws();
            if self.peek() != Some(b'"') {
                return Err(self.err("expected a member name in quotes"));
            }
            let key = unescape(self.string()?);
            self.ws();
            if self.peek() != Some(b':') {
                return Err(self.err("expected `:`"));
            }
            self.i += 1;
            self.ws();
            let v = self.value(depth + 1)?;
            members.push((key, v));
            self.ws();
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b'}') => {
                    self.i += 1;
                    return Ok(Node::Object(members));
                }
                _ => return Err(self.err("expected `,` or `}`")),
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<Node<'a>, SyntaxError> {
        if depth >= self.max_depth {
            return Err(self.err(TOO_DEEP));
        }
        self.i += 1;
        let mut items = Vec::new();
        self.ws();
        if self.peek() == Some(b']') {
            self.i += 1;
            return Ok(Node::Array(items));
        }
        loop {
            self.ws();
            items.push(self.value(depth + 1)?);
            self.ws();
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b']') => {
                    self.i += 1;
                    return Ok(Node::Array(items));
                }
                _ => return Err(self.err("expected `,` or `]`")),
            }
        }
    }

    /// A string at `"`: returns its raw content, checked (escapes, no control characters).
    fn string(&mut self) -> Result<&'a str, SyntaxError> {
        self.i += 1;
        let start = self.i;
        let mut escaped = false;
        loop {
            let Some(j) = memchr::memchr2(b'"', b'\\', &self.b[self.i..]) else {
                self.i = self.b.len();
                return Err(self.err(""));
            };
            let run = &self.b[self.i..self.i + j];
            if has_control(run)
                && let Some(k) = run.iter().position(|&c| c < 0x20)
            {
                self.i += k;
                return Err(self.err("control character in a string"));
            }
            self.i += j;
            if self.b[self.i] == b'"' {
                break;
            }
            escaped = true;
            match self.b.get(self.i + 1) {
                Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => self.i += 2,
                Some(b'u') => {
                    let hex = self.b.get(self.i + 2..self.i + 6);
                    match hex {
                        Some(h) if h.iter().all(u8::is_ascii_hexdigit) => self.i += 6,
                        None => {
                            self.i = self.b.len();
                            return Err(self.err(""));
                        }
                        Some(_) => return Err(self.err("invalid \\u escape")),
                    }
                }
                None => {
                    self.i = self.b.len();
                    return Err(self.err(""));
                }
                Some(_) => return Err(self.err("invalid escape")),
            }
        }
        let raw = &self.s[start..self.i];
        self.i += 1;
        // Lone surrogates (`\ud800`) are refused by serde_json's decoder: check here, on
        // the rare strings with escapes, so that decoding later cannot fail.
        if escaped && serde_json::from_str::<String>(&self.s[start - 1..self.i]).is_err() {
            self.i = start - 1;
            return Err(self.err("invalid \\u escape (lone surrogate)"));
        }
        Ok(raw)
    }

    fn number(&mut self) -> Result<&'a str, SyntaxError> {
        let start = self.i;
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        match self.peek() {
            Some(b'0') => self.i += 1,
            Some(b'1'..=b'9') => self.digits(),
            None => return Err(self.err("")),
            _ => return Err(self.err("invalid number")),
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(self.err("invalid number"));
            }
            self.digits();
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(self.err("invalid number"));
            }
            self.digits();
        }
        Ok(&self.s[start..self.i])
    }

    fn digits(&mut self) {
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.i += 1;
        }
    }
}

/// Whether `b` holds a byte below 0x20, 16 bytes at a time without an early exit per
/// byte (so that the loop vectorises): every string byte of the input passes here.
fn has_control(b: &[u8]) -> bool {
    let mut blocks = b.chunks_exact(16);
    for block in &mut blocks {
        let mut m = 0u8;
        for &c in block {
            m |= u8::from(c < 0x20);
        }
        if m != 0 {
            return true;
        }
    }
    blocks.remainder().iter().any(|&c| c < 0x20)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_control_characters_anywhere() {
        let text = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOP";
        assert!(!has_control(text.as_bytes()));
        for at in 0..text.len() {
            let mut b = text.as_bytes().to_vec();
            b[at] = 0x1f;
            assert!(has_control(&b), "{at}");
            assert!(has_control(&b[..=at]), "{at}");
            assert!(!has_control(&b[at + 1..]), "{at}");
        }
    }

    #[test]
    fn parses_and_keeps_numbers_and_spans() {
        let t = r#" {"a": [1.50, -2E+3, true, null, "x\"y"], "b": {}} "#;
        let v = parse(t).unwrap();
        assert_eq!((v.start, v.end), (1, t.len() - 1));
        let a = v.get("a").unwrap();
        let Node::Array(items) = &a.node else {
            panic!()
        };
        assert!(matches!(items[0].node, Node::Number("1.50")));
        assert!(matches!(items[1].node, Node::Number("-2E+3")));
        assert_eq!(items[4].as_str().unwrap(), "x\"y");
        assert_eq!(&t[a.start..a.end], r#"[1.50, -2E+3, true, null, "x\"y"]"#);
    }

    #[test]
    fn errors_are_positioned() {
        let e = |t: &str| parse(t).unwrap_err();
        assert_eq!(e(r#"{"a" 1}"#).offset, 5);
        assert_eq!(e(r#"{"a": 1 "b": 2}"#).what, "expected `,` or `}`");
        assert!(e(r#"{"a": "x"#).eof);
        assert!(e(r#"{"a": tru"#).eof);
        assert_eq!(e(r#"{"a": 01}"#).what, "expected `,` or `}`");
        assert_eq!(e(r#"{"a": 1.}"#).what, "invalid number");
        assert_eq!(e(r#"{"a": "\q"}"#).what, "invalid escape");
        assert_eq!(
            e("{\"a\": \"\u{1}\"}").what,
            "control character in a string"
        );
        assert_eq!(
            e(r#"{"a": "\ud800"}"#).what,
            "invalid \\u escape (lone surrogate)"
        );
        assert_eq!(e("{} x").what, "trailing characters after the JSON value");
        assert_eq!(e(&"[".repeat(200)).what, TOO_DEEP);
        // Everything serde_json accepts, this accepts, and the reverse, on a sample.
        for t in [
            "1",
            "-0.0e-0",
            "\"\\u00e9\"",
            "[]",
            "{}",
            "[1,[2,{\"a\":null}]]",
        ] {
            assert!(parse(t).is_ok(), "{t}");
            assert!(serde_json::from_str::<serde_json::Value>(t).is_ok(), "{t}");
        }
    }
}

/// Walks validated JSON text without building a tree: calls `leaf` for every leaf with
/// its path, as [`crate::fhir::Resource::walk`] documents (the root's `resourceType`
/// skipped, `_name` under `name`, nulls inside arrays skipped). Text that is not valid
/// JSON ends the walk early; it never panics.
pub(crate) fn walk_text<'a>(
    text: &'a str,
    path: &mut String,
    leaf: &mut dyn FnMut(&str, Leaf<'a>, usize),
) {
    let mut w = TextWalker {
        s: text,
        b: text.as_bytes(),
        i: 0,
        leaf,
        muted: false,
    };
    w.ws();
    if w.peek() == Some(b'{') {
        let _ = w.object(path, true, 0);
    } else {
        let _ = w.value(path, 0, false);
    }
}

/// A leaf met by [`walk_text`].
#[derive(Debug)]
pub(crate) enum Leaf<'a> {
    String(&'a str),
    Number(&'a str),
    Bool(bool),
    Null,
}

struct TextWalker<'a, 'f> {
    s: &'a str,
    b: &'a [u8],
    i: usize,
    /// Called with the path, the leaf (borrowed from the text) and the leaf's byte offset
    /// in the text.
    leaf: &'f mut dyn FnMut(&str, Leaf<'a>, usize),
    muted: bool,
}

/// Malformed text: stop walking.
struct Stop;

impl<'a> TextWalker<'a, '_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    fn expect(&mut self, c: u8) -> Result<(), Stop> {
        self.ws();
        if self.peek() == Some(c) {
            self.i += 1;
            Ok(())
        } else {
            Err(Stop)
        }
    }

    /// The raw content of the string at `"`.
    fn string(&mut self) -> Result<&'a str, Stop> {
        self.i += 1;
        let start = self.i;
        loop {
            let j = memchr::memchr2(b'"', b'\\', self.b.get(self.i..).ok_or(Stop)?).ok_or(Stop)?;
            self.i += j;
            if self.b[self.i] == b'"' {
                let raw = self.s.get(start..self.i).ok_or(Stop)?;
                self.i += 1;
                return Ok(raw);
            }
            self.i += 2;
        }
    }

    fn object(&mut self, path: &mut String, root: bool, depth: usize) -> Result<(), Stop> {
        if depth > MAX_DEPTH {
            return Err(Stop);
        }
        self.expect(b'{')?;
        self.ws();
        if self.peek() == Some(b'}') {
            self.i += 1;
            return Ok(());
        }
        loop {
            self.ws();
            if self.peek() != Some(b'"') {
                return Err(Stop);
            }
            let raw_key = self.string()?;
            self.expect(b':')?;
            let key = unescape(raw_key);
            let len = path.len();
            if root && key == "resourceType" {
                self.skip(depth + 1)?;
            } else {
                path.push('.');
                match key.strip_prefix('_') {
                    Some(name) if !name.is_empty() => path.push_str(name),
                    _ => path.push_str(&key),
                }
                self.value(path, depth + 1, false)?;
                path.truncate(len);
            }
            self.ws();
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b'}') => {
                    self.i += 1;
                    return Ok(());
                }
                _ => return Err(Stop),
            }
        }
    }

    fn value(&mut self, path: &mut String, depth: usize, in_array: bool) -> Result<(), Stop> {
        self.ws();
        match self.peek().ok_or(Stop)? {
            b'{' => self.object(path, false, depth),
            b'[' => {
                if depth > MAX_DEPTH {
                    return Err(Stop);
                }
                self.i += 1;
                self.ws();
                if self.peek() == Some(b']') {
                    self.i += 1;
                    return Ok(());
                }
                let len = path.len();
                let mut n = 0usize;
                loop {
                    push_index(path, n);
                    self.value(path, depth + 1, true)?;
                    path.truncate(len);
                    n += 1;
                    self.ws();
                    match self.peek() {
                        Some(b',') => self.i += 1,
                        Some(b']') => {
                            self.i += 1;
                            return Ok(());
                        }
                        _ => return Err(Stop),
                    }
                }
            }
            b'"' => {
                let at = self.i;
                let raw = self.string()?;
                self.emit(path, Leaf::String(raw), at);
                Ok(())
            }
            b't' | b'f' | b'n' => {
                let (word, leaf): (&str, Leaf<'_>) = match self.b[self.i] {
                    b't' => ("true", Leaf::Bool(true)),
                    b'f' => ("false", Leaf::Bool(false)),
                    _ => ("null", Leaf::Null),
                };
                if !self.b[self.i..].starts_with(word.as_bytes()) {
                    return Err(Stop);
                }
                let at = self.i;
                self.i += word.len();
                // A null inside an array aligns a primitive array with its `_name` twin.
                if !(in_array && matches!(leaf, Leaf::Null)) {
                    self.emit(path, leaf, at);
                }
                Ok(())
            }
            _ => {
                let start = self.i;
                while matches!(
                    self.peek(),
                    Some(b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9')
                ) {
                    self.i += 1;
                }
                if start == self.i {
                    return Err(Stop);
                }
                let n = self.s.get(start..self.i).ok_or(Stop)?;
                self.emit(path, Leaf::Number(n), start);
                Ok(())
            }
        }
    }

    /// Skips a value without reporting it.
    fn skip(&mut self, depth: usize) -> Result<(), Stop> {
        let mut sink = String::new();
        self.muted = true;
        let r = self.value(&mut sink, depth, false);
        self.muted = false;
        r
    }

    fn emit(&mut self, path: &str, leaf: Leaf<'a>, at: usize) {
        if !self.muted {
            (self.leaf)(path, leaf, at);
        }
    }
}

fn push_index(path: &mut String, n: usize) {
    use std::fmt::Write as _;
    // Writing to a String cannot fail.
    let _ = write!(path, "[{n}]");
}

/// Reads the JSON text of a resource of R4 type `resource_type` in one pass, doing what
/// [`parse_limited`], the base-R4 shape check (`schema::check_tree`) and [`walk_text`]
/// do one after the other, without building a tree: `true` when the text parses under
/// `max_depth` and the shape check would find nothing; `leaf` has then had every leaf,
/// as [`walk_text`] gives them. `false` as soon as the text is not valid JSON, the shape
/// check would report something, or the text holds what this pass leaves to the tree
/// (a member name with an escape; a contained resource not opening with its
/// `resourceType`): the caller then reads the text the usual way, which reports what is
/// wrong, and drops the leaves given so far.
pub(crate) fn read_clean<'a>(
    text: &'a str,
    max_depth: usize,
    resource_type: &'a str,
    path: &mut String,
    paths: PathIds<'_>,
    leaf: &mut LeafSink<'a, '_>,
) -> bool {
    let mut r = OnePass {
        p: Parser {
            s: text,
            b: text.as_bytes(),
            i: 0,
            max_depth: max_depth.min(MAX_DEPTH),
        },
        ids: paths,
        leaf,
    };
    r.p.ws();
    if r.p.peek() != Some(b'{') {
        return false;
    }
    // Bases are the R4 table's own `'static` names: members are cached by them.
    let Some(rt) = super::table::r4().resource_type(resource_type) else {
        return false;
    };
    let root = Members {
        base: Some(rt),
        resource: true,
    };
    // The root is a member of nothing: its node is keyed by its type alone.
    let node = match r.ids.members.find(ROOT, None, false, resource_type) {
        NONE => Place::Fallback,
        i => Place::Known(i, 1),
    };
    if r.object(path, 0, true, root, node).is_err() {
        return false;
    }
    r.p.ws();
    r.p.i == r.p.b.len()
}

/// What [`read_clean`] uses to give each leaf the id of its path without indexes, kept
/// from resource to resource of a file: the member cache and the path table.
pub(crate) struct PathIds<'c> {
    pub members: &'c mut MemberCache,
    pub table: &'c mut PathTable,
    pub scratch: &'c mut String,
}

impl PathIds<'_> {
    /// The path id and innermost repetition of `path` the string way (strip the
    /// indexes, intern): what a leaf whose node is not cached gets.
    pub(crate) fn by_string(&mut self, path: &str) -> Option<(u32, u64)> {
        let rep = strip_plain(path, self.scratch)?;
        Some((self.table.intern(self.scratch)?, rep))
    }
}

/// Where a value sits among the members [`MemberCache`] knows.
#[derive(Clone, Copy)]
enum Place {
    /// The member at this index (its leaves' path id is cached there), and the value's
    /// innermost repetition (its innermost array index + 1, or 1), as `strip_plain`
    /// would find it in the path.
    Known(u32, u64),
    /// Not cached (a member name with a bracket, a hash collision, the cache full): the
    /// path id is found the string way, per leaf.
    Fallback,
}

impl Place {
    /// The innermost repetition, inherited by an object's members.
    fn rep(self) -> u64 {
        match self {
            Place::Known(_, rep) => rep,
            Place::Fallback => 1,
        }
    }
}

/// A leaf's consumer: its path, the leaf, its byte offset and its path's id and
/// innermost repetition (see [`read_clean`]).
pub(crate) type LeafSink<'a, 'f> = dyn FnMut(&str, Leaf<'a>, usize, Option<(u32, u64)>) + 'f;

/// No member (see [`MemberCache::find`]).
const NONE: u32 = u32::MAX;
/// The parent of a resource's root (see [`read_clean`]).
const ROOT: u32 = u32::MAX - 1;
/// [`Member::leaf`] not known yet.
const UNKNOWN: u32 = u32::MAX - 1;
/// [`Member::leaf`] known to be none (the path table is full).
const NO_ID: u32 = u32::MAX;
/// Members kept per cache, beyond which they are not cached (bounded memory).
const MAX_MEMBERS: usize = 1 << 16;

/// One object member met by [`read_clean`]: under which member (`parent`), checked
/// against which base (by address: the R4 table's `'static` names), in a resource or
/// not, with which key as written. What is derived from these is cached with it.
struct Member {
    parent: u32,
    base: usize,
    resource: bool,
    key: Box<str>,
    /// What the shape check expects of the member's value (`None`: the pass leaves the
    /// text to the tree).
    expect: Option<Expect>,
    /// The path id of the member's leaves ([`UNKNOWN`], [`NO_ID`]).
    leaf: u32,
    /// The member met after this one last time ([`NONE`]: not known).
    next: u32,
}

/// The members met by [`read_clean`], kept from resource to resource. Every resource of
/// a type repeats nearly the same members, so a member costs a lookup here (usually a
/// predicted one: the member that followed the previous one last time) instead of an R4
/// table lookup, and its leaves get their path id without stripping and hashing their
/// path. The key includes the parent member, so a member's path without indexes is
/// its parent's plus `.name`: the path id is found once, at its first leaf.
#[derive(Default)]
pub(crate) struct MemberCache {
    members: Vec<Member>,
    index: std::collections::HashMap<u64, u32, std::hash::BuildHasherDefault<WordHash>>,
    last: u32,
}

impl std::fmt::Debug for MemberCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemberCache")
            .field("members", &self.members.len())
            .finish()
    }
}

impl MemberCache {
    /// The index of member `key` of `parent` checked under `base`, added if new;
    /// [`NONE`] if it cannot be cached (another member with the same hash, or the cache
    /// full): the caller then derives its facts itself.
    fn find(&mut self, parent: u32, base: Option<&'static str>, resource: bool, key: &str) -> u32 {
        let b = base.map_or(0, |b| b.as_ptr() as usize);
        let same = |m: &Member| {
            m.parent == parent && m.base == b && m.resource == resource && *m.key == *key
        };
        let guess = self
            .members
            .get(self.last as usize)
            .map_or(NONE, |m| m.next);
        if self.members.get(guess as usize).is_some_and(same) {
            self.last = guess;
            return guess;
        }
        let h = {
            use std::hash::Hasher;
            let mut h = WordHash::default();
            h.write_u32(parent);
            h.write_usize(b);
            h.write_u8(u8::from(resource));
            h.write(key.as_bytes());
            h.finish()
        };
        let i = match self.index.get(&h) {
            Some(&i) if self.members.get(i as usize).is_some_and(same) => i,
            Some(_) => return NONE,
            None => {
                if self.members.len() >= MAX_MEMBERS {
                    return NONE;
                }
                let Ok(i) = u32::try_from(self.members.len()) else {
                    return NONE;
                };
                self.members.push(Member {
                    parent,
                    base: b,
                    resource,
                    key: key.into(),
                    expect: member_expect(base, resource, key),
                    leaf: UNKNOWN,
                    next: NONE,
                });
                self.index.insert(h, i);
                i
            }
        };
        if let Some(m) = self.members.get_mut(self.last as usize) {
            m.next = i;
        }
        self.last = i;
        i
    }
}

/// What the shape check expects of the value of member `key` of an object checked
/// under `base` (`resource`: the object is a resource); `None`: the pass leaves the text
/// to the tree (an element R4 does not define, the `_` form of a non-primitive).
fn member_expect(base: Option<&'static str>, resource: bool, key: &str) -> Option<Expect> {
    if resource && key == "resourceType" {
        return Some(Expect::Any); // not an element
    }
    let Some(base) = base else {
        return Some(Expect::Any);
    };
    let (name, twin) = split_twin(key);
    let (child, shape, cbase) = super::table::r4().children_of(base)?.get(name)?;
    let repeats = child.def.repeats();
    if twin {
        if shape == super::table::JsonShape::Object {
            return None; // `_` form of a non-primitive
        }
        return Some(Expect::Twin { repeats });
    }
    let resource = child.ty().unwrap_or("BackboneElement") == "Resource";
    Some(Expect::Element {
        repeats,
        item: ItemOf {
            shape,
            base: cbase,
            resource,
        },
    })
}

/// `_name` → (`name`, true): a primitive's id and extensions are walked under its name.
fn split_twin(key: &str) -> (&str, bool) {
    match key.strip_prefix('_') {
        Some(n) if !n.is_empty() => (n, true),
        _ => (key, false),
    }
}

/// What the shape check expects of a value (see `schema::Checker`).
#[derive(Clone, Copy)]
enum Expect {
    /// Not checked: anything goes.
    Any,
    /// The value of element member: an array of items if it repeats, else one item.
    Element { repeats: bool, item: ItemOf },
    /// One item of a repeating element.
    Item(ItemOf),
    /// The value of `_name`, a primitive's id and extensions: an object, or for a
    /// repeating primitive an array of objects and nulls.
    Twin { repeats: bool },
    /// One item of the array of a repeating primitive's `_name`.
    TwinItem,
}

/// What one item of an element must be: its JSON shape, and for an object where its
/// members are defined (`resource`: a resource, its members defined under its type).
#[derive(Clone, Copy)]
struct ItemOf {
    shape: super::table::JsonShape,
    base: Option<&'static str>,
    resource: bool,
}

/// How the members of an object are checked: under `base` (`None`: not checked);
/// `resource`: the object is a resource, its `resourceType` is not an element.
#[derive(Clone, Copy)]
struct Members {
    base: Option<&'static str>,
    resource: bool,
}

/// The text is not read in one pass (see [`read_clean`]).
struct Leave;

impl From<SyntaxError> for Leave {
    fn from(_: SyntaxError) -> Self {
        Leave
    }
}

struct OnePass<'a, 'f> {
    /// The parser whose token readers decide what is valid JSON, as [`parse`] does.
    p: Parser<'a>,
    ids: PathIds<'f>,
    leaf: &'f mut LeafSink<'a, 'f>,
}

impl<'a> OnePass<'a, '_> {
    /// An object at `{`, the value at `node`. `walk_root`:
    /// the resource itself, whose `resourceType` gives no leaf. Same grammar and depth
    /// limit as `Parser::object`.
    fn object(
        &mut self,
        path: &mut String,
        depth: usize,
        walk_root: bool,
        members: Members,
        node: Place,
    ) -> Result<(), Leave> {
        if depth >= self.p.max_depth {
            return Err(Leave);
        }
        self.p.i += 1;
        self.p.ws();
        if self.p.peek() == Some(b'}') {
            self.p.i += 1;
            return Ok(());
        }
        let base = members.base;
        loop {
            self.p.ws();
            if self.p.peek() != Some(b'"') {
                return Err(Leave);
            }
            let key = self.p.string()?;
            if key.contains('\\') {
                return Err(Leave);
            }
            self.p.ws();
            if self.p.peek() != Some(b':') {
                return Err(Leave);
            }
            self.p.i += 1;
            self.p.ws();
            let len = path.len();
            let is_type = members.resource && key == "resourceType";
            // A bracket in a name would read as an index in the path: such a member is
            // not cached, its leaves get their path id the string way.
            let found = match node {
                Place::Known(parent, _) if !key.contains('[') => {
                    self.ids.members.find(parent, base, members.resource, key)
                }
                _ => NONE,
            };
            let (expect, child) = match self.ids.members.members.get(found as usize) {
                Some(m) => (m.expect, Place::Known(found, node.rep())),
                None => (member_expect(base, members.resource, key), Place::Fallback),
            };
            let expect = expect.ok_or(Leave)?;
            let name = if is_type { key } else { split_twin(key).0 };
            path.push('.');
            path.push_str(name);
            // The root's `resourceType` is not a leaf (a contained resource's is).
            let muted = is_type && walk_root;
            self.value(path, depth + 1, false, muted, expect, child)?;
            path.truncate(len);
            self.p.ws();
            match self.p.peek() {
                Some(b',') => self.p.i += 1,
                Some(b'}') => {
                    self.p.i += 1;
                    return Ok(());
                }
                _ => return Err(Leave),
            }
        }
    }

    /// One value, at `node`: checked against `expect`,
    /// its leaves given unless `muted`.
    fn value(
        &mut self,
        path: &mut String,
        depth: usize,
        in_array: bool,
        muted: bool,
        expect: Expect,
        node: Place,
    ) -> Result<(), Leave> {
        use super::table::JsonShape;
        self.p.ws();
        let at = self.p.i;
        let c = self.p.peek().ok_or(Leave)?;
        // The shape of a scalar, checked before it is read.
        let scalar = match c {
            b'{' | b'[' => None,
            b'"' => Some(JsonShape::String),
            b'-' | b'0'..=b'9' => Some(JsonShape::Number),
            b't' | b'f' => Some(JsonShape::Boolean),
            b'n' => None,
            _ => return Err(Leave),
        };
        let null = c == b'n';
        match expect {
            Expect::Any => {}
            Expect::Element { repeats: true, .. } if c != b'[' => return Err(Leave),
            Expect::Element { repeats: false, .. } if c == b'[' => return Err(Leave),
            Expect::Element { repeats: true, .. } => {}
            Expect::Element {
                repeats: false,
                item,
            }
            | Expect::Item(item) => {
                // A null item of a primitive array aligns it with its `_name` twin.
                let aligned = null && in_array && item.shape != JsonShape::Object;
                let fits = match c {
                    b'{' => item.shape == JsonShape::Object,
                    _ => scalar == Some(item.shape),
                };
                if !fits && !aligned {
                    return Err(Leave);
                }
            }
            Expect::Twin { repeats } => {
                if (repeats && c != b'[') || (!repeats && c != b'{') {
                    return Err(Leave);
                }
            }
            Expect::TwinItem => {
                if c != b'{' && !null {
                    return Err(Leave);
                }
            }
        }
        match c {
            b'{' => {
                let members = match expect {
                    Expect::Any => Members {
                        base: None,
                        resource: false,
                    },
                    Expect::Element { item, .. } | Expect::Item(item) if item.resource => {
                        // A contained resource: checked under its type, which must open it.
                        let rt = self.leading_type().ok_or(Leave)?;
                        let rt = super::table::r4().resource_type(rt).ok_or(Leave)?;
                        Members {
                            base: Some(rt),
                            resource: true,
                        }
                    }
                    Expect::Element { item, .. } | Expect::Item(item) => Members {
                        base: item.base,
                        resource: false,
                    },
                    Expect::Twin { .. } | Expect::TwinItem => Members {
                        base: Some("Element"),
                        resource: false,
                    },
                };
                self.object(path, depth, false, members, node)
            }
            b'[' => {
                if depth >= self.p.max_depth {
                    return Err(Leave);
                }
                let inner = match expect {
                    Expect::Element { item, .. } => Expect::Item(item),
                    Expect::Twin { .. } => Expect::TwinItem,
                    _ => Expect::Any,
                };
                self.p.i += 1;
                self.p.ws();
                if self.p.peek() == Some(b']') {
                    // FHIR arrays are never empty (the shape check says so); a `_name`
                    // array may be.
                    if matches!(expect, Expect::Element { .. }) {
                        return Err(Leave);
                    }
                    self.p.i += 1;
                    return Ok(());
                }
                let len = path.len();
                let mut n = 0usize;
                loop {
                    push_index(path, n);
                    let item = match node {
                        Place::Known(m, _) => Place::Known(
                            m,
                            u64::try_from(n).map_or(u64::MAX, |n| n.saturating_add(1)),
                        ),
                        Place::Fallback => Place::Fallback,
                    };
                    self.value(path, depth + 1, true, muted, inner, item)?;
                    path.truncate(len);
                    n += 1;
                    self.p.ws();
                    match self.p.peek() {
                        Some(b',') => self.p.i += 1,
                        Some(b']') => {
                            self.p.i += 1;
                            return Ok(());
                        }
                        _ => return Err(Leave),
                    }
                }
            }
            b'"' => {
                let raw = self.p.string()?;
                self.emit(path, muted, Leaf::String(raw), at, node);
                Ok(())
            }
            b't' => {
                self.p.literal("true", Node::Bool(true))?;
                self.emit(path, muted, Leaf::Bool(true), at, node);
                Ok(())
            }
            b'f' => {
                self.p.literal("false", Node::Bool(false))?;
                self.emit(path, muted, Leaf::Bool(false), at, node);
                Ok(())
            }
            b'n' => {
                self.p.literal("null", Node::Null)?;
                // A null inside an array aligns a primitive array with its `_name` twin.
                if !in_array {
                    self.emit(path, muted, Leaf::Null, at, node);
                }
                Ok(())
            }
            _ => {
                let n = self.p.number()?;
                self.emit(path, muted, Leaf::Number(n), at, node);
                Ok(())
            }
        }
    }

    /// The `resourceType` of the object at `{`, when it is its first member, a string
    /// without escapes.
    fn leading_type(&self) -> Option<&'a str> {
        let mut q = self.p.clone();
        q.i += 1;
        q.ws();
        if q.peek() != Some(b'"') || q.string().ok()? != "resourceType" {
            return None;
        }
        q.ws();
        if q.peek() != Some(b':') {
            return None;
        }
        q.i += 1;
        q.ws();
        if q.peek() != Some(b'"') {
            return None;
        }
        q.string().ok().filter(|t| !t.contains('\\'))
    }

    /// Gives a leaf with its path's id and innermost repetition (`None`: no id, as
    /// the string way would give none).
    fn emit(&mut self, path: &str, muted: bool, leaf: Leaf<'a>, at: usize, node: Place) {
        if muted {
            return;
        }
        let facts = match node {
            Place::Known(i, rep) => {
                let id = match self.ids.members.members.get(i as usize).map(|m| m.leaf) {
                    Some(UNKNOWN) => {
                        let id = self.ids.by_string(path).map_or(NO_ID, |(id, _)| id);
                        if let Some(m) = self.ids.members.members.get_mut(i as usize) {
                            m.leaf = id;
                        }
                        id
                    }
                    Some(id) => id,
                    None => NO_ID,
                };
                (id != NO_ID).then_some((id, rep))
            }
            Place::Fallback => self.ids.by_string(path),
        };
        (self.leaf)(path, leaf, at, facts);
    }
}

/// Differential tests: this parser must accept exactly the texts serde_json accepts, and
/// read the same strings and numbers from them.
#[cfg(test)]
mod differential {
    use proptest::prelude::*;

    use super::{Node, Spanned, parse};

    /// Collects leaves as text (`"s:…"` decoded strings, `"n:…"` numbers as written).
    fn leaves(v: &Spanned<'_>, out: &mut Vec<String>) {
        match &v.node {
            Node::Object(m) => {
                for (k, x) in m {
                    out.push(format!("k:{k}"));
                    leaves(x, out);
                }
            }
            Node::Array(a) => a.iter().for_each(|x| leaves(x, out)),
            Node::String(_) => out.push(format!("s:{}", v.as_str().unwrap_or_default())),
            Node::Number(n) => out.push(format!("n:{n}")),
            Node::Bool(b) => out.push(format!("b:{b}")),
            Node::Null => out.push("null".to_owned()),
        }
    }

    fn serde_leaves(v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(m) => {
                for (k, x) in m {
                    out.push(format!("k:{k}"));
                    serde_leaves(x, out);
                }
            }
            serde_json::Value::Array(a) => a.iter().for_each(|x| serde_leaves(x, out)),
            serde_json::Value::String(s) => out.push(format!("s:{s}")),
            // arbitrary_precision keeps the number's text, except that it normalises
            // exponents; compare as f64 where the texts differ.
            serde_json::Value::Number(n) => out.push(format!("n:{n}")),
            serde_json::Value::Bool(b) => out.push(format!("b:{b}")),
            serde_json::Value::Null => out.push("null".to_owned()),
        }
    }

    fn same_number(a: &str, b: &str) -> bool {
        a == b || matches!((a.parse::<f64>(), b.parse::<f64>()), (Ok(x), Ok(y)) if x == y)
    }

    fn check(text: &str) -> Result<(), TestCaseError> {
        let ours = parse(text);
        let theirs = serde_json::from_str::<serde_json::Value>(text);
        prop_assert_eq!(
            ours.is_ok(),
            theirs.is_ok(),
            "acceptance differs on {:?}",
            text
        );
        if let (Ok(o), Ok(t)) = (ours, theirs) {
            let (mut a, mut b) = (Vec::new(), Vec::new());
            leaves(&o, &mut a);
            serde_leaves(&t, &mut b);
            // serde_json keeps the last of duplicate keys; compare only without them.
            if a.len() == b.len() {
                for (x, y) in a.iter().zip(&b) {
                    match (x.strip_prefix("n:"), y.strip_prefix("n:")) {
                        (Some(p), Some(q)) => prop_assert!(same_number(p, q), "{} vs {}", p, q),
                        _ => prop_assert_eq!(x, y),
                    }
                }
            }
        }
        Ok(())
    }

    fn token() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec![
            "{",
            "}",
            "[",
            "]",
            ",",
            ":",
            "\"a\"",
            "\"\\u00e9\"",
            "\"\\ud83d\\ude00\"",
            "\"\\ud800\"",
            "\"\\n\"",
            "\"\\x\"",
            "\"",
            "1",
            "-0",
            "01",
            "1.5",
            "1e2",
            "1E+2",
            "-",
            "1.",
            ".5",
            "true",
            "false",
            "null",
            "nul",
            " ",
            "\n",
            "\t",
            "é",
            "\u{1}",
        ])
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn accepts_what_serde_json_accepts(tokens in prop::collection::vec(token(), 1..14)) {
            check(&tokens.concat())?;
        }

        #[test]
        fn agrees_on_mutations_of_valid_json(
            v in prop::collection::vec(token(), 1..6),
            at in 0usize..64,
            byte in prop::sample::select(vec![b'"', b'\\', b',', b'}', b']', b'0', b'e', b' ']),
        ) {
            let base = format!("{{\"k\":[{}],\"n\":1.50,\"s\":\"x\\\"y\"}}", v.join(","));
            let mut bytes = base.into_bytes();
            let at = at.min(bytes.len());
            bytes.insert(at, byte);
            if let Ok(text) = String::from_utf8(bytes) {
                check(&text)?;
            }
        }
    }
}
