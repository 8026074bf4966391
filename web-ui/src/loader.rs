//! Loading a guard in the page: inspect (core), transpile (guardhouse-transpile, the
//! edge's transpiler compiled into the app), compile the core modules once
//! (`WebAssembly.compile`), hand them to the worker, then ask the guard for its settings
//! schema and defaults.

use std::sync::Arc;

use js_sys::{Array, Object, Uint8Array};
use serde_json::Value;
use wasm_bindgen::JsCast;

use guardhouse_core::ContractVersion;
use guardhouse_core::contract::{GET_DEFAULT_CONFIG, GET_SETTINGS_SCHEMA};
use guardhouse_core::inspect::inspect;

use crate::hostcall;
use crate::js;
use crate::model::LoadedModule;

/// Budget of the settings hooks at load.
const SETTINGS_TIMEOUT_MS: u64 = 1000;

/// Loads a guard component found at `path`.
pub async fn load_module(path: &str, bytes: Vec<u8>) -> Result<LoadedModule, String> {
    let info = inspect(&bytes).map_err(|e| format!("{path}: {e}"))?;
    let start = js::now();
    let out = guardhouse_transpile::transpile(path, &bytes).map_err(|e| e.to_string())?;
    let transpile_ms = js::now() - start;

    let files = Array::new();
    for (name, data) in &out.core_modules {
        files.push(&Array::of2(&name.into(), &Uint8Array::from(&data[..])));
    }
    let start = js::now();
    let modules = js::await_promise(js::compile_modules(&files))
        .await
        .map_err(|e| format!("{path}: compiling core modules: {e}"))?;
    let compile_ms = js::now() - start;
    let contract = match info.contract {
        ContractVersion::Canonical => "canonical",
        ContractVersion::Minimal => "minimal",
    };
    let reply = js::await_promise(js::load_guard(
        &info.sha256,
        &out.glue,
        modules.unchecked_ref::<Object>(),
        contract,
    ))
    .await?;
    if !js::get(&reply, "ok").is_truthy() {
        let e = js::get(&reply, "error").as_string().unwrap_or_default();
        return Err(format!("{path}: module failed to load: {e}"));
    }
    let (schema, defaults) = if info.has_settings() {
        let schema = settings_hook(&info.sha256, GET_SETTINGS_SCHEMA).await;
        let defaults = settings_hook(&info.sha256, GET_DEFAULT_CONFIG).await;
        let schema = schema.map_err(|e| format!("{path}: {GET_SETTINGS_SCHEMA}: {e}"))?;
        let defaults = defaults
            .and_then(|text| match serde_json::from_str::<Value>(&text) {
                Ok(Value::Object(m)) => Ok(m),
                _ => Err("did not return a JSON object".into()),
            })
            .map_err(|e| format!("{path}: {GET_DEFAULT_CONFIG}: {e}"))?;
        (Some(schema), Some(defaults))
    } else {
        (None, None)
    };
    Ok(LoadedModule {
        path: path.to_string(),
        info,
        bytes: Arc::new(bytes),
        schema,
        defaults,
        transpile_ms,
        compile_ms,
    })
}

/// Calls a no-argument settings hook and returns the string it answered.
async fn settings_hook(sha256: &str, hook: &str) -> Result<String, String> {
    let reply = js::await_promise(js::call_guard(
        "(inspect)",
        sha256,
        "per_call",
        hook,
        "[]",
        "{}",
        &hostcall::settings_limits(SETTINGS_TIMEOUT_MS).to_json(),
        SETTINGS_TIMEOUT_MS as f64,
    ))
    .await?;
    if js::get(&reply, "timeout").is_truthy() {
        return Err(format!("no answer within {SETTINGS_TIMEOUT_MS} ms"));
    }
    if !js::get(&reply, "ok").is_truthy() {
        return Err(js::get(&reply, "error").as_string().unwrap_or_default());
    }
    let text = js::get(&reply, "result").as_string().unwrap_or_default();
    hostcall::settings_text(&text, SETTINGS_TIMEOUT_MS)?
        .ok_or_else(|| format!("{hook} is not exported"))
}

/// The demo's files, as `scripts/build-web.sh` lists them in `demo.json`.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct DemoIndex {
    /// The gateway config, relative to the page.
    pub gateway: String,
    /// Example suites, relative to the page.
    pub suites: Vec<String>,
}

/// Reads `demo.json`, the gateway config and every module it names (relative to it).
pub async fn load_demo() -> Result<(DemoIndex, String), String> {
    let index: DemoIndex = serde_json::from_str(&js::fetch_text("demo.json").await?)
        .map_err(|e| format!("demo.json: {e}"))?;
    let text = js::fetch_text(&index.gateway).await?;
    Ok((index, text))
}

/// The URL of a module a gateway config at `gateway_url` names by `module_path`.
pub fn module_url(gateway_url: &str, module_path: &str) -> String {
    match gateway_url.rsplit_once('/') {
        Some((dir, _)) => format!("{dir}/{}", module_path.trim_start_matches("./")),
        None => module_path.to_string(),
    }
}
