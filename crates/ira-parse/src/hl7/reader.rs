//! Splitting a file into messages: segment terminators, MLLP frames, batch envelopes,
//! and the bytes that belong to no message.

use serde::Serialize;

use super::message::{Message, SegSpan};
use crate::issue::{Issue, IssueCode};
use crate::limits::Limits;
use crate::location::{FileId, Location};

/// MLLP start block.
const VT: u8 = 0x0B;
/// MLLP end block (followed by a carriage return).
const FS: u8 = 0x1C;

/// Running counts of what a [`Reader`] has read so far.
///
/// Every byte of the input ends up in exactly one of: a message's [`Message::bytes`],
/// `stray_bytes` (reported by an issue), or `framing_bytes`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Messages yielded (usable, damaged and skipped alike).
    pub messages: u32,
    /// Messages read with at least one Warning issue.
    pub damaged: u32,
    /// Messages that could not be used (an Error issue, e.g. bad delimiters).
    pub skipped: u32,
    /// Batches (BHS) met.
    pub batches: u32,
    /// Bytes outside any message that are not HL7 framing: garbage, segments without
    /// MSH, stray MLLP end blocks. Each run of them is reported by an issue.
    pub stray_bytes: u64,
    /// Runs of stray bytes (each reported by one issue).
    pub stray_ranges: u32,
    /// Bytes of framing outside messages: blank lines and terminators between
    /// messages, MLLP start/end blocks, FHS/BHS/BTS/FTS segments.
    pub framing_bytes: u64,
}

/// The batch a message was read in (between BHS and BTS).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct BatchContext<'a> {
    /// 1-based number of the batch in the file.
    pub number: u32,
    /// BHS-11, the batch control id, if present (and ASCII/UTF-8).
    pub control_id: Option<&'a str>,
    /// FHS-11, the file control id, when the batch is inside an FHS/FTS envelope.
    pub file_control_id: Option<&'a str>,
    /// Where the BHS segment starts.
    pub location: Location,
}

/// One line of the input: content `start..end`, terminator up to `next`.
#[derive(Clone, Copy, Debug)]
struct Line {
    start: usize,
    end: usize,
    next: usize,
    /// Line breaks in the terminator (0 at end of data or before an MLLP end block).
    breaks: u32,
}

/// Content ends at `\r`, `\n`, `\r\n` (one line break) or before an MLLP end block.
fn scan(bytes: &[u8], pos: usize) -> Line {
    match memchr::memchr3(b'\r', b'\n', FS, &bytes[pos..]) {
        None => Line {
            start: pos,
            end: bytes.len(),
            next: bytes.len(),
            breaks: 0,
        },
        Some(k) => {
            let i = pos + k;
            let (next, breaks) = match bytes[i] {
                b'\r' if bytes.get(i + 1) == Some(&b'\n') => (i + 2, 1),
                b'\r' | b'\n' => (i + 1, 1),
                _ => (i, 0),
            };
            Line {
                start: pos,
                end: i,
                next,
                breaks,
            }
        }
    }
}

fn is_blank(content: &[u8]) -> bool {
    content.iter().all(|&b| b == b' ' || b == b'\t')
}

fn is_batch_segment(content: &[u8]) -> bool {
    let named = matches!(content.get(..3), Some(b"FHS" | b"BHS" | b"BTS" | b"FTS"));
    named && content.get(3).is_none_or(|b| !b.is_ascii_alphanumeric())
}

/// A line that starts a new message or batch structure, ending the current message.
fn is_boundary(content: &[u8]) -> bool {
    content.starts_with(b"MSH") || is_batch_segment(content)
}

/// Inside a message: does this line read as a segment (a short printable name, then
/// the field separator), or a name-only segment?
pub(crate) fn segment_like(content: &[u8], fs: u8) -> bool {
    match memchr::memchr(fs, content) {
        Some(n) => (1..=8).contains(&n) && content[..n].iter().all(u8::is_ascii_graphic),
        None => (1..=4).contains(&content.len()) && content.iter().all(u8::is_ascii_alphanumeric),
    }
}

