//! server-spoofing settings, their schema and defaults.

use guard_kit::{Host, settings};
use serde_json::{Value, json};

/// Default `max_edit_distance`.
pub const DEFAULT_MAX_EDIT_DISTANCE: u64 = 2;
/// Largest `max_edit_distance` the schema allows: past it most short names match.
pub const MAX_EDIT_DISTANCE: u64 = 8;

/// One allowlisted server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AllowedServer {
    /// Server name, compared ASCII case-insensitively.
    pub name: String,
    /// When set, the server must connect to this URL's host.
    pub url: Option<String>,
}

/// What to do with a server that is not allowlisted and resembles none that is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnknownPolicy {
    Allow,
    Warn,
    Deny,
}

impl UnknownPolicy {
    const NAMES: [&str; 3] = ["allow", "warn", "deny"];

    fn name(self) -> &'static str {
        Self::NAMES[self as usize]
    }
}

/// The guard's settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    /// The allowlist.
    pub allowed_servers: Vec<AllowedServer>,
    /// Largest edit distance (after confusable folding) counted as a typosquat.
    pub max_edit_distance: usize,
    /// Policy for unknown servers.
    pub unknown_server: UnknownPolicy,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            allowed_servers: Vec::new(),
            max_edit_distance: DEFAULT_MAX_EDIT_DISTANCE as usize,
            unknown_server: UnknownPolicy::Warn,
        }
    }
}

impl Settings {
    /// Reads the settings through the host's `get-config`.
    pub fn from_host(host: &dyn Host) -> Result<Self, String> {
        let allowed_servers = match settings::read(host, "allowed_servers")? {
            None => Vec::new(),
            Some(value) => parse_allowlist(&value)?,
        };
        let policy = settings::choice(host, "unknown_server", &UnknownPolicy::NAMES, "warn")?;
        let unknown_server = match policy.as_str() {
            "allow" => UnknownPolicy::Allow,
            "deny" => UnknownPolicy::Deny,
            _ => UnknownPolicy::Warn,
        };
        let max_edit_distance =
            settings::count(host, "max_edit_distance", DEFAULT_MAX_EDIT_DISTANCE)? as usize;
        Ok(Settings {
            allowed_servers,
            max_edit_distance,
            unknown_server,
        })
    }

    /// The settings as JSON.
    pub fn to_json(&self) -> String {
        let allowed: Vec<Value> = self
            .allowed_servers
            .iter()
            .map(|a| match &a.url {
                Some(url) => json!({"name": a.name, "url": url}),
                None => json!(a.name),
            })
            .collect();
        json!({
            "allowed_servers": allowed,
            "max_edit_distance": self.max_edit_distance,
            "unknown_server": self.unknown_server.name(),
        })
        .to_string()
    }

    /// The JSON Schema (draft 2020-12) of the settings.
    pub fn schema() -> String {
        json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "server-spoofing settings",
            "type": "object",
            "additionalProperties": false,
            // Form hints for UIs (the page honours them); validation ignores `x-` keys.
            "x-ui-groups": [
                {"id": "servers", "title": "Known servers"},
                {"id": "policy", "title": "Policy"},
            ],
            "x-guard-meta": {"defaultRunsOn": ["connection"]},
            "properties": {
                "allowed_servers": {
                    "type": "array",
                    "default": [],
                    "x-ui": {"group": "servers", "order": 1, "helpText": "One server per entry; give {name, url} to also pin its URL host."},
                    "description": "Allowlisted servers: a name, or {name, url} to also pin the URL host.",
                    "items": {
                        "anyOf": [
                            {"type": "string", "minLength": 1},
                            {
                                "type": "object",
                                "additionalProperties": false,
                                "required": ["name"],
                                "properties": {
                                    "name": {"type": "string", "minLength": 1, "description": "Server name, compared ASCII case-insensitively."},
                                    "url": {"type": "string", "minLength": 1, "description": "Expected server URL; only its host is compared."},
                                },
                            },
                        ],
                    },
                },
                "max_edit_distance": {
                    "type": "integer",
                    "minimum": 0,
                    "maximum": MAX_EDIT_DISTANCE,
                    "x-ui": {"component": "slider", "group": "policy", "order": 2, "helpText": "0 catches exact look-alikes only; higher values also flag names a few typos away."},
                    "default": DEFAULT_MAX_EDIT_DISTANCE,
                    "description": "Largest edit distance (insertions, deletions, substitutions, adjacent swaps, after folding look-alike characters) at which a name counts as a typosquat of an allowed name. Names of up to 3 characters allow no typos, 4-5 characters at most 1.",
                },
                "unknown_server": {
                    "type": "string",
                    "x-ui": {"group": "policy", "order": 1},
                    "enum": UnknownPolicy::NAMES,
                    "default": "warn",
                    "description": "What to do with a server that is not allowlisted and resembles none that is: allow, warn, or deny (code server_unknown).",
                },
            },
        })
        .to_string()
    }
}

fn parse_allowlist(value: &Value) -> Result<Vec<AllowedServer>, String> {
    let bad =
        || "setting `allowed_servers` must be a list of names or {name, url} objects".to_string();
    let items = value.as_array().ok_or_else(bad)?;
    items
        .iter()
        .map(|item| match item {
            Value::String(name) => Ok(AllowedServer {
                name: name.clone(),
                url: None,
            }),
            Value::Object(entry) => {
                let name = entry.get("name").and_then(Value::as_str).ok_or_else(bad)?;
                let url = match entry.get("url") {
                    None | Some(Value::Null) => None,
                    Some(Value::String(url)) => Some(url.clone()),
                    Some(_) => return Err(bad()),
                };
                Ok(AllowedServer {
                    name: name.to_string(),
                    url,
                })
            }
            _ => Err(bad()),
        })
        .collect()
}
