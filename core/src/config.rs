//! The gateway configuration: the seed's `security_guards:` YAML.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::contract::RunsOn;
use crate::source::{Document, SourceError};

/// Upstream defaults.
pub const DEFAULT_PRIORITY: i64 = 100;
pub const DEFAULT_TIMEOUT_MS: u64 = 100;
/// The longest `timeout_ms` / `max_execution_time_ms` a guard may have: one call can
/// hold a worker (or a shared link's page) no longer than this.
pub const MAX_TIMEOUT_MS: u64 = 60_000;

/// Time a guard's load-time hooks (`get-settings-schema`, `get-default-config`) get on a
/// host that bounds them by the clock: they run once per load, possibly on a busy machine
/// (an 18 MB Python guard's first instance alone can take tens of milliseconds), so a
/// short `timeout_ms` must not make a load fail at random. `max_fuel` still bounds their
/// work.
pub const LOAD_HOOK_TIMEOUT_MS: u64 = 10_000;
/// Memory a guard may use when its config sets no `max_memory_bytes`.
pub const DEFAULT_MAX_MEMORY_BYTES: u64 = 64 * 1024 * 1024;
/// The most elements a guard's table may grow to, on every host (wasmtime's limiter,
/// the JS meter's `__gh_table_limit`): past it `table.grow` fails with -1.
pub const MAX_TABLE_ELEMENTS: u32 = 1 << 20;
/// The largest memory any guard may ask for.
pub const MAX_MEMORY_BYTES_CEILING: u64 = 1024 * 1024 * 1024;

/// What a failing guard (error, trap, timeout, limit, invalid decision) decides.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum FailureMode {
    /// Deny with code `guard_error`, `guard_timeout` or `guard_resource_limit`.
    #[default]
    FailClosed,
    /// Allow, adding a warning that says what failed.
    FailOpen,
}

/// Whether a guard gets a fresh instance for every call.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum InstanceMode {
    /// A fresh instance per call: no state survives a call.
    #[default]
    PerCall,
    /// One instance per guard (per host process or isolate): state survives calls.
    Persistent,
}

impl InstanceMode {
    /// The config spelling (`per_call`, `persistent`), which the JS runtime also takes.
    pub fn as_str(self) -> &'static str {
        match self {
            InstanceMode::PerCall => "per_call",
            InstanceMode::Persistent => "persistent",
        }
    }
}

/// What follows when a persistent guard's instance fails (trap, timeout, limit) and the
/// state it kept goes with it — the state an attacker may have forced it to lose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum OnStateLoss {
    /// Start over with a fresh instance; the first evaluation after the loss carries a
    /// warning naming it.
    #[default]
    Reset,
    /// Refuse every later call of the guard (deny `guard_state_lost`, whatever its
    /// failure_mode) until the gateway is reloaded.
    FailClosed,
}

/// Where a `persistent` guard's instance, and so its state, lives. Native and the page
/// run in one process, so there both places are the same; a Worker runs in many isolates
/// and locations, each with instances of its own.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum StatePlacement {
    /// In the host process (on the edge: one instance per isolate).
    #[default]
    Isolate,
    /// On the edge, in a Durable Object per key ([`StateKey`]): every isolate and
    /// location calls the same instance. Elsewhere the same as `isolate`.
    DurableObject,
}

/// Which Durable Object holds a `state: durable_object` guard's instance, besides the
/// guard: one per MCP server, or one per server and MCP session.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum StateKey {
    /// The guard context's `server-name`: every client of a server shares the state.
    #[default]
    Server,
    /// The server name and the MCP session (`metadata.mcp.session_id`): each session has
    /// its own; screenings without a session share one per server.
    Session,
}

/// Whether a guard's decisions take effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum GuardMode {
    /// Deny and modify apply.
    #[default]
    Enforce,
    /// Detect only: a deny or modify (a fail_closed failure included) becomes a warning
    /// naming what would have happened, the trace marks it `audit`, the payload passes
    /// unchanged and the chain goes on.
    Audit,
}

/// The kind of guard; only `wasm` exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum GuardType {
    #[default]
    Wasm,
}