/// Outside any message: a well-formed segment (three upper-case letters or digits, then
/// `|` or the end of the line) — a message without its MSH.
fn looks_like_headless_segment(content: &[u8]) -> bool {
    content.len() >= 3
        && content[..3]
            .iter()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        && content.get(3).is_none_or(|&b| b == b'|')
}

fn has_control_bytes(content: &[u8]) -> bool {
    content
        .iter()
        .any(|&b| (b < 0x20 && b != b'\t') || b == 0x7F)
}

#[derive(Debug)]
struct Stray {
    code: IssueCode,
    offset: usize,
    line: u32,
    bytes: u64,
    lines: u32,
    binary: bool,
}

#[derive(Debug)]
struct OpenBatch<'a> {
    ctx: BatchContext<'a>,
    messages: u32,
}

#[derive(Debug)]
struct FileBatch<'a> {
    control_id: Option<&'a str>,
    batches: u32,
}

/// Streaming reader over one file's bytes; yields [`Message`]s in file order.
#[derive(Debug)]
pub struct Reader<'a> {
    bytes: &'a [u8],
    file: FileId,
    pos: usize,
    line: u32,
    issues: Vec<Issue>,
    summary: Summary,
    /// Offset and line of the open MLLP start block.
    frame: Option<(usize, u32)>,
    stray: Option<Stray>,
    batch: Option<OpenBatch<'a>>,
    file_batch: Option<FileBatch<'a>>,
    done: bool,
    limits: Limits,
    /// Segments at least this long are checked against the per-segment limits.
    long_segment: usize,
}

/// Reads HL7 v2 messages from `bytes` (one file). Nothing is read up front: each call
/// to `next` reads one message and the bytes before it.
pub fn read(bytes: &[u8], file: FileId) -> Reader<'_> {
    read_with(bytes, file, &Limits::default())
}

/// [`read`] under explicit [`Limits`]: a message with a segment too long, too many
/// segments, fields or repetitions is skipped with an Error issue (`v2-limit-*`) at the
/// offending segment.
pub fn read_with<'a>(bytes: &'a [u8], file: FileId, limits: &Limits) -> Reader<'a> {
    Reader {
        limits: *limits,
        long_segment: limits.long_segment(),
        bytes,
        file,
        pos: 0,
        line: 1,
        issues: Vec::new(),
        summary: Summary::default(),
        frame: None,
        stray: None,
        batch: None,
        file_batch: None,
        done: false,
    }
}

/// Where the message being read ends and why.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Boundary {
    Eof,
    FrameStart,
    FrameEnd,
    /// MSH, a batch segment, or a line that is not a segment.
    Other,
}

impl<'a> Reader<'a> {
    /// Issues found outside any message so far (garbage, segments without MSH, stray
    /// MLLP blocks, batch mismatches); each is returned once.
    pub fn take_issues(&mut self) -> Vec<Issue> {
        std::mem::take(&mut self.issues)
    }

    /// Counts so far; final once the iterator returned `None`.
    pub fn summary(&self) -> &Summary {
        &self.summary
    }

    fn loc(&self, message: Option<u32>, offset: usize, line: u32) -> Location {
        Location::new(self.file, message, offset as u64, line)
    }

    fn flush_stray(&mut self) {
        if let Some(s) = self.stray.take() {
            let what = if s.code == IssueCode::V2NoMsh {
                "segment line(s) not preceded by an MSH segment"
            } else {
                "line(s) that are not HL7 segments"
            };
            let binary = if s.binary {
                ", with binary control bytes"
            } else {
                ""
            };
            let detail = format!("{} bytes on {} {what}{binary}; not read", s.bytes, s.lines);
            let loc = self.loc(None, s.offset, s.line);
            self.issues.push(Issue::new(s.code, loc, detail));
            self.summary.stray_bytes += s.bytes;
            self.summary.stray_ranges += 1;
        }
    }

    fn add_stray(&mut self, l: Line) {
        let content = &self.bytes[l.start..l.end];
        let code = if looks_like_headless_segment(content) {
            IssueCode::V2NoMsh
        } else {
            IssueCode::V2GarbageBetweenMessages
        };
        let binary = has_control_bytes(content);
        let len = (l.next - l.start) as u64;
        match &mut self.stray {
            Some(s) if s.code == code => {
                s.bytes += len;
                s.lines += 1;
                s.binary |= binary;
            }
            _ => {
                self.flush_stray();
                self.stray = Some(Stray {
                    code,
                    offset: l.start,
                    line: self.line,
                    bytes: len,
                    lines: 1,
                    binary,
                });
            }
        }
        self.pos = l.next;
        self.line += l.breaks;
    }

