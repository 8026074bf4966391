//! legacy-tool-count: the seed README's example configuration as a guard, built against
//! the first ("minimal") contract in `wit/guard.wit` (only `evaluate-tools-list`; no warn,
//! no server URL, no settings schema). Denies `server_blocked` for a server listed in
//! `blocked_servers`, and `too_many_tools` for a list longer than `max_tool_count`.

use serde_json::{Value, json};

/// Default `max_tool_count`.
pub const DEFAULT_MAX_TOOL_COUNT: u64 = 50;

/// The guard's settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    /// Largest number of tools a server may announce.
    pub max_tool_count: u64,
    /// Server names refused outright (exact match).
    pub blocked_servers: Vec<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            max_tool_count: DEFAULT_MAX_TOOL_COUNT,
            blocked_servers: Vec::new(),
        }
    }
}

impl Settings {
    /// Reads settings through `get_config` (JSON text of the value, "" when not configured).
    pub fn from_config(get_config: impl Fn(&str) -> String) -> Result<Self, String> {
        let read = |key: &str| -> Result<Option<Value>, String> {
            let text = get_config(key);
            if text.trim().is_empty() {
                return Ok(None);
            }
            serde_json::from_str(&text)
                .map(Some)
                .map_err(|e| format!("setting `{key}` is not valid JSON: {e}"))
        };
        let mut settings = Settings::default();
        if let Some(value) = read("max_tool_count")? {
            settings.max_tool_count = value
                .as_u64()
                .ok_or("setting `max_tool_count` must be a non-negative integer")?;
        }
        if let Some(value) = read("blocked_servers")? {
            settings.blocked_servers = value
                .as_array()
                .and_then(|items| {
                    items
                        .iter()
                        .map(|s| s.as_str().map(str::to_string))
                        .collect()
                })
                .ok_or("setting `blocked_servers` must be a list of strings")?;
        }
        Ok(settings)
    }
}

/// The guard's verdict (the minimal contract has no warn).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    Allow,
    /// code, message, details (JSON text).
    Deny {
        code: &'static str,
        message: String,
        details: String,
    },
}

/// Phase `tools_list`: blocked server first, then the tool count.
pub fn evaluate_tools_list(tool_count: usize, server_name: &str, settings: &Settings) -> Verdict {
    if settings.blocked_servers.iter().any(|s| s == server_name) {
        return Verdict::Deny {
            code: "server_blocked",
            message: format!("Server '{server_name}' is blocked"),
            details: json!({"server": server_name}).to_string(),
        };
    }
    if tool_count as u64 > settings.max_tool_count {
        return Verdict::Deny {
            code: "too_many_tools",
            message: format!("Server '{server_name}' lists {tool_count} tools, more than {}", settings.max_tool_count),
            details: json!({"server": server_name, "tool_count": tool_count, "max_tool_count": settings.max_tool_count})
                .to_string(),
        };
    }
    Verdict::Allow
}

#[cfg(target_arch = "wasm32")]
mod component {
    wit_bindgen::generate!({ path: "wit", world: "security-guard" });

    use exports::mcp::security_guard::guard::{Decision, DenyReason, GuardContext, Guest, Tool};
    use mcp::security_guard::host;

    struct Component;

    impl Guest for Component {
        fn evaluate_tools_list(
            tools: Vec<Tool>,
            context: GuardContext,
        ) -> Result<Decision, String> {
            host::log(
                2,
                &format!(
                    "Evaluating {} tools from '{}'",
                    tools.len(),
                    context.server_name
                ),
            );
            let settings = crate::Settings::from_config(host::get_config)?;
            Ok(
                match crate::evaluate_tools_list(tools.len(), &context.server_name, &settings) {
                    crate::Verdict::Allow => Decision::Allow,
                    crate::Verdict::Deny {
                        code,
                        message,
                        details,
                    } => Decision::Deny(DenyReason {
                        code: code.to_string(),
                        message,
                        details: Some(details),
                    }),
                },
            )
        }
    }

    export!(Component);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(value: Value) -> impl Fn(&str) -> String {
        move |key| value.get(key).map(Value::to_string).unwrap_or_default()
    }

    #[test]
    fn counts_and_blocks() {
        let settings = Settings::from_config(config(
            json!({"max_tool_count": 3, "blocked_servers": ["untrusted-server"]}),
        ))
        .unwrap();
        assert_eq!(evaluate_tools_list(3, "files", &settings), Verdict::Allow);
        assert!(matches!(
            evaluate_tools_list(4, "files", &settings),
            Verdict::Deny {
                code: "too_many_tools",
                ..
            }
        ));
        assert!(matches!(
            evaluate_tools_list(0, "untrusted-server", &settings),
            Verdict::Deny {
                code: "server_blocked",
                ..
            }
        ));
    }

    #[test]
    fn defaults_and_bad_settings() {
        assert_eq!(
            Settings::from_config(config(json!({}))),
            Ok(Settings::default())
        );
        assert_eq!(
            evaluate_tools_list(50, "s", &Settings::default()),
            Verdict::Allow
        );
        assert!(Settings::from_config(config(json!({"max_tool_count": -1}))).is_err());
        assert!(Settings::from_config(config(json!({"blocked_servers": "x"}))).is_err());
    }

    #[test]
    fn the_contract_is_the_minimal_one() {
        let ours = include_str!("../wit/guard.wit");
        assert!(
            ours.contains("evaluate-tools-list")
                && !ours.contains("evaluate-response")
                && !ours.contains("warn(")
        );
    }
}
