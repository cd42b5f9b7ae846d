//! Conditions the guide attaches to a mapping row ("map PID-24 only IF PID-25 NOT VALUED").
//!
//! The guide writes them as text in a small pseudo-language. The common forms are parsed
//! into [`Condition`] so rules can evaluate them; anything else stays [`Condition::Other`]
//! with the guide's text, so nothing is lost.

use std::fmt;

use ira_parse::model::V2Path;

/// What a condition refers to: a field or component of a segment (`PID-25`, `PID-13.2`),
/// or a component of the datatype being mapped (`XPN.12` inside the XPN map).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum V2Ref {
    /// A position in a segment.
    Path(V2Path),
    /// A component of the datatype whose map holds the condition.
    Component {
        /// The datatype (`XPN`).
        datatype: String,
        /// 1-based component.
        component: u16,
        /// 1-based subcomponent, 0 = the whole component.
        subcomponent: u16,
    },
}

impl V2Ref {
    /// Parses `PID-25`, `PID-13.2`, `XPN.12`, `HD.3.1` (and the guide's `HD-3` slip for `HD.3`).
    pub fn parse(s: &str) -> Option<V2Ref> {
        if let Some(p) = V2Path::parse(s).filter(|p| p.field > 0 && p.occurrence == 1) {
            return Some(V2Ref::Path(p));
        }
        let cut = s.find(['.', '-'])?;
        let (name, rest) = (&s[..cut], &s[cut + 1..]);
        if !(2..=3).contains(&name.len())
            || !name.bytes().next().is_some_and(|b| b.is_ascii_uppercase())
            || !name
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        {
            return None;
        }
        let mut parts = rest.split('.');
        let component = parts.next()?.parse().ok().filter(|&n: &u16| n >= 1)?;
        let subcomponent = match parts.next() {
            Some(p) => p.parse().ok().filter(|&n: &u16| n >= 1)?,
            None => 0,
        };
        if parts.next().is_some() {
            return None;
        }
        Some(V2Ref::Component {
            datatype: name.to_string(),
            component,
            subcomponent,
        })
    }
}

impl fmt::Display for V2Ref {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            V2Ref::Path(p) => p.fmt(f),
            V2Ref::Component {
                datatype,
                component,
                subcomponent,
            } => {
                write!(f, "{datatype}.{component}")?;
                if *subcomponent > 0 {
                    write!(f, ".{subcomponent}")?;
                }
                Ok(())
            }
        }
    }
}

/// A parsed mapping condition. The row applies only when the condition holds.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Condition {
    /// `IF PID-25 VALUED`: the referenced element has a value.
    IfValued(V2Ref),
    /// `IF PID-25 NOT VALUED` / `IS NOT VALUED` / `DOES NOT EXIST`.
    IfNotValued(V2Ref),
    /// `IF OBX-2 EQUALS "NM"` / `IN ("ST", "FT")` / `IS "X"`: the value is one of these.
    IfIn(V2Ref, Vec<String>),
    /// `NOT EQUALS` / `NOT IN`: the value is none of these.
    IfNotIn(V2Ref, Vec<String>),
    /// Every part must hold (`… AND …`).
    All(Vec<Condition>),
    /// At least one part must hold (`… OR …`).
    Any(Vec<Condition>),
    /// A condition the parser does not understand, or one stated only in prose:
    /// the guide's text.
    Other(String),
}

impl Condition {
    /// Parses the guide's computable condition text. Never fails: unknown forms
    /// become [`Condition::Other`] holding the trimmed text. A condition is parsed
    /// whole or not at all: a half-parsed one would be wrongly permissive.
    pub fn parse(text: &str) -> Condition {
        let text = text.trim();
        parse_or(text).unwrap_or_else(|| Condition::Other(text.to_string()))
    }

