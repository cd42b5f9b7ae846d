//! The risk report, `ira.report/1`: risk items, readiness, and the provenance an audit
//! trail needs (tool version, spec and input digests, timestamp). Documented in
//! `docs/report-format.md`, with the JSON Schema `docs/report.schema.json`.
//!
//! The report does no I/O: the caller (the CLI) reads the files, hashes them with
//! [`sha256_hex`] and picks the timestamp (`SOURCE_DATE_EPOCH` if set, see
//! [`Timestamp::from_source_date_epoch`]), so the same inputs and timestamp give the
//! same bytes.

use std::collections::BTreeMap;

use serde::Serialize;
use sha2::{Digest, Sha256};

use ira_analyze::account::FileAccount;
use ira_analyze::rules::{Finding, RiskSeverity};
use ira_analyze::spec::{Date, Spec};

use crate::baseline::BaselineDiff;
use crate::risk::{Readiness, RiskItem, SeverityCounts, Status, build_risks, readiness};

/// The schema id of the risk report.
pub const SCHEMA: &str = "ira.report/1";

/// Lower-case hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut s = String::with_capacity(64);
    for b in digest {
        s.push(char::from(HEX[usize::from(b >> 4)]));
        s.push(char::from(HEX[usize::from(b & 15)]));
    }
    s
}

/// SHA-256 (lower-case hex) and length of everything `reader` yields, read in blocks so
/// memory does not grow with the input.
pub fn sha256_hex_reader(mut reader: impl std::io::Read) -> std::io::Result<(String, u64)> {
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut total = 0u64;
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        hasher.update(&buf[..n]);
        total += n as u64;
    }
    let mut s = String::with_capacity(64);
    for b in hasher.finalize() {
        s.push(char::from(HEX[usize::from(b >> 4)]));
        s.push(char::from(HEX[usize::from(b & 15)]));
    }
    Ok((s, total))
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// A point in time, seconds since the Unix epoch (UTC).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// Reads the value of `SOURCE_DATE_EPOCH` (decimal seconds since the epoch).
    pub fn from_source_date_epoch(value: &str) -> Option<Timestamp> {
        value.trim().parse::<i64>().ok().map(Timestamp)
    }

    /// `now` as a timestamp (whole seconds).
    pub fn from_system_time(now: std::time::SystemTime) -> Timestamp {
        match now.duration_since(std::time::UNIX_EPOCH) {
            Ok(d) => Timestamp(i64::try_from(d.as_secs()).unwrap_or(i64::MAX)),
            Err(e) => Timestamp(-i64::try_from(e.duration().as_secs()).unwrap_or(i64::MAX)),
        }
    }

    fn civil(self) -> (i64, u32, u32, i64) {
        let days = self.0.div_euclid(86_400);
        let secs = self.0.rem_euclid(86_400);
        // Days to civil date (H. Hinnant's algorithm, proleptic Gregorian).
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let y = yoe + era * 400 + i64::from(m <= 2);
        (y, m, d, secs)
    }

    /// RFC 3339 in UTC: `2026-11-25T10:39:17Z`.
    pub fn rfc3339(self) -> String {
        let (y, m, d, s) = self.civil();
        format!(
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
            s / 3600,
            s / 60 % 60,
            s % 60
        )
    }

    /// The UTC calendar day (for acceptance expiry); `None` outside years 1–9999.
    pub fn date(self) -> Option<Date> {
        let (y, m, d, _) = self.civil();
        Date::parse(&format!("{y:04}-{m:02}-{d:02}"))
    }
}

/// What role an input file played.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum InputRole {
    /// The interface spec.
    Spec,
    /// A legacy sample file.
    Legacy,
    /// A target sample file.
    Target,
    /// A StructureDefinition, ValueSet or CodeSystem file.
    Profile,
    /// A ConceptMap named by the spec.
    ConceptMap,
}

/// One input file and its digest.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct InputFile {
    pub role: InputRole,
    /// The path as the run named it.
    pub path: String,
    /// Size in bytes.
    pub bytes: u64,
    /// SHA-256, lower-case hex.
    pub sha256: String,
}

/// What the report says about its own making.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Provenance {
    /// When the report was made (the CLI pins it with `SOURCE_DATE_EPOCH`).
    pub generated_at: Timestamp,
    /// SHA-256 of the spec file, if one was used.
    pub spec_sha256: Option<String>,
    /// Every input file with its digest (any order: the report sorts them).
    pub inputs: Vec<InputFile>,
}

/// What was analysed, in counts.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub legacy_files: usize,
    pub legacy_samples: u64,
    pub target_files: usize,
    pub profiles: usize,
}

/// Everything needed to build a report.
#[derive(Clone, Debug)]
pub struct ReportInput<'a> {
    pub findings: &'a [Finding],
    /// The spec, for the interface name, thresholds and accepted risks.
    pub spec: Option<&'a Spec>,
    /// Scopes seen (message structures, resource types), so scopes without risks get
    /// a readiness of 100; may be empty.
    pub scopes: &'a [String],
    pub counts: Counts,
    pub provenance: &'a Provenance,
}

