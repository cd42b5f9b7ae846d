//! Reading a large HL7 v2 file in bounded chunks cut at message boundaries, so that the
//! chunks can be read in parallel and memory does not grow with the file.
//!
//! A chunk ends just before a message that starts at the top level of the file: an `MSH`
//! line outside any MLLP frame, or an MLLP start block right after the end block of the
//! previous frame. Read on its own, each chunk then gives exactly the messages, issues
//! and counts the whole file gives for its bytes, with positions relative to the chunk:
//! byte offsets from [`Chunk::offset`], lines from [`Chunk::lines_before`] (see
//! [`line_breaks`]) and message numbers from the messages of earlier chunks, which the
//! caller adds back in chunk order.
//!
//! Batches (FHS/BHS … BTS/FTS) make the reader count messages across the batch, so a
//! file is never cut after a batch segment: from its first batch segment on, the rest of
//! the file is one chunk (read whole, as a small file is).
//!
//! FHIR NDJSON ([`Chunker::cut_lines`]) is cut after a line feed: the NDJSON reader
//! reads each line on its own, so a chunk read alone gives exactly the resources and
//! issues of its lines, with lines counted by `\n` only ([`line_feeds`]) and resources
//! numbered from those of earlier chunks.

use std::io::{self, Read};

use crate::input::SourceFile;
use crate::issue::{Issue, IssueCode};
use crate::location::Location;

/// MLLP start block.
const VT: u8 = 0x0B;
/// MLLP end block.
const FS: u8 = 0x1C;

/// Opens a discovered file as a stream (the streaming counterpart of
/// [`crate::input::read_file`]).
pub fn open_file(file: &SourceFile) -> Result<Box<dyn Read + Send>, Issue> {
    // Unbuffered: the chunker reads in large blocks straight into its buffer.
    std::fs::File::open(&file.path)
        .map(|f| Box::new(f) as Box<dyn Read + Send>)
        .map_err(|e| {
            Issue::new(
                IssueCode::InputUnreadable,
                Location::new(file.id, None, 0, 0),
                format!("cannot read: {e}"),
            )
        })
}

/// Default chunk size: large enough that per-chunk costs vanish, small enough that a few
/// chunks in flight per thread keep memory low.
pub const DEFAULT_CHUNK_SIZE: usize = 8 << 20;

/// How a chunker finds a boundary.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// Before a top-level HL7 v2 message.
    Hl7v2,
    /// After a line feed (NDJSON).
    Lines,
}

/// Least amount read at a time, and the first bytes read for format detection (HL7 v2
/// detection looks at the first 64 KiB).
const BLOCK: usize = 64 << 10;

/// A piece of a file, cut at a message boundary.
#[derive(Debug)]
pub struct Chunk {
    /// The bytes (whole messages, and what lies between them).
    pub bytes: Vec<u8>,
    /// Byte offset of `bytes[0]` in the file.
    pub offset: u64,
    /// 0-based number of the chunk in the file.
    pub index: usize,
}

/// Cuts an HL7 v2 byte stream into chunks of about `size` bytes (a chunk grows past
/// `size` only to end at a message boundary). The first chunk is read up front; see
/// [`Chunker::first`].
#[derive(Debug)]
pub struct Chunker<R> {
    input: R,
    /// Target chunk size (HL7 v2: at least [`BLOCK`]).
    size: usize,
    /// The size asked for: a file up to this size is small (read whole).
    asked: usize,
    mode: Mode,
    /// Bytes read and not handed out yet.
    buf: Vec<u8>,
    offset: u64,
    index: usize,
    eof: bool,
    /// The last MLLP block byte (start or end) before `buf`, if any.
    last_block: Option<u8>,
    /// A batch segment was seen: no more cuts.
    batched: bool,
    /// Buffers of chunks already processed, to read the next ones into (no fresh
    /// allocation and page faults per chunk).
    spare: Vec<Vec<u8>>,
}

impl<R: Read> Chunker<R> {
    /// A chunker over `input`, cutting chunks of about `size` bytes (HL7 v2: at least
    /// 64 KiB; lines: any size, for tests).
    pub fn new(input: R, size: usize) -> Self {
        Self {
            input,
            size: size.max(BLOCK),
            asked: size.max(1),
            mode: Mode::Hl7v2,
            buf: Vec::new(),
            offset: 0,
            index: 0,
            eof: false,
            last_block: None,
            batched: false,
            spare: Vec::new(),
        }
    }

