//! Reading settings through `get-config`: "" means "not configured, use the default";
//! a value of the wrong shape is an error (the host applies the guard's failure mode).

use serde_json::Value;

use crate::host::Host;

/// The configured JSON value for `key`, or `None` when it is not configured.
pub fn read(host: &dyn Host, key: &str) -> Result<Option<Value>, String> {
    let text = host.config(key);
    if text.trim().is_empty() {
        return Ok(None);
    }
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|e| format!("setting `{key}` is not valid JSON: {e}"))
}

fn invalid(key: &str, expected: &str) -> String {
    format!("setting `{key}` must be {expected}")
}

/// A boolean setting.
pub fn bool(host: &dyn Host, key: &str, default: bool) -> Result<bool, String> {
    match read(host, key)? {
        None => Ok(default),
        Some(value) => value.as_bool().ok_or_else(|| invalid(key, "a boolean")),
    }
}

/// A numeric setting.
pub fn number(host: &dyn Host, key: &str, default: f64) -> Result<f64, String> {
    match read(host, key)? {
        None => Ok(default),
        Some(value) => value.as_f64().ok_or_else(|| invalid(key, "a number")),
    }
}

/// A non-negative integer setting.
pub fn count(host: &dyn Host, key: &str, default: u64) -> Result<u64, String> {
    match read(host, key)? {
        None => Ok(default),
        Some(value) => value
            .as_u64()
            .ok_or_else(|| invalid(key, "a non-negative integer")),
    }
}

/// A list-of-strings setting.
pub fn string_list(host: &dyn Host, key: &str, default: &[&str]) -> Result<Vec<String>, String> {
    match read(host, key)? {
        None => Ok(default.iter().map(|s| s.to_string()).collect()),
        Some(value) => strings(&value).ok_or_else(|| invalid(key, "a list of strings")),
    }
}

/// `value` as a list of strings, if it is one.
pub fn strings(value: &Value) -> Option<Vec<String>> {
    value
        .as_array()?
        .iter()
        .map(|item| item.as_str().map(str::to_string))
        .collect()
}

/// A string setting restricted to `allowed` values.
pub fn choice(
    host: &dyn Host,
    key: &str,
    allowed: &[&str],
    default: &str,
) -> Result<String, String> {
    let Some(value) = read(host, key)? else {
        return Ok(default.to_string());
    };
    match value.as_str() {
        Some(s) if allowed.contains(&s) => Ok(s.to_string()),
        _ => Err(invalid(key, &format!("one of {}", allowed.join(", ")))),
    }
}

/// Per-category weights: an object mapping category names to numbers, merged over
/// `defaults` (categories not mentioned keep their default). Returns the weights in the
/// order of `defaults`.
pub fn weights(host: &dyn Host, key: &str, defaults: &[(&str, f64)]) -> Result<Vec<f64>, String> {
    let mut weights: Vec<f64> = defaults.iter().map(|(_, w)| *w).collect();
    let Some(value) = read(host, key)? else {
        return Ok(weights);
    };
    let object = value
        .as_object()
        .ok_or_else(|| invalid(key, "an object of numbers"))?;
    for (name, weight) in object {
        let index = defaults
            .iter()
            .position(|(category, _)| category == name)
            .ok_or_else(|| format!("setting `{key}` has unknown category `{name}`"))?;
        weights[index] = weight
            .as_f64()
            .filter(|w| *w >= 0.0)
            .ok_or_else(|| format!("setting `{key}.{name}` must be a non-negative number"))?;
    }
    Ok(weights)
}

/// The JSON Schema of a [`weights`] setting over `defaults`.
pub fn weights_schema(description: &str, defaults: &[(&str, f64)], docs: &[(&str, &str)]) -> Value {
    let mut properties = serde_json::Map::new();
    for (category, weight) in defaults {
        let doc = docs
            .iter()
            .find(|(c, _)| c == category)
            .map_or("", |(_, d)| *d);
        properties.insert(
            category.to_string(),
            serde_json::json!({
                "type": "number",
                "minimum": 0,
                "default": weight,
                "description": doc,
            }),
        );
    }
    serde_json::json!({
        "type": "object",
        "description": description,
        "additionalProperties": false,
        "properties": properties,
    })
}

/// The JSON object `{category: weight}` for `names` and `weights` (same order).
pub fn weights_json(names: &[(&str, f64)], weights: &[f64]) -> Value {
    let mut object = serde_json::Map::new();
    for ((name, _), weight) in names.iter().zip(weights) {
        object.insert(name.to_string(), number_json(*weight));
    }
    Value::Object(object)
}

/// A number as JSON, written as an integer when it is one (`50`, not `50.0`).
pub fn number_json(n: f64) -> Value {
    if n.fract() == 0.0 && n.abs() < 9.0e15 {
        Value::from(n as i64)
    } else {
        Value::from(n)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::MapHost;

    #[test]
    fn missing_keys_fall_back_to_defaults() {
        let host = MapHost::new(json!({}));
        assert_eq!(bool(&host, "b", true), Ok(true));
        assert_eq!(number(&host, "n", 5.0), Ok(5.0));
        assert_eq!(string_list(&host, "l", &["a"]), Ok(vec!["a".to_string()]));
        assert_eq!(choice(&host, "c", &["x", "y"], "y"), Ok("y".to_string()));
    }

    #[test]
    fn wrong_shapes_are_errors() {
        let host = MapHost::new(json!({"b": "yes", "l": [1], "c": "z", "w": {"nope": 1}}));
        assert!(bool(&host, "b", true).is_err());
        assert!(string_list(&host, "l", &[]).is_err());
        assert!(choice(&host, "c", &["x"], "x").is_err());
        assert!(weights(&host, "w", &[("a", 1.0)]).is_err());
    }

    #[test]
    fn weights_merge_over_defaults() {
        let host = MapHost::new(json!({"w": {"b": 7}}));
        assert_eq!(
            weights(&host, "w", &[("a", 1.0), ("b", 2.0)]),
            Ok(vec![1.0, 7.0])
        );
        assert_eq!(weights_json(&[("a", 1.0)], &[1.5]), json!({"a": 1.5}));
        assert_eq!(number_json(50.0).to_string(), "50");
    }
}
