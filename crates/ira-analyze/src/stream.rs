//! Reading one file through the caller's opener, in bounded chunks processed in
//! parallel, with results merged in chunk order.
//!
//! A small file, or one whose format cannot be cut (a JSON Bundle, XML), is read whole,
//! as before. A large HL7 v2 file is cut at message boundaries and a large FHIR NDJSON
//! file after line feeds ([`ira_parse::chunk`]); a few chunks per thread are read at a
//! time, the next batch
//! being read while the current one is processed, so memory stays bounded whatever the
//! file size. Each chunk is read on its own with positions relative to it; they are put
//! back in place (byte offset, line, message number) when the chunk results are merged,
//! in chunk order, so the result is the same as a whole-file read for any thread count.
//! State that spans a file (the file rules' references and duplicates) is merged in
//! chunk order too and decided once, at the end of the file ([`Partial::end_file`]).

use std::io::{Cursor, Read};

use rayon::prelude::*;

use ira_parse::chunk::{Chunk, Chunker, DEFAULT_CHUNK_SIZE, line_breaks, line_feeds};
use ira_parse::document::{ReadOptions, SampleSink, read_samples};
use ira_parse::input::{Format, SourceFile, detect};
use ira_parse::{Issue, IssueCode};

use crate::account::{Accountant, FileAccount, Role};

/// A file's bytes as a stream, from the caller's opener.
pub type Opened = Box<dyn Read + Send>;

/// How files are read.
#[derive(Clone, Copy, Debug)]
pub struct StreamOptions {
    /// Files larger than this are read in chunks of about this size (HL7 v2 and FHIR
    /// NDJSON).
    pub chunk_size: usize,
    /// Chunks read ahead per worker thread (memory: about `2 × threads × chunks_per_thread
    /// × chunk_size`).
    pub chunks_per_thread: usize,
}

impl Default for StreamOptions {
    fn default() -> Self {
        Self {
            chunk_size: DEFAULT_CHUNK_SIZE,
            chunks_per_thread: 1,
        }
    }
}

impl StreamOptions {
    /// Whole files, never cut (what a loader of whole files gave before).
    pub fn whole() -> Self {
        Self {
            chunk_size: usize::MAX,
            chunks_per_thread: 1,
        }
    }
}

/// An opener from a loader of whole files.
pub fn opener_from_loader<L>(load: &L) -> impl Fn(&SourceFile) -> Result<Opened, Issue> + Sync + '_
where
    L: Fn(&SourceFile) -> Result<Vec<u8>, Issue> + Sync,
{
    move |file| load(file).map(|bytes| Box::new(Cursor::new(bytes)) as Opened)
}

/// Where a chunk lies in its file: added to the positions it recorded.
#[derive(Clone, Copy, Debug, Default)]
pub struct Shift {
    /// Bytes before the chunk.
    pub offset: u64,
    /// Line breaks before the chunk.
    pub lines: u32,
    /// Messages before the chunk.
    pub messages: u32,
}

impl Shift {
    /// Puts a location recorded in a chunk back in place in its file.
    pub fn apply(&self, at: &mut ira_parse::Location) {
        at.offset = at.offset.saturating_add(self.offset);
        at.line = at.line.saturating_add(self.lines);
        at.message = at.message.map(|m| m.saturating_add(self.messages));
    }
}

/// The result of reading part of a file, put back in place and merged in file order.
pub(crate) trait Partial: Send {
    fn shift(&mut self, by: Shift);
    /// Adds the result of the next chunk.
    fn merge_next(&mut self, next: Self);
    /// Called once on the result of a whole file: read whole, or merged from its chunks.
    fn end_file(&mut self) {}
}

