//! One HL7 v2 message: its bytes, segment index, identity, issues, and lazy splitting.

use std::borrow::Cow;

use super::escape::{self, EscapeProblem};
use super::path::V2Path;
use super::reader::BatchContext;
use super::{Charset, Delimiters, Encoding};
use crate::issue::{Issue, IssueCode, Severity};
use crate::location::{FileId, Location};
use crate::model::{ElementPath, Item, Sample, SampleInfo, Standard, TypeHint, Value};

/// Where a segment lies in its message's bytes (content only, without terminator).
#[derive(Clone, Copy, Debug)]
pub(crate) struct SegSpan {
    pub start: usize,
    pub end: usize,
    pub line: u32,
}

/// Per-segment facts computed once when the message is read.
#[derive(Clone, Copy, Debug)]
struct SegInfo {
    span: SegSpan,
    /// Three-byte name, when the name is well formed.
    name: Option<[u8; 3]>,
    occurrence: u32,
    /// Printable ASCII without the escape character: each value is its own text.
    plain: bool,
}

/// One leaf value of a message, as [`Message::for_each_leaf`] gives it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Leaf<'a> {
    pub path: V2Path,
    /// The value as it stands in the file (escapes not decoded: [`Encoding::decode`]
    /// with [`Message::encoding`], or [`Message::item`]).
    pub raw: &'a [u8],
    /// Byte offset of `raw` from the start of the file.
    pub offset: u64,
    /// The line it is on.
    pub line: u32,
    /// `raw` is printable ASCII without the escape character: its own text in every
    /// charset (see [`Value::plain_bytes`]).
    pub plain: bool,
}

/// A range within the message's bytes.
type Span = (usize, usize);

/// One HL7 v2 message, borrowed from the file's bytes.
#[derive(Clone, Debug)]
pub struct Message<'a> {
    number: u32,
    file: FileId,
    offset: usize,
    line: u32,
    bytes: &'a [u8],
    encoding: Encoding,
    segs: Vec<SegInfo>,
    issues: Vec<Issue>,
    usable: bool,
    batch: Option<BatchContext<'a>>,
    msg_type: Option<Span>,
    trigger: Option<Span>,
    structure: Option<Span>,
    version: Option<Span>,
    control_id: Option<Span>,
}

/// One segment of a [`Message`].
#[derive(Clone, Copy, Debug)]
pub struct Segment<'m> {
    bytes: &'m [u8],
    name: &'m [u8],
    well_formed: bool,
    occurrence: u32,
    location: Location,
    field_sep: u8,
}

impl<'m> Segment<'m> {
    /// The segment id as written (`PID`; possibly malformed, see [`Self::is_well_formed`]).
    pub fn name(&self) -> &'m [u8] {
        self.name
    }

    /// The segment id as text, if it is three upper-case letters or digits.
    pub fn name_str(&self) -> Option<&'m str> {
        if self.well_formed {
            std::str::from_utf8(self.name).ok()
        } else {
            None
        }
    }

    /// False if the name is not three upper-case letters or digits.
    pub fn is_well_formed(&self) -> bool {
        self.well_formed
    }

    /// The segment's bytes, without its terminator.
    pub fn bytes(&self) -> &'m [u8] {
        self.bytes
    }

    /// 1-based occurrence of this segment id in the message (0 for malformed names).
    pub fn occurrence(&self) -> u32 {
        self.occurrence
    }

    /// Where the segment starts.
    pub fn location(&self) -> Location {
        self.location
    }

    /// Fields with their 1-based numbers, raw (`MSH-1` is the separator, `MSH-2` the
    /// encoding characters).
    pub fn fields(&self) -> impl Iterator<Item = (u16, &'m [u8])> + 'm {
        let fs = self.field_sep;
        let bytes = self.bytes;
        let header = self.name == b"MSH";
        let start = memchr::memchr(fs, bytes).map(|i| i + 1);
        let first = if header { 2u16 } else { 1 };
        let sep = header.then(|| bytes.get(3..4)).flatten().map(|b| (1u16, b));
        let rest = start.map(|s| {
            bytes[s..]
                .split(move |&b| b == fs)
                .enumerate()
                .map(move |(i, f)| (first.saturating_add(i as u16), f))
        });
        sep.into_iter().chain(rest.into_iter().flatten())
    }

    /// Field `n` (1-based), raw.
    pub fn field(&self, n: u16) -> Option<&'m [u8]> {
        self.fields().find(|&(i, _)| i == n).map(|(_, f)| f)
    }
}

