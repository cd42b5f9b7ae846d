//! IRA405 fhir-primitive-invalid: FHIR sample values that break the rules of their R4
//! primitive type.

use ira_parse::Location;
use ira_parse::fhir::{ByPath, PathFacts, table};
use ira_parse::model::{ElementPath, Sample, Value};

use super::{Category, RiskSeverity, RuleDoc, RuleMeta, SampleCx, SampleRule, Tally, TallyKey};
use crate::target::{Primitive, PrimitiveProblem};

pub(super) struct Rule;

static META: RuleMeta = RuleMeta {
    id: "IRA405",
    name: "fhir-primitive-invalid",
    title: "FHIR values that break their primitive type's rules",
    category: Category::Structure,
    severity: RiskSeverity::Medium,
    patient_safety: false,
    doc: RuleDoc {
        what: "Values in FHIR samples that are not valid instances of the element's R4 \
               primitive type (the type from the R4 base definitions): dates that are not \
               `YYYY[-MM[-DD]]` or not real calendar days, dateTimes with a time but no time \
               zone, instants without seconds or zone, ids longer than 64 characters or with \
               other characters, codes with stray whitespace, uris with whitespace, \
               malformed `urn:oid:`/`urn:uuid:`, decimals and integers that do not follow \
               the JSON number grammar or range, empty strings, control characters, bad \
               base64. Counted per element path and problem; values are never shown.",
        why: "A FHIR server validates primitives before anything else: a resource with one \
              bad date or id is rejected whole (HTTP 400/422), and a Bundle transaction \
              with one such entry fails entirely. A dateTime without a zone is read in the \
              server's zone, shifting times by hours. Target samples that already break \
              these rules show the producer's output will be rejected at go-live.",
        example: "`\"birthDate\": \"1980-02-30\"` (no such day), \
                  `\"effectiveDateTime\": \"2024-03-01T10:15:00\"` (no zone), \
                  `\"id\": \"…\"` with an underscore or 65 characters, \
                  `\"status\": \"final \"` (trailing space).",
        fix: "Fix the producer's formatting (a date formatter with the zone, ids drawn from \
              `[A-Za-z0-9.-]`, trimmed codes); where the source data is partial, send the \
              partial precision FHIR allows (`1980-02`) instead of an invented value; \
              validate the producer's output against the R4 base in its own tests.",
        references: &[
            "FHIR R4 Datatypes: primitive types and their regular expressions",
            "FHIR R4 JSON format: primitive values, numbers, empty strings",
            "FHIR R4 dateTime: \"If hours and minutes are specified, a time zone SHALL be populated\"",
        ],
    },
};

impl SampleRule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn observe(&self, sample: &dyn Sample, cx: &SampleCx<'_>, tally: &mut Tally) {
        if sample.as_fhir().is_none() {
            return;
        }
        let mut found: Vec<(String, &'static str, PrimitiveProblem, Location)> = Vec::new();
        TYPES.with_borrow_mut(|cache| {
            let mut buf = String::with_capacity(128);
            sample.walk_fhir(&mut |item, facts| {
                let ElementPath::Fhir(p) = item.path else {
                    return;
                };
                let text = match &item.value {
                    Value::Text(s) | Value::Number(s) => s.as_ref(),
                    _ => return,
                };
                // The walk's facts name the same path `strip_into` would write.
                let (stripped, ty) = match facts {
                    Some(f) => (f.stripped, cache.type_by_id(f)),
                    None => {
                        strip_into(p, &mut buf);
                        (buf.as_str(), cache.type_of(&buf))
                    }
                };
                let Some((ty, kind)) = ty else {
                    return;
                };
                let Some(problem) = kind.check(text) else {
                    return;
                };
                if !found
                    .iter()
                    .any(|(s, _, pr, _)| s == stripped && *pr == problem)
                {
                    found.push((stripped.to_owned(), ty, problem, item.location));
                }
            });
        });
        for (source, ty, problem, at) in found {
            tally.record(
                TallyKey {
                    rule: META.id,
                    scope: cx.scope.to_owned(),
                    source: Some(source),
                    target: None,
                    detail: format!("{ty}: {problem}"),
                },
                at,
            );
        }
    }
}

/// Paths kept in a thread's type cache before it is cleared: the R4 paths real samples
/// use are far fewer; crafted input with endless unknown names cannot grow it without
/// bound.
const CACHE_CAP: usize = 1 << 16;

