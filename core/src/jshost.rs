//! The Rust side of the JS guard runtime (`core/js/guard-runtime.mjs`), shared by the
//! edge Worker and the web page: hook arguments in jco's shapes, the settings and limits
//! a call runs with, and the call result turned back into a [`GuardOutcome`] with the
//! same failures, codes and messages as the native host.
//!
//! [`JsGuard`] is the whole adapter, free of I/O: it builds each runtime call
//! ([`JsCall`]) and turns what came back ([`JsReply`]) into a [`GuardOutcome`]. A host
//! only carries the call, one JS object (`JsCall::to_js`, feature `js`), to the runtime —
//! synchronously on the edge, by `postMessage` to a Web Worker in the page — and both
//! drive the runtime's one instance table, `GuardPool` in `core/js/guard-runtime.mjs`.
//!
//! ```text
//! ChainRun ──settings, args──▶ JsGuard::call ──JsCall──▶ (host transport) ──▶ GuardPool.call
//! ChainRun ◀──GuardOutcome─── JsGuard::finish ◀──JsReply── (host transport) ◀── result JSON
//! ```
//!
//! Failure wording and limit numbers live here; the runtime reports statuses and numbers.
//! Decisions are validated by [`crate::ChainRun::record`], the same code path as native.

use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::config::GuardConfig;
use crate::contract::{ContractVersion, Decision, GuardContext, Tool};
use crate::host::{GuardSettings, SettingsRejected};
use crate::inspect::ComponentInfo;
use crate::payload::HookArgs;
use crate::trace::{
    GuardFailure, GuardOutcome, LogBuffer, MAX_LOG_BYTES, MAX_LOG_LINE_BYTES, MAX_LOG_LINES,
    Resource, memory_limit_detail,
};

/// Fuel the edge grants per millisecond of `timeout_ms`. A Worker cannot interrupt
/// synchronous wasm and its clock does not advance while wasm runs, so time is budgeted
/// as fuel. Calibrated with `node tests/js/bench.mjs` on this machine: V8 burns metered
/// guard code at ≈ 4 M fuel/ms doing real work (simple-pattern over 50 tools, glue
/// included) and ≈ 23 M fuel/ms in a tight spin loop. Half the real-work rate is used,
/// so a guard doing real work gets at least its timeout and a spinning guard is stopped
/// well within it (the hostile `loop` with `timeout_ms: 100` stops after ≈ 9 ms). A guard
/// whose `max_fuel` is smaller is bound by that instead.
pub const FUEL_PER_MS: u64 = 2_000_000;

/// Fuel the browser grants when a guard sets no `max_fuel`: the page terminates the
/// Web Worker at `timeout_ms`, this only stops a runaway guard whose Worker somehow
/// survives (≈ minutes of V8 time).
pub const BROWSER_BACKSTOP_FUEL: u64 = 50_000_000_000;

/// The most fuel a call can get: the meter's counter is an i64, so larger budgets are
/// capped (≈ days of V8 time; "unlimited" in practice).
pub const MAX_FUEL: u64 = 1 << 62;

/// Which JS host a call runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsHost {
    /// A Worker: no way to interrupt wasm, so `timeout_ms` becomes fuel.
    Edge,
    /// A browser Web Worker, which the page terminates on timeout.
    Browser,
}

/// What limits the fuel a call got, so running out maps to the right failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FuelBound {
    /// `limits.max_fuel` (→ `guard_resource_limit`, fuel).
    MaxFuel,
    /// The time budget, as fuel (→ `guard_timeout`).
    Timeout { limit_ms: u64 },
}

/// The limits of one JS guard call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JsLimits {
    pub fuel: u64,
    pub memory_bytes: u64,
    pub bound: FuelBound,
}

impl JsLimits {
    /// Limits of `fuel` (capped at [`MAX_FUEL`]) and `memory_bytes`; running out of fuel
    /// means what `bound` says.
    pub fn new(fuel: u64, memory_bytes: u64, bound: FuelBound) -> Self {
        Self {
            fuel: fuel.min(MAX_FUEL),
            memory_bytes,
            bound,
        }
    }

    /// The `limits` argument of `GuardPool.call`: fuel and memory budgets, and the log
    /// bounds the runtime keeps lines within (core's [`LogBuffer`] bounds).
    pub fn to_json(&self) -> String {
        json!({
            "fuel": self.fuel,
            "memory_bytes": self.memory_bytes,
            "log_lines": MAX_LOG_LINES,
            "log_bytes": MAX_LOG_BYTES,
            "log_line_bytes": MAX_LOG_LINE_BYTES,
        })
        .to_string()
    }
}