fn is_control(b: u8) -> bool {
    (b < 0x20 && b != b'\t') || b == 0x7F
}

/// Branch-free (vectorisable) test for [`is_control`] bytes.
fn has_control(seg: &[u8]) -> bool {
    seg.iter()
        .fold(0u8, |acc, &b| acc | u8::from(is_control(b)))
        != 0
}

/// Whether every byte of `seg` is printable ASCII (0x20–0x7E) and none is the escape
/// character: then no charset, control byte or escape check can find anything.
/// Eight bytes at a time (SWAR): segments are short, and a vectorised loop spent most
/// of its time in its byte-by-byte tail.
pub(crate) fn plain_ascii(seg: &[u8], escape: Option<u8>) -> bool {
    const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    const ONES: u64 = 0x0101_0101_0101_0101;
    // No escape character declared: look for a byte that cannot be there (0x7F is
    // flagged anyway).
    let esc = ONES * u64::from(escape.unwrap_or(0x7F));
    let word_flags = |x: u64| {
        let y = x & LOW7;
        let not_ascii = x;
        let below_space = !(y + ONES * 0x60);
        let del = y + ONES;
        let e = x ^ esc;
        let is_esc = !(((e & LOW7) + LOW7) | e | LOW7);
        ((not_ascii | below_space | del) & HIGH) | is_esc
    };
    let mut words = seg.chunks_exact(8);
    let mut flags = 0u64;
    for w in words.by_ref() {
        let mut a = [0u8; 8];
        a.copy_from_slice(w);
        flags |= word_flags(u64::from_le_bytes(a));
    }
    // The tail, padded with a printable byte that is never the escape character.
    let rest = words.remainder();
    let pad = if escape == Some(b'A') { b'B' } else { b'A' };
    let mut a = [pad; 8];
    a[..rest.len()].copy_from_slice(rest);
    flags |= word_flags(u64::from_le_bytes(a));
    flags == 0
}

fn well_formed_name(name: &[u8]) -> Option<[u8; 3]> {
    match name {
        [a, b, c]
            if [a, b, c]
                .iter()
                .all(|x| x.is_ascii_uppercase() || x.is_ascii_digit()) =>
        {
            Some([*a, *b, *c])
        }
        _ => None,
    }
}

/// Delimiter classes for the one-pass leaf splitter.
const NONE: u8 = 0;
const SUB: u8 = 1;
const COMP: u8 = 2;
const REP: u8 = 3;
const FIELD: u8 = 4;
const END: u8 = 5;

fn class_table(d: &Delimiters) -> [u8; 256] {
    let mut t = [NONE; 256];
    if let Some(s) = d.subcomponent {
        t[s as usize] = SUB;
    }
    t[d.component as usize] = COMP;
    t[d.repetition as usize] = REP;
    t[d.field as usize] = FIELD;
    t
}

