//! rust-wasip2: a guest guard in Rust std for `wasm32-wasip2` (rustc's linker emits the
//! component), so it imports the `wasi:*@0.2.x` interfaces std uses next to
//! `mcp:security-guard/host`: an environment variable, the wall clock, a `HashMap` with
//! `RandomState`, and a line on stderr.
//!
//! - `connection`: a server in `blocked_servers` is denied (`server_blocked`).
//! - `tools_list`: more than `max_tools` tools are denied (`too_many_tools`).
//! - `response`: a string containing a `deny_markers` entry is denied
//!   (`secret_in_response`); otherwise `mask_words` in strings become `***` (modify);
//!   otherwise `warn_words` found (case-insensitive) are warnings; otherwise allow.
//! - `tool_invoke`: allow.
//!
//! The logic is plain Rust (tested natively with `cargo test`); `component` binds it to
//! the `security-guard` world on wasm32.

use std::collections::HashMap;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::Value;

/// Deny code for a blocked server.
pub const CODE_SERVER: &str = "server_blocked";
/// Deny code for a tools list over `max_tools`.
pub const CODE_TOO_MANY: &str = "too_many_tools";
/// Deny code for a response holding a deny marker.
pub const CODE_SECRET: &str = "secret_in_response";
/// What a masked word becomes.
pub const MASK: &str = "***";
/// The environment variable the guard reports on (a sealed host sets none).
pub const MODE_VAR: &str = "RUST_WASIP2_GUARD_MODE";

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

fn deny(code: &str, message: String, details: Value) -> Verdict {
    Verdict::Deny {
        code: code.into(),
        message,
        details: Some(details.to_string()),
    }
}

/// The guard's settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    pub blocked_servers: Vec<String>,
    pub max_tools: u64,
    pub deny_markers: Vec<String>,
    pub mask_words: Vec<String>,
    pub warn_words: Vec<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            blocked_servers: Vec::new(),
            max_tools: 64,
            deny_markers: vec!["BEGIN PRIVATE KEY".into()],
            mask_words: Vec::new(),
            warn_words: vec!["password".into()],
        }
    }
}

impl Settings {
    /// Reads settings through the host's `get-config` (JSON text, "" when not configured).
    pub fn from_config(get_config: impl Fn(&str) -> String) -> Result<Self, String> {
        let mut s = Settings::default();
        let read = |key: &str| -> Result<Option<Value>, String> {
            let text = get_config(key);
            if text.is_empty() {
                return Ok(None);
            }
            serde_json::from_str(&text)
                .map(Some)
                .map_err(|e| format!("config `{key}` is not JSON: {e}"))
        };
        for (key, field) in [
            ("blocked_servers", &mut s.blocked_servers),
            ("deny_markers", &mut s.deny_markers),
            ("mask_words", &mut s.mask_words),
            ("warn_words", &mut s.warn_words),
        ] {
            if let Some(v) = read(key)? {
                *field = v
                    .as_array()
                    .and_then(|a| a.iter().map(|s| s.as_str().map(str::to_string)).collect())
                    .ok_or_else(|| format!("{key} must be a list of strings"))?;
            }
        }
        if let Some(v) = read("max_tools")? {
            s.max_tools = v
                .as_u64()
                .ok_or("max_tools must be a non-negative integer")?;
        }
        Ok(s)
    }
}

/// The JSON Schema of the settings.
pub const SETTINGS_SCHEMA: &str = r#"{"$schema":"https://json-schema.org/draft/2020-12/schema","title":"rust-wasip2 settings","type":"object","additionalProperties":false,"properties":{"blocked_servers":{"type":"array","items":{"type":"string"}},"max_tools":{"type":"integer","minimum":0},"deny_markers":{"type":"array","items":{"type":"string"}},"mask_words":{"type":"array","items":{"type":"string"}},"warn_words":{"type":"array","items":{"type":"string"}}}}"#;
/// The default config.
pub const DEFAULT_CONFIG: &str = r#"{"blocked_servers":[],"max_tools":64,"deny_markers":["BEGIN PRIVATE KEY"],"mask_words":[],"warn_words":["password"]}"#;

/// What the guard learns from WASI, as one log line: the environment variable (unset in
/// a sandbox) and whether the wall clock is past 2020-01-01.
pub fn environment_report() -> String {
    let mode = std::env::var(MODE_VAR).unwrap_or_else(|_| "unset".into());
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let clock = if secs > 1_577_836_800 {
        "ok"
    } else {
        "implausible"
    };
    format!("env {MODE_VAR}: {mode}; clock: {clock}")
}

/// `connection`: the server's name.
pub fn connection(settings: &Settings, server: &str) -> Verdict {
    if settings.blocked_servers.iter().any(|s| s == server) {
        return deny(
            CODE_SERVER,
            format!("server `{server}` is blocked"),
            serde_json::json!({"server": server}),
        );
    }
    Verdict::Allow
}

/// `tools_list`: how many tools, and how many distinct names.
pub fn tools_list(settings: &Settings, names: &[String]) -> Verdict {
    let mut distinct: HashMap<&str, ()> = HashMap::new();
    for n in names {
        distinct.insert(n, ());
    }
    if names.len() as u64 > settings.max_tools {
        return deny(
            CODE_TOO_MANY,
            format!(
                "{} tools ({} distinct), over max_tools = {}",
                names.len(),
                distinct.len(),
                settings.max_tools
            ),
            serde_json::json!({"count": names.len(), "max_tools": settings.max_tools}),
        );
    }
    Verdict::Allow
}

