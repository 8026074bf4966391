//! A deliberately small JSON Schema checker for guard tests: enough of draft 2020-12
//! (`type`, `properties`, `required`, `additionalProperties`, `items`, `enum`, `minimum`,
//! `maximum`, `minLength`, `uniqueItems`, `anyOf`) to check that a guard's default config
//! and example configs fit its settings schema, plus [`lint_settings_schema`] for the
//! conventions every guardhouse settings schema follows. Not used at run time.

use serde_json::Value;

/// Checks `instance` against `schema`; the error names the first failing JSON Pointer.
pub fn validate(schema: &Value, instance: &Value) -> Result<(), String> {
    check(schema, instance, "")
}

fn check(schema: &Value, v: &Value, at: &str) -> Result<(), String> {
    let fail = |why: String| Err(format!("{}: {why}", if at.is_empty() { "/" } else { at }));
    if let Some(t) = schema.get("type") {
        let types: Vec<&str> = match t {
            Value::String(s) => vec![s.as_str()],
            Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        if !types.iter().any(|t| has_type(v, t)) {
            return fail(format!("expected type {types:?}, got {v}"));
        }
    }
    if let Some(options) = schema.get("enum").and_then(Value::as_array)
        && !options.contains(v)
    {
        return fail(format!("{v} not in enum {options:?}"));
    }
    if let Some(any) = schema.get("anyOf").and_then(Value::as_array)
        && !any.iter().any(|s| check(s, v, at).is_ok())
    {
        return fail(format!("{v} matches none of anyOf"));
    }
    if let (Some(n), Some(min)) = (v.as_f64(), schema.get("minimum").and_then(Value::as_f64))
        && n < min
    {
        return fail(format!("{n} < minimum {min}"));
    }
    if let (Some(n), Some(max)) = (v.as_f64(), schema.get("maximum").and_then(Value::as_f64))
        && n > max
    {
        return fail(format!("{n} > maximum {max}"));
    }
    if let (Some(s), Some(min)) = (v.as_str(), schema.get("minLength").and_then(Value::as_u64))
        && (s.chars().count() as u64) < min
    {
        return fail(format!("string shorter than {min}"));
    }
    if let Some(items) = v.as_array() {
        if schema.get("uniqueItems") == Some(&Value::Bool(true)) {
            for (i, item) in items.iter().enumerate() {
                if items[..i].contains(item) {
                    return fail(format!("duplicate item {item}"));
                }
            }
        }
        if let Some(item_schema) = schema.get("items") {
            for (i, item) in items.iter().enumerate() {
                check(item_schema, item, &format!("{at}/{i}"))?;
            }
        }
    }
    if let Some(object) = v.as_object() {
        let properties = schema.get("properties").and_then(Value::as_object);
        for required in schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let key = required.as_str().unwrap_or_default();
            if !object.contains_key(key) {
                return fail(format!("missing required property {key}"));
            }
        }
        for (key, item) in object {
            match properties.and_then(|p| p.get(key)) {
                Some(property) => check(property, item, &format!("{at}/{key}"))?,
                None => match schema.get("additionalProperties") {
                    Some(Value::Bool(false)) => return fail(format!("unexpected property {key}")),
                    Some(extra @ Value::Object(_)) => check(extra, item, &format!("{at}/{key}"))?,
                    _ => {}
                },
            }
        }
    }
    Ok(())
}

fn has_type(v: &Value, t: &str) -> bool {
    match t {
        "object" => v.is_object(),
        "array" => v.is_array(),
        "string" => v.is_string(),
        "boolean" => v.is_boolean(),
        "null" => v.is_null(),
        "number" => v.is_number(),
        "integer" => v.is_u64() || v.is_i64() || v.as_f64().is_some_and(|f| f.fract() == 0.0),
        _ => false,
    }
}

/// Checks the guardhouse conventions for a settings schema: draft 2020-12 `$schema`,
/// a top-level object with `additionalProperties: false`, and every property (at any
/// depth) documented with a `description` and typed with `type` or `anyOf`.
pub fn lint_settings_schema(schema: &Value) -> Result<(), String> {
    if schema.get("$schema").and_then(Value::as_str)
        != Some("https://json-schema.org/draft/2020-12/schema")
    {
        return Err("$schema must be the draft 2020-12 URI".into());
    }
    if schema.get("type").and_then(Value::as_str) != Some("object") {
        return Err("top-level type must be object".into());
    }
    lint_object(schema, "")
}

fn lint_object(schema: &Value, at: &str) -> Result<(), String> {
    if schema.get("additionalProperties") != Some(&Value::Bool(false)) {
        return Err(format!("{at}: additionalProperties must be false"));
    }
    let properties = schema.get("properties").and_then(Value::as_object);
    for (key, property) in properties.into_iter().flatten() {
        let here = format!("{at}/{key}");
        if property
            .get("description")
            .and_then(Value::as_str)
            .is_none_or(str::is_empty)
        {
            return Err(format!("{here}: missing description"));
        }
        lint_typed(property, &here)?;
    }
    Ok(())
}

fn lint_typed(schema: &Value, at: &str) -> Result<(), String> {
    if let Some(any) = schema.get("anyOf").and_then(Value::as_array) {
        return any.iter().try_for_each(|s| lint_typed(s, at));
    }
    match schema.get("type").and_then(Value::as_str) {
        None => Err(format!("{at}: missing type")),
        Some("object") => lint_object(schema, at),
        Some("array") => match schema.get("items") {
            Some(items) => lint_typed(items, &format!("{at}/items")),
            None => Err(format!("{at}: array without items")),
        },
        Some(_) => Ok(()),
    }
}

/// Checks a guard's settings schema against the conventions and its default config
/// against the schema.
pub fn check_guard<G: crate::Guard>() -> Result<(), String> {
    let schema: Value =
        serde_json::from_str(&G::settings_schema()).map_err(|e| format!("schema: {e}"))?;
    let defaults: Value =
        serde_json::from_str(&G::default_config()).map_err(|e| format!("defaults: {e}"))?;
    lint_settings_schema(&schema)?;
    validate(&schema, &defaults).map_err(|e| format!("default config: {e}"))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn validates_the_supported_keywords() {
        let schema = json!({
            "type": "object", "additionalProperties": false, "required": ["a"],
            "properties": {
                "a": {"type": "integer", "minimum": 1},
                "b": {"type": "array", "uniqueItems": true, "items": {"enum": ["x", "y"]}},
                "c": {"anyOf": [{"type": "string", "minLength": 1}, {"type": "boolean"}]}
            }
        });
        assert!(validate(&schema, &json!({"a": 2, "b": ["x"], "c": true})).is_ok());
        assert!(validate(&schema, &json!({"a": 0})).is_err());
        assert!(validate(&schema, &json!({"b": []})).is_err());
        assert!(validate(&schema, &json!({"a": 1, "b": ["x", "x"]})).is_err());
        assert!(validate(&schema, &json!({"a": 1, "c": ""})).is_err());
        assert!(validate(&schema, &json!({"a": 1, "z": 1})).is_err());
    }

    #[test]
    fn lints_conventions() {
        let good = json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "type": "object", "additionalProperties": false,
            "properties": {"a": {"type": "string", "description": "A."}}
        });
        assert!(lint_settings_schema(&good).is_ok());
        let mut bad = good.clone();
        bad["properties"]["a"] = json!({"type": "string"});
        assert!(lint_settings_schema(&bad).is_err());
    }
}