/// The limits guard `config` runs with on `host`.
pub fn js_limits(config: &GuardConfig, host: JsHost) -> JsLimits {
    let limit_ms = config.effective_timeout_ms();
    let memory_bytes = config.max_memory_bytes();
    let (time_fuel, max_fuel) = match host {
        JsHost::Edge => (limit_ms.saturating_mul(FUEL_PER_MS), config.limits.max_fuel),
        JsHost::Browser => (BROWSER_BACKSTOP_FUEL, config.limits.max_fuel),
    };
    let (fuel, bound) = match max_fuel {
        Some(max) if max <= time_fuel => (max, FuelBound::MaxFuel),
        _ => (time_fuel, FuelBound::Timeout { limit_ms }),
    };
    JsLimits::new(fuel, memory_bytes, bound)
}

/// The `settingsJson` argument: each configured key → what `get-config(key)` answers,
/// encoded here by [`GuardConfig::get_config`] so every host encodes values alike
/// (serde_json's number and key order, not `JSON.stringify`'s).
pub fn js_settings(settings: &Map<String, Value>) -> String {
    let encoded: Map<String, Value> = settings
        .keys()
        .map(|k| {
            (
                k.clone(),
                Value::String(GuardConfig::get_config(settings, k)),
            )
        })
        .collect();
    Value::Object(encoded).to_string()
}

fn js_tool(t: &Tool) -> Value {
    let mut o = Map::new();
    o.insert("name".into(), Value::String(t.name.clone()));
    if let Some(d) = &t.description {
        o.insert("description".into(), Value::String(d.clone()));
    }
    o.insert("inputSchema".into(), Value::String(t.input_schema.clone()));
    Value::Object(o)
}

fn js_context(cx: &GuardContext, contract: ContractVersion) -> Value {
    let mut o = Map::new();
    o.insert("serverName".into(), Value::String(cx.server_name.clone()));
    if contract == ContractVersion::Canonical
        && let Some(url) = &cx.server_url
    {
        o.insert("serverUrl".into(), Value::String(url.clone()));
    }
    if let Some(id) = &cx.identity {
        o.insert("identity".into(), Value::String(id.clone()));
    }
    o.insert("metadata".into(), Value::String(cx.metadata.clone()));
    Value::Object(o)
}

/// The `argsJson` argument as a value: the hook's parameters in jco's shapes (records
/// with camelCase fields, `option` → key left out, `list` → array). The minimal
/// contract's context has no `server-url`.
pub fn js_args(args: &HookArgs, context: &GuardContext, contract: ContractVersion) -> Value {
    let cx = js_context(context, contract);
    match args {
        HookArgs::ServerConnection => json!([cx]),
        HookArgs::ToolsList(tools) => {
            json!([tools.iter().map(js_tool).collect::<Vec<_>>(), cx])
        }
        HookArgs::ToolInvoke {
            tool_name,
            arguments,
        } => json!([tool_name, arguments, cx]),
        HookArgs::Response(response) => json!([response, cx]),
    }
}

/// A call result as guard-runtime.mjs reports it.
#[derive(Debug, Deserialize)]
struct CallResult {
    status: String,
    #[serde(default)]
    value: Option<Value>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    logs: Vec<(u8, String)>,
    #[serde(default)]
    logs_dropped: Dropped,
    #[serde(default)]
    fuel_used: u64,
    /// `memory_limit`: the size, in bytes, the refused growth asked for.
    #[serde(default)]
    wanted_bytes: u64,
    #[serde(default)]
    timings_us: Timings,
}

#[derive(Debug, Default, Deserialize)]
struct Dropped {
    lines: u64,
    bytes: u64,
}

/// Microseconds spent instantiating (0 when an instance was reused) and calling.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct Timings {
    pub instantiate: u64,
    pub call: u64,
}

/// The instantiate/call split of a call result (for traces that show it); zeros when
/// the text is unreadable.
pub fn timings_from_js(text: &str) -> Timings {
    serde_json::from_str::<CallResult>(text)
        .map(|r| r.timings_us)
        .unwrap_or_default()
}

