//! Comparing a run with a previous report (`ira analyze --baseline REPORT.json`).
//!
//! A baseline is an earlier `ira.report/1` JSON document. Only what the comparison needs
//! is read from it — each risk's `id`, `rule`, `title`, `severity` and `scope` — and
//! every other key is ignored, so reports of newer versions with more keys still work.
//! Risks are compared by their stable id: a risk of this run is **new** when the
//! baseline does not list its id, **unchanged** when it does; a risk of the baseline
//! that this run no longer has is **resolved**.
//!
//! [`apply`] then keeps only the new risks in the report and records the comparison in
//! [`Report::baseline`]. Readiness and the summary still describe the whole run,
//! except the gate's `fail_on` check, which then counts new open risks only (the CI
//! gate a baseline is for, like `--fail-on`).

use serde::{Deserialize, Serialize};

use ira_analyze::rules::RiskSeverity;

use crate::report_json::{Report, SCHEMA};
use crate::risk::{Decision, RiskItem};

/// What ira reads from a baseline report.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Baseline {
    /// The baseline's risks, in its order, each id once.
    pub risks: Vec<BaselineRisk>,
}

/// One risk of a baseline report.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct BaselineRisk {
    /// The stable risk id (`IRA401-3f9c2a1b7d04`).
    pub id: String,
    /// The rule id (`IRA401`).
    pub rule: String,
    /// The risk's title.
    pub title: String,
    /// Its severity in the baseline run.
    pub severity: RiskSeverity,
    /// Message structures or resource types concerned.
    #[serde(default)]
    pub scope: Vec<String>,
}

impl BaselineRisk {
    /// The baseline entry of a risk of a report.
    pub fn of(risk: &RiskItem) -> Self {
        BaselineRisk {
            id: risk.id.clone(),
            rule: risk.rule.clone(),
            title: risk.title.clone(),
            severity: risk.severity,
            scope: risk.scope.clone(),
        }
    }
}

impl Baseline {
    /// The baseline a report value stands for: its risks, each id once. A report that
    /// was itself compared with a baseline lists only its new risks; its unchanged ones
    /// are not known here.
    pub fn of_report(report: &Report) -> Self {
        let mut seen = std::collections::BTreeSet::new();
        let risks = report
            .risks
            .iter()
            .filter(|x| seen.insert(x.id.as_str()))
            .map(BaselineRisk::of)
            .collect();
        Baseline { risks }
    }
}

/// Why a file cannot be used as a baseline. Messages give the position and the kind of
/// problem, never the file's text (a report made with `--show-values` holds values).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BaselineError {
    /// Not JSON at all, or JSON cut short.
    #[error("not JSON (line {line}, column {column})")]
    NotJson {
        /// 1-based line of the problem.
        line: usize,
        /// 1-based column of the problem.
        column: usize,
    },
    /// JSON, but not a risk report: no `schema` key, or another schema.
    #[error("not an {SCHEMA} report: {why}")]
    NotAReport {
        /// What was found instead (a key missing, another schema id).
        why: String,
    },
    /// An `ira.report/1` document whose risks lack a key the comparison needs or have
    /// one of the wrong type.
    #[error("an {SCHEMA} report with an unreadable risk list (line {line}, column {column})")]
    BadRisks {
        /// 1-based line of the problem.
        line: usize,
        /// 1-based column of the problem.
        column: usize,
    },
}

#[derive(Deserialize)]
struct Head {
    schema: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct Doc {
    risks: Vec<BaselineRisk>,
}

/// Reads a baseline from the text of an `ira.report/1` JSON document.
pub fn from_json(text: &str) -> Result<Baseline, BaselineError> {
    serde_json::from_str::<serde::de::IgnoredAny>(text).map_err(|e| BaselineError::NotJson {
        line: e.line(),
        column: e.column(),
    })?;
    if !text.trim_start().starts_with('{') {
        return Err(BaselineError::NotAReport {
            why: "the document is not a JSON object".into(),
        });
    }
    let head: Head = serde_json::from_str(text).map_err(|_| BaselineError::NotAReport {
        why: "unreadable `schema` key".into(),
    })?;
    match head.schema {
        None => {
            return Err(BaselineError::NotAReport {
                why: "no `schema` key".into(),
            });
        }
        Some(serde_json::Value::String(s)) if s == SCHEMA => {}
        Some(serde_json::Value::String(s)) if s.len() <= 40 && s.starts_with("ira.") => {
            // Another ira schema id is ours to name; anything else is not quoted.
            return Err(BaselineError::NotAReport {
                why: format!("its schema is `{s}`"),
            });
        }
        Some(_) => {
            return Err(BaselineError::NotAReport {
                why: "another `schema`".into(),
            });
        }
    }
    let doc: Doc = serde_json::from_str(text).map_err(|e| BaselineError::BadRisks {
        line: e.line(),
        column: e.column(),
    })?;
    let mut seen = std::collections::BTreeSet::new();
    let risks = doc
        .risks
        .into_iter()
        .filter(|r| seen.insert(r.id.clone()))
        .collect();
    Ok(Baseline { risks })
}

/// The comparison with a baseline, as the report carries it (`baseline` in JSON).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BaselineDiff {
    /// The baseline file as the run named it.
    pub path: String,
    /// SHA-256 of the baseline file, lower-case hex.
    pub sha256: String,
    /// Risks of this run the baseline does not have (the report's `risks`).
    pub new: u64,
    /// Risks of this run the baseline has too (left out of the report's `risks`).
    pub unchanged: u64,
    /// Risks of the baseline this run no longer has, in the baseline's order.
    pub resolved: Vec<ResolvedRisk>,
}

