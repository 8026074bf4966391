//! The page's side of the runtime call contract: every conversion is core's
//! (`guardhouse_core::jshost`, shared with the edge); this module only picks the
//! browser's limits and adds the page's timings.

use serde_json::{Map, Value};

use guardhouse_core::config::{DEFAULT_MAX_MEMORY_BYTES, GuardConfig};
use guardhouse_core::jshost::{
    BROWSER_BACKSTOP_FUEL, FuelBound, JsHost, JsLimits, js_args, js_limits, js_settings,
    outcome_from_js, text_from_js, timings_from_js,
};
use guardhouse_core::{ContractVersion, GuardContext, GuardOutcome, HookArgs};

/// JSON text of the jco-shaped argument array for `args` in `context`.
pub fn args_json(args: &HookArgs, context: &GuardContext, contract: ContractVersion) -> String {
    js_args(args, context, contract).to_string()
}

/// JSON text of the settings as get-config answers them.
pub fn settings_json(settings: &Map<String, Value>) -> String {
    js_settings(settings)
}

/// The limits guard `g` runs with in the page (the worker is terminated at timeout_ms;
/// fuel is only a backstop unless `max_fuel` is set).
pub fn limits(g: &GuardConfig) -> JsLimits {
    js_limits(g, JsHost::Browser)
}

/// Limits of the settings hooks called at load, with their time budget.
pub fn settings_limits(limit_ms: u64) -> JsLimits {
    JsLimits {
        fuel: BROWSER_BACKSTOP_FUEL,
        memory_bytes: DEFAULT_MAX_MEMORY_BYTES,
        bound: FuelBound::Timeout { limit_ms },
    }
}

/// The outcome of a call; `wall_us` is the page-side wall time, used when the runtime
/// measured none.
pub fn outcome(guard: &str, result: &str, limits: &JsLimits, wall_us: f64) -> GuardOutcome {
    let mut out = outcome_from_js(result, limits, guard);
    if out.duration_us == 0 {
        out.duration_us = wall_us as u64;
    }
    out
}

/// The runtime's (instantiate, call) timings in µs.
pub fn timings(result: &str) -> (Option<f64>, Option<f64>) {
    let t = timings_from_js(result);
    (Some(t.instantiate as f64), Some(t.call as f64))
}

/// The text a settings hook returned (`None`: not exported).
pub fn settings_text(result: &str, limit_ms: u64) -> Result<Option<String>, String> {
    text_from_js(result, &settings_limits(limit_ms)).map_err(|f| f.message("settings hook"))
}