/// Wasmtime's wording for the traps V8 names differently, so traces read the same.
fn trap_message(message: &str) -> String {
    let m = message.strip_prefix("wasm trap: ").unwrap_or(message);
    let native = match m {
        "unreachable" => "wasm trap: wasm `unreachable` instruction executed",
        "memory access out of bounds" => "wasm trap: out of bounds memory access",
        "divide by zero" => "wasm trap: integer divide by zero",
        "remainder by zero" => "wasm trap: integer divide by zero",
        "divide result unrepresentable" => "wasm trap: integer overflow",
        "float unrepresentable in integer range" => "wasm trap: invalid conversion to integer",
        "table index is out of bounds" => {
            "wasm trap: undefined element: out of bounds table access"
        }
        "null function or function signature mismatch" => "wasm trap: indirect call type mismatch",
        _ => return message.to_string(),
    };
    native.to_string()
}

/// The failure a non-`ok` call result stands for, as the native host classifies it.
fn failure_of(r: &CallResult, limits: &JsLimits) -> GuardFailure {
    let message = r.message.clone().unwrap_or_default();
    match r.status.as_str() {
        "guest_error" => GuardFailure::GuestError(message),
        "trap" => GuardFailure::Trap(trap_message(&message)),
        "fuel_exhausted" => match limits.bound {
            FuelBound::Timeout { limit_ms } => GuardFailure::Timeout { limit_ms },
            FuelBound::MaxFuel => GuardFailure::ResourceLimit {
                resource: Resource::Fuel,
                detail: format!("ran out of fuel (max_fuel = {})", limits.fuel),
            },
        },
        "memory_limit" => GuardFailure::ResourceLimit {
            resource: Resource::Memory,
            detail: memory_limit_detail(r.wanted_bytes, limits.memory_bytes),
        },
        "stack_overflow" => GuardFailure::ResourceLimit {
            resource: Resource::Stack,
            detail: "overflowed its wasm stack".into(),
        },
        "host_error" => GuardFailure::Host(message),
        "bad_input" => GuardFailure::Host(format!("bad call input: {message}")),
        other => GuardFailure::Host(format!(
            "the guard runtime returned unknown status `{other}`"
        )),
    }
}

/// The text a settings hook (`get-settings-schema`, `get-default-config`) returned:
/// `Ok(None)` when the guard does not export it.
pub fn text_from_js(text: &str, limits: &JsLimits) -> Result<Option<String>, GuardFailure> {
    let r: CallResult = serde_json::from_str(text).map_err(|e| {
        GuardFailure::Host(format!(
            "the guard runtime returned an unreadable result: {e}"
        ))
    })?;
    match (r.status.as_str(), &r.value) {
        ("ok", Some(Value::String(s))) => Ok(Some(s.clone())),
        ("ok", _) => Err(GuardFailure::Host(
            "a settings hook returned something other than text".into(),
        )),
        ("not_exported", _) => Ok(None),
        _ => Err(failure_of(&r, limits)),
    }
}

/// Turns the JSON text `GuardInstance.call` returned into the outcome core's chain
/// records. `limits` must be the ones the call ran with.
pub fn outcome_from_js(text: &str, limits: &JsLimits, guard_id: &str) -> GuardOutcome {
    let r: CallResult = match serde_json::from_str(text) {
        Ok(r) => r,
        Err(e) => {
            return GuardOutcome::failed(
                GuardFailure::Host(format!(
                    "the guard runtime returned an unreadable result: {e}"
                )),
                0,
            );
        }
    };
    let mut logs = LogBuffer::default();
    for (level, message) in &r.logs {
        logs.push(guard_id, *level, message);
    }
    logs.dropped_lines += r.logs_dropped.lines;
    logs.dropped_bytes += r.logs_dropped.bytes;
    let result = match r.status.as_str() {
        "ok" => match r.value.map(serde_json::from_value::<Decision>) {
            Some(Ok(d)) => Ok(Some(d)),
            Some(Err(e)) => Err(GuardFailure::Host(format!(
                "the guard runtime returned an unreadable decision: {e}"
            ))),
            None => Err(GuardFailure::Host(
                "the guard runtime returned no decision".into(),
            )),
        },
        "not_exported" => Ok(None),
        _ => Err(failure_of(&r, limits)),
    };
    GuardOutcome {
        result,
        duration_us: r.timings_us.instantiate + r.timings_us.call,
        fuel_used: Some(r.fuel_used),
        logs,
    }
}