/// Resource limits of one guard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    pub max_memory_bytes: Option<u64>,
    pub max_execution_time_ms: Option<u64>,
    pub max_fuel: Option<u64>,
}

/// One entry of `security_guards:`, as written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GuardConfig {
    pub id: String,
    #[serde(rename = "type", default)]
    pub guard_type: GuardType,
    #[serde(default = "yes")]
    pub enabled: bool,
    #[serde(default = "default_priority")]
    pub priority: i64,
    #[serde(default)]
    pub failure_mode: FailureMode,
    #[serde(default = "default_timeout")]
    pub timeout_ms: u64,
    /// Phases this guard screens; all of them when absent.
    #[serde(default = "all_phases")]
    pub runs_on: Vec<RunsOn>,
    /// Path of the component, relative to the config file.
    pub module_path: String,
    /// Free-form settings, read by the guard through `get-config`.
    #[serde(default)]
    pub config: Map<String, Value>,
    #[serde(default)]
    pub limits: Limits,
    #[serde(default)]
    pub instance: InstanceMode,
    #[serde(default)]
    pub mode: GuardMode,
    /// The module's sha256 (hex): when set, every host refuses a module with another.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// Only for `instance: persistent` (default `reset`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_state_loss: Option<OnStateLoss>,
    /// Only for `instance: persistent` (default `isolate`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<StatePlacement>,
    /// Only for `state: durable_object` (default `server`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state_key: Option<StateKey>,
}

fn yes() -> bool {
    true
}
fn default_priority() -> i64 {
    DEFAULT_PRIORITY
}
fn default_timeout() -> u64 {
    DEFAULT_TIMEOUT_MS
}
fn all_phases() -> Vec<RunsOn> {
    vec![
        RunsOn::Connection,
        RunsOn::ToolsList,
        RunsOn::ToolInvoke,
        RunsOn::Response,
    ]
}

impl GuardConfig {
    /// Entry `id` for `module_path` with every other key at its default, as if written
    /// `{id: …, module_path: …}` in a gateway file.
    pub fn new(id: &str, module_path: &str) -> Self {
        serde_json::from_value(serde_json::json!({"id": id, "module_path": module_path}))
            .expect("an entry with only id and module_path takes every default")
    }

    /// Checks a module's sha256 against the entry's `sha256:` pin, when it has one; the
    /// error (without the "module failed to load" prefix) names both hashes.
    pub fn check_pin(&self, actual: &str) -> Result<(), String> {
        match &self.sha256 {
            Some(pin) if !pin.eq_ignore_ascii_case(actual) => Err(format!(
                "guard `{}` is pinned to sha256 {pin}, but its module has sha256 {actual} (hint: if the new module is trusted, update the pin with the line `guardhouse inspect` prints)",
                self.id
            )),
            _ => Ok(()),
        }
    }

    /// Where this guard's instance lives (`isolate` unless `state:` says otherwise).
    pub fn state_placement(&self) -> StatePlacement {
        self.state.unwrap_or_default()
    }

    /// The wall-clock budget of one call: the smaller of `timeout_ms` and
    /// `limits.max_execution_time_ms`.
    pub fn effective_timeout_ms(&self) -> u64 {
        self.limits
            .max_execution_time_ms
            .map_or(self.timeout_ms, |m| m.min(self.timeout_ms))
    }

    /// The memory budget of one instance.
    pub fn max_memory_bytes(&self) -> u64 {
        self.limits
            .max_memory_bytes
            .unwrap_or(DEFAULT_MAX_MEMORY_BYTES)
    }

    /// Whether this guard screens payloads of `phase`.
    pub fn runs_on_phase(&self, phase: crate::Phase) -> bool {
        self.runs_on.iter().any(|r| r.matches(phase))
    }

    /// The JSON encoding of setting `key` as `get-config` returns it: `"abc"`, `50`,
    /// `["a"]`, or the empty string when the key is not configured.
    pub fn get_config(config: &Map<String, Value>, key: &str) -> String {
        config.get(key).map(Value::to_string).unwrap_or_default()
    }
}

/// The parsed gateway configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct GatewayConfig {
    pub security_guards: Vec<GuardConfig>,
}