/// `response`: a server's JSON result.
pub fn response(settings: &Settings, response: &str) -> Result<Verdict, String> {
    let mut value: Value =
        serde_json::from_str(response).map_err(|e| format!("response is not JSON: {e}"))?;
    let mut strings = Vec::new();
    collect_strings(&value, &mut strings);
    let strings: Vec<String> = strings.into_iter().cloned().collect();
    for s in &strings {
        if let Some(marker) = settings
            .deny_markers
            .iter()
            .find(|m| s.contains(m.as_str()))
        {
            return Ok(deny(
                CODE_SECRET,
                format!("the response contains `{marker}`"),
                serde_json::json!({"marker": marker}),
            ));
        }
    }
    if mask(&mut value, &settings.mask_words) > 0 {
        return Ok(Verdict::Modify(value.to_string()));
    }
    let warnings: Vec<String> = settings
        .warn_words
        .iter()
        .filter(|w| {
            strings
                .iter()
                .any(|s| s.to_lowercase().contains(&w.to_lowercase()))
        })
        .map(|w| format!("the response mentions `{w}`"))
        .collect();
    Ok(if warnings.is_empty() {
        Verdict::Allow
    } else {
        Verdict::Warn(warnings)
    })
}

fn collect_strings<'a>(v: &'a Value, out: &mut Vec<&'a String>) {
    match v {
        Value::String(s) => out.push(s),
        Value::Array(items) => items.iter().for_each(|v| collect_strings(v, out)),
        Value::Object(map) => map.values().for_each(|v| collect_strings(v, out)),
        _ => {}
    }
}

/// Replaces every occurrence of `words` in the strings of `v` by [`MASK`]; returns how many.
fn mask(v: &mut Value, words: &[String]) -> usize {
    match v {
        Value::String(s) => {
            let mut n = 0;
            for w in words.iter().filter(|w| !w.is_empty()) {
                let found = s.matches(w.as_str()).count();
                if found > 0 {
                    *s = s.replace(w.as_str(), MASK);
                    n += found;
                }
            }
            n
        }
        Value::Array(items) => items.iter_mut().map(|v| mask(v, words)).sum(),
        Value::Object(map) => map.values_mut().map(|v| mask(v, words)).sum(),
        _ => 0,
    }
}

#[cfg(target_arch = "wasm32")]
mod component {
    wit_bindgen::generate!({ path: "../../wit", world: "security-guard" });

    use exports::mcp::security_guard::guard::{Decision, DenyReason, GuardContext, Guest, Tool};
    use mcp::security_guard::host;

    use crate::{Settings, Verdict};

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

    fn settings() -> Result<Settings, String> {
        host::log(1, &crate::environment_report());
        Settings::from_config(host::get_config)
    }

    struct Component;

    impl Guest for Component {
        fn evaluate_server_connection(context: GuardContext) -> Result<Decision, String> {
            Ok(decision(crate::connection(
                &settings()?,
                &context.server_name,
            )))
        }

        fn evaluate_tools_list(
            tools: Vec<Tool>,
            _context: GuardContext,
        ) -> Result<Decision, String> {
            let names: Vec<String> = tools.into_iter().map(|t| t.name).collect();
            Ok(decision(crate::tools_list(&settings()?, &names)))
        }

        fn evaluate_tool_invoke(
            _tool: String,
            _arguments: String,
            _context: GuardContext,
        ) -> Result<Decision, String> {
            Ok(Decision::Allow)
        }

        fn evaluate_response(response: String, _context: GuardContext) -> Result<Decision, String> {
            let verdict = crate::response(&settings()?, &response)?;
            // Through wasi:cli/stderr: the host logs it at warn.
            eprintln!("rust-wasip2: response screened");
            Ok(decision(verdict))
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

    #[test]
    fn response_denies_masks_and_warns() {
        let s = Settings {
            mask_words: vec!["acme".into()],
            ..Settings::default()
        };
        assert!(matches!(
            response(&s, r#"{"a":["-----BEGIN PRIVATE KEY-----"]}"#),
            Ok(Verdict::Deny { .. })
        ));
        assert_eq!(
            response(&s, r#"{"t":"acme and acme"}"#),
            Ok(Verdict::Modify(r#"{"t":"*** and ***"}"#.into()))
        );
        assert_eq!(
            response(&s, r#"{"t":"Your Password is"}"#),
            Ok(Verdict::Warn(vec![
                "the response mentions `password`".into()
            ]))
        );
        assert_eq!(response(&s, r#"{"t":"fine"}"#), Ok(Verdict::Allow));
    }

    #[test]
    fn connection_and_tools() {
        let s = Settings {
            blocked_servers: vec!["evil".into()],
            max_tools: 1,
            ..Settings::default()
        };
        assert!(matches!(connection(&s, "evil"), Verdict::Deny { .. }));
        assert_eq!(connection(&s, "good"), Verdict::Allow);
        assert!(matches!(
            tools_list(&s, &["a".into(), "a".into()]),
            Verdict::Deny { .. }
        ));
        assert_eq!(tools_list(&s, &["a".into()]), Verdict::Allow);
    }
}
