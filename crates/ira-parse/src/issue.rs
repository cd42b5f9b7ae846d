//! Positioned problems found while reading input.
//!
//! An [`Issue`] never contains a patient value: its `detail` names what was wrong
//! (a segment name of the wrong length, an unknown charset, a JSON syntax error) by
//! shape, position and standard vocabulary, never by quoting field content.

use serde::Serialize;

use crate::location::Location;

/// How bad an issue is for the data it touches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; nothing was lost (e.g. a missing optional MSH field).
    Info,
    /// The message or resource was read, but part of it is damaged or doubtful.
    Warning,
    /// The message, resource or bytes concerned could not be used and were skipped.
    Error,
}

macro_rules! issue_codes {
    ($( $(#[$doc:meta])* $variant:ident = $code:literal, $sev:ident; )*) => {
        /// Stable identifier of an issue kind. The string form (`as_str`) is part of
        /// ira's output format and is never reused for another meaning.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum IssueCode {
            $( $(#[$doc])* $variant, )*
        }

        impl IssueCode {
            /// Every code, in declaration order (for docs and tests).
            pub const ALL: &'static [IssueCode] = &[$(IssueCode::$variant,)*];

            /// The stable string id, e.g. `v2-bad-segment-name`.
            pub fn as_str(self) -> &'static str {
                match self { $( IssueCode::$variant => $code, )* }
            }

            /// The default severity of this kind of issue.
            pub fn default_severity(self) -> Severity {
                match self { $( IssueCode::$variant => Severity::$sev, )* }
            }
        }
    };
}

issue_codes! {
    // ---- inputs -------------------------------------------------------------------
    /// A file or directory could not be read (permissions, vanished, not a regular file).
    InputUnreadable = "input-unreadable", Error;
    /// The content is neither HL7 v2, FHIR JSON/NDJSON nor FHIR XML.
    InputUnknownFormat = "input-unknown-format", Error;
    /// The file is empty (or only whitespace).
    InputEmpty = "input-empty", Warning;
    /// The file is larger than `Limits::max_file_bytes`; it was not read.
    InputTooLarge = "input-too-large", Error;
    /// The file's size or modification time changed while it was read; it was not used
    /// (what was read may mix two versions of the file).
    InputChangedWhileRead = "input-changed-while-read", Error;
    /// A directory walk met a symbolic link back to a directory already being walked.
    InputSymlinkLoop = "input-symlink-loop", Warning;
    /// A path that is not a regular file or directory (fifo, socket, device): never
    /// opened, so a reader cannot block on it.
    InputNotRegularFile = "input-not-regular-file", Error;

    // ---- HL7 v2: framing --------------------------------------------------------------
    /// Bytes that do not belong to any message (before the first MSH, between messages).
    V2GarbageBetweenMessages = "v2-garbage-between-messages", Error;
    /// Segments found that do not follow an MSH: a message without header.
    V2NoMsh = "v2-no-msh", Error;
    /// An MLLP frame was opened (0x0B) but not closed (0x1C 0x0D) before the data ended
    /// or the next frame began.
    V2MllpUnterminated = "v2-mllp-unterminated", Warning;
    /// An MLLP end block (0x1C) with no frame open, or 0x1C not followed by 0x0D.
    V2MllpStrayEnd = "v2-mllp-stray-end", Warning;
    /// A batch or file trailer (BTS/FTS) count does not match what was read, or a
    /// trailer is missing, or a trailer appears without its header.
    V2BatchMismatch = "v2-batch-mismatch", Warning;
    /// NUL or other binary control bytes inside a message.
    V2BinaryData = "v2-binary-data", Warning;

    // ---- HL7 v2: MSH and delimiters --------------------------------------------------
    /// MSH-1/MSH-2 do not declare a usable delimiter set (too short, repeated, letters
    /// or digits, segment terminator used as a delimiter).
    V2BadDelimiters = "v2-bad-delimiters", Error;
    /// MSH-9 (message type) is empty or malformed.
    V2MissingMessageType = "v2-missing-message-type", Warning;
    /// MSH-10 (message control id) is empty.
    V2MissingControlId = "v2-missing-control-id", Warning;
    /// MSH-12 (version id) is empty.
    V2MissingVersion = "v2-missing-version", Warning;

    // ---- HL7 v2: segments and values --------------------------------------------------
    /// A segment whose name is not three upper-case letters or digits.
    V2BadSegmentName = "v2-bad-segment-name", Warning;
    /// A segment cut short: name only, or the data ended mid-segment.
    V2TruncatedSegment = "v2-truncated-segment", Warning;
    /// An escape sequence that is not terminated or not known.
    V2BadEscape = "v2-bad-escape", Warning;
    /// MSH-18 names a character set ira cannot decode; bytes are read as ISO-8859-1.
    V2UnknownCharset = "v2-unknown-charset", Warning;
    /// Bytes that are not valid in the declared (or default) character set.
    V2InvalidEncoding = "v2-invalid-encoding", Warning;
    /// A segment longer than `Limits::max_line_bytes`; the message is skipped.
    V2LimitSegmentLength = "v2-limit-segment-length", Error;
    /// A message with more segments than `Limits::max_segments_per_message`; skipped.
    V2LimitSegments = "v2-limit-segments", Error;
    /// A segment with more fields than `Limits::max_fields_per_segment`; the message
    /// is skipped.
    V2LimitFields = "v2-limit-fields", Error;
    /// A field with more repetitions than `Limits::max_repetitions_per_field`; the
    /// message is skipped.
    V2LimitRepetitions = "v2-limit-repetitions", Error;

    // ---- FHIR ---------------------------------------------------------------------------
    /// The JSON is not well-formed (syntax error, truncated).
    FhirInvalidJson = "fhir-invalid-json", Error;
    /// The XML is not well-formed.
    FhirInvalidXml = "fhir-invalid-xml", Error;
    /// A JSON object where a resource was expected has no `resourceType`.
    FhirMissingResourceType = "fhir-missing-resource-type", Error;
    /// `resourceType` names no FHIR R4 resource.
    FhirUnknownResourceType = "fhir-unknown-resource-type", Error;
    /// The resource is from another FHIR version (e.g. an R5-only resource type or a
    /// `meta.profile` / `fhirVersion` that says so).
    FhirWrongVersion = "fhir-wrong-version", Warning;
    /// A Bundle entry has no `resource`.
    FhirEntryWithoutResource = "fhir-entry-without-resource", Warning;
    /// The resource does not conform to the base R4 schema (wrong type for an element,
    /// unknown element, bad primitive). The detail carries the element path.
    FhirSchema = "fhir-schema", Warning;
    /// An NDJSON line is not a single JSON object.
    FhirBadNdjsonLine = "fhir-bad-ndjson-line", Error;
    /// JSON or XML nested deeper than `Limits::max_json_depth`; the resource (or NDJSON
    /// line) is skipped.
    FhirLimitDepth = "fhir-limit-depth", Error;
    /// An NDJSON line longer than `Limits::max_line_bytes`; skipped.
    FhirLimitLineLength = "fhir-limit-line-length", Error;
}

impl Serialize for IssueCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl std::fmt::Display for IssueCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A positioned problem in the input. `detail` never quotes patient data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Issue {
    pub code: IssueCode,
    pub severity: Severity,
    pub location: Location,
    pub detail: String,
}

impl Issue {
    /// An issue with the code's default severity.
    pub fn new(code: IssueCode, location: Location, detail: impl Into<String>) -> Self {
        Self {
            code,
            severity: code.default_severity(),
            location,
            detail: detail.into(),
        }
    }

    /// The same issue with another severity.
    pub fn with_severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }
}