    /// The elements this condition looks at (empty for [`Condition::Other`]).
    pub fn refs(&self) -> Vec<&V2Ref> {
        match self {
            Condition::IfValued(r)
            | Condition::IfNotValued(r)
            | Condition::IfIn(r, _)
            | Condition::IfNotIn(r, _) => vec![r],
            Condition::All(cs) | Condition::Any(cs) => {
                cs.iter().flat_map(Condition::refs).collect()
            }
            Condition::Other(_) => Vec::new(),
        }
    }
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn list(vs: &[String]) -> String {
            vs.iter()
                .map(|v| format!("\"{v}\""))
                .collect::<Vec<_>>()
                .join(", ")
        }
        match self {
            Condition::IfValued(r) => write!(f, "{r} valued"),
            Condition::IfNotValued(r) => write!(f, "{r} not valued"),
            Condition::IfIn(r, vs) => write!(f, "{r} in ({})", list(vs)),
            Condition::IfNotIn(r, vs) => write!(f, "{r} not in ({})", list(vs)),
            Condition::All(cs) | Condition::Any(cs) => {
                let sep = if matches!(self, Condition::All(_)) {
                    " and "
                } else {
                    " or "
                };
                for (i, c) in cs.iter().enumerate() {
                    if i > 0 {
                        f.write_str(sep)?;
                    }
                    if matches!(c, Condition::All(_) | Condition::Any(_)) {
                        write!(f, "({c})")?;
                    } else {
                        c.fmt(f)?;
                    }
                }
                Ok(())
            }
            Condition::Other(t) => write!(f, "other: {t}"),
        }
    }
}

/// Strips `IF ` (any case, repeated) and parentheses around the whole text.
fn strip(mut s: &str) -> &str {
    loop {
        s = s.trim();
        if s.get(..3).is_some_and(|p| p.eq_ignore_ascii_case("IF ")) {
            s = &s[3..];
            continue;
        }
        if s.starts_with('(') && s.ends_with(')') && split_top(&s[1..s.len() - 1], "").is_some() {
            s = &s[1..s.len() - 1];
            continue;
        }
        // `(A AND B` in the guide: a lone opening parenthesis.
        if s.starts_with('(') && split_top(s, "").is_none() && split_top(&s[1..], "").is_some() {
            s = &s[1..];
            continue;
        }
        return s;
    }
}

/// Splits on `sep` outside parentheses and quotes; `None` if parentheses do not
/// balance. An empty `sep` only checks the balance.
fn split_top<'a>(s: &'a str, sep: &str) -> Option<Vec<&'a str>> {
    let (mut depth, mut quoted, mut start) = (0i32, false, 0);
    let mut parts = Vec::new();
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'"' => quoted = !quoted,
            b'(' if !quoted => depth += 1,
            b')' if !quoted => {
                depth -= 1;
                if depth < 0 {
                    return None;
                }
            }
            // Byte comparison: `i` need not be a char boundary, and `sep` is ASCII.
            _ if !quoted && depth == 0 && !sep.is_empty() && b[i..].starts_with(sep.as_bytes()) => {
                parts.push(&s[start..i]);
                i += sep.len();
                start = i;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    (depth == 0).then(|| {
        parts.push(&s[start..]);
        parts
    })
}

fn parse_or(s: &str) -> Option<Condition> {
    let s = strip(s);
    let parts = split_top(s, " OR ")?;
    if parts.len() == 1 {
        return parse_and(s);
    }
    combine(parts, Condition::Any)
}

fn parse_and(s: &str) -> Option<Condition> {
    let s = strip(s);
    let parts = split_top(s, " AND ")?;
    if parts.len() == 1 {
        return parse_atom(s);
    }
    combine(parts, Condition::All)
}

/// Parses the parts of a conjunction or disjunction. A bare reference shares the next
/// part's predicate: `MSH-3 AND MSH-24 VALUED`, `PV1-3.2 OR PV1-3.3 VALUED`.
fn combine(parts: Vec<&str>, ctor: fn(Vec<Condition>) -> Condition) -> Option<Condition> {
    let mut out = Vec::with_capacity(parts.len());
    let mut pending: Vec<V2Ref> = Vec::new();
    for part in parts {
        let part = strip(part);
        if let Some(r) = V2Ref::parse(part) {
            pending.push(r);
            continue;
        }
        let c = parse_or(part)?;
        if !pending.is_empty() {
            let pred = part.split_once(char::is_whitespace)?.1;
            for r in pending.drain(..) {
                out.push(predicate(r, pred)?);
            }
        }
        out.push(c);
    }
    pending.is_empty().then(|| ctor(out))
}

