//! The page's side of the runtime call contract: hook arguments in, outcome out.
//! Conversions live in core (`guardhouse_core::jshost`, shared with the edge); this
//! module only adapts them to the page's timings.

use serde_json::Value;

use guardhouse_core::{ContractVersion, GuardContext, GuardOutcome, HookArgs};

/// JSON text of the jco-shaped argument array for `args` in `context`.
pub fn args_json(args: &HookArgs, context: &GuardContext, contract: ContractVersion) -> String {
    guardhouse_core::jshost::args_json(args, context, contract)
}

/// The outcome of a call from the runtime's result JSON; `wall_us` is the page-side
/// wall time, used when the runtime measured none.
pub fn outcome(guard: &str, result: &str, wall_us: f64) -> GuardOutcome {
    let mut out = guardhouse_core::jshost::outcome_from_json(guard, result);
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
