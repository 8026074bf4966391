//! rust-wasip1: a guest guard built the way cargo-component and many published guards
//! are — Rust std for `wasm32-wasip1`, turned into a component with the WASI preview1
//! reactor adapter — so it imports `wasi:*@0.2.x` next to `mcp:security-guard/host`.
//! Its std use goes through WASI: an environment variable, the wall clock, a `HashMap`
//! with `RandomState`, and a line on stdout.
//!
//! - `tools_list`: a tool name announced twice is denied (`duplicate_tool`); tools
//!   without a description are warnings.
//! - `tool_invoke`: a tool in `blocked_tools` is denied (`tool_blocked`); values of
//!   object keys in `redact_keys` become `"[redacted]"` (modify, the new arguments);
//!   arguments longer than `max_argument_bytes` are a warning.
//! - `connection` and `response`: allow.
//!
//! The logic is plain Rust (tested natively with `cargo test`); `component` binds it to
//! the `security-guard` world on wasm32.

use std::collections::HashMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::Value;

/// Deny code for a tool name announced more than once.
pub const CODE_DUPLICATE: &str = "duplicate_tool";
/// Deny code for a call of a blocked tool.
pub const CODE_BLOCKED: &str = "tool_blocked";
/// What a redacted value becomes.
pub const REDACTED: &str = "[redacted]";
/// The environment variable the guard reports on (a sealed host sets none).
pub const MODE_VAR: &str = "RUST_WASIP1_GUARD_MODE";

/// The guard's verdict, without WIT types.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    Allow,
    Deny {
        code: String,
        message: String,
        details: Option<String>,
    },
    Modify(String),
    Warn(Vec<String>),
}

/// The guard's settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    /// Tool names refused at `tool_invoke` (case-insensitive).
    pub blocked_tools: Vec<String>,
    /// Object keys whose values are redacted in arguments (case-insensitive).
    pub redact_keys: Vec<String>,
    /// Arguments longer than this (JSON bytes) are a warning.
    pub max_argument_bytes: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            blocked_tools: vec!["shell_exec".into()],
            redact_keys: vec!["password".into(), "token".into()],
            max_argument_bytes: 4096,
        }
    }
}

impl Settings {
    /// Reads settings through the host's `get-config` (JSON text, "" when not configured).
    pub fn from_config(get_config: impl Fn(&str) -> String) -> Result<Self, String> {
        let mut s = Settings::default();
        if let Some(v) = read(&get_config, "blocked_tools")? {
            s.blocked_tools = strings(&v, "blocked_tools")?;
        }
        if let Some(v) = read(&get_config, "redact_keys")? {
            s.redact_keys = strings(&v, "redact_keys")?;
        }
        if let Some(v) = read(&get_config, "max_argument_bytes")? {
            s.max_argument_bytes = v
                .as_u64()
                .ok_or("max_argument_bytes must be a non-negative integer")?;
        }
        Ok(s)
    }
}

fn read(get_config: &impl Fn(&str) -> String, key: &str) -> Result<Option<Value>, String> {
    let text = get_config(key);
    if text.is_empty() {
        return Ok(None);
    }
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|e| format!("config `{key}` is not JSON: {e}"))
}

fn strings(v: &Value, key: &str) -> Result<Vec<String>, String> {
    v.as_array()
        .and_then(|a| a.iter().map(|s| s.as_str().map(str::to_string)).collect())
        .ok_or_else(|| format!("{key} must be a list of strings"))
}

/// The JSON Schema of the settings.
pub const SETTINGS_SCHEMA: &str = r#"{"$schema":"https://json-schema.org/draft/2020-12/schema","title":"rust-wasip1 settings","type":"object","additionalProperties":false,"properties":{"blocked_tools":{"type":"array","items":{"type":"string"}},"redact_keys":{"type":"array","items":{"type":"string"}},"max_argument_bytes":{"type":"integer","minimum":0}}}"#;
/// The default config.
pub const DEFAULT_CONFIG: &str = r#"{"blocked_tools":["shell_exec"],"redact_keys":["password","token"],"max_argument_bytes":4096}"#;