impl<'a> Message<'a> {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        bytes: &'a [u8],
        file: FileId,
        number: u32,
        offset: usize,
        line: u32,
        spans: Vec<SegSpan>,
        extra: Vec<Issue>,
        batch: Option<BatchContext<'a>>,
    ) -> Self {
        let mut m = Message {
            number,
            file,
            offset,
            line,
            bytes,
            encoding: Encoding::default(),
            segs: Vec::with_capacity(spans.len()),
            issues: Vec::new(),
            usable: true,
            batch,
            msg_type: None,
            trigger: None,
            structure: None,
            version: None,
            control_id: None,
        };
        let msh_end = spans.first().map_or(0, |s| s.end);
        match Delimiters::from_header(&bytes[..msh_end]) {
            Err(e) => {
                m.usable = false;
                let loc = m.loc(3.min(msh_end), line);
                let issue = Issue::new(
                    IssueCode::V2BadDelimiters,
                    loc,
                    format!("MSH: {e}; message skipped"),
                );
                m.issues.push(issue);
                m.segs = spans
                    .into_iter()
                    .map(|span| SegInfo {
                        span,
                        name: None,
                        occurrence: 0,
                        plain: false,
                    })
                    .collect();
            }
            Ok((delimiters, enc_len)) => {
                m.encoding.delimiters = delimiters;
                m.read_header(msh_end, line);
                m.index_segments(spans, 4 + enc_len);
            }
        }
        // A limit breach (an Error issue from the reader) makes the message unusable.
        if extra.iter().any(|i| i.severity == Severity::Error) {
            m.usable = false;
        }
        m.issues.extend(extra);
        m
    }

    fn loc(&self, at: usize, line: u32) -> Location {
        Location::new(
            self.file,
            Some(self.number),
            (self.offset + at) as u64,
            line,
        )
    }

    fn push(&mut self, code: IssueCode, at: usize, line: u32, detail: impl Into<String>) {
        let loc = self.loc(at, line);
        self.issues.push(Issue::new(code, loc, detail));
    }

    /// Spans of MSH-2 … MSH-18 (index 0 = MSH-2), in one pass; `None` past the end.
    fn msh_fields(&self, msh_end: usize) -> [Option<Span>; 17] {
        let fs = self.encoding.delimiters.field;
        let mut out = [None; 17];
        let mut start = 4;
        for slot in out.iter_mut() {
            match memchr::memchr(fs, &self.bytes[start..msh_end]) {
                Some(i) => {
                    *slot = Some((start, start + i));
                    start += i + 1;
                }
                None => {
                    *slot = Some((start, msh_end));
                    break;
                }
            }
        }
        out
    }

    /// Component `c` (1-based) of the first repetition of a span.
    fn component(&self, span: Span, c: usize) -> Option<Span> {
        let d = &self.encoding.delimiters;
        let v = &self.bytes[span.0..span.1];
        let v = match memchr::memchr(d.repetition, v) {
            Some(i) => &v[..i],
            None => v,
        };
        let mut start = 0;
        for (i, part) in v.split(|&b| b == d.component).enumerate() {
            if i + 1 == c {
                return Some((span.0 + start, span.0 + start + part.len()));
            }
            start += part.len() + 1;
        }
        None
    }

    fn non_empty(span: Option<Span>) -> Option<Span> {
        span.filter(|s| s.1 > s.0)
    }

    fn read_header(&mut self, msh_end: usize, line: u32) {
        let fields = self.msh_fields(msh_end);
        let msh = |n: usize| fields[n - 2];
        let msh9 = msh(9);
        self.msg_type = Self::non_empty(msh9.and_then(|s| self.component(s, 1)));
        self.trigger = Self::non_empty(msh9.and_then(|s| self.component(s, 2)));
        self.structure = Self::non_empty(msh9.and_then(|s| self.component(s, 3)));
        self.control_id = Self::non_empty(msh(10));
        let msh12 = msh(12);
        self.version = Self::non_empty(msh12.and_then(|s| self.component(s, 1)));
        let at = |s: Option<Span>| s.map_or(msh_end, |s| s.0);
        match self.msg_type {
            None => self.push(
                IssueCode::V2MissingMessageType,
                at(msh9),
                line,
                "MSH-9.1 is empty",
            ),
            Some((a, b)) if !self.bytes[a..b].iter().all(u8::is_ascii_alphanumeric) => {
                self.push(
                    IssueCode::V2MissingMessageType,
                    a,
                    line,
                    "MSH-9.1 is not letters and digits",
                );
            }
            Some(_) => {}
        }
        if self.control_id.is_none() {
            let at10 = at(msh(10));
            self.push(IssueCode::V2MissingControlId, at10, line, "MSH-10 is empty");
        }
        if self.version.is_none() {
            self.push(
                IssueCode::V2MissingVersion,
                at(msh12),
                line,
                "MSH-12.1 is empty",
            );
        }
        if let Some(s) = msh(18) {
            let first = self.bytes[s.0..s.1]
                .split(|&b| b == self.encoding.delimiters.repetition)
                .next()
                .unwrap_or_default();
            match Charset::from_msh18(first) {
                Some(c) => self.encoding.charset = c,
                None => {
                    self.encoding.charset = Charset::Latin1;
                    self.push(
                        IssueCode::V2UnknownCharset,
                        s.0,
                        line,
                        "MSH-18 names a character set ira does not decode; read as ISO-8859-1",
                    );
                }
            }
        }
    }

    /// Names, occurrences and per-segment checks (name, charset, control bytes, escapes).
    fn index_segments(&mut self, spans: Vec<SegSpan>, msh_fields_start: usize) {
        let d = self.encoding.delimiters;
        let mut counts: Vec<([u8; 3], u32)> = Vec::new();
        for (i, span) in spans.into_iter().enumerate() {
            let seg = &self.bytes[span.start..span.end];
            // A three-letter name is the rule; search only when it is not.
            let name_end = if seg.get(3) == Some(&d.field) && !seg[..3].contains(&d.field) {
                Some(3)
            } else {
                memchr::memchr(d.field, seg)
            };
            let name = well_formed_name(&seg[..name_end.unwrap_or(seg.len())]);
            let mut occurrence = 0;
            if name_end.is_none() {
                self.push(
                    IssueCode::V2TruncatedSegment,
                    span.start,
                    span.line,
                    format!(
                        "segment of {} characters with no field separator",
                        seg.len()
                    ),
                );
            }
            match name {
                Some(n) => {
                    occurrence = match counts.iter_mut().find(|(k, _)| *k == n) {
                        Some((_, c)) => {
                            *c += 1;
                            *c
                        }
                        None => {
                            counts.push((n, 1));
                            1
                        }
                    };
                }
                None if name_end.is_some() => {
                    let len = name_end.unwrap_or_default();
                    self.push(
                        IssueCode::V2BadSegmentName,
                        span.start,
                        span.line,
                        format!(
                            "segment name of {len} characters, not three upper-case letters or digits; segment not walked"
                        ),
                    );
                }
                None => {}
            }
            let plain = self.check_bytes(seg, span, if i == 0 { msh_fields_start } else { 0 });
            self.segs.push(SegInfo {
                span,
                name,
                occurrence,
                plain,
            });
        }
    }

    /// Checks a segment's bytes; returns whether they are plain (printable ASCII, no
    /// escape character), in which case there was nothing to check.
    fn check_bytes(&mut self, seg: &[u8], span: SegSpan, fields_start: usize) -> bool {
        let d = self.encoding.delimiters;
        // Nearly every segment is printable ASCII without escapes: nothing to check.
        if plain_ascii(seg, d.escape) {
            return true;
        }
        // MSH never is (MSH-2 holds the escape character), but its fields usually are:
        // then the checks below have nothing to find either. Its values are not marked
        // plain (MSH-2 is not its own text).
        if fields_start > 0
            && let (Some(head), Some(body)) = (seg.get(..fields_start), seg.get(fields_start..))
            && plain_ascii(head, None)
            && plain_ascii(body, d.escape)
        {
            return false;
        }
        match self.encoding.charset {
            Charset::Ascii => {
                // `is_ascii` is vectorised; the position is looked up only when needed.
                if let Some(i) = (!seg.is_ascii())
                    .then(|| seg.iter().position(|&b| b >= 0x80))
                    .flatten()
                {
                    self.push(
                        IssueCode::V2InvalidEncoding,
                        span.start + i,
                        span.line,
                        "byte above 0x7F in a message declared ASCII (MSH-18 empty or ASCII); read as ISO-8859-1",
                    );
                }
            }
            Charset::Utf8 => {
                if let Err(e) = std::str::from_utf8(seg) {
                    self.push(
                        IssueCode::V2InvalidEncoding,
                        span.start + e.valid_up_to(),
                        span.line,
                        "invalid UTF-8 in a message declared UTF-8 (MSH-18); replaced by U+FFFD when decoded",
                    );
                }
            }
            Charset::Latin1 => {}
        }
        if let Some(i) = has_control(seg)
            .then(|| seg.iter().position(|&b| is_control(b)))
            .flatten()
        {
            self.push(
                IssueCode::V2BinaryData,
                span.start + i,
                span.line,
                "control byte (NUL or other binary data) inside a segment",
            );
        }
        if let Some(body) = seg.get(fields_start..) {
            if let Some((i, p)) = escape::check(body, &d) {
                let what = match p {
                    EscapeProblem::Unterminated => {
                        "escape sequence not terminated within its value"
                    }
                    EscapeProblem::Unknown => "unknown escape sequence",
                };
                self.push(
                    IssueCode::V2BadEscape,
                    span.start + fields_start + i,
                    span.line,
                    what,
                );
            }
        }
        false
    }

    fn text(&self, span: Option<Span>) -> Option<&'a str> {
        let (a, b) = span?;
        std::str::from_utf8(&self.bytes[a..b]).ok()
    }

    /// 1-based number of the message in its file.
    pub fn number(&self) -> u32 {
        self.number
    }

    /// Where the message (its `MSH`) starts.
    pub fn location(&self) -> Location {
        self.loc(0, self.line)
    }

    /// The message's bytes, from `MSH` to the terminator of its last segment.
    pub fn bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// Delimiters and charset of the message.
    pub fn encoding(&self) -> &Encoding {
        &self.encoding
    }

    /// Problems found in this message.
    pub fn issues(&self) -> &[Issue] {
        &self.issues
    }

    /// False if the message could not be read (an Error issue, e.g. bad delimiters).
    pub fn is_usable(&self) -> bool {
        self.usable
    }

    /// Usable, but with at least one Warning issue.
    pub fn is_damaged(&self) -> bool {
        self.usable && self.issues.iter().any(|i| i.severity >= Severity::Warning)
    }

    /// MSH-9.1, e.g. `ADT`.
    pub fn message_type(&self) -> Option<&'a str> {
        self.text(self.msg_type)
    }

    /// MSH-9.2, e.g. `A01`.
    pub fn trigger(&self) -> Option<&'a str> {
        self.text(self.trigger)
    }

    /// MSH-9.3, e.g. `ADT_A01`.
    pub fn structure(&self) -> Option<&'a str> {
        self.text(self.structure)
    }

    /// MSH-12.1, e.g. `2.5.1`.
    pub fn version(&self) -> Option<&'a str> {
        self.text(self.version)
    }

    /// MSH-10.
    pub fn control_id(&self) -> Option<&'a str> {
        self.text(self.control_id)
    }

    /// The batch (BHS … BTS) the message was read in.
    pub fn batch(&self) -> Option<&BatchContext<'a>> {
        self.batch.as_ref()
    }

    /// Segments in order, malformed ones included.
    pub fn segments(&self) -> impl Iterator<Item = Segment<'a>> + '_ {
        let fs = self.encoding.delimiters.field;
        self.segs.iter().map(move |s| {
            let bytes = &self.bytes[s.span.start..s.span.end];
            let name_len = memchr::memchr(fs, bytes).unwrap_or(bytes.len());
            Segment {
                bytes,
                name: &bytes[..name_len],
                well_formed: s.name.is_some(),
                occurrence: s.occurrence,
                location: self.loc(s.span.start, s.span.line),
                field_sep: fs,
            }
        })
    }

    /// The raw bytes at `path` (escapes not decoded). Component 0 / subcomponent 0 mean
    /// the whole repetition / component. `MSH-1` and `MSH-2` are never split.
    pub fn get_raw(&self, path: &V2Path) -> Option<&'a [u8]> {
        if !self.usable || path.field == 0 {
            return None;
        }
        let seg = self
            .segments()
            .find(|s| s.name == path.segment && s.occurrence == path.occurrence && s.well_formed)?;
        let field = seg.field(path.field)?;
        if path.segment == *b"MSH" && path.field <= 2 {
            return Some(field);
        }
        let d = &self.encoding.delimiters;
        let rep = field
            .split(|&b| b == d.repetition)
            .nth(usize::from(path.repetition).checked_sub(1)?)?;
        if path.component == 0 {
            return Some(rep);
        }
        let comp = rep
            .split(|&b| b == d.component)
            .nth(usize::from(path.component) - 1)?;
        if path.subcomponent == 0 {
            return Some(comp);
        }
        let sub = d.subcomponent?;
        comp.split(|&b| b == sub)
            .nth(usize::from(path.subcomponent) - 1)
    }

    /// The value at `path`, see [`Self::get_raw`].
    pub fn get(&self, path: &V2Path) -> Option<Value<'_>> {
        let raw = self.get_raw(path)?;
        Some(Value::V2 {
            raw,
            encoding: &self.encoding,
            plain: plain_ascii(raw, self.encoding.delimiters.escape),
        })
    }

    /// Calls `visit` with every [`Leaf`] of the message, down to subcomponents, in
    /// order: the same leaves as [`Sample::walk`], without building an [`Item`] each,
    /// for callers that read every leaf of millions of messages and want the loop to
    /// inline their code. An unusable message has no leaves.
    #[inline]
    pub fn for_each_leaf(&self, mut visit: impl FnMut(&Leaf<'a>)) {
        if !self.usable {
            return;
        }
        let table = class_table(&self.encoding.delimiters);
        let delims = DelimWords::new(&self.encoding.delimiters);
        let base = self.offset as u64;
        for info in &self.segs {
            if let Some(name) = info.name {
                self.walk_segment(info, name, &table, &delims, base, &mut visit);
            }
        }
    }

    /// The [`Item`] of a leaf given by [`Message::for_each_leaf`], as [`Sample::walk`]
    /// hands it: for callers that use the fast walk but feed item consumers.
    #[inline]
    pub fn item(&self, leaf: &Leaf<'a>) -> Item<'_> {
        let hint = if leaf.raw == b"\"\"" {
            TypeHint::Null
        } else {
            TypeHint::Text
        };
        Item {
            path: ElementPath::V2(leaf.path),
            value: Value::V2 {
                raw: leaf.raw,
                encoding: &self.encoding,
                plain: leaf.plain,
            },
            hint,
            location: Location::new(self.file, Some(self.number), leaf.offset, leaf.line),
        }
    }

    /// Walks one segment's leaves in one pass over its bytes. Generic over the visitor
    /// so that a caller's closure is inlined into the loop (no call per leaf).
    #[inline(always)]
    fn walk_segment<F: FnMut(&Leaf<'a>)>(
        &self,
        info: &SegInfo,
        name: [u8; 3],
        table: &[u8; 256],
        delims: &DelimWords,
        base_offset: u64,
        visit: &mut F,
    ) {
        let span = info.span;
        let seg = &self.bytes[span.start..span.end];
        let mut path = V2Path {
            segment: name,
            occurrence: info.occurrence,
            field: 1,
            repetition: 1,
            component: 0,
            subcomponent: 0,
        };
        let mut i = 4;
        if name == *b"MSH" {
            // MSH-1 and MSH-2 are plain values: they hold the delimiters themselves.
            visit(&Leaf {
                path,
                raw: &seg[3..4],
                offset: base_offset + (span.start + 3) as u64,
                line: span.line,
                plain: info.plain,
            });
            let enc_end = memchr::memchr(self.encoding.delimiters.field, &seg[4..])
                .map_or(seg.len(), |k| 4 + k);
            path.field = 2;
            if enc_end > 4 {
                visit(&Leaf {
                    path,
                    raw: &seg[4..enc_end],
                    offset: base_offset + (span.start + 4) as u64,
                    line: span.line,
                    plain: info.plain,
                });
            }
            if enc_end >= seg.len() {
                return;
            }
            path.field = 3;
            i = enc_end + 1;
        }
        if seg.len() < 4 {
            return;
        }
        let (mut comp, mut sub) = (1u16, 1u16);
        // Whether a component separator was seen in the current repetition, and a
        // subcomponent separator in the current component.
        let mut comp_split = false;
        let mut sub_split = false;
        let mut leaf = i;
        let n = seg.len();
        // Eight bytes at a time: a word's delimiters as a bit set, visited in order.
        // Values are short (a few bytes), so a byte-at-a-time loop mispredicts at most
        // delimiters; here the branch is per word and per delimiter only.
        let mut base = i;
        while base < n {
            let mut found = delims.find(delims.word(seg, base));
            while found != 0 {
                let at = base + (found.trailing_zeros() >> 3) as usize;
                found &= found - 1;
                let class = seg.get(at).map_or(END, |&b| table[b as usize]);
                if at > leaf {
                    if class == COMP {
                        comp_split = true;
                    }
                    // A leaf split into subcomponents is always in a numbered component.
                    path.subcomponent = if sub_split || class == SUB { sub } else { 0 };
                    let split = comp_split || path.subcomponent > 0;
                    path.component = if split { comp } else { 0 };
                    visit(&Leaf {
                        path,
                        raw: &seg[leaf..at],
                        offset: base_offset + (span.start + leaf) as u64,
                        line: span.line,
                        plain: info.plain,
                    });
                }
                match class {
                    SUB => {
                        sub = sub.saturating_add(1);
                        sub_split = true;
                    }
                    COMP => {
                        comp = comp.saturating_add(1);
                        comp_split = true;
                        sub = 1;
                        sub_split = false;
                    }
                    FIELD => {
                        path.field = path.field.saturating_add(1);
                        path.repetition = 1;
                        comp = 1;
                        sub = 1;
                        comp_split = false;
                        sub_split = false;
                    }
                    _ => {
                        path.repetition = path.repetition.saturating_add(1);
                        comp = 1;
                        sub = 1;
                        comp_split = false;
                        sub_split = false;
                    }
                }
                leaf = at + 1;
            }
            base += 8;
        }
        // The leaf the segment's end closes. Written out again on purpose: a helper
        // shared with the loop above measured 4-6% slower (parse_vs_memchr).
        if n > leaf {
            path.subcomponent = if sub_split { sub } else { 0 };
            let split = comp_split || path.subcomponent > 0;
            path.component = if split { comp } else { 0 };
            visit(&Leaf {
                path,
                raw: &seg[leaf..n],
                offset: base_offset + (span.start + leaf) as u64,
                line: span.line,
                plain: info.plain,
            });
        }
    }
}

/// The delimiters of a message as word masks, to find them eight bytes at a time.
#[derive(Clone, Copy)]
struct DelimWords {
    field: u64,
    component: u64,
    repetition: u64,
    /// The subcomponent separator's, or the field separator's again when none is declared.
    subcomponent: u64,
    /// A byte that is none of the delimiters, to pad a segment's last word with.
    pad: u8,
}

impl DelimWords {
    const ONES: u64 = 0x0101_0101_0101_0101;

    fn new(d: &Delimiters) -> Self {
        let sub = d.subcomponent.unwrap_or(d.field);
        let all = [d.field, d.component, d.repetition, sub];
        // Of five distinct bytes, one is not among four delimiters.
        let pad = *b"ABCDE".iter().find(|b| !all.contains(b)).unwrap_or(&b'E');
        Self {
            field: Self::ONES * u64::from(d.field),
            component: Self::ONES * u64::from(d.component),
            repetition: Self::ONES * u64::from(d.repetition),
            subcomponent: Self::ONES * u64::from(sub),
            pad,
        }
    }

    /// The eight bytes of `seg` from `at`, padded past its end.
    #[inline(always)]
    fn word(&self, seg: &[u8], at: usize) -> u64 {
        let mut a = [self.pad; 8];
        match seg.get(at..at + 8) {
            Some(w) => a.copy_from_slice(w),
            None => {
                let rest = seg.get(at..).unwrap_or_default();
                a[..rest.len()].copy_from_slice(rest);
            }
        }
        u64::from_le_bytes(a)
    }

    /// The high bit of every byte of `w` that is a delimiter (exact: no false positives).
    #[inline(always)]
    fn find(&self, w: u64) -> u64 {
        const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;
        let zero = |x: u64| !(((x & LOW7).wrapping_add(LOW7)) | x | LOW7);
        zero(w ^ self.field)
            | zero(w ^ self.component)
            | zero(w ^ self.repetition)
            | zero(w ^ self.subcomponent)
    }
}

impl Sample for Message<'_> {
    fn info(&self) -> SampleInfo<'_> {
        let kind = match (self.message_type(), self.trigger()) {
            (Some(t), Some(e)) => Cow::Owned(format!("{t}^{e}")),
            (Some(t), None) => Cow::Borrowed(t),
            (None, _) => Cow::Borrowed(""),
        };
        SampleInfo {
            standard: Standard::V2,
            kind,
            structure: self.structure().map(Cow::Borrowed),
            version: self.version().map(Cow::Borrowed),
            location: self.location(),
        }
    }

    fn walk(&self, visit: &mut dyn FnMut(&Item<'_>)) {
        if !self.usable {
            return;
        }
        self.for_each_leaf(|leaf| visit(&self.item(leaf)));
    }

    fn as_v2(&self) -> Option<&Message<'_>> {
        Some(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn naive(seg: &[u8], escape: Option<u8>) -> bool {
        seg.iter()
            .all(|&b| (0x20..=0x7E).contains(&b) && Some(b) != escape)
    }

    #[test]
    fn plain_ascii_flags_what_the_checks_look_for() {
        let esc = Some(b'\\');
        assert!(plain_ascii(b"PID|1||12345^^^HOSP~X||DOE^JANE", esc));
        assert!(plain_ascii(b"", esc));
        for bad in [
            &b"PID|\\F\\"[..],
            b"PID|\t",
            b"PID|\x7F",
            b"PID|\xC3\xA9",
            b"OBX|\x00",
        ] {
            assert!(!plain_ascii(bad, esc), "{bad:?}");
        }
        // Near the tail and at every position of a word.
        for i in 0..17 {
            let mut seg = vec![b'A'; 17];
            seg[i] = b'\\';
            assert!(!plain_ascii(&seg, esc), "escape at {i}");
            seg[i] = 0x1F;
            assert!(!plain_ascii(&seg, esc), "control at {i}");
        }
    }

    proptest! {
        #[test]
        fn plain_ascii_matches_a_byte_loop(
            seg in proptest::collection::vec(
                prop_oneof![
                    Just(0x1Fu8), Just(0x20), Just(0x7E), Just(0x7F), Just(0x80), Just(0xFF),
                    Just(b'\\'), Just(b'A'), Just(b'B'), Just(0x09), 0x20u8..0x7F, any::<u8>(),
                ],
                0..40,
            ),
            escape in prop_oneof![Just(None), Just(Some(b'\\')), Just(Some(b'A')), any::<u8>().prop_map(Some)],
        ) {
            prop_assert_eq!(plain_ascii(&seg, escape), naive(&seg, escape));
        }
    }
}