    /// Takes back the buffer of a chunk that has been processed, to read a later chunk
    /// into (a few are kept; the rest are freed).
    pub fn recycle(&mut self, bytes: Vec<u8>) {
        if self.spare.len() < 4 {
            self.spare.push(bytes);
        }
    }

    /// Fills the buffer up to `want` bytes or the end of the input.
    fn fill(&mut self, want: usize) -> io::Result<()> {
        if self.index > 0 {
            // A large file: room for a whole chunk at once, no regrowing.
            self.buf
                .reserve(want.saturating_sub(self.buf.len()).min(self.size));
        }
        while self.buf.len() < want && !self.eof {
            let len = self.buf.len();
            // `read_to_end` grows the buffer as data comes (a small file costs no more
            // than its size) and does not zero it first.
            let limit = u64::try_from(want - len).unwrap_or(u64::MAX);
            match (&mut self.input).take(limit).read_to_end(&mut self.buf) {
                Ok(0) => self.eof = true,
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Reads the first `size` bytes (at least 64 KiB, or the whole input when shorter)
    /// without handing them out: to detect the format, and to tell a small file (`true`:
    /// the input ended within the size asked for) from a large one.
    pub fn first(&mut self) -> io::Result<(&[u8], bool)> {
        self.fill(self.size)?;
        Ok((&self.buf, self.eof && self.buf.len() <= self.asked))
    }

    /// Cuts after line feeds from now on (FHIR NDJSON), into chunks of about the size
    /// asked for (no 64 KiB floor: tests cut tiny chunks). Call it before the first
    /// [`Chunker::next_chunk`].
    pub fn cut_lines(&mut self) {
        self.mode = Mode::Lines;
        self.size = self.asked;
    }

    /// Everything not handed out yet, read to the end (a file that cannot be cut).
    pub fn rest(mut self) -> io::Result<Vec<u8>> {
        self.input.read_to_end(&mut self.buf)?;
        Ok(self.buf)
    }

    /// The next chunk, `None` at the end of the input.
    pub fn next_chunk(&mut self) -> io::Result<Option<Chunk>> {
        let mut want = match self.mode {
            Mode::Hl7v2 => self.size,
            // Read in blocks whatever the chunk size; a cut can lie inside the buffer.
            Mode::Lines => self.size.max(BLOCK),
        };
        loop {
            self.fill(want)?;
            if self.buf.is_empty() {
                return Ok(None);
            }
            let cut = match self.mode {
                Mode::Hl7v2 if self.eof => Some(self.buf.len()),
                Mode::Hl7v2 => self.cut(),
                // Blocks are read ahead: cut inside the buffer even at the end of input.
                Mode::Lines if self.buf.len() <= self.size => self.eof.then_some(self.buf.len()),
                Mode::Lines => self.cut().or(self.eof.then_some(self.buf.len())),
            };
            if let Some(cut) = cut {
                // The rest goes to a recycled buffer when there is one.
                let mut rest = self.spare.pop().unwrap_or_default();
                rest.clear();
                rest.extend_from_slice(&self.buf[cut..]);
                self.buf.truncate(cut);
                let bytes = std::mem::replace(&mut self.buf, rest);
                let chunk = Chunk {
                    bytes,
                    offset: self.offset,
                    index: self.index,
                };
                self.offset += cut as u64;
                self.index += 1;
                return Ok(Some(chunk));
            }
            // No boundary in the buffer: one very long message or line, or a batch.
            want = self.buf.len().saturating_add(match self.mode {
                Mode::Hl7v2 => self.size,
                Mode::Lines => self.size.max(BLOCK),
            });
        }
    }

    /// The last safe cut in the buffer (`> 0`), updating what is known about the bytes
    /// before it.
    fn cut(&mut self) -> Option<usize> {
        if self.mode == Mode::Lines {
            return line_cut(&self.buf, self.size);
        }
        if self.batched {
            return None;
        }
        let buf = &self.buf[..];
        let mut cut = last_safe(buf, buf.len(), self.last_block)?;
        if let Some(b) = first_batch_segment(&buf[..cut]) {
            // Cut before the batch if a message starts before it; then no more cuts.
            self.batched = true;
            cut = last_safe(buf, b + 1, self.last_block)?;
        }
        if let Some(i) = memchr::memrchr2(VT, FS, &buf[..cut]) {
            self.last_block = Some(buf[i]);
        }
        Some(cut)
    }
}

/// Where to cut a buffer of NDJSON (not the end of the input) for a chunk of about
/// `size` bytes: after the last line feed within `size` bytes, else after the first one
/// past it. Never at the end of the buffer (what follows is not known yet) nor before a
/// 0xEF byte (a byte order mark is skipped at the start of a file only, so a chunk must
/// not start with one).
fn line_cut(buf: &[u8], size: usize) -> Option<usize> {
    let ok = |p: usize| p < buf.len() && buf[p] != 0xEF;
    let mut end = size.min(buf.len());
    while let Some(i) = memchr::memrchr(b'\n', &buf[..end]) {
        if ok(i + 1) {
            return Some(i + 1);
        }
        end = i;
    }
    let mut from = size.min(buf.len());
    while let Some(i) = memchr::memchr(b'\n', &buf[from..]) {
        let p = from + i + 1;
        if ok(p) {
            return Some(p);
        }
        from = p;
    }
    None
}

/// The last safe cut before `end` (`> 0`).
fn last_safe(buf: &[u8], mut end: usize, last_block: Option<u8>) -> Option<usize> {
    loop {
        let p = last_candidate(buf, end)?;
        if p == 0 {
            return None;
        }
        if safe_at(buf, p, last_block) {
            return Some(p);
        }
        end = p;
    }
}

/// The last position before `end` where a message could start: an `MSH` or an MLLP
/// start block.
fn last_candidate(buf: &[u8], end: usize) -> Option<usize> {
    let msh = memchr::memmem::rfind(&buf[..end], b"MSH");
    let vt = memchr::memrchr(VT, &buf[..end]);
    match (msh, vt) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

/// Whether the reader is at the top level, outside any frame, when it reaches `p`.
fn safe_at(buf: &[u8], p: usize, last_block_before: Option<u8>) -> bool {
    let before = &buf[..p];
    if buf[p] == VT {
        // Right after a frame's end block and its carriage return: the frame is closed.
        return before.ends_with(&[FS, b'\r']) || before.ends_with(&[FS, b'\r', b'\n']);
    }
    // An MSH line (after a line break), with no MLLP frame left open before it.
    let line_start = matches!(before.last(), Some(b'\r' | b'\n'));
    let last_block = memchr::memrchr2(VT, FS, before)
        .map(|i| buf[i])
        .or(last_block_before);
    line_start && last_block != Some(VT)
}

/// Where the first batch segment (FHS, BHS, BTS, FTS) may start a line in `bytes`.
fn first_batch_segment(bytes: &[u8]) -> Option<usize> {
    [b"FHS", b"BHS", b"BTS", b"FTS"]
        .iter()
        .filter_map(|name| {
            memchr::memmem::find_iter(bytes, name)
                .find(|&i| i == 0 || matches!(bytes[i - 1], b'\r' | b'\n' | VT | FS))
        })
        .min()
}

/// The line breaks in `bytes` as the HL7 v2 reader counts them: `\r`, `\n` and `\r\n`
/// each end one line. A chunk's lines start at 1 + the breaks of the chunks before it.
pub fn line_breaks(bytes: &[u8]) -> u32 {
    let cr = memchr::memchr_iter(b'\r', bytes).count();
    let lf = memchr::memchr_iter(b'\n', bytes).count();
    let crlf = memchr::memmem::find_iter(bytes, b"\r\n").count();
    u32::try_from(cr + lf - crlf).unwrap_or(u32::MAX)
}

/// The line feeds in `bytes`: the NDJSON reader counts lines by `\n` only. A chunk's
/// lines start at 1 + the line feeds of the chunks before it.
pub fn line_feeds(bytes: &[u8]) -> u32 {
    u32::try_from(memchr::memchr_iter(b'\n', bytes).count()).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunks(data: &[u8], size: usize) -> Vec<Vec<u8>> {
        let mut c = Chunker::new(data, size);
        c.size = size; // below the floor, for small tests
        let mut out = Vec::new();
        while let Some(ch) = c.next_chunk().unwrap() {
            out.push(ch.bytes);
        }
        out
    }

    #[test]
    fn cuts_plain_messages_before_msh_and_keeps_every_byte() {
        let data = b"MSH|^~\\&|A\rPID|1\r\nMSH|^~\\&|B\rPID|2\nMSH|^~\\&|C\rPID|3\r";
        let c = chunks(data, 12);
        assert_eq!(c.concat(), data.to_vec());
        assert!(c.len() >= 2, "{c:?}");
        for ch in &c {
            assert!(ch.starts_with(b"MSH"));
        }
    }

    #[test]
    fn cuts_mllp_only_between_closed_frames() {
        let data = b"\x0bMSH|^~\\&|A\rPID|1\r\x1c\r\x0bMSH|^~\\&|B\rMSH|^~\\&|B2\r\x1c\r\x0bMSH|^~\\&|C\r\x1c\r";
        let c = chunks(data, 8);
        assert_eq!(c.concat(), data.to_vec());
        for ch in &c {
            assert_eq!(ch[0], VT, "{ch:?}");
            assert!(ch.ends_with(&[FS, b'\r']));
        }
        assert_eq!(c.len(), 3);
    }

    #[test]
    fn never_cuts_after_a_batch_segment() {
        let data = b"MSH|^~\\&|A\rMSH|^~\\&|A2\r\rBHS|^~\\&\rMSH|^~\\&|B\rMSH|^~\\&|C\rBTS|2\rMSH|^~\\&|D\r";
        let c = chunks(data, 8);
        assert_eq!(c.concat(), data.to_vec());
        // A cut before A2; none after: A2, the batch and D make the last chunk.
        assert_eq!(c.len(), 2, "{c:?}");
        assert!(c[1].starts_with(b"MSH|^~\\&|A2"));
    }

    fn line_chunks(data: &[u8], size: usize) -> Vec<Vec<u8>> {
        let mut c = Chunker::new(data, size);
        c.cut_lines();
        let mut out = Vec::new();
        while let Some(ch) = c.next_chunk().unwrap() {
            out.push(ch.bytes);
        }
        out
    }

    #[test]
    fn cuts_ndjson_after_line_feeds_at_any_size() {
        let data = b"{\"a\":1}\n{\"b\":2}\r\n\n{\"c\":3}\n\xEF\xBB\xBF{\"d\":4}\n{\"e\":5}";
        for size in 1..data.len() + 2 {
            let c = line_chunks(data, size);
            assert_eq!(c.concat(), data.to_vec(), "size {size}");
            for (i, ch) in c.iter().enumerate() {
                if i + 1 < c.len() {
                    assert!(ch.ends_with(b"\n"), "size {size}: {ch:?}");
                }
                // Never a chunk starting with the byte order mark.
                assert_ne!(ch[0], 0xEF, "size {size}");
            }
        }
        // Size 1: every line its own chunk, except the one before the mark.
        assert_eq!(line_chunks(data, 1).len(), 5);
    }

    #[test]
    fn recycled_buffers_give_the_same_chunks() {
        let data: Vec<u8> = (0..2000)
            .flat_map(|i| format!("{{\"n\":{i}}}\n").into_bytes())
            .collect();
        for size in [10, 100, 5000] {
            let mut c = Chunker::new(&data[..], size);
            c.cut_lines();
            let mut out = Vec::new();
            while let Some(ch) = c.next_chunk().unwrap() {
                assert!(ch.bytes.ends_with(b"\n"));
                out.extend_from_slice(&ch.bytes);
                c.recycle(ch.bytes);
            }
            assert_eq!(out, data, "size {size}");
        }
    }

    #[test]
    fn a_file_within_the_size_asked_is_small() {
        let data = vec![b'x'; 1000];
        let mut c = Chunker::new(&data[..], 1000);
        assert!(c.first().unwrap().1);
        let mut c = Chunker::new(&data[..], 999);
        let (head, small) = c.first().unwrap();
        assert_eq!(head.len(), 1000);
        assert!(!small);
    }

    #[test]
    fn counts_line_breaks_like_the_reader() {
        assert_eq!(line_feeds(b"a\rb\nc\r\nd"), 2);
        assert_eq!(line_breaks(b"a\rb\nc\r\nd"), 3);
        assert_eq!(line_breaks(b"\n\r"), 2);
        assert_eq!(line_breaks(b""), 0);
    }
}
