//! HL7 v2 (ER7) reader: byte-level, zero-copy, tolerant of damage.
//!
//! [`read`] splits a file (plain, MLLP-framed or FHS/BHS batch) into [`Message`]s.
//! A message keeps a borrowed slice of its bytes and a small index of segment spans;
//! fields, repetitions, components and subcomponents are split lazily, in one pass per
//! segment, when walked. Input is `&[u8]`: no UTF-8 requirement, Latin-1 works.
//!
//! # Reading rules
//!
//! * **Lines.** `\r`, `\n` and `\r\n` end a segment (mixed in one file too); `\r\n`
//!   counts as one line. An MLLP end block (0x1C) also ends a segment.
//! * **Messages** start at a line beginning with `MSH` and end before the next `MSH`,
//!   a batch segment (FHS/BHS/BTS/FTS), an MLLP start or end block, a line that is not
//!   a segment (see below), or the end of data. Blank lines (empty or only spaces/tabs)
//!   are framing, not data.
//! * **Segments** inside a message: a name of 1–8 printable ASCII bytes then the field
//!   separator. Names that are not three upper-case letters or digits are kept
//!   (`v2-bad-segment-name`, not walked); a name-only line of up to four letters/digits
//!   (`PI`, `PID` without field separator) is `v2-truncated-segment`. Any other line
//!   ends the message and is reported as stray bytes.
//! * **Data ending mid-segment** (no terminator after the last segment) is *not* an
//!   issue: many files lack a final newline. Inside an open MLLP frame it is
//!   `v2-mllp-unterminated`. A message cut short inside MSH shows up as missing MSH-9,
//!   MSH-10 or MSH-12.
//! * **Outside messages**, runs of lines are reported once per run, with their byte
//!   count: `v2-no-msh` for well-formed segments without MSH, otherwise
//!   `v2-garbage-between-messages` (binary data included). Nothing is skipped silently:
//!   every byte is in a message, in [`Summary::stray_bytes`] (each run has an issue) or
//!   in [`Summary::framing_bytes`].
//! * **Delimiters** come from MSH-1/MSH-2 (2 to 5 distinct characters, no letters,
//!   digits, spaces or controls). A bad set makes the message unusable
//!   (`v2-bad-delimiters`, Error); its lines up to the next message boundary belong to it.
//! * **Charset** from MSH-18 (first repetition): empty/`ASCII`, `8859/1`,
//!   `UNICODE UTF-8` and common spellings. ASCII is read leniently as Latin-1 with a
//!   `v2-invalid-encoding` warning at the first byte ≥ 0x80 of a segment; invalid UTF-8
//!   under UTF-8 likewise; unknown names are `v2-unknown-charset` and read as Latin-1.
//! * **Checks per segment** (first problem of each kind per segment, with its byte
//!   offset): charset, control bytes (`v2-binary-data`), escapes (`v2-bad-escape`).
//! * **Batches**: messages between BHS and BTS carry a [`BatchContext`]; BTS-1 / FTS-1
//!   counts are checked, missing or unmatched trailers are `v2-batch-mismatch`.
//!
//! Issue texts never quote field content: they give shape, position and counts.

mod escape;
mod message;
pub(crate) use message::plain_ascii;
pub mod path;
mod reader;

use std::borrow::Cow;

pub use message::{Leaf, Message, Segment};
pub use reader::{BatchContext, Reader, Summary, read, read_with};

/// The delimiters a message declares in MSH-1 and MSH-2.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Delimiters {
    pub field: u8,
    pub component: u8,
    pub repetition: u8,
    pub escape: Option<u8>,
    pub subcomponent: Option<u8>,
    /// v2.7+ truncation character (MSH-2, fifth character).
    pub truncation: Option<u8>,
}

impl Default for Delimiters {
    fn default() -> Self {
        Self {
            field: b'|',
            component: b'^',
            repetition: b'~',
            escape: Some(b'\\'),
            subcomponent: Some(b'&'),
            truncation: None,
        }
    }
}

/// Why MSH-1/MSH-2 do not declare a usable delimiter set (shape only, no content).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DelimiterError {
    /// No field separator after the segment name.
    MissingFieldSeparator,
    /// MSH-2 has fewer than 2 or more than 5 characters.
    BadLength(usize),
    /// The same character is used for two delimiters.
    Duplicate,
    /// A letter, digit, space, control byte or non-ASCII byte used as a delimiter.
    IllegalCharacter,
}

impl std::fmt::Display for DelimiterError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DelimiterError::MissingFieldSeparator => {
                f.write_str("no field separator after the segment name")
            }
            DelimiterError::BadLength(n) => write!(
                f,
                "encoding characters field of {n} characters (2 to 5 expected)"
            ),
            DelimiterError::Duplicate => {
                f.write_str("the same character is declared for two delimiters")
            }
            DelimiterError::IllegalCharacter => f.write_str(
                "a letter, digit, space, control or non-ASCII byte is declared as a delimiter",
            ),
        }
    }
}