/// What the guard learns from WASI at the start of a hook, as log lines: the
/// environment variable (unset in a sandbox) and whether the wall clock is plausible.
pub fn environment_report() -> Vec<String> {
    let mode = match std::env::var(MODE_VAR) {
        Ok(v) => format!("env: {MODE_VAR}={v}"),
        Err(_) => format!("env: {MODE_VAR} unset"),
    };
    // 2020-01-01T00:00:00Z: any working wall clock is past it.
    let plausible = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .is_ok_and(|d| d > Duration::from_secs(1_577_836_800));
    let clock = if plausible {
        "clock: ok"
    } else {
        "clock: implausible"
    };
    vec![mode, clock.to_string()]
}

/// `tools_list`: names and descriptions of the announced tools.
pub fn tools_list(tools: &[(String, Option<String>)]) -> Verdict {
    // Counted in a std HashMap (RandomState seeds from WASI random), reported in order.
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for (name, _) in tools {
        *counts.entry(name.as_str()).or_default() += 1;
    }
    if let Some((name, _)) = tools.iter().find(|(n, _)| counts[n.as_str()] > 1) {
        let n = counts[name.as_str()];
        return Verdict::Deny {
            code: CODE_DUPLICATE.into(),
            message: format!("tool `{name}` is announced {n} times"),
            details: Some(serde_json::json!({"tool": name, "count": n}).to_string()),
        };
    }
    let warnings: Vec<String> = tools
        .iter()
        .filter(|(_, d)| d.as_deref().is_none_or(|d| d.trim().is_empty()))
        .map(|(n, _)| format!("tool `{n}` has no description"))
        .collect();
    if warnings.is_empty() {
        Verdict::Allow
    } else {
        Verdict::Warn(warnings)
    }
}

/// `tool_invoke`: a call of `tool` with JSON `arguments`.
pub fn tool_invoke(settings: &Settings, tool: &str, arguments: &str) -> Result<Verdict, String> {
    if settings
        .blocked_tools
        .iter()
        .any(|b| b.eq_ignore_ascii_case(tool))
    {
        return Ok(Verdict::Deny {
            code: CODE_BLOCKED.into(),
            message: format!("tool `{tool}` is blocked"),
            details: Some(serde_json::json!({"tool": tool}).to_string()),
        });
    }
    let mut args: Value =
        serde_json::from_str(arguments).map_err(|e| format!("arguments are not JSON: {e}"))?;
    if redact(&mut args, &settings.redact_keys) > 0 {
        return Ok(Verdict::Modify(args.to_string()));
    }
    if arguments.len() as u64 > settings.max_argument_bytes {
        return Ok(Verdict::Warn(vec![format!(
            "arguments of `{tool}` are {} bytes, over max_argument_bytes = {}",
            arguments.len(),
            settings.max_argument_bytes
        )]));
    }
    Ok(Verdict::Allow)
}

/// Replaces the values of `keys` (anywhere in `v`) by [`REDACTED`]; returns how many.
fn redact(v: &mut Value, keys: &[String]) -> usize {
    match v {
        Value::Object(map) => map
            .iter_mut()
            .map(|(k, v)| {
                if keys.iter().any(|r| r.eq_ignore_ascii_case(k)) {
                    if *v == Value::String(REDACTED.into()) {
                        0
                    } else {
                        *v = Value::String(REDACTED.into());
                        1
                    }
                } else {
                    redact(v, keys)
                }
            })
            .sum(),
        Value::Array(items) => items.iter_mut().map(|v| redact(v, keys)).sum(),
        _ => 0,
    }
}

#[cfg(target_arch = "wasm32")]
mod component {
    wit_bindgen::generate!({ path: "../../wit", world: "security-guard" });

    use exports::mcp::security_guard::guard::{Decision, DenyReason, GuardContext, Guest, Tool};
    use mcp::security_guard::host;