    /// At an MLLP end block (`self.pos`): closes the frame. Problems go to `sink` (the
    /// message that ends here) or to the reader's issues.
    fn mllp_end(&mut self, sink: Option<(&mut Vec<Issue>, u32)>) {
        let at = self.pos;
        let line = self.line;
        let followed_by_cr = self.bytes.get(at + 1) == Some(&b'\r');
        let mut len = 1;
        if followed_by_cr {
            len = if self.bytes.get(at + 2) == Some(&b'\n') {
                3
            } else {
                2
            };
            self.line += 1;
        }
        let problem = if self.frame.is_none() {
            Some("MLLP end block with no frame open")
        } else if !followed_by_cr {
            Some("MLLP end block not followed by a carriage return")
        } else {
            None
        };
        self.frame = None;
        self.pos = at + len;
        match problem {
            None => self.summary.framing_bytes += len as u64,
            Some(p) => {
                self.summary.stray_bytes += len as u64;
                self.summary.stray_ranges += 1;
                let (number, target) = match sink {
                    Some((v, n)) => (Some(n), v),
                    None => (None, &mut self.issues),
                };
                let loc = Location::new(self.file, number, at as u64, line);
                target.push(Issue::new(IssueCode::V2MllpStrayEnd, loc, p));
            }
        }
    }

