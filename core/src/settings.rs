//! A guard's settings: validated against the JSON Schema the guard itself exports.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// One settings problem, named by its JSON pointer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettingsError {
    /// JSON pointer into the settings, `""` for the whole object.
    pub pointer: String,
    pub message: String,
}

impl std::fmt::Display for SettingsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let at = if self.pointer.is_empty() {
            "/"
        } else {
            &self.pointer
        };
        write!(f, "at {at}: {}", self.message)
    }
}

/// A compiled settings schema (JSON Schema 2020-12 unless the schema says otherwise).
pub struct SettingsSchema {
    validator: jsonschema::Validator,
}

impl SettingsSchema {
    /// Compiles the text a guard's `get-settings-schema` returned.
    pub fn compile(text: &str) -> Result<Self, String> {
        let schema: Value = serde_json::from_str(text)
            .map_err(|e| format!("get-settings-schema did not return JSON: {e}"))?;
        let validator = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .build(&schema)
            .map_err(|e| format!("get-settings-schema is not a valid JSON Schema: {e}"))?;
        Ok(Self { validator })
    }

    /// Every way `settings` breaks the schema.
    pub fn validate(&self, settings: &Map<String, Value>) -> Vec<SettingsError> {
        let value = Value::Object(settings.clone());
        self.validator
            .iter_errors(&value)
            .map(|e| SettingsError {
                pointer: e.instance_path().as_str().to_string(),
                message: e.to_string(),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema() -> SettingsSchema {
        SettingsSchema::compile(
            &json!({
                "$schema": "https://json-schema.org/draft/2020-12/schema",
                "type": "object",
                "additionalProperties": false,
                "properties": {
                    "patterns": {"type": "array", "items": {"type": "string"}},
                    "threshold": {"type": "number", "minimum": 0}
                }
            })
            .to_string(),
        )
        .unwrap()
    }

    #[test]
    fn errors_name_the_json_pointer() {
        let settings = json!({"patterns": ["a", 3], "threshold": -1});
        let errs = schema().validate(settings.as_object().unwrap());
        let pointers: Vec<_> = errs.iter().map(|e| e.pointer.as_str()).collect();
        assert!(pointers.contains(&"/patterns/1"), "{errs:?}");
        assert!(pointers.contains(&"/threshold"), "{errs:?}");
    }

    #[test]
    fn unknown_settings_are_rejected_by_the_schema() {
        let errs = schema().validate(json!({"patern": []}).as_object().unwrap());
        assert_eq!(errs.len(), 1);
        assert!(errs[0].message.contains("patern"), "{}", errs[0]);
    }

    #[test]
    fn bad_schema_text_is_an_error() {
        assert!(
            SettingsSchema::compile("{")
                .err()
                .unwrap()
                .contains("did not return JSON")
        );
    }
}
