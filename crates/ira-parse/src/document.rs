//! One entry point for every format: read a file's bytes and hand each sample, with its
//! issues, to a [`SampleSink`]. Analysis implements the sink; it never needs to know
//! which reader produced a sample.

use serde::Serialize;

use crate::fhir::{self, Conformance};
use crate::hl7;
use crate::input::{Format, SourceFile};
use crate::issue::{Issue, IssueCode, Severity};
use crate::limits::Limits;
use crate::location::Location;
use crate::model::Sample;

/// Receives what a reader found, in file order.
pub trait SampleSink {
    /// A usable sample (message or resource) and the issues found in it.
    fn sample(&mut self, sample: &dyn Sample, issues: &[Issue]);
    /// An issue outside any usable sample (garbage between messages, a skipped
    /// message, an unparseable NDJSON line).
    fn issue(&mut self, issue: &Issue);
}

/// What a reader counted in one file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Messages or resources found (read + skipped).
    pub found: u32,
    /// Read, but with at least one warning.
    pub damaged: u32,
    /// Unusable and skipped (each with an error issue saying why).
    pub skipped: u32,
}

impl Counts {
    /// Messages or resources that were read and handed to analysis.
    pub fn read(&self) -> u32 {
        self.found - self.skipped
    }
}

/// Options for reading.
#[derive(Clone, Copy, Default)]
pub struct ReadOptions<'c> {
    /// Base-R4 conformance check for FHIR resources (`None`: skipped).
    pub conformance: Option<&'c dyn Conformance>,
    /// Limits on input that would exhaust memory or time (see [`Limits`]).
    pub limits: Limits,
}

impl std::fmt::Debug for ReadOptions<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadOptions")
            .field("conformance", &self.conformance.is_some())
            .field("limits", &self.limits)
            .finish()
    }
}

/// Reads `bytes` of `file` as `format`, feeding `sink`; returns the counts.
pub fn read_samples(
    file: &SourceFile,
    format: Format,
    bytes: &[u8],
    options: ReadOptions<'_>,
    sink: &mut dyn SampleSink,
) -> Counts {
    let limits = &options.limits;
    if bytes.len() as u64 > limits.max_file_bytes {
        let detail = format!(
            "file of {} bytes, over the limit of {} bytes; not read",
            bytes.len(),
            limits.max_file_bytes
        );
        let loc = Location::new(file.id, None, 0, 1);
        sink.issue(&Issue::new(IssueCode::InputTooLarge, loc, detail));
        return Counts::default();
    }
    match format {
        Format::Hl7v2 => {
            let mut reader = hl7::read_with(bytes, file.id, limits);
            while let Some(message) = reader.next() {
                for issue in reader.take_issues() {
                    sink.issue(&issue);
                }
                if message.is_usable() {
                    sink.sample(&message, message.issues());
                } else {
                    for issue in message.issues() {
                        sink.issue(issue);
                    }
                }
            }
            for issue in reader.take_issues() {
                sink.issue(&issue);
            }
            let s = reader.summary();
            Counts {
                found: s.messages,
                damaged: s.damaged,
                skipped: s.skipped,
            }
        }
        Format::FhirNdjson => {
            // Line by line: a line read in one pass hands on the items it kept.
            let mut reader = fhir::NdjsonReader::with_limits(bytes, file.id, limits);
            let mut cache = fhir::WalkCache::default();
            let mut after = Vec::new();
            let mut counts = Counts::default();
            while let Some((batch, walked)) = reader.next_walked(&mut cache) {
                let c = feed_fhir(file, &batch, options, sink, &mut cache, walked, &mut after);
                counts.found += c.found;
                counts.damaged += c.damaged;
                counts.skipped += c.skipped;
            }
            // As for a file read whole: issues not tied to a resource come last, in file
            // order (each line's lie within the line).
            for issue in &after {
                sink.issue(issue);
            }
            counts
        }
        Format::FhirJson | Format::FhirXml => {
            let parsed = match format {
                Format::FhirJson => fhir::read_json_with(bytes, file.id, limits),
                _ => fhir::read_xml_with(bytes, file.id, limits),
            };
            let mut cache = fhir::WalkCache::default();
            let mut after = Vec::new();
            let counts = feed_fhir(file, &parsed, options, sink, &mut cache, false, &mut after);
            for issue in &after {
                sink.issue(issue);
            }
            counts
        }
        Format::Unknown => {
            sink.issue(&crate::input::unknown_format_issue(file));
            Counts::default()
        }
    }
}

/// Hands the resources of `parsed` (a FHIR file, or what one NDJSON line gave) to `sink`
/// with their issues; the issues not tied to a resource read are added to `after`, for
/// the caller to hand on after every resource of the file. `walked`: `cache` holds the
/// items of the only resource (see `NdjsonReader::next_walked`).
fn feed_fhir(
    file: &SourceFile,
    parsed: &fhir::FhirFile,
    options: ReadOptions<'_>,
    sink: &mut dyn SampleSink,
    cache: &mut fhir::WalkCache,
    walked: bool,
    after: &mut Vec<Issue>,
) -> Counts {
    // Nearly every NDJSON line: one resource, no issue.
    if parsed.issues.is_empty() && options.conformance.is_none() {
        let walked = walked && parsed.resources.len() == 1;
        for resource in &parsed.resources {
            if walked {
                sink.sample(&cache.sample_walked(resource), &[]);
            } else {
                sink.sample(&cache.sample(resource), &[]);
            }
        }
        return Counts {
            found: parsed.summary.resources + parsed.summary.skipped,
            damaged: parsed.summary.damaged,
            skipped: parsed.summary.skipped,
        };
    }
    let mut extra_damaged = 0;
    let mut own: Vec<Issue> = Vec::new();
    // Each resource's issues, found once (not a scan of every issue per resource).
    let mut by_message: std::collections::HashMap<Option<u32>, Vec<&Issue>> =
        std::collections::HashMap::new();
    for i in parsed.issues.iter().filter(|i| i.location.file == file.id) {
        by_message.entry(i.location.message).or_default().push(i);
    }
    let walked = walked && parsed.resources.len() == 1;
    for resource in &parsed.resources {
        own.clear();
        if let Some(mine) = by_message.get(&resource.location().message) {
            own.extend(mine.iter().map(|&i| i.clone()));
        }
        let before = own.iter().any(|i| i.severity >= Severity::Warning);
        if let Some(check) = options.conformance {
            own.extend(check.check(resource));
        }
        let after = own.iter().any(|i| i.severity >= Severity::Warning);
        if after && !before {
            extra_damaged += 1;
        }
        // Every consumer walks the resource's items: walked once, then replayed.
        if walked {
            sink.sample(&cache.sample_walked(resource), &own);
        } else {
            sink.sample(&cache.sample(resource), &own);
        }
    }
    // Issues not tied to a resource that was read (invalid JSON, a skipped line).
    let read: std::collections::HashSet<Option<u32>> = parsed
        .resources
        .iter()
        .map(|r| r.location().message)
        .collect();
    after.extend(
        parsed
            .issues
            .iter()
            .filter(|i| !read.contains(&i.location.message))
            .cloned(),
    );
    // The FHIR summary counts resources read; skipped ones come on top.
    Counts {
        found: parsed.summary.resources + parsed.summary.skipped,
        damaged: parsed.summary.damaged + extra_damaged,
        skipped: parsed.summary.skipped,
    }
}
