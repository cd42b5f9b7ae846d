//! HL7 v2 (ER7) reader: byte-level, zero-copy, tolerant of damage.
//!
//! [`read`] splits a file (plain, MLLP-framed or FHS/BHS batch) into [`Message`]s.
//! A message keeps a borrowed slice of its bytes and a small index of segment spans;
//! fields, repetitions, components and subcomponents are split lazily when walked.
//! Everything that is not read as part of a message is reported as a positioned
//! [`Issue`](crate::Issue) by [`Reader::take_issues`] and counted in [`Summary`].

mod escape;
mod message;
pub mod path;
mod reader;

use std::borrow::Cow;

pub use message::{Message, Segment};
pub use reader::{BatchContext, Reader, Summary, read};

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
