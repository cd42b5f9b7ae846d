//! Walking a resource's JSON value as items, with paths built in one reused buffer.

use std::borrow::Cow;
use std::fmt::Write as _;

use serde_json::Value;

use crate::location::Location;
use crate::model::{ElementPath, Item, TypeHint, Value as ItemValue};

pub(crate) fn walk(
    resource_type: &str,
    json: &Value,
    location: Location,
    visit: &mut dyn FnMut(&Item<'_>),
) {
    let mut path = String::with_capacity(128);
    path.push_str(resource_type);
    let mut w = Walker { location, visit };
    if let Value::Object(map) = json {
        for (k, v) in map {
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
    fn member(&mut self, path: &mut String, key: &str, v: &Value) {
        let len = path.len();
        path.push('.');
        match key.strip_prefix('_') {
            Some(name) if !name.is_empty() => {
                path.push_str(name);
                self.value(path, v);
            }
            _ => {
                path.push_str(key);
                self.value(path, v);
            }
        }
        path.truncate(len);
    }

    fn value(&mut self, path: &mut String, v: &Value) {
        let (value, hint) = match v {
            Value::Object(map) => {
                for (k, v) in map {
                    self.member(path, k, v);
                }
                return;
            }
            Value::Array(items) => {
                let len = path.len();
                for (i, item) in items.iter().enumerate() {
                    if item.is_null() {
                        continue; // alignment placeholder of a primitive array
                    }
                    // Writing to a String cannot fail.
                    let _ = write!(path, "[{i}]");
                    self.value(path, item);
                    path.truncate(len);
                }
                return;
            }
            Value::String(s) => (ItemValue::Text(Cow::Borrowed(s)), TypeHint::Text),
            Value::Number(n) => (
                ItemValue::Number(Cow::Borrowed(n.as_str())),
                TypeHint::Number,
            ),
            Value::Bool(b) => (ItemValue::Bool(*b), TypeHint::Boolean),
            Value::Null => (ItemValue::Null, TypeHint::Null),
        };
        (self.visit)(&Item {
            path: ElementPath::Fhir(path),
            value,
            hint,
            location: self.location,
        });
    }
}
