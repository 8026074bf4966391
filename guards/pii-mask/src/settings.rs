//! pii-mask settings, their schema and defaults.

use guard_kit::{Host, settings};
use serde_json::json;

use crate::detect::Category;

/// What to do when PII is found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Replace the values and let the payload through (`modify`).
    Mask,
    /// Refuse the payload (`pii_detected`).
    Deny,
}

/// The guard's settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    /// mask or deny.
    pub action: Action,
    /// The categories looked for.
    pub categories: Vec<Category>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            action: Action::Mask,
            categories: Category::ALL.to_vec(),
        }
    }
}

impl Settings {
    /// Reads the settings through the host's `get-config`.
    pub fn from_host(host: &dyn Host) -> Result<Self, String> {
        let action = match settings::choice(host, "action", &["mask", "deny"], "mask")?.as_str() {
            "deny" => Action::Deny,
            _ => Action::Mask,
        };
        let all: Vec<&str> = Category::ALL.iter().map(|c| c.name()).collect();
        let categories = settings::string_list(host, "categories", &all)?
            .iter()
            .map(|name| {
                Category::from_name(name)
                    .ok_or_else(|| format!("setting `categories` has unknown category `{name}`"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Settings { action, categories })
    }

    /// The settings as JSON.
    pub fn to_json(&self) -> String {
        let action = match self.action {
            Action::Mask => "mask",
            Action::Deny => "deny",
        };
        let categories: Vec<&str> = self.categories.iter().map(|c| c.name()).collect();
        json!({"action": action, "categories": categories}).to_string()
    }

    /// The JSON Schema (draft 2020-12) of the settings.
    pub fn schema() -> String {
        let all: Vec<&str> = Category::ALL.iter().map(|c| c.name()).collect();
        json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "pii-mask settings",
            "type": "object",
            "additionalProperties": false,
            "properties": {
                "action": {
                    "type": "string",
                    "enum": ["mask", "deny"],
                    "default": "mask",
                    "description": "mask: return the payload with each value replaced ([EMAIL], [PHONE], [SECRET], cards as ****-****-****-1234 keeping the last four digits). deny: refuse with code pii_detected, listing categories and JSON Pointers, never the values.",
                },
                "categories": {
                    "type": "array",
                    "uniqueItems": true,
                    "items": {"type": "string", "enum": all},
                    "default": all,
                    "description": "What to look for: email; phone (+ and 8-15 digits, or 10-11 grouped digits); card (13-19 digits with optional spaces or dashes, Luhn-valid only); secret (sk-, ghp_, github_pat_, AKIA.., xoxb-.., AIza.., JWTs, PEM private keys, long high-entropy tokens, and values of keys like password or api_key).",
                },
            },
        })
        .to_string()
    }
}