impl Delimiters {
    /// Reads the delimiters of a header segment (`MSH`, `FHS`, `BHS`): byte 3 is the field
    /// separator (MSH-1), the bytes up to the next field separator are MSH-2
    /// (component, repetition, escape, subcomponent, truncation, in that order).
    ///
    /// Returns the delimiters and the length of MSH-2.
    pub fn from_header(segment: &[u8]) -> Result<(Delimiters, usize), DelimiterError> {
        let Some(&field) = segment.get(3) else {
            return Err(DelimiterError::MissingFieldSeparator);
        };
        let rest = segment.get(4..).unwrap_or_default();
        let enc = match memchr::memchr(field, rest) {
            Some(i) => &rest[..i],
            None => rest,
        };
        if !(2..=5).contains(&enc.len()) {
            return Err(DelimiterError::BadLength(enc.len()));
        }
        let legal = |b: u8| b.is_ascii_graphic() && !b.is_ascii_alphanumeric();
        if !legal(field) || !enc.iter().all(|&b| legal(b)) {
            return Err(DelimiterError::IllegalCharacter);
        }
        for (i, &b) in enc.iter().enumerate() {
            if b == field || enc[i + 1..].contains(&b) {
                return Err(DelimiterError::Duplicate);
            }
        }
        let d = Delimiters {
            field,
            component: enc[0],
            repetition: enc[1],
            escape: enc.get(2).copied(),
            subcomponent: enc.get(3).copied(),
            truncation: enc.get(4).copied(),
        };
        Ok((d, enc.len()))
    }

    /// True if `b` separates fields, repetitions, components or subcomponents.
    pub fn is_separator(&self, b: u8) -> bool {
        b == self.field
            || b == self.component
            || b == self.repetition
            || Some(b) == self.subcomponent
    }
}

/// Character sets of MSH-18 that ira decodes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Charset {
    /// `ASCII` (and the default when MSH-18 is empty). Read leniently: bytes ≥ 0x80 are
    /// decoded as ISO-8859-1 (and reported by the reader).
    #[default]
    Ascii,
    /// `8859/1`.
    Latin1,
    /// `UNICODE UTF-8`.
    Utf8,
}

impl Charset {
    /// Recognises the first repetition of MSH-18 (case-insensitive, common spellings).
    /// `Some(Ascii)` for an empty value, `None` for a set ira cannot decode.
    pub fn from_msh18(value: &[u8]) -> Option<Charset> {
        let v = value.trim_ascii();
        if v.is_empty() {
            return Some(Charset::Ascii);
        }
        let mut buf = [0u8; 24];
        if v.len() > buf.len() {
            return None;
        }
        // Normalise: upper case, `_`, `-`, ` ` and `/` removed, so `ISO_IR 100`,
        // `ISO-8859-1`, `8859/1` and `iso8859-1` compare alike.
        let mut n = 0;
        for &b in v {
            if matches!(b, b'_' | b'-' | b' ' | b'/') {
                continue;
            }
            buf[n] = b.to_ascii_uppercase();
            n += 1;
        }
        match &buf[..n] {
            b"ASCII" | b"USASCII" => Some(Charset::Ascii),
            b"88591" | b"ISO88591" | b"ISOIR100" | b"LATIN1" | b"ISOLATIN1" => {
                Some(Charset::Latin1)
            }
            b"UNICODEUTF8" | b"UTF8" | b"ISOIR192" => Some(Charset::Utf8),
            _ => None,
        }
    }

    /// Decodes bytes of this charset. ASCII is read as ISO-8859-1 (a superset), invalid
    /// UTF-8 becomes U+FFFD. Borrows when no conversion is needed.
    pub fn decode<'a>(self, bytes: &'a [u8]) -> Cow<'a, str> {
        match self {
            Charset::Ascii | Charset::Latin1 => match std::str::from_utf8(bytes) {
                Ok(s) if bytes.is_ascii() => Cow::Borrowed(s),
                _ => Cow::Owned(bytes.iter().map(|&b| char::from(b)).collect()),
            },
            Charset::Utf8 => String::from_utf8_lossy(bytes),
        }
    }

    fn decode_owned(self, bytes: Vec<u8>) -> String {
        match self {
            Charset::Ascii | Charset::Latin1 => bytes.iter().map(|&b| char::from(b)).collect(),
            Charset::Utf8 => match String::from_utf8(bytes) {
                Ok(s) => s,
                Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
            },
        }
    }
}

/// How the values of one message are decoded.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Encoding {
    pub delimiters: Delimiters,
    pub charset: Charset,
}

impl Encoding {
    /// Decodes a raw leaf value: escape sequences and character set.
    ///
    /// `\F\ \S\ \T\ \R\ \E\` become the delimiters, `\Xhh..\` the bytes it names (in
    /// the message charset), `\.br\` a newline. Formatting (`\H\ \N\ \.sp\ \.in\ …`),
    /// charset-switch (`\C..\ \M..\`) and local (`\Z..\`) escapes, malformed and
    /// unterminated escapes are kept as written. Never panics.
    pub fn decode<'a>(&self, raw: &'a [u8]) -> Cow<'a, str> {
        match escape::unescape(raw, &self.delimiters) {
            Cow::Borrowed(b) => self.charset.decode(b),
            Cow::Owned(v) => Cow::Owned(self.charset.decode_owned(v)),
        }
    }
}
