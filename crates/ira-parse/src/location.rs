//! Where a value, segment, message or issue came from.

use serde::Serialize;

/// Index of an input file in the run's file table (see [`crate::input::FileTable`]).
///
/// Files are numbered in sorted path order, so ids are the same from run to run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct FileId(pub u32);

/// A position in an input file.
///
/// * `message` is the 1-based number of the message (HL7 v2) or resource (FHIR) in the
///   file, `None` for bytes outside any message (e.g. garbage between messages).
/// * `offset` is the byte offset from the start of the file (0-based).
/// * `line` is the 1-based line. For HL7 v2 every segment terminator (`\r`, `\n` or
///   `\r\n`) ends a line, so the line of a value is the line of its segment, counted from
///   the start of the file, the same way an editor shows it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Location {
    pub file: FileId,
    pub message: Option<u32>,
    pub offset: u64,
    pub line: u32,
}

impl Location {
    pub fn new(file: FileId, message: Option<u32>, offset: u64, line: u32) -> Self {
        Self {
            file,
            message,
            offset,
            line,
        }
    }
}

impl std::fmt::Display for Location {
    /// `message 3, line 12, byte 345` — the file name is added by whoever holds the table.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(m) = self.message {
            write!(f, "message {m}, ")?;
        }
        write!(f, "line {}, byte {}", self.line, self.offset)
    }
}
