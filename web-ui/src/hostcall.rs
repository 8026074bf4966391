//! The page's side of the runtime call contract: hook arguments in, outcome out.
//! Conversions live in core (`guardhouse_core::jshost`, shared with the edge); this
//! module only adapts them to the page's timings.

use serde_json::{Map, Value};

use guardhouse_core::{ContractVersion, GuardConfig, GuardContext, GuardOutcome, HookArgs};

/// JSON text of the jco-shaped argument array for `args` in `context`.
pub fn args_json(args: &HookArgs, context: &GuardContext, contract: ContractVersion) -> String {
    interim::args_json(args, context, contract)
}

/// JSON text of the settings as the runtime's get-config answers them: key → the
/// value's JSON encoding (`"abc"`, `50`, `["a"]`).
pub fn settings_json(settings: &Map<String, Value>) -> String {
    let answers: Map<String, Value> = settings
        .keys()
        .map(|k| (k.clone(), Value::String(GuardConfig::get_config(settings, k))))
        .collect();
    Value::Object(answers).to_string()
}

/// The outcome of a call from the runtime's result JSON; `wall_us` is the page-side
/// wall time, used when the runtime measured none.
pub fn outcome(guard: &str, result: &str, wall_us: f64) -> GuardOutcome {
    let mut out = interim::outcome(guard, result);
    if out.duration_us == 0 {
        out.duration_us = wall_us as u64;
    }
    out
}

/// The runtime's (instantiate, call) timings in µs, when it reported them.
pub fn timings(result: &str) -> (Option<f64>, Option<f64>) {
    let v: Value = serde_json::from_str(result).unwrap_or(Value::Null);
    let t = |k: &str| v.pointer(&format!("/timings_us/{k}")).and_then(Value::as_f64);
    (t("instantiate"), t("call"))
}

/// The string a no-argument settings hook returned.
pub fn string_result(result: &str) -> Result<String, String> {
    let v: Value =
        serde_json::from_str(result).map_err(|e| format!("runtime answered non-JSON: {e}"))?;
    match (v.get("status").and_then(Value::as_str), v.get("value")) {
        (Some("ok"), Some(Value::String(s))) => Ok(s.clone()),
        (status, value) => Err(format!(
            "returned {} {}",
            status.unwrap_or("?"),
            value.cloned().unwrap_or(Value::Null)
        )),
    }
}

/// Until `guardhouse_core::jshost` lands: the same conversions, to be removed then.
mod interim {
    use serde_json::{Value, json};

    use guardhouse_core::{
        ContractVersion, Decision, DenyReason, GuardContext, GuardFailure, GuardOutcome, HookArgs,
        LogBuffer, Resource,
    };

    pub fn args_json(args: &HookArgs, c: &GuardContext, _contract: ContractVersion) -> String {
        let ctx = json!({"serverName": c.server_name, "serverUrl": c.server_url,
                         "identity": c.identity, "metadata": c.metadata});
        let v = match args {
            HookArgs::ServerConnection => json!([ctx]),
            HookArgs::ToolsList(tools) => {
                let t: Vec<Value> = tools.iter().map(|t| json!({"name": t.name,
                    "description": t.description, "inputSchema": t.input_schema})).collect();
                json!([t, ctx])
            }
            HookArgs::ToolInvoke { tool_name, arguments } => json!([tool_name, arguments, ctx]),
            HookArgs::Response(r) => json!([r, ctx]),
        };
        v.to_string()
    }

    pub fn outcome(guard: &str, text: &str) -> GuardOutcome {
        let v: Value = serde_json::from_str(text).unwrap_or(Value::Null);
        let mut logs = LogBuffer::default();
        for l in v.get("logs").and_then(Value::as_array).into_iter().flatten() {
            let level = l.get(0).and_then(Value::as_u64).unwrap_or(2) as u8;
            logs.push(guard, level, l.get(1).and_then(Value::as_str).unwrap_or(""));
        }
        let msg = v.get("message").and_then(Value::as_str).unwrap_or("").to_string();
        let result = match v.get("status").and_then(Value::as_str).unwrap_or("") {
            "ok" => decision(v.get("value").unwrap_or(&Value::Null)).map(Some),
            "not_exported" => Ok(None),
            "guest_error" => Err(GuardFailure::GuestError(msg)),
            "fuel_exhausted" => Err(GuardFailure::ResourceLimit { resource: Resource::Fuel, detail: "ran out of fuel".into() }),
            "memory_limit" => Err(GuardFailure::ResourceLimit { resource: Resource::Memory, detail: msg }),
            "stack_overflow" => Err(GuardFailure::ResourceLimit { resource: Resource::Stack, detail: msg }),
            "trap" => Err(GuardFailure::Trap(msg)),
            _ => Err(GuardFailure::Host(msg)),
        };
        let t = |k: &str| v.pointer(&format!("/timings_us/{k}")).and_then(Value::as_u64).unwrap_or(0);
        GuardOutcome {
            result,
            duration_us: t("instantiate") + t("call"),
            fuel_used: v.get("fuel_used").and_then(Value::as_u64),
            logs,
        }
    }

    fn decision(v: &Value) -> Result<Decision, GuardFailure> {
        let val = v.get("value");
        match v.get("kind").and_then(Value::as_str) {
            Some("allow") => Ok(Decision::Allow),
            Some("modify") => Ok(Decision::Modify(val.and_then(Value::as_str).unwrap_or("").into())),
            Some("warn") => Ok(Decision::Warn(val.and_then(Value::as_array).into_iter().flatten()
                .filter_map(|s| s.as_str().map(String::from)).collect())),
            Some("deny") => {
                let f = |k: &str| val.and_then(|d| d.get(k)).and_then(Value::as_str).map(String::from);
                Ok(Decision::Deny(DenyReason { code: f("code").unwrap_or_default(),
                    message: f("message").unwrap_or_default(), details: f("details") }))
            }
            _ => Err(GuardFailure::InvalidDecision(format!("unknown decision {v}"))),
        }
    }
}