/// A risk of the baseline that this run no longer has.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ResolvedRisk {
    /// The stable risk id.
    pub id: String,
    /// The rule id.
    pub rule: String,
    /// The title it had in the baseline.
    pub title: String,
    /// The severity it had in the baseline.
    pub severity: RiskSeverity,
    /// Its scope in the baseline.
    pub scope: Vec<String>,
}

/// Compares `report` with `baseline`: keeps only the new risks in `report.risks` and
/// sets `report.baseline`. `path` and `sha256` name the baseline file.
pub fn apply(report: &mut Report, baseline: &Baseline, path: &str, sha256: &str) {
    let old: std::collections::BTreeSet<&str> =
        baseline.risks.iter().map(|r| r.id.as_str()).collect();
    let now: std::collections::BTreeSet<String> =
        report.risks.iter().map(|r| r.id.clone()).collect();
    let before = report.risks.len();
    report.risks.retain(|r| !old.contains(r.id.as_str()));
    let new = report.risks.len();
    let resolved = baseline
        .risks
        .iter()
        .filter(|r| !now.contains(&r.id))
        .map(|r| ResolvedRisk {
            id: r.id.clone(),
            rule: r.rule.clone(),
            title: r.title.clone(),
            severity: r.severity,
            scope: r.scope.clone(),
        })
        .collect();
    // The spec's `fail_on` check is the CI gate: with a baseline it counts new open
    // risks only, like `--fail-on`. The other checks stay about the whole run.
    let counts: Vec<Option<usize>> = report
        .readiness
        .gate
        .iter()
        .flat_map(|g| &g.checks)
        .map(|c| {
            (c.threshold == "fail_on")
                .then(|| {
                    serde_json::from_value::<RiskSeverity>(serde_json::Value::String(
                        c.limit.clone(),
                    ))
                    .ok()
                })
                .flatten()
                .map(|level| report.open_at_or_above(level))
        })
        .collect();
    if let Some(gate) = &mut report.readiness.gate {
        for (check, n) in gate.checks.iter_mut().zip(counts) {
            if let Some(n) = n {
                check.actual = n.to_string();
                check.pass = n == 0;
            }
        }
        gate.decision = if gate.checks.iter().all(|c| c.pass) {
            Decision::Go
        } else {
            Decision::NoGo
        };
    }
    report.baseline = Some(BaselineDiff {
        path: path.to_owned(),
        sha256: sha256.to_owned(),
        new: new as u64,
        unchanged: (before - new) as u64,
        resolved,
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_it_needs_and_ignores_the_rest() {
        let b = from_json(
            r#"{"schema":"ira.report/1","future":{"x":1},"risks":[
                {"id":"IRA201-000000000001","rule":"IRA201","title":"t","severity":"high","scope":["ADT_A01"],"more":true},
                {"id":"IRA201-000000000001","rule":"IRA201","title":"t","severity":"high"}]}"#,
        )
        .unwrap();
        assert_eq!(b.risks.len(), 1, "duplicates are dropped");
        assert_eq!(b.risks[0].severity, RiskSeverity::High);
        assert_eq!(b.risks[0].scope, ["ADT_A01"]);
    }

    #[test]
    fn errors_are_positioned_and_quote_nothing() {
        let e = from_json("{\n  \"schema\": \"ira.report/1\",\n  oops").unwrap_err();
        assert_eq!(e, BaselineError::NotJson { line: 3, column: 3 });
        let e = from_json("[1, 2]").unwrap_err();
        assert!(matches!(e, BaselineError::NotAReport { .. }), "{e}");
        let e = from_json(r#"{"risks": []}"#).unwrap_err();
        assert_eq!(e.to_string(), "not an ira.report/1 report: no `schema` key");
        let e = from_json(r#"{"schema": "ira.parse/1"}"#).unwrap_err();
        assert_eq!(
            e.to_string(),
            "not an ira.report/1 report: its schema is `ira.parse/1`"
        );
        let e = from_json(r#"{"schema": "DOE^JANE"}"#).unwrap_err();
        assert!(!e.to_string().contains("DOE"), "{e}");
        let e = from_json("{\"schema\": \"ira.report/1\",\n\"risks\": [{\"id\": 3}]}").unwrap_err();
        assert!(matches!(e, BaselineError::BadRisks { line: 2, .. }), "{e}");
    }
}
