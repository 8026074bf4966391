//! prompt-injection settings, their schema and defaults.

use guard_kit::{Host, settings};
use serde_json::json;

use crate::catalog::{CATEGORIES, CATEGORY_DOCS};

/// Default score at which a payload is denied.
pub const DEFAULT_DENY_THRESHOLD: f64 = 60.0;
/// Default score at which a payload draws a warning.
pub const DEFAULT_WARN_THRESHOLD: f64 = 30.0;

/// The guard's settings.
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    /// A payload whose score reaches this is denied.
    pub deny_threshold: f64,
    /// A payload whose score reaches this (but not `deny_threshold`) draws a warning.
    pub warn_threshold: f64,
    /// Weight per category, in the order of [`CATEGORIES`].
    pub weights: Vec<f64>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            deny_threshold: DEFAULT_DENY_THRESHOLD,
            warn_threshold: DEFAULT_WARN_THRESHOLD,
            weights: CATEGORIES.iter().map(|(_, w)| *w).collect(),
        }
    }
}

impl Settings {
    /// Reads the settings through the host's `get-config`.
    pub fn from_host(host: &dyn Host) -> Result<Self, String> {
        Ok(Settings {
            deny_threshold: settings::number(host, "deny_threshold", DEFAULT_DENY_THRESHOLD)?,
            warn_threshold: settings::number(host, "warn_threshold", DEFAULT_WARN_THRESHOLD)?,
            weights: settings::weights(host, "weights", CATEGORIES)?,
        })
    }

    /// The settings as JSON.
    pub fn to_json(&self) -> String {
        json!({
            "deny_threshold": settings::number_json(self.deny_threshold),
            "warn_threshold": settings::number_json(self.warn_threshold),
            "weights": settings::weights_json(CATEGORIES, &self.weights),
        })
        .to_string()
    }

    /// The JSON Schema (draft 2020-12) of the settings.
    pub fn schema() -> String {
        json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "prompt-injection settings",
            "type": "object",
            "additionalProperties": false,
            "properties": {
                "deny_threshold": {
                    "type": "number",
                    "minimum": 0,
                    "default": DEFAULT_DENY_THRESHOLD,
                    "description": "A payload whose score (sum of the weights of the distinct categories found in all its strings) reaches this is denied with code prompt_injection.",
                },
                "warn_threshold": {
                    "type": "number",
                    "minimum": 0,
                    "default": DEFAULT_WARN_THRESHOLD,
                    "description": "A payload whose score reaches this, but not deny_threshold, is let through with a warning; below it the payload is allowed.",
                },
                "weights": settings::weights_schema(
                    "Weight per category; categories left out keep their default. 0 disables a category.",
                    CATEGORIES,
                    CATEGORY_DOCS,
                ),
            },
        })
        .to_string()
    }
}
