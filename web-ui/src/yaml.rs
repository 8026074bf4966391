//! YAML in and out: parsing goes through core's loader (errors with line:column); the
//! writer emits block-style YAML whose scalars are JSON-quoted, so `guardhouse test`
//! reads exported files exactly as the page wrote them.

use serde_json::Value;

use guardhouse_core::source::Document;

/// Parses YAML or JSON text into a value; `origin` names it in errors.
pub fn parse_value(origin: &str, text: &str) -> Result<Value, String> {
    if text.trim().is_empty() {
        return Ok(Value::Null);
    }
    Document::parse(origin, text)
        .map(|d| d.value)
        .map_err(|e| e.to_string())
}

/// Block-style YAML for `value`, ending in a newline.
pub fn to_yaml(value: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, value, 0, false);
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out
}

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::Null => Some("null".into()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) => Some(Value::String(s.clone()).to_string()),
        Value::Array(a) if a.is_empty() => Some("[]".into()),
        Value::Object(m) if m.is_empty() => Some("{}".into()),
        _ => None,
    }
}

fn key(k: &str) -> String {
    let plain = !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && !k.starts_with('-');
    if plain {
        k.to_string()
    } else {
        Value::String(k.to_string()).to_string()
    }
}

/// Writes `value` at `indent`; `inline_first` means the cursor already sits after
/// `- ` or `key: ` on the current line.
fn write_value(out: &mut String, value: &Value, indent: usize, inline_first: bool) {
    if let Some(s) = scalar(value) {
        out.push_str(&s);
        out.push('\n');
        return;
    }
    let pad = " ".repeat(indent);
    match value {
        Value::Array(items) => {
            if inline_first {
                out.push('\n');
            }
            for item in items {
                out.push_str(&pad);
                out.push_str("- ");
                write_nested(out, item, indent + 2);
            }
        }
        Value::Object(map) => {
            let mut first = true;
            for (k, v) in map {
                if !(first && inline_first) {
                    out.push_str(&pad);
                }
                first = false;
                out.push_str(&key(k));
                out.push(':');
                match scalar(v) {
                    Some(s) => {
                        out.push(' ');
                        out.push_str(&s);
                        out.push('\n');
                    }
                    None => {
                        out.push('\n');
                        let child = if v.is_array() { indent } else { indent + 2 };
                        write_value(out, v, child, false);
                    }
                }
            }
        }
        _ => {}
    }
}

/// A list item's value: mappings start on the dash's line.
fn write_nested(out: &mut String, item: &Value, indent: usize) {
    match item {
        Value::Object(m) if !m.is_empty() => write_value(out, item, indent, true),
        Value::Array(a) if !a.is_empty() => {
            out.push('\n');
            write_value(out, item, indent, false);
        }
        _ => write_value(out, item, indent, true),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn round_trips_through_the_core_loader() {
        let v = json!({
            "format": "guardhouse.case/v1",
            "cases": [{"name": "a: b", "payload": {"tools": [{"name": "x", "input_schema": {}}]},
                       "list": [[1, 2], []], "e": "", "n": null, "weird key": true}]
        });
        let text = to_yaml(&v);
        assert_eq!(parse_value("t", &text).unwrap(), v, "{text}");
    }
}