/// Top-level keys other tools put in a gateway config are tolerated; a near miss of
/// `security_guards` is not.
#[derive(Deserialize)]
struct RawTop {
    #[serde(default)]
    security_guards: Option<Value>,
    #[serde(flatten)]
    other: HashMap<String, Value>,
}

impl GatewayConfig {
    /// Parses a gateway config and checks everything that needs no guard module.
    ///
    /// `origin` names the file in errors.
    pub fn parse(origin: &str, text: &str) -> Result<Self, SourceError> {
        let doc = Document::parse(origin, text)?;
        Self::from_document(&doc, "")
    }

    /// Parses the gateway config found at `base` of `doc` (e.g. inline in a test case).
    pub fn from_document(doc: &Document, base: &str) -> Result<Self, SourceError> {
        let value = lookup(&doc.value, base).unwrap_or(&Value::Null);
        let top: RawTop = doc.deserialize_at(base, value)?;
        for key in top.other.keys() {
            if key != "security_guards" && strsim::damerau_levenshtein(key, "security_guards") <= 3
            {
                let path = crate::source::join_path(base, key);
                return Err(SourceError {
                    hint: Some("did you mean `security_guards`?".into()),
                    ..doc.error(&path, format!("unknown top-level key `{key}`"))
                });
            }
        }
        let Some(list) = top.security_guards else {
            return Err(doc.error(base, "missing `security_guards` list"));
        };
        let list_path = crate::source::join_path(base, "security_guards");
        let guards: Vec<GuardConfig> = doc.deserialize_at(&list_path, &list)?;
        let config = GatewayConfig {
            security_guards: guards,
        };
        config.check(doc, &list_path)?;
        Ok(config)
    }

    fn check(&self, doc: &Document, list_path: &str) -> Result<(), SourceError> {
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for (i, g) in self.security_guards.iter().enumerate() {
            let at = |key: &str| format!("{list_path}[{i}].{key}");
            if g.id.trim().is_empty() {
                return Err(doc.error(&at("id"), "guard id must not be empty"));
            }
            if let Some(first) = seen.insert(&g.id, i) {
                let first_line = doc
                    .location(&format!("{list_path}[{first}].id"))
                    .map(|l| format!(" (first defined on line {})", l.line))
                    .unwrap_or_default();
                return Err(doc.error(
                    &at("id"),
                    format!("duplicate guard id `{}`{first_line}", g.id),
                ));
            }
            let bounded = |path: &str, name: &str, ms: u64| match ms {
                0 => Err(SourceError {
                    hint: Some("use a positive number of milliseconds, e.g. 100".into()),
                    ..doc.error(&at(path), format!("{name} must be greater than 0"))
                }),
                _ if ms > MAX_TIMEOUT_MS => Err(doc.error(
                    &at(path),
                    format!("{name} must be at most {MAX_TIMEOUT_MS} (one minute)"),
                )),
                _ => Ok(()),
            };
            bounded("timeout_ms", "timeout_ms", g.timeout_ms)?;
            if let Some(ms) = g.limits.max_execution_time_ms {
                bounded("limits.max_execution_time_ms", "max_execution_time_ms", ms)?;
            }
            if let Some(mem) = g.limits.max_memory_bytes
                && !(64 * 1024..=MAX_MEMORY_BYTES_CEILING).contains(&mem)
            {
                return Err(doc.error(
                    &at("limits.max_memory_bytes"),
                    format!(
                        "max_memory_bytes must be between 65536 (one wasm page) and {MAX_MEMORY_BYTES_CEILING}"
                    ),
                ));
            }
            if g.limits.max_fuel == Some(0) {
                return Err(doc.error(&at("limits.max_fuel"), "max_fuel must be greater than 0"));
            }
            if g.runs_on.is_empty() {
                return Err(doc.error(&at("runs_on"), "runs_on must name at least one phase"));
            }
            if g.module_path.trim().is_empty() {
                return Err(doc.error(&at("module_path"), "module_path must not be empty"));
            }
            if let Some(pin) = &g.sha256
                && !(pin.len() == 64 && pin.bytes().all(|b| b.is_ascii_hexdigit()))
            {
                return Err(SourceError {
                    hint: Some("paste the line `guardhouse inspect` prints for the module".into()),
                    ..doc.error(&at("sha256"), "sha256 must be 64 hexadecimal digits")
                });
            }
            if g.on_state_loss.is_some() && g.instance != InstanceMode::Persistent {
                return Err(SourceError {
                    hint: Some("set instance: persistent, or remove on_state_loss".into()),
                    ..doc.error(
                        &at("on_state_loss"),
                        "on_state_loss applies only to instance: persistent (a per_call guard keeps no state)",
                    )
                });
            }
            if g.state.is_some() && g.instance != InstanceMode::Persistent {
                return Err(SourceError {
                    hint: Some("set instance: persistent, or remove state".into()),
                    ..doc.error(
                        &at("state"),
                        "state applies only to instance: persistent (a per_call guard keeps no state to place)",
                    )
                });
            }
            if g.state_key.is_some() && g.state_placement() != StatePlacement::DurableObject {
                return Err(SourceError {
                    hint: Some("set state: durable_object, or remove state_key".into()),
                    ..doc.error(
                        &at("state_key"),
                        "state_key applies only to state: durable_object (it chooses the Durable Object that holds the state)",
                    )
                });
            }
        }
        Ok(())
    }