    use crate::Verdict;

    fn decision(v: Verdict) -> Decision {
        match v {
            Verdict::Allow => Decision::Allow,
            Verdict::Deny {
                code,
                message,
                details,
            } => Decision::Deny(DenyReason {
                code,
                message,
                details,
            }),
            Verdict::Modify(json) => Decision::Modify(json),
            Verdict::Warn(w) => Decision::Warn(w),
        }
    }

    fn report() {
        for line in crate::environment_report() {
            host::log(1, &line);
        }
    }

    struct Component;

    impl Guest for Component {
        fn evaluate_server_connection(_context: GuardContext) -> Result<Decision, String> {
            Ok(Decision::Allow)
        }

        fn evaluate_tools_list(
            tools: Vec<Tool>,
            _context: GuardContext,
        ) -> Result<Decision, String> {
            report();
            let tools: Vec<(String, Option<String>)> =
                tools.into_iter().map(|t| (t.name, t.description)).collect();
            Ok(decision(crate::tools_list(&tools)))
        }

        fn evaluate_tool_invoke(
            tool: String,
            arguments: String,
            _context: GuardContext,
        ) -> Result<Decision, String> {
            report();
            let settings = crate::Settings::from_config(host::get_config)?;
            let verdict = crate::tool_invoke(&settings, &tool, &arguments)?;
            // Through fd_write → the adapter → wasi:cli/stdout: the host logs it at info.
            println!("rust-wasip1: {tool} checked");
            Ok(decision(verdict))
        }

        fn evaluate_response(
            _response: String,
            _context: GuardContext,
        ) -> Result<Decision, String> {
            Ok(Decision::Allow)
        }

        fn get_settings_schema() -> String {
            crate::SETTINGS_SCHEMA.to_string()
        }

        fn get_default_config() -> String {
            crate::DEFAULT_CONFIG.to_string()
        }
    }

    export!(Component);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tool(name: &str, description: Option<&str>) -> (String, Option<String>) {
        (name.into(), description.map(str::to_string))
    }

    #[test]
    fn duplicates_are_denied_in_announce_order() {
        let v = tools_list(&[tool("b", Some("x")), tool("a", Some("x")), tool("b", None)]);
        let Verdict::Deny { code, message, .. } = v else {
            panic!("{v:?}")
        };
        assert_eq!(
            (code.as_str(), message.as_str()),
            (CODE_DUPLICATE, "tool `b` is announced 2 times")
        );
        assert_eq!(
            tools_list(&[tool("a", Some("x")), tool("b", Some(" "))]),
            Verdict::Warn(vec!["tool `b` has no description".into()])
        );
    }

    #[test]
    fn invoke_blocks_redacts_and_warns() {
        let s = Settings::default();
        assert!(matches!(
            tool_invoke(&s, "Shell_Exec", "{}"),
            Ok(Verdict::Deny { .. })
        ));
        assert_eq!(
            tool_invoke(&s, "login", r#"{"user":"a","auth":{"Password":"x"}}"#),
            Ok(Verdict::Modify(
                r#"{"auth":{"Password":"[redacted]"},"user":"a"}"#.into()
            ))
        );
        let small = Settings {
            max_argument_bytes: 4,
            ..s.clone()
        };
        assert!(matches!(
            tool_invoke(&small, "t", r#"{"a":1}"#),
            Ok(Verdict::Warn(_))
        ));
        assert_eq!(tool_invoke(&s, "t", r#"{"a":1}"#), Ok(Verdict::Allow));
        assert!(tool_invoke(&s, "t", "nope").is_err());
    }

    #[test]
    fn settings_come_from_config() {
        let s = Settings::from_config(|k| match k {
            "blocked_tools" => r#"["x"]"#.into(),
            _ => String::new(),
        })
        .unwrap();
        assert_eq!(s.blocked_tools, vec!["x".to_string()]);
        assert!(Settings::from_config(|_| "1".into()).is_err());
    }
}
