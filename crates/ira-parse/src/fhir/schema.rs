//! Base-R4 shape check against the element table: unknown elements, arrays where one
//! value is allowed (and the reverse), values of the wrong JSON type. Independent of
//! fhirbolt, which drops unknown elements silently outside its strict mode and reports
//! no path.

use std::fmt::Write as _;

use super::Resource;
use super::lite::{self, Node, Spanned};
use super::table::{Child, JsonShape, r4};
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
    // The text was checked when read; it parses.
    if let Ok(tree) = lite::parse(&resource.text) {
        check_tree(&resource.resource_type, &tree, resource.location, issues);
    }
}

/// Checks a parsed resource.
pub(crate) fn check_tree(
    resource_type: &str,
    tree: &Spanned<'_>,
    location: Location,
    issues: &mut Vec<Issue>,
) {
    let Node::Object(map) = &tree.node else {
        return;
    };
    let start = issues.len();
    let mut c = Checker {
        location,
        issues,
        start,
        left_out: 0,
    };
    let mut path = String::with_capacity(128);
    path.push_str(resource_type);
    c.object(resource_type, map, &mut path, true);
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
}

fn shape_name(v: &Node<'_>) -> &'static str {
    match v {
        Node::Null => "null",
        Node::Bool(_) => "a boolean",
        Node::Number(_) => "a number",
        Node::String(_) => "a string",
        Node::Array(_) => "an array",
        Node::Object(_) => "an object",
    }
}

fn fits(shape: JsonShape, v: &Node<'_>) -> bool {
    matches!(
        (shape, v),
        (JsonShape::String, Node::String(_))
            | (JsonShape::Number, Node::Number(_))
            | (JsonShape::Boolean, Node::Bool(_))
            | (JsonShape::Object, Node::Object(_))
    )
}

type Members<'a> = [(std::borrow::Cow<'a, str>, Spanned<'a>)];

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
    fn object(&mut self, base: &str, map: &Members<'_>, path: &mut String, root: bool) {
        let table = r4();
        for (key, v) in map {
            if root && key == "resourceType" {
                continue;
            }
            let len = path.len();
            let (name, primitive_twin) = match key.strip_prefix('_') {
                Some(n) if !n.is_empty() => (n, true),
                _ => (key.as_ref(), false),
            };
            path.push('.');
            path.push_str(key);
            match table.child_with_shape(base, name) {
                None => self.report(path, format_args!("unknown element")),
                Some((child, shape, _)) if primitive_twin => self.twin(&child, shape, v, path),
                Some((child, shape, cbase)) => self.element(&child, shape, cbase, v, path),
            }
            path.truncate(len);
        }
    }

    fn element(
        &mut self,
        child: &Child<'_>,
        shape: JsonShape,
        base: Option<&'static str>,
        v: &Spanned<'_>,
        path: &mut String,
    ) {
        let ty = child.ty().unwrap_or("BackboneElement");
        match (child.def.repeats(), &v.node) {
            (true, Node::Array(items)) if items.is_empty() => {
                self.report(
                    path,
                    format_args!("an empty array (FHIR arrays are never empty)"),
                );
            }
            (true, Node::Array(items)) => {
                let len = path.len();
                for (i, item) in items.iter().enumerate() {
                    let _ = write!(path, "[{i}]");
                    // null aligns a primitive array with its `_name` twin
                    if !(matches!(item.node, Node::Null) && shape != JsonShape::Object) {
                        self.item(base, ty, shape, item, path);
                    }
                    path.truncate(len);
                }
            }
            (true, _) => self.report(
                path,
                format_args!("{} where an array is expected (0..*)", shape_name(&v.node)),
            ),
            (false, Node::Array(_)) => {
                self.report(
                    path,
                    format_args!("an array where one value is expected (0..1)"),
                );
            }
            (false, _) => self.item(base, ty, shape, v, path),
        }
    }

    fn item(
        &mut self,
        base: Option<&'static str>,
        ty: &str,
        shape: JsonShape,
        v: &Spanned<'_>,
        path: &mut String,
    ) {
        if !fits(shape, &v.node) {
            self.report(
                path,
                format_args!("{} where {ty} is expected", shape_name(&v.node)),
            );
            return;
        }
        let Node::Object(map) = &v.node else {
            return;
        };
        if ty == "Resource" {
            match v.get("resourceType").and_then(|t| t.as_str()) {
                Some(rt) if r4().is_resource_type(&rt) => self.object(&rt, map, path, true),
                Some(_) => self.report(path, format_args!("not an R4 resource type")),
                None => self.report(path, format_args!("resource without resourceType")),
            }
            return;
        }
        if let Some(base) = base {
            self.object(base, map, path, false);
        }
    }

    /// `_name`: the id and extensions of a primitive (an object, or an array of objects
    /// and nulls for a repeating primitive).
    fn twin(&mut self, child: &Child<'_>, shape: JsonShape, v: &Spanned<'_>, path: &mut String) {
        let ty = child.ty().unwrap_or("BackboneElement");
        if shape == JsonShape::Object {
            self.report(path, format_args!("_ form used for non-primitive {ty}"));
            return;
        }
        match (child.def.repeats(), &v.node) {
            (_, Node::Object(map)) if !child.def.repeats() => {
                self.object("Element", map, path, false)
            }
            (true, Node::Array(items)) => {
                let len = path.len();
                for (i, item) in items.iter().enumerate() {
                    let _ = write!(path, "[{i}]");
                    match &item.node {
                        Node::Null => {}
                        Node::Object(map) => self.object("Element", map, path, false),
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
                    shape_name(&v.node),
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