/// The `ira.report/1` document.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Report {
    pub schema: &'static str,
    pub tool: Tool,
    /// RFC 3339, UTC.
    pub generated_at: String,
    /// Whether evidence examples carry sample values (`--show-values`): then the
    /// report holds patient data.
    pub show_values: bool,
    /// The interface name from the spec.
    pub interface: Option<String>,
    pub spec: Option<SpecRef>,
    /// Input files sorted by role, then path.
    pub inputs: Vec<InputFile>,
    pub summary: Summary,
    pub readiness: Readiness,
    /// The comparison with a baseline report, when one was given (then `risks` holds
    /// the new risks only); absent from the JSON otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline: Option<BaselineDiff>,
    /// Sorted by rule, scope, source, target, detail.
    pub risks: Vec<RiskItem>,
    /// The reconciliation of every input file (legacy, then target, in file order):
    /// samples found = analysed + rejected, rejections by issue code. Set with
    /// [`Report::with_accounts`]; left out of the JSON when empty.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub accounts: Vec<FileAccount>,
}

impl Report {
    /// The report with the per-file reconciliation of the analysis
    /// (`ira_analyze::analysis::Analysis::files`).
    pub fn with_accounts(mut self, accounts: &[FileAccount]) -> Self {
        self.accounts = accounts.to_vec();
        self
    }
}

impl Report {
    /// Open risks of the report at or above `threshold` (accepted ones excluded). With
    /// a baseline the report holds only the new risks, so only those count: that is
    /// the CI gate of `--fail-on`.
    pub fn open_at_or_above(&self, threshold: RiskSeverity) -> usize {
        self.risks
            .iter()
            .filter(|r| r.status == Status::Open && r.severity >= threshold)
            .count()
    }
}

/// What the caller read from the files that findings point at, and from the target
/// profiles, for [`build_with`]. The report does no I/O itself.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Extras {
    /// Resource type → canonical URL of the one loaded StructureDefinition that
    /// constrains it (types constrained by several profiles are left out): fills
    /// `target.profile`.
    pub target_profiles: BTreeMap<String, String>,
    /// What was read back at each evidence example, keyed by (file as the findings name
    /// it, byte offset).
    pub examples: BTreeMap<(String, u64), ExampleFacts>,
    /// Whether examples carry their sample value (`--show-values`). Without it, values
    /// in [`Extras::examples`] are ignored.
    pub show_values: bool,
}

/// What was read back at one evidence example.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExampleFacts {
    /// MSH-10 of the example's v2 message.
    pub control_id: Option<String>,
    /// The raw content at the example's position (bounded), for `--show-values`.
    pub value: Option<String>,
}

/// The tool that wrote the report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Tool {
    pub name: &'static str,
    pub version: &'static str,
}

/// The spec used.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SpecRef {
    pub sha256: Option<String>,
}

/// Totals of the run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Summary {
    #[serde(flatten)]
    pub counts: Counts,
    pub risks: u64,
    /// Open risks by severity.
    pub open: SeverityCounts,
    pub accepted: u64,
}

/// Builds the report: risk items with their status as of the report's day, readiness
/// and the go / no-go of the spec's thresholds.
pub fn build(input: ReportInput<'_>) -> Report {
    build_with(input, &Extras::default())
}

/// [`build`], with what the caller read back from the files: target profiles, control
/// ids and (with `show_values`) sample values of evidence examples.
pub fn build_with(input: ReportInput<'_>, extras: &Extras) -> Report {
    // Outside years 1–9999 (a silly SOURCE_DATE_EPOCH): the nearest representable day.
    let ts = input.provenance.generated_at;
    let today = ts.date().unwrap_or(if ts.0 > 0 {
        Date {
            year: 9999,
            month: 12,
            day: 31,
        }
    } else {
        Date {
            year: 1,
            month: 1,
            day: 1,
        }
    });
    let accepted = input.spec.map(|s| s.accepted.as_slice()).unwrap_or(&[]);
    let mut risks = build_risks(input.findings, accepted, today);
    enrich(&mut risks, extras);
    let readiness = readiness(&risks, input.scopes, input.spec.map(|s| &s.thresholds));
    let mut inputs = input.provenance.inputs.clone();
    inputs.sort();
    Report {
        schema: SCHEMA,
        tool: Tool {
            name: "ira",
            version: env!("CARGO_PKG_VERSION"),
        },
        generated_at: input.provenance.generated_at.rfc3339(),
        show_values: extras.show_values,
        interface: input.spec.map(|s| s.interface.name.clone()),
        spec: input.spec.map(|_| SpecRef {
            sha256: input.provenance.spec_sha256.clone(),
        }),
        inputs,
        summary: Summary {
            counts: input.counts,
            risks: risks.len() as u64,
            open: readiness.interface.open.clone(),
            accepted: risks
                .iter()
                .filter(|r| r.status == Status::Accepted)
                .count() as u64,
        },
        readiness,
        baseline: None,
        risks,
        accounts: Vec::new(),
    }
}

/// Fills `target.profile`, `control_id` and (with `show_values`) `value` from `extras`.
fn enrich(risks: &mut [RiskItem], extras: &Extras) {
    for r in risks {
        if let Some(t) = &mut r.target {
            if t.standard == "fhir-r4" {
                let ty = t.path.split(['.', '[']).next().unwrap_or_default();
                t.profile = extras.target_profiles.get(ty).cloned();
            }
        }
        for e in &mut r.evidence.examples {
            let Some(facts) = extras.examples.get(&(e.file.clone(), e.offset)) else {
                continue;
            };
            e.control_id.clone_from(&facts.control_id);
            if extras.show_values {
                e.value.clone_from(&facts.value);
            }
        }
    }
}

/// The report as pretty JSON, ending with a newline.
pub fn json(report: &Report) -> String {
    let mut s = serde_json::to_string_pretty(report).unwrap_or_else(|_| "{}".to_owned());
    s.push('\n');
    s
}