/// Budget of the settings hooks when a JS host inspects a module that no gateway
/// configures yet (the page, when a file is dropped): the first call instantiates the
/// guard, and a big one (CPython or SpiderMonkey inside) takes hundreds of ms in a JS
/// engine.
pub const INSPECT_TIMEOUT_MS: u64 = 1000;

/// One call for a host to carry to the runtime, as one value (`JsCall::to_js`, with the
/// `js` feature): `GuardPool.call({guard, sha256, mode, hook, args, settings, limits,
/// timeoutMs})`. Hosts pass the object through, so its fields are named only here and
/// where the runtime reads them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsCall<'a> {
    /// The runtime's instance key: guard id, module, instance mode.
    pub guard: &'a str,
    pub sha256: &'a str,
    pub mode: &'static str,
    pub hook: &'static str,
    /// JSON array of jco-shaped arguments ([`js_args`]).
    pub args: &'a str,
    /// JSON object: key → what `get-config` answers ([`js_settings`]).
    pub settings: String,
    /// [`JsLimits::to_json`].
    pub limits: &'a str,
    /// The call's wall-clock budget, for a host that can stop a running call (the page
    /// terminates its Web Worker).
    pub timeout_ms: u64,
}

#[cfg(feature = "js")]
impl JsCall<'_> {
    /// The call as the JS runtime takes it (`GuardPool.call` in
    /// `core/js/guard-runtime.mjs`): a plain object `{guard, sha256, mode, hook, args,
    /// settings, limits, timeoutMs}` of strings and a number, so it also crosses
    /// `postMessage` and Durable Object RPC (structured clone) as it is.
    pub fn to_js(&self) -> wasm_bindgen::JsValue {
        use wasm_bindgen::JsValue;
        let call = js_sys::Object::new();
        let fields = [
            ("guard", JsValue::from_str(self.guard)),
            ("sha256", JsValue::from_str(self.sha256)),
            ("mode", JsValue::from_str(self.mode)),
            ("hook", JsValue::from_str(self.hook)),
            ("args", JsValue::from_str(self.args)),
            ("settings", JsValue::from_str(&self.settings)),
            ("limits", JsValue::from_str(self.limits)),
            ("timeoutMs", JsValue::from_f64(self.timeout_ms as f64)),
        ];
        for (key, value) in fields {
            // Defining a data property on a fresh ordinary object cannot fail.
            let _ = js_sys::Reflect::set(&call, &JsValue::from_str(key), &value);
        }
        call.into()
    }
}

/// What came back from carrying a [`JsCall`] to the runtime.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JsReply {
    /// The runtime's result JSON.
    Result(String),
    /// The host stopped the call at its wall-clock budget.
    TimedOut,
    /// The runtime threw or its transport failed (a crashed worker): the host's fault.
    Failed(String),
    /// The runtime holding the instance (a Durable Object, for `state: durable_object`)
    /// could not be reached, threw, or did not answer in time.
    Unreachable(String),
}

impl From<Result<String, String>> for JsReply {
    fn from(r: Result<String, String>) -> Self {
        r.map_or_else(JsReply::Failed, JsReply::Result)
    }
}

/// A guard as a JS host runs it, free of I/O: the host carries each [`JsCall`] this
/// builds to the runtime and hands the [`JsReply`] back.
#[derive(Debug, Clone)]
pub struct JsGuard {
    pub config: GuardConfig,
    pub info: ComponentInfo,
    limits: JsLimits,
    limits_json: String,
}

impl JsGuard {
    /// Guard `config` running module `info` on `host`.
    pub fn new(config: GuardConfig, info: ComponentInfo, host: JsHost) -> Self {
        let limits = js_limits(&config, host);
        Self {
            limits_json: limits.to_json(),
            limits,
            config,
            info,
        }
    }

    /// Module `info` with no gateway entry yet, as `guardhouse inspect` loads one: no
    /// settings, [`INSPECT_TIMEOUT_MS`].
    pub fn inspecting(info: ComponentInfo, host: JsHost) -> Self {
        let mut config = GuardConfig::new("(inspect)", "(inspect)");
        config.timeout_ms = INSPECT_TIMEOUT_MS;
        Self::new(config, info, host)
    }

    /// The limits every call of this guard runs with.
    pub fn limits(&self) -> &JsLimits {
        &self.limits
    }