fn parse_atom(part: &str) -> Option<Condition> {
    let s = strip(part);
    // `OBX-2="FT"`: no spaces around `=`.
    let (r, pred) = match s.split_once(char::is_whitespace) {
        Some(x) => x,
        None => s.split_at(s.find('=')?),
    };
    predicate(V2Ref::parse(r)?, pred)
}

/// `NOT VALUED`, `IS VALUED`, `EQUALS "NM"`, `IN ("ST", "FT")`, `IS NOT 'x'`, `= "ISO"`.
fn predicate(r: V2Ref, pred: &str) -> Option<Condition> {
    let pred = pred.split_whitespace().collect::<Vec<_>>().join(" ");
    let upper = pred.to_ascii_uppercase();
    match upper.as_str() {
        "VALUED" | "IS VALUED" | "VALUE" | "EXISTS" | "IS NOT EMPTY" => {
            return Some(Condition::IfValued(r));
        }
        "NOT VALUED" | "IS NOT VALUED" | "DOES NOT EXIST" | "NOT EXISTS" | "IS EMPTY"
        | "ARE NOT VALUED" => {
            return Some(Condition::IfNotValued(r));
        }
        _ => {}
    }
    const NEG: [&str; 7] = [
        "NOT EQUALS",
        "NOT EQUAL",
        "IS NOT IN",
        "NOT IN",
        "IS NOT",
        "!=",
        "NOT",
    ];
    const POS: [&str; 5] = ["EQUALS", "IS IN", "IN", "IS", "="];
    for p in NEG {
        if let Some(rest) = strip_keyword(&pred, &upper, p) {
            return Some(Condition::IfNotIn(r, values(rest)?));
        }
    }
    for p in POS {
        if let Some(rest) = strip_keyword(&pred, &upper, p) {
            return Some(Condition::IfIn(r, values(rest)?));
        }
    }
    None
}

/// `pred` without the leading keyword `kw` (matched on its uppercase form `upper`),
/// if a value list follows.
fn strip_keyword<'a>(pred: &'a str, upper: &str, kw: &str) -> Option<&'a str> {
    let rest = upper.strip_prefix(kw)?;
    if !(rest.starts_with(' ')
        || rest.starts_with('"')
        || rest.starts_with('\'')
        || rest.starts_with('('))
    {
        return None;
    }
    Some(&pred[kw.len()..])
}

