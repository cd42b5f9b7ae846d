//! A validator for the subset of JSON Schema that `docs/report.schema.json` uses (type,
//! required, properties, additionalProperties, items, enum, const, the risk-id pattern,
//! minimum/maximum, `$ref` to `#/$defs/…`). The `jsonschema` crate would pull in a large
//! tree for a few tests; this subset is all the schema uses, and the validator rejects
//! any keyword it does not know, so the two cannot drift apart silently.
//!
//! One copy for two crates: `crates/ira-report/tests/risk_report.rs` (the report the
//! library builds) and `crates/ira-cli/tests/common/mod.rs` (what the binary writes,
//! with `--baseline`, `--show-values`) include it with `#[path]`. Both crates live in
//! `crates/`, so the schema's path relative to `CARGO_MANIFEST_DIR` is the same.

#![allow(dead_code, clippy::unwrap_used)]

pub fn schema() -> serde_json::Value {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/report.schema.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn validate(
    root: &serde_json::Value,
    s: &serde_json::Value,
    v: &serde_json::Value,
    at: &str,
    errs: &mut Vec<String>,
) {
    use serde_json::Value;
    let Some(obj) = s.as_object() else {
        errs.push(format!("{at}: schema is not an object"));
        return;
    };
    for k in obj.keys() {
        if !matches!(
            k.as_str(),
            "$schema"
                | "$id"
                | "title"
                | "description"
                | "type"
                | "required"
                | "properties"
                | "additionalProperties"
                | "items"
                | "enum"
                | "minimum"
                | "maximum"
                | "$ref"
                | "$defs"
                | "const"
                | "pattern"
        ) {
            errs.push(format!("{at}: unknown schema keyword {k}"));
        }
    }
    if let Some(r) = obj.get("$ref").and_then(Value::as_str) {
        let name = r.strip_prefix("#/$defs/").unwrap();
        validate(root, &root["$defs"][name], v, at, errs);
        return;
    }
    if let Some(t) = obj.get("type") {
        let types: Vec<&str> = match t {
            Value::String(s) => vec![s.as_str()],
            Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        let ok = types.iter().any(|t| match *t {
            "object" => v.is_object(),
            "array" => v.is_array(),
            "string" => v.is_string(),
            "integer" => v.is_u64() || v.is_i64(),
            "number" => v.is_number(),
            "boolean" => v.is_boolean(),
            "null" => v.is_null(),
            _ => false,
        });
        if !ok {
            errs.push(format!("{at}: expected {types:?}, got {v}"));
            return;
        }
    }
    if let Some(c) = obj.get("const") {
        if c != v {
            errs.push(format!("{at}: expected {c}"));
        }
    }
    if let Some(e) = obj.get("enum").and_then(Value::as_array) {
        if !e.contains(v) {
            errs.push(format!("{at}: {v} not in {e:?}"));
        }
    }
    if let Some(p) = obj.get("pattern").and_then(Value::as_str) {
        // Only the one pattern the schema uses: risk ids.
        assert_eq!(p, "^IRA[0-9]{3}-[0-9a-f]{12}$");
        let ok = v.as_str().is_some_and(|s| {
            let b = s.as_bytes();
            b.len() == 19
                && s.starts_with("IRA")
                && b[3..6].iter().all(u8::is_ascii_digit)
                && b[6] == b'-'
                && b[7..]
                    .iter()
                    .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(c))
        });
        if !ok {
            errs.push(format!("{at}: {v} does not match {p}"));
        }
    }
    if let (Some(n), Some(min)) = (v.as_f64(), obj.get("minimum").and_then(Value::as_f64)) {
        if n < min {
            errs.push(format!("{at}: {n} < {min}"));
        }
    }
    if let (Some(n), Some(max)) = (v.as_f64(), obj.get("maximum").and_then(Value::as_f64)) {
        if n > max {
            errs.push(format!("{at}: {n} > {max}"));
        }
    }
    if let Some(o) = v.as_object() {
        for r in obj
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let r = r.as_str().unwrap();
            if !o.contains_key(r) {
                errs.push(format!("{at}: missing {r}"));
            }
        }
        let props = obj.get("properties").and_then(Value::as_object);
        for (k, x) in o {
            match props.and_then(|p| p.get(k)) {
                Some(ps) => validate(root, ps, x, &format!("{at}.{k}"), errs),
                None => match obj.get("additionalProperties") {
                    Some(Value::Bool(false)) => errs.push(format!("{at}: unexpected {k}")),
                    Some(ap @ Value::Object(_)) => {
                        validate(root, ap, x, &format!("{at}.{k}"), errs)
                    }
                    _ => {}
                },
            }
        }
    }
    if let (Some(a), Some(items)) = (v.as_array(), obj.get("items")) {
        for (i, x) in a.iter().enumerate() {
            validate(root, items, x, &format!("{at}[{i}]"), errs);
        }
    }
}

pub fn schema_errors(text: &str) -> Vec<String> {
    let root = schema();
    let v: serde_json::Value = serde_json::from_str(text).unwrap();
    let mut errs = Vec::new();
    validate(&root, &root, &v, "$", &mut errs);
    errs
}