    /// The call of settings hook `hook` (`get-settings-schema`, `get-default-config`) with
    /// the configured settings, as native calls it at load; `None` when the guard does not
    /// export it. It runs in an instance of its own (mode `per_call`), so a persistent
    /// guard's state starts untouched, as natively.
    pub fn settings_call(&self, hook: &'static str) -> Option<JsCall<'_>> {
        self.info.exports_hook(hook).then(|| JsCall {
            guard: &self.config.id,
            sha256: &self.info.sha256,
            mode: "per_call",
            hook,
            args: "[]",
            settings: js_settings(&self.config.config),
            limits: &self.limits_json,
            timeout_ms: self.config.effective_timeout_ms(),
        })
    }

    /// The text settings hook `hook` answered (`None`: not exported), or why it failed.
    pub fn settings_text(&self, hook: &str, reply: JsReply) -> Result<Option<String>, String> {
        let failed = |f: GuardFailure| format!("`{hook}` failed: {}", f.message(&self.config.id));
        match reply {
            JsReply::Result(text) => text_from_js(&text, &self.limits).map_err(failed),
            JsReply::TimedOut => Err(failed(GuardFailure::Timeout {
                limit_ms: self.config.effective_timeout_ms(),
            })),
            JsReply::Failed(e) => Err(failed(GuardFailure::Host(e))),
            JsReply::Unreachable(e) => Err(failed(GuardFailure::Unreachable(e))),
        }
    }

    /// The configured settings checked against `schema`, as native checks them at load.
    pub fn check_settings(&self, schema: Option<&str>) -> Result<GuardSettings, SettingsRejected> {
        GuardSettings::load(&self.config.id, schema, &self.config.config)
    }

    /// The call of the hook for `args`' phase with `settings` (a case may override the
    /// configured ones); `None` when the guard does not export it (not applicable).
    /// `text` holds the payload's argument JSON, shared by the guards of a chain run.
    pub fn call<'a>(
        &'a self,
        settings: &Map<String, Value>,
        args: &HookArgs,
        context: &GuardContext,
        text: &'a mut ArgsText,
    ) -> Option<JsCall<'a>> {
        let hook = args.phase().hook();
        self.info.exports_hook(hook).then(|| JsCall {
            guard: &self.config.id,
            sha256: &self.info.sha256,
            mode: self.config.instance.as_str(),
            hook,
            args: text.get(args, context, self.info.contract),
            settings: js_settings(settings),
            limits: &self.limits_json,
            timeout_ms: self.config.effective_timeout_ms(),
        })
    }

    /// The outcome of a call; `wall_us` (the host's own clock around the call) stands in
    /// when the runtime measured no time.
    pub fn finish(&self, reply: JsReply, wall_us: u64) -> GuardOutcome {
        let mut outcome = match reply {
            JsReply::Result(text) => outcome_from_js(&text, &self.limits, &self.config.id),
            JsReply::TimedOut => GuardOutcome::failed(
                GuardFailure::Timeout {
                    limit_ms: self.config.effective_timeout_ms(),
                },
                wall_us,
            ),
            JsReply::Failed(e) => GuardOutcome::failed(GuardFailure::Host(e), wall_us),
            JsReply::Unreachable(e) => GuardOutcome::failed(GuardFailure::Unreachable(e), wall_us),
        };
        if outcome.duration_us == 0 {
            outcome.duration_us = wall_us;
        }
        outcome
    }
}

/// The JSON of one payload's hook arguments, per contract version: a chain run
/// serializes a payload once, not once per guard (a 50-tool list is ~10 KB).
#[derive(Debug, Default)]
pub struct ArgsText {
    canonical: Option<String>,
    minimal: Option<String>,
}

impl ArgsText {
    /// The arguments' JSON for `contract`, serialized on first use.
    pub fn get(
        &mut self,
        args: &HookArgs,
        context: &GuardContext,
        contract: ContractVersion,
    ) -> &str {
        let slot = match contract {
            ContractVersion::Canonical => &mut self.canonical,
            ContractVersion::Minimal => &mut self.minimal,
        };
        slot.get_or_insert_with(|| js_args(args, context, contract).to_string())
    }

    /// Forgets the text when `outcome` changed the payload (a guard modified it).
    pub fn after(&mut self, outcome: &GuardOutcome) {
        if matches!(outcome.result, Ok(Some(Decision::Modify(_)))) {
            *self = Self::default();
        }
    }
}

#[cfg(test)]
#[path = "jshost_tests.rs"]
mod tests;