    fn batch_field(content: &'a [u8], field: usize) -> Option<&'a str> {
        // FHS/BHS count like MSH: field 1 is the separator itself.
        let fs = *content.get(3)?;
        let header = matches!(&content[..3], b"FHS" | b"BHS");
        let index = if header {
            field.checked_sub(2)?
        } else {
            field - 1
        };
        let v = content.get(4..)?.split(|&b| b == fs).nth(index)?;
        std::str::from_utf8(v).ok().filter(|s| !s.is_empty())
    }

    fn batch_segment(&mut self, l: Line) {
        let content: &'a [u8] = &self.bytes[l.start..l.end];
        let loc = self.loc(None, l.start, self.line);
        let mut problems: Vec<String> = Vec::new();
        match &content[..3] {
            b"FHS" => {
                if self.file_batch.is_some() {
                    problems.push("FHS while the previous file batch has no FTS".into());
                }
                self.file_batch = Some(FileBatch {
                    control_id: Self::batch_field(content, 11),
                    batches: 0,
                });
            }
            b"BHS" => {
                if self.batch.take().is_some() {
                    problems.push("BHS while the previous batch has no BTS".into());
                }
                self.summary.batches += 1;
                let file_control_id = self.file_batch.as_ref().and_then(|f| f.control_id);
                if let Some(f) = &mut self.file_batch {
                    f.batches += 1;
                }
                self.batch = Some(OpenBatch {
                    ctx: BatchContext {
                        number: self.summary.batches,
                        control_id: Self::batch_field(content, 11),
                        file_control_id,
                        location: loc,
                    },
                    messages: 0,
                });
            }
            b"BTS" => match self.batch.take() {
                None => problems.push("BTS without a BHS".into()),
                Some(b) => {
                    if let Some(declared) = Self::batch_field(content, 1) {
                        match declared.trim().parse::<u32>() {
                            Ok(n) if n == b.messages => {}
                            Ok(n) => problems.push(format!(
                                "BTS-1 declares {n} messages, {} were read in the batch",
                                b.messages
                            )),
                            Err(_) => problems.push("BTS-1 is not a number".into()),
                        }
                    }
                }
            },
            _ => {
                if self.batch.take().is_some() {
                    problems.push("FTS while a batch has no BTS".into());
                }
                match self.file_batch.take() {
                    None => problems.push("FTS without an FHS".into()),
                    Some(f) => {
                        if let Some(declared) = Self::batch_field(content, 1) {
                            match declared.trim().parse::<u32>() {
                                Ok(n) if n == f.batches => {}
                                Ok(n) => problems.push(format!(
                                    "FTS-1 declares {n} batches, {} were read in the file batch",
                                    f.batches
                                )),
                                Err(_) => problems.push("FTS-1 is not a number".into()),
                            }
                        }
                    }
                }
            }
        }
        for p in problems {
            self.issues
                .push(Issue::new(IssueCode::V2BatchMismatch, loc, p));
        }
        self.summary.framing_bytes += (l.next - l.start) as u64;
        self.pos = l.next;
        self.line += l.breaks;
    }

    fn finish(&mut self) {
        self.flush_stray();
        let loc = self.loc(None, self.bytes.len(), self.line);
        if self.frame.take().is_some() {
            let issue = Issue::new(
                IssueCode::V2MllpUnterminated,
                loc,
                "MLLP frame not closed at end of data",
            );
            self.issues.push(issue);
        }
        if self.batch.take().is_some() {
            let issue = Issue::new(
                IssueCode::V2BatchMismatch,
                loc,
                "batch without BTS at end of data",
            );
            self.issues.push(issue);
        }
        if self.file_batch.take().is_some() {
            let issue = Issue::new(
                IssueCode::V2BatchMismatch,
                loc,
                "file batch without FTS at end of data",
            );
            self.issues.push(issue);
        }
        self.done = true;
    }

    /// Checks a long segment (cold path) against the per-segment limits; the first
    /// breach, as an issue of message `number`. Kept out of line so the segment loop
    /// stays small.
    #[cold]
    #[inline(never)]
    fn long_segment_issue(
        &self,
        content: &[u8],
        delimiters: Option<super::Delimiters>,
        number: u32,
        offset: usize,
        line: u32,
    ) -> Option<Issue> {
        let lim = &self.limits;
        let loc = self.loc(Some(number), offset, line);
        let skipped = "message skipped";
        if content.len() > lim.max_line_bytes {
            let detail = format!(
                "segment of {} bytes, over the limit of {} bytes; {skipped}",
                content.len(),
                lim.max_line_bytes
            );
            return Some(Issue::new(IssueCode::V2LimitSegmentLength, loc, detail));
        }
        let d = delimiters?;
        let fields = memchr::memchr_iter(d.field, content).count();
        if fields > lim.max_fields_per_segment as usize {
            let detail = format!(
                "segment of {fields} fields, over the limit of {}; {skipped}",
                lim.max_fields_per_segment
            );
            return Some(Issue::new(IssueCode::V2LimitFields, loc, detail));
        }
        let reps = content
            .split(|&b| b == d.field)
            .map(|f| memchr::memchr_iter(d.repetition, f).count() + 1)
            .max()
            .unwrap_or(0);
        if reps > lim.max_repetitions_per_field as usize {
            let detail = format!(
                "a field of {reps} repetitions, over the limit of {}; {skipped}",
                lim.max_repetitions_per_field
            );
            return Some(Issue::new(IssueCode::V2LimitRepetitions, loc, detail));
        }
        None
    }

    #[cold]
    #[inline(never)]
    fn too_many_segments(&self, number: u32, offset: usize, line: u32) -> Issue {
        let loc = self.loc(Some(number), offset, line);
        let detail = format!(
            "more than {} segments in the message; message skipped",
            self.limits.max_segments_per_message
        );
        Issue::new(IssueCode::V2LimitSegments, loc, detail)
    }

    /// Reads the message whose MSH line starts at `self.pos`.
    fn read_message(&mut self) -> Message<'a> {
        let bytes = self.bytes;
        self.summary.messages += 1;
        let number = self.summary.messages;
        let start = self.pos;
        let first_line = self.line;
        let l = scan(bytes, start);
        let header = &bytes[l.start..l.end];
        // Most messages have a few dozen segments at most: no regrowth for them.
        let mut segs = Vec::with_capacity(32);
        segs.push(SegSpan {
            start: 0,
            end: l.end - start,
            line: first_line,
        });
        let delimiters = super::Delimiters::from_header(header);
        let usable = delimiters.is_ok();
        let fs = delimiters.map_or(b'|', |(d, _)| d.field);
        let delims = delimiters.ok().map(|(d, _)| d);
        // The first limit breach in this message (it makes the message unusable).
        let mut limit: Option<Issue> = None;
        if header.len() >= self.long_segment {
            limit = self.long_segment_issue(header, delims, number, start, first_line);
        }
        let max_segments = self.limits.max_segments_per_message as usize;
        let long_segment = self.long_segment;
        self.pos = l.next;
        self.line += l.breaks;
        let (mut p, mut ln) = (self.pos, self.line);
        let boundary = loop {
            let Some(&b) = bytes.get(p) else {
                break Boundary::Eof;
            };
            if b == VT {
                break Boundary::FrameStart;
            }
            if b == FS {
                break Boundary::FrameEnd;
            }
            let l = scan(bytes, p);
            let content = &bytes[l.start..l.end];
            if is_blank(content) {
                // Blank lines belong to the message only if a segment follows.
                p = l.next;
                ln += l.breaks;
                continue;
            }
            if is_boundary(content) || (usable && !segment_like(content, fs)) {
                break Boundary::Other;
            }
            if content.len() >= long_segment && limit.is_none() {
                limit = self.long_segment_issue(content, delims, number, l.start, ln);
            }
            if segs.len() < max_segments {
                segs.push(SegSpan {
                    start: l.start - start,
                    end: l.end - start,
                    line: ln,
                });
            } else if limit.is_none() {
                // The remaining segments are consumed with the message, not indexed.
                limit = Some(self.too_many_segments(number, l.start, ln));
            }
            p = l.next;
            ln += l.breaks;
            self.pos = p;
            self.line = ln;
        };
        let end = self.pos;
        let mut extra = Vec::new();
        match boundary {
            Boundary::FrameEnd => {
                self.summary.framing_bytes += (p - self.pos) as u64;
                self.pos = p;
                self.line = ln;
                self.mllp_end(Some((&mut extra, number)));
            }
            Boundary::FrameStart | Boundary::Eof if self.frame.is_some() => {
                self.frame = None;
                let loc = self.loc(Some(number), p, ln);
                let what = if boundary == Boundary::Eof {
                    "MLLP frame not closed at end of data"
                } else {
                    "MLLP frame not closed before the next frame"
                };
                extra.push(Issue::new(IssueCode::V2MllpUnterminated, loc, what));
            }
            _ => {}
        }
        extra.extend(limit);
        let batch = self.batch.as_mut().map(|b| {
            b.messages += 1;
            b.ctx
        });
        let msg = Message::new(
            &bytes[start..end],
            self.file,
            number,
            start,
            first_line,
            segs,
            extra,
            batch,
        );
        if !msg.is_usable() {
            self.summary.skipped += 1;
        } else if msg.is_damaged() {
            self.summary.damaged += 1;
        }
        msg
    }
}

