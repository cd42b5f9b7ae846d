//! HL7 v2 (ER7) reader. (Being built: see issue 3.)

pub mod path;

use std::borrow::Cow;

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

/// Character sets of MSH-18 that ira decodes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Charset {
    /// `ASCII` (and the default when MSH-18 is empty).
    #[default]
    Ascii,
    /// `8859/1`.
    Latin1,
    /// `UNICODE UTF-8`.
    Utf8,
}

/// How the values of one message are decoded.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Encoding {
    pub delimiters: Delimiters,
    pub charset: Charset,
}

impl Encoding {
    /// Decodes a raw leaf value: escape sequences and character set.
    pub fn decode<'a>(&self, raw: &'a [u8]) -> Cow<'a, str> {
        String::from_utf8_lossy(raw)
    }
}