/// Reads `file` through `open` into sinks made by `new_sink`, whose results `finish`
/// returns, with the file's account (found = analysed + rejected, counted on the same
/// pass). The result is `None`, and the account says why, if the file cannot be opened
/// or read.
#[allow(clippy::too_many_arguments)]
pub(crate) fn read_file<S, T, N, F, O>(
    file: &SourceFile,
    role: Role,
    open: &O,
    options: ReadOptions<'_>,
    stream: StreamOptions,
    new_sink: &N,
    finish: &F,
) -> (Option<T>, FileAccount)
where
    S: SampleSink,
    T: Partial,
    N: Fn() -> S + Sync,
    F: Fn(S) -> T + Sync,
    O: Fn(&SourceFile) -> Result<Opened, Issue> + Sync,
{
    let input = match open(file) {
        Ok(input) => input,
        Err(issue) => return (None, FileAccount::unreadable(file, role, &issue)),
    };
    // A read error after a successful open: the file is not analysed, and says so.
    let failed = || FileAccount::unreadable_as(file, role, IssueCode::InputUnreadable);
    let mut chunker = Chunker::new(input, stream.chunk_size);
    let (head, small) = match chunker.first() {
        Ok(h) => h,
        Err(_) => return (None, failed()),
    };
    let format = detect(head, Some(&file.path));
    // NDJSON is cut only when the head alone decided it (a first line and the start of
    // a second), so the whole file would be detected the same way.
    let lines = format == Format::FhirNdjson && ndjson_decided(head);
    if small || !(format == Format::Hl7v2 || lines) {
        let Ok(bytes) = chunker.rest() else {
            return (None, failed());
        };
        let format = detect(&bytes, Some(&file.path));
        let mut sink = new_sink();
        let mut acct = Accountant::new(&mut sink);
        let counts = read_samples(file, format, &bytes, options, &mut acct);
        let account = acct.finish(file, role, format, counts);
        let mut t = finish(sink);
        t.end_file();
        return (Some(t), account);
    }
    if lines {
        chunker.cut_lines();
    }

    let per_batch = rayon::current_num_threads().max(1) * stream.chunks_per_thread.max(1);
    let read_batch = |chunker: &mut Chunker<Opened>| -> std::io::Result<Vec<Chunk>> {
        let mut v = Vec::with_capacity(per_batch);
        while v.len() < per_batch {
            match chunker.next_chunk()? {
                Some(c) => v.push(c),
                None => break,
            }
        }
        Ok(v)
    };
    let run = |c: &Chunk| -> (T, FileAccount, u32, u32) {
        let mut sink = new_sink();
        let mut acct = Accountant::new(&mut sink);
        let counts = read_samples(file, format, &c.bytes, options, &mut acct);
        let account = acct.finish(file, role, format, counts);
        let mut t = finish(sink);
        t.shift(Shift {
            offset: c.offset,
            ..Shift::default()
        });
        // Lines and message numbers as each reader counts them: the v2 reader ends lines
        // at `\r`, `\n` and `\r\n` and numbers skipped messages too; the NDJSON reader
        // counts `\n` and numbers the resources it reads.
        if lines {
            (t, account, line_feeds(&c.bytes), counts.read())
        } else {
            (t, account, line_breaks(&c.bytes), counts.found)
        }
    };

    let mut merged: Option<T> = None;
    let mut account: Option<FileAccount> = None;
    let mut at = Shift::default();
    let Ok(mut batch) = read_batch(&mut chunker) else {
        return (None, failed());
    };
    while !batch.is_empty() {
        // Read the next batch while this one is processed.
        let (next, done) = rayon::join(
            || read_batch(&mut chunker),
            || batch.par_iter().map(run).collect::<Vec<_>>(),
        );
        for (mut t, a, lines, messages) in done {
            t.shift(Shift { offset: 0, ..at });
            at.lines = at.lines.saturating_add(lines);
            at.messages = at.messages.saturating_add(messages);
            match &mut merged {
                None => merged = Some(t),
                Some(m) => m.merge_next(t),
            }
            match &mut account {
                None => account = Some(a),
                Some(acc) => acc.absorb(a),
            }
        }
        let Ok(next) = next else {
            return (None, failed());
        };
        for c in std::mem::replace(&mut batch, next) {
            chunker.recycle(c.bytes);
        }
    }
    let mut merged = match merged {
        Some(m) => m,
        None => finish(new_sink()),
    };
    merged.end_file();
    let account = account.unwrap_or_else(|| FileAccount::empty(file, role, format));
    (Some(merged), account)
}

/// Whether the first bytes of a file hold a whole first line and the start of a second:
/// then detection reads nothing beyond them.
fn ndjson_decided(head: &[u8]) -> bool {
    let body = head
        .strip_prefix(b"\xEF\xBB\xBF")
        .unwrap_or(head)
        .trim_ascii_start();
    body.iter()
        .position(|&c| c == b'\n')
        .is_some_and(|nl| !body[nl + 1..].trim_ascii_start().is_empty())
}
