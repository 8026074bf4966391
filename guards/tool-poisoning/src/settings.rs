//! tool-poisoning settings, their schema and defaults.

use guard_kit::{Action, Host, settings};
use serde_json::json;

use crate::catalog::{CATEGORIES, CATEGORY_DOCS};

/// Default score at which a tool is denied.
pub const DEFAULT_THRESHOLD: f64 = 50.0;
/// Default score at which a tool draws a warning.
pub const DEFAULT_WARN_THRESHOLD: f64 = 25.0;

/// The guard's settings.
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    /// A tool whose score reaches this is denied.
    pub threshold: f64,
    /// A tool whose score reaches this (but not `threshold`) draws a warning.
    pub warn_threshold: f64,
    /// Weight per category, in the order of [`CATEGORIES`].
    pub weights: Vec<f64>,
    /// Extra phrases (category `extra_phrase`), matched case-insensitively.
    pub extra_phrases: Vec<String>,
    /// Whether strings inside the input schema are scanned.
    pub scan_input_schema: bool,
    /// What tools at or past the threshold cause: a deny of the whole list, or their
    /// removal from it (a modify).
    pub action: Action,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            threshold: DEFAULT_THRESHOLD,
            warn_threshold: DEFAULT_WARN_THRESHOLD,
            weights: CATEGORIES.iter().map(|(_, w)| *w).collect(),
            extra_phrases: Vec::new(),
            scan_input_schema: true,
            action: Action::Deny,
        }
    }
}

impl Settings {
    /// Reads the settings through the host's `get-config`.
    pub fn from_host(host: &dyn Host) -> Result<Self, String> {
        Ok(Settings {
            threshold: settings::number(host, "threshold", DEFAULT_THRESHOLD)?,
            warn_threshold: settings::number(host, "warn_threshold", DEFAULT_WARN_THRESHOLD)?,
            weights: settings::weights(host, "weights", CATEGORIES)?,
            extra_phrases: settings::string_list(host, "extra_phrases", &[])?,
            scan_input_schema: settings::bool(host, "scan_input_schema", true)?,
            action: Action::from_host(host)?,
        })
    }

    /// The settings as JSON.
    pub fn to_json(&self) -> String {
        json!({
            "threshold": settings::number_json(self.threshold),
            "warn_threshold": settings::number_json(self.warn_threshold),
            "weights": settings::weights_json(CATEGORIES, &self.weights),
            "extra_phrases": self.extra_phrases,
            "scan_input_schema": self.scan_input_schema,
            "action": self.action.name(),
        })
        .to_string()
    }

    /// The JSON Schema (draft 2020-12) of the settings.
    pub fn schema() -> String {
        json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "tool-poisoning settings",
            "type": "object",
            "additionalProperties": false,
            "properties": {
                "threshold": {
                    "type": "number",
                    "minimum": 0,
                    "default": DEFAULT_THRESHOLD,
                    "description": "A tool whose score (sum of the weights of its distinct finding categories) reaches this is denied with code tool_poisoning.",
                },
                "warn_threshold": {
                    "type": "number",
                    "minimum": 0,
                    "default": DEFAULT_WARN_THRESHOLD,
                    "description": "A tool whose score reaches this, but not threshold, is let through with a warning; a lower score is allowed (weak signals such as \"must\" or \"before using\" only count in combination).",
                },
                "weights": settings::weights_schema(
                    "Weight per finding category; categories left out keep their default. 0 disables a category.",
                    CATEGORIES,
                    CATEGORY_DOCS,
                ),
                "extra_phrases": {
                    "type": "array",
                    "items": {"type": "string", "minLength": 1},
                    "default": [],
                    "description": "Additional phrases to flag (category extra_phrase), matched case-insensitively; word-only phrases match on word boundaries, phrases with symbols as substrings.",
                },
                "scan_input_schema": {
                    "type": "boolean",
                    "default": true,
                    "description": "Also scan every string inside each tool's input schema (property descriptions, enums, defaults, examples).",
                },
                "action": Action::schema("a tool at or past the threshold", "tool_poisoning"),
            },
        })
        .to_string()
    }
}