/// `"NM"` or `("ST", "FT", "TX")`: quoted values, nothing else but separators.
fn values(s: &str) -> Option<Vec<String>> {
    let mut out = Vec::new();
    let mut rest = s.trim();
    loop {
        rest = rest.trim_start_matches([' ', '(', ',', ')']);
        if rest.is_empty() {
            break;
        }
        let quote = if rest.starts_with('\'') { '\'' } else { '"' };
        let inner = rest.strip_prefix(quote)?;
        let end = inner.find(quote)?;
        out.push(inner[..end].to_string());
        rest = &inner[end + 1..];
    }
    (!out.is_empty()).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(s: &str) -> V2Ref {
        V2Ref::parse(s).unwrap()
    }

    #[test]
    fn parses_the_common_forms() {
        assert_eq!(
            Condition::parse("IF PID-25 NOT VALUED"),
            Condition::IfNotValued(path("PID-25"))
        );
        assert_eq!(
            Condition::parse("IF PID-13.2 IS NOT VALUED"),
            Condition::IfNotValued(path("PID-13.2"))
        );
        assert_eq!(
            Condition::parse("IF OBX-25 VALUED"),
            Condition::IfValued(path("OBX-25"))
        );
        assert_eq!(
            Condition::parse("IF OBX-2 EQUALS \"NM\""),
            Condition::IfIn(path("OBX-2"), vec!["NM".into()])
        );
        assert_eq!(
            Condition::parse("IF OBX-2 IN (\"ST\", \"FT\", \"TX\")"),
            Condition::IfIn(path("OBX-2"), vec!["ST".into(), "FT".into(), "TX".into()])
        );
        assert_eq!(
            Condition::parse("IF XCN.19 DOES NOT EXIST AND IF XCN.20 DOES NOT EXIST"),
            Condition::All(vec![
                Condition::IfNotValued(path("XCN.19")),
                Condition::IfNotValued(path("XCN.20")),
            ])
        );
        assert_eq!(
            Condition::parse("IF HD.1 NOT VALUED AND IF HD-3 = \"ISO\""),
            Condition::All(vec![
                Condition::IfNotValued(path("HD.1")),
                Condition::IfIn(path("HD.3"), vec!["ISO".into()]),
            ])
        );
        assert_eq!(
            Condition::parse("IF OBX-2 EQUALS \"SN\" AND OBX-5.1  NOT EQUALS \"<>\""),
            Condition::All(vec![
                Condition::IfIn(path("OBX-2"), vec!["SN".into()]),
                Condition::IfNotIn(path("OBX-5.1"), vec!["<>".into()]),
            ])
        );
    }

    #[test]
    fn parses_shared_predicates_nesting_and_loose_spelling() {
        assert_eq!(
            Condition::parse("IF MSH-3 AND MSH-24 VALUED"),
            Condition::All(vec![
                Condition::IfValued(path("MSH-3")),
                Condition::IfValued(path("MSH-24")),
            ])
        );
        assert_eq!(
            Condition::parse("IF PV1-3.2 OR PV1-3.3 VALUED"),
            Condition::Any(vec![
                Condition::IfValued(path("PV1-3.2")),
                Condition::IfValued(path("PV1-3.3")),
            ])
        );
        let c =
            Condition::parse("IF RXO-2 IS VALUED AND (IF RXO-4.1 IS VALUED OR RXO-4.3 IS VALUED)");
        assert_eq!(
            c,
            Condition::All(vec![
                Condition::IfValued(path("RXO-2")),
                Condition::Any(vec![
                    Condition::IfValued(path("RXO-4.1")),
                    Condition::IfValued(path("RXO-4.3")),
                ]),
            ])
        );
        assert_eq!(
            c.to_string(),
            "RXO-2 valued and (RXO-4.1 valued or RXO-4.3 valued)"
        );
        assert_eq!(
            Condition::parse("IF OBX-2=\"FT\""),
            Condition::IfIn(path("OBX-2"), vec!["FT".into()])
        );
        assert_eq!(
            Condition::parse("IF IN1-17 IS NOT 'patient'"),
            Condition::IfNotIn(path("IN1-17"), vec!["patient".into()])
        );
        assert_eq!(
            Condition::parse("If XON.10 is valued"),
            Condition::IfValued(path("XON.10"))
        );
        assert_eq!(
            Condition::parse("IF EVN-4 NOT \"U\""),
            Condition::IfNotIn(path("EVN-4"), vec!["U".into()])
        );
    }

    #[test]
    fn keeps_unknown_forms_as_text() {
        let t = "IF PID-11 LST.COUNT GREATER THAN 1";
        assert_eq!(Condition::parse(t), Condition::Other(t.into()));
        // One unparsable part makes the whole condition `Other`: a half-parsed
        // conjunction would be wrongly permissive.
        let t = "IF PID-7 LENGTH GREATER THAN 8 AND PID-8 VALUED";
        assert_eq!(Condition::parse(t), Condition::Other(t.into()));
        for t in [
            "IF NOT VALUED",
            "IF OBX-33 COUNT>1",
            "IF PRT-2 IS IN (\"A\", \"S\", \"U\", X\")",
            "IF A AND",
            "",
            // Multi-byte text where keywords or separators are looked for.
            "IFé",
            "éé AND ü",
            "(PID-3 é) OR ü",
        ] {
            assert_eq!(Condition::parse(t), Condition::Other(t.into()), "{t}");
        }
    }

    #[test]
    fn component_refs() {
        assert_eq!(
            V2Ref::parse("XPN.12"),
            Some(V2Ref::Component {
                datatype: "XPN".into(),
                component: 12,
                subcomponent: 0
            })
        );
        assert_eq!(V2Ref::parse("xpn.1"), None);
        assert_eq!(V2Ref::parse("PL3."), None);
        assert_eq!(path("XAD.1.1").to_string(), "XAD.1.1");
    }
}
