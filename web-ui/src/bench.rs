//! Measurement hooks for `tests/web/bench.mjs`, exported on the app module: per-call
//! times of one guard after load, and what loading each guard cost.

use std::cell::Cell;

use leptos::prelude::*;
use serde_json::{Value, json};
use wasm_bindgen::prelude::*;

use guardhouse_core::config::InstanceMode;
use guardhouse_core::{Payload, Phase, Screening};

use crate::exec;
use crate::loader;
use crate::model::LoadTimings;
use crate::state::AppState;

thread_local! {
    static STATE: Cell<Option<AppState>> = const { Cell::new(None) };
}

/// Makes the page's state reachable from the exported hooks.
pub fn register(state: AppState) {
    STATE.with(|s| s.set(Some(state)));
}

fn state() -> Result<AppState, JsValue> {
    STATE
        .with(Cell::get)
        .ok_or_else(|| JsValue::from_str("the page is not mounted"))
}

/// Calls guard `guard` `iterations` times on `payload_json` of `phase` in instance `mode`
/// (`per_call` or `persistent`); returns JSON `{call_us, instantiate_us, wall_us, decision}`.
#[wasm_bindgen]
pub async fn bench_guard(
    guard: String,
    phase: String,
    payload_json: String,
    mode: String,
    iterations: u32,
) -> Result<String, JsValue> {
    let state = state()?;
    let mut bench = state.bench.get_untracked();
    let g = bench
        .gateway
        .security_guards
        .iter_mut()
        .find(|g| g.id == guard)
        .ok_or_else(|| JsValue::from_str(&format!("no guard `{guard}`")))?;
    g.instance = if mode == "persistent" {
        InstanceMode::Persistent
    } else {
        InstanceMode::PerCall
    };
    let phase: Phase = serde_json::from_value(Value::String(phase)).map_err(err)?;
    let payload = serde_json::from_str(&payload_json).map_err(err)?;
    let payload = Payload::from_json(phase, payload).map_err(|e| JsValue::from_str(&e))?;
    let (mut call, mut inst, mut wall) = (Vec::new(), Vec::new(), Vec::new());
    let mut decision = String::new();
    for _ in 0..iterations {
        let screening = Screening {
            payload: payload.clone(),
            context: Default::default(),
            overrides: Default::default(),
            only: Some(vec![guard.clone()]),
        };
        let run = exec::evaluate(&bench, screening).await;
        if let Some(t) = run.timings.first() {
            call.push(t.call_us);
            inst.push(t.instantiate_us);
            wall.push(t.wall_us);
        }
        decision = run
            .evaluation
            .trace
            .first()
            .map(|t| t.decision.clone())
            .unwrap_or_default();
    }
    Ok(
        json!({"call_us": call, "instantiate_us": inst, "wall_us": wall, "decision": decision})
            .to_string(),
    )
}

/// What loading each module of the page cost:
/// `[{path, size, transpile_ms, compile_ms, start_ms, settings_ms, total_ms}]`.
#[wasm_bindgen]
pub fn load_timings() -> Result<String, JsValue> {
    let state = state()?;
    let list: Vec<Value> = state.bench.with_untracked(|b| {
        b.modules
            .iter()
            .map(|m| {
                let mut o = timings_json(&m.timings);
                o.insert("path".into(), m.path.clone().into());
                o.insert("size".into(), m.info.size.into());
                Value::Object(o)
            })
            .collect()
    });
    Ok(Value::Array(list).to_string())
}

/// Loads the module at `url` again, timed end to end (fetch excluded): inspect,
/// transpile, compile, worker load and the settings hooks.
#[wasm_bindgen]
pub async fn bench_load(url: String) -> Result<String, JsValue> {
    let bytes = crate::js::fetch(&url)
        .await
        .map_err(|e| JsValue::from_str(&e))?;
    let m = loader::load_module(&url, bytes, &|_| {})
        .await
        .map_err(|e| JsValue::from_str(&e))?;
    let mut out = timings_json(&m.timings);
    out.insert("path".into(), url.into());
    out.insert("size".into(), m.info.size.into());
    Ok(Value::Object(out).to_string())
}

/// A link to case `case_json` that names the modules in `modules_json` (`[{path, sha256,
/// size, embedded}]`) without their bytes, made by the page's own link code
/// (`share::naming`).
#[wasm_bindgen]
pub fn bench_link(case_json: String, modules_json: String) -> Result<String, JsValue> {
    let case: Value = serde_json::from_str(&case_json).map_err(err)?;
    let modules = serde_json::from_str(&modules_json).map_err(err)?;
    crate::share::naming(case, modules).map_err(err)
}

fn timings_json(t: &LoadTimings) -> serde_json::Map<String, Value> {
    let v = json!({"transpile_ms": t.transpile_ms, "compile_ms": t.compile_ms,
                   "start_ms": t.start_ms, "settings_ms": t.settings_ms, "total_ms": t.total_ms});
    v.as_object().cloned().unwrap_or_default()
}

fn err(e: impl ToString) -> JsValue {
    JsValue::from_str(&e.to_string())
}
