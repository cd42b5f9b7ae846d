//! Base-R4 shape check against the element table: unknown elements, arrays where one
//! value is allowed (and the reverse), values of the wrong JSON type. Independent of
//! fhirbolt, which drops unknown elements silently outside its strict mode and reports
//! no path.

use std::fmt::Write as _;

use serde_json::{Map, Value};

use super::Resource;
use super::table::{Child, JsonShape, json_shape, r4};
use crate::issue::{Issue, IssueCode};
use crate::location::Location;

/// At most this many schema issues per resource; the last one says how many were left.
const MAX_ISSUES: usize = 50;

/// The base-R4 shape issues of a resource (`fhir-schema`, element path in the detail).
/// Resources of another FHIR version are not checked.
pub fn check_schema(resource: &Resource) -> Vec<Issue> {
    let mut issues = Vec::new();
    if resource.version.is_none() {
        check_into(resource, &mut issues);
    }
    issues
}

pub(crate) fn check_into(resource: &Resource, issues: &mut Vec<Issue>) {
    let Value::Object(map) = &resource.json else {
        return;
    };
    let start = issues.len();
    let mut c = Checker {
        location: resource.location,
        issues,
        start,
        left_out: 0,
        scratch: String::new(),
    };
    let mut path = String::with_capacity(128);
    path.push_str(&resource.resource_type);
    c.object(&resource.resource_type, map, &mut path, true);
    if c.left_out > 0 {
        let detail = format!("{} more schema issues in this resource", c.left_out);
        c.issues
            .push(Issue::new(IssueCode::FhirSchema, c.location, detail));
    }
}

struct Checker<'i> {
    location: Location,
    issues: &'i mut Vec<Issue>,
    start: usize,
    left_out: usize,
    scratch: String,
}

fn shape_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn fits(shape: JsonShape, v: &Value) -> bool {
    matches!(
        (shape, v),
        (JsonShape::String, Value::String(_))
            | (JsonShape::Number, Value::Number(_))
            | (JsonShape::Boolean, Value::Bool(_))
            | (JsonShape::Object, Value::Object(_))
    )
}

impl Checker<'_> {
    fn report(&mut self, path: &str, what: std::fmt::Arguments<'_>) {
        if self.issues.len() - self.start >= MAX_ISSUES {
            self.left_out += 1;
            return;
        }
        let detail = format!("{path}: {what}");
        self.issues
            .push(Issue::new(IssueCode::FhirSchema, self.location, detail));
    }

    /// The members of an object whose children are defined under `base`.
    fn object(&mut self, base: &str, map: &Map<String, Value>, path: &mut String, root: bool) {
        let table = r4();
        for (key, v) in map {
            if root && key == "resourceType" {
                continue;
            }
            let len = path.len();
            let (name, primitive_twin) = match key.strip_prefix('_') {
                Some(n) if !n.is_empty() => (n, true),
                _ => (key.as_str(), false),
            };
            path.push('.');
            path.push_str(key);
            let mut scratch = std::mem::take(&mut self.scratch);
            let child = table.child(base, name, &mut scratch);
            self.scratch = scratch;
            match child {
                None => self.report(path, format_args!("unknown element")),
                Some(child) if primitive_twin => self.twin(&child, v, path),
                Some(child) => self.element(&child, v, path),
            }
            path.truncate(len);
        }
    }

    fn element(&mut self, child: &Child<'_>, v: &Value, path: &mut String) {
        let ty = child.ty().unwrap_or("BackboneElement");
        let shape = json_shape(ty);
        match (child.def.repeats(), v) {
            (true, Value::Array(items)) => {
                let len = path.len();
                for (i, item) in items.iter().enumerate() {
                    let _ = write!(path, "[{i}]");
                    // null aligns a primitive array with its `_name` twin
                    if !(item.is_null() && shape != JsonShape::Object) {
                        self.item(child, ty, shape, item, path);
                    }
                    path.truncate(len);
                }
            }
            (true, _) => self.report(
                path,
                format_args!("{} where an array is expected (0..*)", shape_name(v)),
            ),
            (false, Value::Array(_)) => {
                self.report(
                    path,
                    format_args!("an array where one value is expected (0..1)"),
                );
            }
            (false, _) => self.item(child, ty, shape, v, path),
        }
    }

    fn item(
        &mut self,
        child: &Child<'_>,
        ty: &str,
        shape: JsonShape,
        v: &Value,
        path: &mut String,
    ) {
        if !fits(shape, v) {
            self.report(
                path,
                format_args!("{} where {ty} is expected", shape_name(v)),
            );
            return;
        }
        let Value::Object(map) = v else {
            return;
        };
        if ty == "Resource" {
            match map.get("resourceType").and_then(Value::as_str) {
                Some(rt) if r4().is_resource_type(rt) => self.object(rt, map, path, true),
                Some(_) => self.report(path, format_args!("not an R4 resource type")),
                None => self.report(path, format_args!("resource without resourceType")),
            }
            return;
        }
        if let Some(base) = r4().children_base(child) {
            self.object(base, map, path, false);
        }
    }

    /// `_name`: the id and extensions of a primitive (an object, or an array of objects
    /// and nulls for a repeating primitive).
    fn twin(&mut self, child: &Child<'_>, v: &Value, path: &mut String) {
        let ty = child.ty().unwrap_or("BackboneElement");
        if json_shape(ty) == JsonShape::Object {
            self.report(path, format_args!("_ form used for non-primitive {ty}"));
            return;
        }
        match (child.def.repeats(), v) {
            (_, Value::Object(map)) if !child.def.repeats() => {
                self.object("Element", map, path, false)
            }
            (true, Value::Array(items)) => {
                let len = path.len();
                for (i, item) in items.iter().enumerate() {
                    let _ = write!(path, "[{i}]");
                    match item {
                        Value::Null => {}
                        Value::Object(map) => self.object("Element", map, path, false),
                        other => self.report(
                            path,
                            format_args!(
                                "{} where an object or null is expected",
                                shape_name(other)
                            ),
                        ),
                    }
                    path.truncate(len);
                }
            }
            _ => self.report(
                path,
                format_args!(
                    "{} where {} is expected",
                    shape_name(v),
                    if child.def.repeats() {
                        "an array"
                    } else {
                        "an object"
                    }
                ),
            ),
        }
    }
}
