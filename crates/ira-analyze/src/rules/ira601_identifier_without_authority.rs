//! IRA601 identifier-without-authority: identifiers that do not say who issued them.

use ira_parse::fhir::{PathFacts, PathFilter};
use ira_parse::model::{ElementPath, Sample, V2Path};

use super::v2types::{RuleEnv, pack_path, unpack_path};
use super::{
    Category, PackedKey, RiskSeverity, RuleDoc, RuleMeta, SampleCx, SampleFindings, SampleRule,
    Tally,
};

pub(super) struct Rule;

static META: RuleMeta = RuleMeta {
    id: "IRA601",
    name: "identifier-without-authority",
    title: "Patient and visit identifiers without an issuing authority",
    category: Category::PatientSafety,
    severity: RiskSeverity::High,
    patient_safety: true,
    doc: RuleDoc {
        what: "HL7 v2 identifiers (every CX field: PID-3, PID-2, PID-4, PID-18, PV1-19, \
               MRG-1, …) whose ID number is valued but whose assigning authority (CX.4) or \
               identifier type code (CX.5) is empty; FHIR identifiers with a value and no \
               `system`.",
        why: "FHIR matches patients on `Identifier.system` + `value`; the V2-to-FHIR map \
              builds the system from CX.4 and the type from CX.5. A number without its \
              authority cannot be told apart from the same number issued by another \
              facility or another numbering scheme (MRN, visit, account): records merge \
              into the wrong patient, or the target creates duplicates.",
        example: "`PID|1||123456^^^^MR||...` — CX.4 empty: 123456 of which hospital? \
                  `PID|1||123456^^^GOODHOSP||...` — CX.5 empty: an MRN or a visit number?",
        fix: "Have the sender fill CX.4 (a namespace, and ideally an OID or URI in HD.2/HD.3) \
              and CX.5 from table 0203, or have the interface engine assign them per \
              sending facility; agree with the target team the `Identifier.system` URI of \
              each authority and record it in the spec's map overrides.",
        references: &[
            "HL7 v2.5.1 chapter 2A, CX extended composite ID (CX.4 assigning authority, CX.5 identifier type code)",
            "HL7 V2-to-FHIR IG, datatype map CX[Identifier]",
            "FHIR R4 Identifier: system, value",
        ],
    },
};

impl SampleRule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn observe(&self, sample: &dyn Sample, cx: &SampleCx<'_>, tally: &mut Tally) {
        let mut found = SampleFindings::new(META.id, cx.scope);
        if let Some(msg) = sample.as_v2() {
            let d = msg.encoding().delimiters;
            for seg in msg.segments() {
                let Ok(id) = <[u8; 3]>::try_from(seg.name()) else {
                    continue;
                };
                let identifiers = cx.env.positions.cx_fields(id);
                let Some(&last) = identifiers.last() else {
                    continue;
                };
                for (n, raw) in seg.fields() {
                    if n > last {
                        break;
                    }
                    if raw.is_empty() || !identifiers.contains(&n) {
                        continue;
                    }
                    let path = V2Path::field(id, n);
                    for rep in raw.split(|&b| b == d.repetition) {
                        let mut comps = rep.split(|&b| b == d.component);
                        // `""` is HL7's explicit null, not a value.
                        let valued =
                            |c: Option<&[u8]>| c.is_some_and(|c| !c.is_empty() && c != b"\"\"");
                        if !valued(comps.next()) {
                            continue;
                        }
                        let (c4, c5) = (comps.nth(2), comps.next());
                        let at = seg.location();
                        if !valued(c4) {
                            found.note_packed(pack_path(&path) | (4 << 80), at);
                        }
                        if !valued(c5) {
                            found.note_packed(pack_path(&path) | (5 << 80), at);
                        }
                    }
                }
            }
        } else if sample.as_fhir().is_some() {
            // identifier[i] prefixes that have a value, and those that have a system.
            let mut valued: Vec<(String, String, ira_parse::Location)> = Vec::new();
            let mut with_system: Vec<String> = Vec::new();
            let mut visit = |item: &ira_parse::model::Item<'_>, facts: Option<&PathFacts<'_>>| {
                let ElementPath::Fhir(p) = item.path else {
                    return;
                };
                if facts.is_some_and(|f| !concerns(f.stripped)) {
                    return;
                }
                let Some(i) = rfind_identifier(p) else {
                    return;
                };
                let Some(close) = p[i..].find(']') else {
                    return;
                };
                let prefix = &p[..i + close + 1];
                match &p[i + close + 1..] {
                    ".value" => {
                        valued.push((prefix.to_owned(), strip_indexes(prefix), item.location))
                    }
                    ".system" => with_system.push(prefix.to_owned()),
                    _ => {}
                }
            };
            // Most items are skipped by the filter before they are built (one filter
            // per thread, kept from sample to sample).
            FILTER.with_borrow_mut(|f| sample.walk_fhir_where(f, &mut visit));
            for (prefix, schema, at) in valued {
                if !with_system.contains(&prefix) {
                    found.note(
                        Some(format!("{schema}.system")),
                        None,
                        "identifier without system",
                        at,
                    );
                }
            }
        }
        found.record(tally);
    }

    fn describe(
        &self,
        key: PackedKey,
        env: &RuleEnv<'_>,
    ) -> Option<(Option<String>, Option<String>, String)> {
        let path = unpack_path(key);
        let c = u16::try_from(key >> 80).ok()?;
        let detail = match c {
            4 => "identifier without assigning authority (CX.4)",
            5 => "identifier without identifier type code (CX.5)",
            _ => return None,
        };
        // The FHIR element the missing component would have fed.
        let target = env
            .positions
            .position(&V2Path {
                component: c,
                ..path
            })
            .and_then(|p| p.target.clone());
        Some((Some(format!("{path}.{c}")), target, detail.to_owned()))
    }
}

/// A path that ends `.identifier[i].value` (or `.system`) ends `.identifier.value`
/// without its indexes: the only FHIR items this rule looks at.
fn concerns(stripped: &str) -> bool {
    stripped.ends_with(".identifier.value") || stripped.ends_with(".identifier.system")
}

thread_local! {
    static FILTER: std::cell::RefCell<PathFilter> = std::cell::RefCell::new(PathFilter::new(concerns));
}

/// `Patient.identifier[0]` → `Patient.identifier`.
fn strip_indexes(p: &str) -> String {
    let mut out = String::with_capacity(p.len());
    let mut depth = 0;
    for c in p.chars() {
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

/// `p.rfind(".identifier[")` by bytes: a substring search sets up a searcher on every
/// call, and this runs for every item of every FHIR sample.
fn rfind_identifier(p: &str) -> Option<usize> {
    const NEEDLE: &[u8] = b".identifier[";
    let b = p.as_bytes();
    let last = b.len().checked_sub(NEEDLE.len())?;
    (0..=last)
        .rev()
        .find(|&i| b[i] == b'.' && b[i..].starts_with(NEEDLE))
}