/// The primitive type of each path seen (no indexes), per thread: rules are shared
/// between threads, and resolving a path through the R4 table for every leaf of every
/// sample would cost more than the check itself.
#[derive(Default)]
struct TypeCache(crate::fasthash::FastMap<String, Checked>, ByPath<Checked>);

/// A path's primitive type, when its values are checked: its name and kind.
type Checked = Option<(&'static str, Primitive)>;

impl TypeCache {
    /// [`TypeCache::type_of`] the walk's stripped path, kept by its id.
    fn type_by_id(&mut self, facts: &PathFacts<'_>) -> Checked {
        if let Some(t) = self.1.get(facts.id) {
            return t;
        }
        let t = self.type_of(facts.stripped);
        self.1.insert(facts.id, t);
        t
    }

    fn type_of(&mut self, path: &str) -> Checked {
        if let Some(t) = self.0.get(path) {
            return *t;
        }
        if self.0.len() >= CACHE_CAP {
            self.0.clear();
        }
        let t = primitive_type(path).and_then(|t| Some((t, Primitive::of(t)?)));
        self.0.insert(path.to_owned(), t);
        t
    }
}

thread_local! {
    static TYPES: std::cell::RefCell<TypeCache> = std::cell::RefCell::new(TypeCache::default());
}

/// `Patient.name[0].given[1]` → `Patient.name.given`, into a reused buffer (numeric
/// indexes only, as [`crate::target::strip_indexes`]).
fn strip_into(path: &str, out: &mut String) {
    out.clear();
    let mut rest = path;
    while let Some(open) = rest.find('[') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find(']') {
            Some(close) if close > 0 && after[..close].bytes().all(|b| b.is_ascii_digit()) => {
                rest = &after[close + 1..];
            }
            _ => {
                out.push('[');
                rest = after;
            }
        }
    }
    out.push_str(rest);
}

/// The R4 primitive type of a leaf path without indexes (`Patient.birthDate` → `date`),
/// `None` when the table cannot follow the path (inside contained resources, a
/// primitive's own extensions) or the leaf is not a primitive.
fn primitive_type(path: &str) -> Option<&'static str> {
    let t = table::r4();
    let mut parts = path.split('.');
    let mut base: &str = parts.next()?;
    // R4 defines Resource.id as an `id` (the element table, from the JSON form of the
    // definitions, gives its underlying `string`).
    if path.strip_prefix(base) == Some(".id") && t.kind(base) == Some(table::DefKind::Resource) {
        return Some("id");
    }
    let mut parts = parts.peekable();
    while let Some(name) = parts.next() {
        let (child, _, next_base) = t.child_with_shape(base, name)?;
        let ty = child.ty()?;
        if parts.peek().is_none() {
            return (t.kind(ty) == Some(table::DefKind::PrimitiveType)
                || ty.starts_with("System."))
            .then_some(ty);
        }
        base = next_base?;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::target::strip_indexes;

    #[test]
    fn strip_into_matches_strip_indexes() {
        let mut buf = String::new();
        for p in [
            "Patient.name[0].given[1]",
            "Observation.value[x]",
            "Patient.a[]b",
            "Patient[12",
            "Bundle.entry[3].fullUrl",
        ] {
            strip_into(p, &mut buf);
            assert_eq!(buf, strip_indexes(p), "{p}");
        }
    }

    proptest::proptest! {
        /// Where the walk gives a path's facts, the path without indexes is what
        /// `strip_into` writes.
        #[test]
        fn path_facts_agree_with_strip_into(parts in proptest::collection::vec(proptest::sample::select(vec!["a", ".b", "[0]", "[12]", "[", "]", "[x]", "_", "7"]), 0..10)) {
            let path = parts.concat();
            let (mut facts, mut buf) = (String::new(), String::new());
            if ira_parse::fhir::strip_plain(&path, &mut facts).is_some() {
                strip_into(&path, &mut buf);
                proptest::prop_assert_eq!(buf, facts);
            }
        }
    }

    #[test]
    fn primitive_types_from_the_r4_table() {
        assert_eq!(primitive_type("Patient.birthDate"), Some("date"));
        assert_eq!(primitive_type("Patient.id"), Some("id"));
        assert_eq!(primitive_type("Patient.name.id"), Some("string"));
        assert_eq!(primitive_type("Patient.identifier.system"), Some("uri"));
        assert_eq!(
            primitive_type("Observation.effectiveDateTime"),
            Some("dateTime")
        );
        assert_eq!(primitive_type("Patient.name"), None);
        assert_eq!(primitive_type("Observation.contained.status"), None);
    }
}
