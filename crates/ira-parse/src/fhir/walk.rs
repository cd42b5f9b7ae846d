//! Walking a resource's JSON as items, with paths built in one reused buffer.

use std::borrow::Cow;
#[cfg(test)]
use std::fmt::Write as _;

use super::lite::{self, Leaf, unescape};
#[cfg(test)]
use super::lite::{Node, Spanned};
use crate::location::Location;
use crate::model::{ElementPath, Item, TypeHint, Value};

/// Walks a resource's validated JSON text directly (no tree): the fast path. When
/// `verbatim` (the text is the resource as it stands in the file, from `location`), each
/// item is located at its own value: offset and line; else at the resource.
pub(crate) fn walk_text(
    resource_type: &str,
    text: &str,
    location: Location,
    verbatim: bool,
    visit: &mut dyn FnMut(&Item<'_>),
) {
    walk_values(
        resource_type,
        text,
        location,
        verbatim,
        &mut |path, value, hint, loc| {
            visit(&Item {
                path: ElementPath::Fhir(path),
                value,
                hint,
                location: loc,
            });
        },
    );
}

/// The leaves of a resource's validated JSON text, each with its path and the byte
/// offset of its value in `text` (what [`super::WalkCache`] keeps).
pub(crate) fn walk_leaves<'t>(
    resource_type: &str,
    text: &'t str,
    leaf: &mut dyn FnMut(&str, Leaf<'t>, usize),
) {
    let mut path = String::with_capacity(128);
    path.push_str(resource_type);
    lite::walk_text(text, &mut path, leaf);
}

/// [`walk_text`] with the parts of each item, values borrowed from `text`.
fn walk_values<'t>(
    resource_type: &str,
    text: &'t str,
    location: Location,
    verbatim: bool,
    visit: &mut dyn FnMut(&str, Value<'t>, TypeHint, Location),
) {
    let mut path = String::with_capacity(128);
    path.push_str(resource_type);
    // Lines are counted forward from the last item (values come in text order); a text
    // on one line (every NDJSON resource) has none to count.
    let multiline = verbatim && memchr::memchr(b'\n', text.as_bytes()).is_some();
    let (mut pos, mut line) = (0usize, location.line);
    lite::walk_text(text, &mut path, &mut |path, leaf, at| {
        let (value, hint) = match leaf {
            Leaf::String(raw) => (Value::Text(unescape(raw)), TypeHint::Text),
            Leaf::Number(n) => (Value::Number(Cow::Borrowed(n)), TypeHint::Number),
            Leaf::Bool(b) => (Value::Bool(b), TypeHint::Boolean),
            Leaf::Null => (Value::Null, TypeHint::Null),
        };
        let mut loc = location;
        if verbatim {
            if multiline && let Some(between) = text.as_bytes().get(pos..at) {
                let n = memchr::memchr_iter(b'\n', between).count();
                line = line.saturating_add(u32::try_from(n).unwrap_or(u32::MAX));
                pos = at;
            }
            loc.offset = location.offset + at as u64;
            loc.line = line;
        }
        visit(path, value, hint, loc);
    });
}

/// Walks a parsed tree (the reference the text walker is tested against).
#[cfg(test)]
pub(crate) fn walk(
    resource_type: &str,
    json: &Spanned<'_>,
    location: Location,
    visit: &mut dyn FnMut(&Item<'_>),
) {
    let mut path = String::with_capacity(128);
    path.push_str(resource_type);
    let mut w = Walker { location, visit };
    if let Node::Object(members) = &json.node {
        for (k, v) in members {
            if k == "resourceType" {
                continue;
            }
            w.member(&mut path, k, v);
        }
    } else {
        w.value(&mut path, json);
    }
}

#[cfg(test)]
struct Walker<'v> {
    location: Location,
    visit: &'v mut dyn FnMut(&Item<'_>),
}

#[cfg(test)]
impl Walker<'_> {
    /// An object member: `.name`, and `_name` (a primitive's id and extensions) under the
    /// primitive's own path.
    fn member(&mut self, path: &mut String, key: &str, v: &Spanned<'_>) {
        let len = path.len();
        path.push('.');
        match key.strip_prefix('_') {
            Some(name) if !name.is_empty() => path.push_str(name),
            _ => path.push_str(key),
        }
        self.value(path, v);
        path.truncate(len);
    }

    fn value(&mut self, path: &mut String, v: &Spanned<'_>) {
        let (value, hint) = match &v.node {
            Node::Object(members) => {
                for (k, v) in members {
                    self.member(path, k, v);
                }
                return;
            }
            Node::Array(items) => {
                let len = path.len();
                for (i, item) in items.iter().enumerate() {
                    if matches!(item.node, Node::Null) {
                        continue; // alignment placeholder of a primitive array
                    }
                    // Writing to a String cannot fail.
                    let _ = write!(path, "[{i}]");
                    self.value(path, item);
                    path.truncate(len);
                }
                return;
            }
            Node::String(raw) => (Value::Text(unescape(raw)), TypeHint::Text),
            Node::Number(n) => (Value::Number(Cow::Borrowed(n)), TypeHint::Number),
            Node::Bool(b) => (Value::Bool(*b), TypeHint::Boolean),
            Node::Null => (Value::Null, TypeHint::Null),
        };
        (self.visit)(&Item {
            path: ElementPath::Fhir(path),
            value,
            hint,
            location: self.location,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(f: impl FnOnce(&mut dyn FnMut(&Item<'_>))) -> Vec<String> {
        let mut out = Vec::new();
        f(&mut |i| out.push(format!("{} = {:?} {:?}", i.path, i.value, i.hint)));
        out
    }

    #[test]
    fn text_walk_equals_tree_walk() {
        let text = r#" {"resourceType":"Patient","id":"a\"b\u00e9","name":[{"given":["A",null,"C"],
            "_given":[null,{"extension":[{"url":"u","valueBoolean":false}]}]}],
            "multipleBirthInteger":-2E+3,"x":null,"y":[],"z":{},"contained":[{"resourceType":"Basic","n":[1,[2,3]]}]} "#;
        let tree = lite::parse(text).unwrap();
        let loc = Location::default();
        let a = lines(|v| walk("Patient", &tree, loc, v));
        let b = lines(|v| walk_text("Patient", text, loc, false, v));
        assert_eq!(a, b);
        assert!(a.contains(&r#"Patient.id = Text("a\"bé") Text"#.to_owned()));
        assert!(a.contains(
            &"Patient.name[0].given[1].extension[0].valueBoolean = Bool(false) Boolean".to_owned()
        ));
        assert!(a.contains(&"Patient.multipleBirthInteger = Number(\"-2E+3\") Number".to_owned()));
        assert!(a.contains(&"Patient.contained[0].resourceType = Text(\"Basic\") Text".to_owned()));
        assert!(a.contains(&"Patient.contained[0].n[1][1] = Number(\"3\") Number".to_owned()));
        assert!(!a.iter().any(|l| l.contains("given[1] = Null")));
        assert!(a.contains(&"Patient.x = Null Null".to_owned()));
        // Malformed text ends the walk without panicking.
        let cut = lines(|v| walk_text("Patient", &text[..60], loc, false, v));
        assert!(cut.len() < a.len());
    }
}