    /// Enabled guards in chain order: ascending priority, ties in config order.
    pub fn chain_order(&self) -> Vec<usize> {
        let mut order: Vec<usize> = (0..self.security_guards.len())
            .filter(|&i| self.security_guards[i].enabled)
            .collect();
        order.sort_by_key(|&i| self.security_guards[i].priority);
        order
    }

    /// The location-bearing path of guard `index`'s `key`, for errors found by hosts.
    pub fn path_of(index: usize, key: &str) -> String {
        format!("security_guards[{index}].{key}")
    }
}

/// The value at a dotted path (`a.b`), or the root for `""`.
fn lookup<'v>(value: &'v Value, path: &str) -> Option<&'v Value> {
    if path.is_empty() {
        return Some(value);
    }
    path.split('.').try_fold(value, |v, key| v.get(key))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(yaml: &str) -> Result<GatewayConfig, SourceError> {
        GatewayConfig::parse("gateway.yaml", yaml)
    }

    #[test]
    fn seed_example_parses_with_upstream_defaults() {
        let cfg = parse(
            "security_guards:\n  - id: my-wasm-guard\n    type: wasm\n    module_path: ./g.wasm\n    runs_on: [response]\n    config:\n      max_tool_count: 50\n      blocked_servers:\n        - untrusted-server\n",
        )
        .unwrap();
        let g = &cfg.security_guards[0];
        assert_eq!(g.priority, 100);
        assert_eq!(g.failure_mode, FailureMode::FailClosed);
        assert_eq!(g.timeout_ms, 100);
        assert!(g.enabled);
        assert_eq!(g.instance, InstanceMode::PerCall);
        assert_eq!(GuardConfig::get_config(&g.config, "max_tool_count"), "50");
        assert_eq!(
            GuardConfig::get_config(&g.config, "blocked_servers"),
            r#"["untrusted-server"]"#
        );
        assert_eq!(GuardConfig::get_config(&g.config, "nope"), "");
    }

    #[test]
    fn get_config_quotes_strings() {
        let mut m = Map::new();
        m.insert("s".into(), Value::String("abc".into()));
        assert_eq!(GuardConfig::get_config(&m, "s"), "\"abc\"");
    }

    #[test]
    fn chain_order_is_priority_then_config_order() {
        let cfg = parse(
            "security_guards:\n  - {id: a, module_path: a.wasm, priority: 5}\n  - {id: b, module_path: b.wasm, priority: 1}\n  - {id: c, module_path: c.wasm, priority: 5}\n  - {id: d, module_path: d.wasm, priority: 0, enabled: false}\n",
        )
        .unwrap();
        assert_eq!(cfg.chain_order(), vec![1, 0, 2]);
    }

    #[test]
    fn effective_timeout_is_the_smaller_budget() {
        let cfg = parse(
            "security_guards:\n  - {id: a, module_path: a.wasm, timeout_ms: 100, limits: {max_execution_time_ms: 30}}\n",
        )
        .unwrap();
        assert_eq!(cfg.security_guards[0].effective_timeout_ms(), 30);
    }

    #[test]
    fn duplicate_ids_name_both_lines() {
        let err = parse(
            "security_guards:\n  - id: a\n    module_path: a.wasm\n  - id: a\n    module_path: b.wasm\n",
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "gateway.yaml:4:5: security_guards[1].id: duplicate guard id `a` (first defined on line 2)"
        );
    }

    #[test]
    fn unknown_failure_mode_is_located() {
        let err = parse(
            "security_guards:\n  - id: a\n    module_path: a.wasm\n    failure_mode: fail_maybe\n",
        )
        .unwrap_err();
        assert_eq!(err.path, "security_guards[0].failure_mode");
        assert_eq!(err.location.map(|l| (l.line, l.column)), Some((4, 5)));
        assert!(
            err.message.contains("unknown variant `fail_maybe`"),
            "{err}"
        );
        assert!(err.message.contains("fail_closed"), "{err}");
    }

    #[test]
    fn unknown_phase_is_located() {
        let err = parse("security_guards:\n  - id: a\n    module_path: a.wasm\n    runs_on: [tools_list, tool_call]\n")
            .unwrap_err();
        assert_eq!(err.path, "security_guards[0].runs_on[1]");
        assert!(err.message.contains("unknown variant `tool_call`"), "{err}");
        assert_eq!(err.location.map(|l| l.line), Some(4));
    }

    #[test]
    fn zero_timeout_is_rejected() {
        let err =
            parse("security_guards:\n  - id: a\n    module_path: a.wasm\n    timeout_ms: 0\n")
                .unwrap_err();
        assert_eq!(
            err.to_string(),
            "gateway.yaml:4:5: security_guards[0].timeout_ms: timeout_ms must be greater than 0 (hint: use a positive number of milliseconds, e.g. 100)"
        );
    }

    #[test]
    fn timeouts_have_an_upper_bound() {
        for (key, yaml) in [
            ("timeout_ms", "timeout_ms: 60001"),
            (
                "limits.max_execution_time_ms",
                "limits: {max_execution_time_ms: 99999999999}",
            ),
        ] {
            let text =
                format!("security_guards:\n  - id: a\n    module_path: a.wasm\n    {yaml}\n");
            let err = parse(&text).unwrap_err();
            assert_eq!(err.path, format!("security_guards[0].{key}"));
            assert!(err.message.contains("at most 60000"), "{err}");
        }
        let ok = "security_guards:\n  - id: a\n    module_path: a.wasm\n    timeout_ms: 60000\n";
        assert!(parse(ok).is_ok());
    }

    #[test]
    fn unknown_key_gets_a_suggestion() {
        let err = parse("security_guards:\n  - id: a\n    module_path: a.wasm\n    priorty: 3\n")
            .unwrap_err();
        assert_eq!(err.location.map(|l| l.line), Some(4));
        assert_eq!(err.hint.as_deref(), Some("did you mean `priority`?"));
    }

    #[test]
    fn misspelled_top_level_key() {
        let err = parse("security_guard:\n  - id: a\n").unwrap_err();
        assert_eq!(err.hint.as_deref(), Some("did you mean `security_guards`?"));
        assert_eq!(err.location.map(|l| l.line), Some(1));
    }

    #[test]
    fn missing_module_path_is_reported() {
        let err = parse("security_guards:\n  - id: a\n").unwrap_err();
        assert!(err.message.contains("missing field `module_path`"), "{err}");
        assert_eq!(err.location.map(|l| l.line), Some(2));
    }

    #[test]
    fn memory_limit_bounds() {
        let err = parse("security_guards:\n  - id: a\n    module_path: a.wasm\n    limits: {max_memory_bytes: 10}\n")
            .unwrap_err();
        assert_eq!(err.path, "security_guards[0].limits.max_memory_bytes");
    }

    #[test]
    fn other_top_level_keys_are_tolerated() {
        let cfg = parse("binds: []\nsecurity_guards: []\n").unwrap();
        assert!(cfg.security_guards.is_empty());
    }
}
