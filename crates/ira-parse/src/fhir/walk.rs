//! Walking a resource's JSON as items, with paths built in one reused buffer.

use std::borrow::Cow;
use std::fmt::Write as _;

use super::lite::{Node, Spanned, unescape};
use crate::location::Location;
use crate::model::{ElementPath, Item, TypeHint, Value};

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

struct Walker<'v> {
    location: Location,
    visit: &'v mut dyn FnMut(&Item<'_>),
}

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
