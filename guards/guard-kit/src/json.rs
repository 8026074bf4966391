//! Walking the string values of a JSON document, with their JSON Pointer (RFC 6901).

use serde_json::Value;

/// A string value met during a walk.
pub struct Visit<'a> {
    /// JSON Pointer of the value, e.g. `/content/0/text` ("" for the root).
    pub pointer: &'a str,
    /// The object key holding the value, if its parent is an object.
    pub key: Option<&'a str>,
}

/// Calls `f` for every string value in `value` (object keys are not visited).
pub fn for_each_string(value: &Value, f: &mut dyn FnMut(&Visit<'_>, &str)) {
    let mut pointer = String::new();
    walk(value, None, &mut pointer, f);
}

fn walk(
    value: &Value,
    key: Option<&str>,
    pointer: &mut String,
    f: &mut dyn FnMut(&Visit<'_>, &str),
) {
    match value {
        Value::String(s) => f(&Visit { pointer, key }, s),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let len = push_index(pointer, i);
                walk(item, None, pointer, f);
                pointer.truncate(len);
            }
        }
        Value::Object(map) => {
            for (k, item) in map {
                let len = push_key(pointer, k);
                walk(item, Some(k), pointer, f);
                pointer.truncate(len);
            }
        }
        _ => {}
    }
}

/// Calls `f` for every string value in `value`, letting it rewrite the string.
pub fn for_each_string_mut(value: &mut Value, f: &mut dyn FnMut(&Visit<'_>, &mut String)) {
    let mut pointer = String::new();
    walk_mut(value, None, &mut pointer, f);
}

fn walk_mut(
    value: &mut Value,
    key: Option<&str>,
    pointer: &mut String,
    f: &mut dyn FnMut(&Visit<'_>, &mut String),
) {
    match value {
        Value::String(s) => f(&Visit { pointer, key }, s),
        Value::Array(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                let len = push_index(pointer, i);
                walk_mut(item, None, pointer, f);
                pointer.truncate(len);
            }
        }
        Value::Object(map) => {
            for (k, item) in map.iter_mut() {
                let len = push_key(pointer, k);
                walk_mut(item, Some(k), pointer, f);
                pointer.truncate(len);
            }
        }
        _ => {}
    }
}

/// Appends `/index`; returns the length to truncate back to.
fn push_index(pointer: &mut String, index: usize) -> usize {
    let len = pointer.len();
    pointer.push('/');
    pointer.push_str(&index.to_string());
    len
}

/// Appends `/key` with `~` and `/` escaped; returns the length to truncate back to.
fn push_key(pointer: &mut String, key: &str) -> usize {
    let len = pointer.len();
    pointer.push('/');
    for c in key.chars() {
        match c {
            '~' => pointer.push_str("~0"),
            '/' => pointer.push_str("~1"),
            c => pointer.push(c),
        }
    }
    len
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn visits_every_string_with_its_pointer() {
        let doc = json!({"a": ["x", {"b/c": "y"}], "n": 1, "s": "z"});
        let mut seen = Vec::new();
        for_each_string(&doc, &mut |visit, s| {
            seen.push((
                visit.pointer.to_string(),
                visit.key.map(str::to_string),
                s.to_string(),
            ))
        });
        assert_eq!(
            seen,
            vec![
                ("/a/0".into(), None, "x".into()),
                ("/a/1/b~1c".into(), Some("b/c".into()), "y".into()),
                ("/s".into(), Some("s".into()), "z".into()),
            ]
        );
    }

    #[test]
    fn rewrites_strings_in_place() {
        let mut doc = json!({"a": ["x", "y"]});
        for_each_string_mut(&mut doc, &mut |_, s| s.push('!'));
        assert_eq!(doc, json!({"a": ["x!", "y!"]}));
    }
}