impl<'a> Iterator for Reader<'a> {
    type Item = Message<'a>;

    fn next(&mut self) -> Option<Message<'a>> {
        if self.done {
            return None;
        }
        loop {
            let Some(&b) = self.bytes.get(self.pos) else {
                self.finish();
                return None;
            };
            if b == VT {
                self.flush_stray();
                if let Some((_, line)) = self.frame {
                    let loc = self.loc(None, self.pos, line);
                    let issue = Issue::new(
                        IssueCode::V2MllpUnterminated,
                        loc,
                        "MLLP frame not closed before the next frame",
                    );
                    self.issues.push(issue);
                }
                self.frame = Some((self.pos, self.line));
                self.summary.framing_bytes += 1;
                self.pos += 1;
                continue;
            }
            if b == FS {
                self.flush_stray();
                self.mllp_end(None);
                continue;
            }
            let l = scan(self.bytes, self.pos);
            let content = &self.bytes[l.start..l.end];
            if is_blank(content) {
                self.summary.framing_bytes += (l.next - l.start) as u64;
                self.pos = l.next;
                self.line += l.breaks;
                continue;
            }
            if content.starts_with(b"MSH") {
                self.flush_stray();
                return Some(self.read_message());
            }
            if is_batch_segment(content) {
                self.flush_stray();
                self.batch_segment(l);
                continue;
            }
            self.add_stray(l);
        }
    }
}
