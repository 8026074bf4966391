//! Loading a guard in the page: inspect (core), transpile (guardhouse-transpile, the
//! edge's transpiler, as its own wasm module in the transpiler worker: `js::transpile`), compile the core modules once
//! (`WebAssembly.compile`), hand them to the worker, then ask the guard for its settings
//! schema and defaults. Each stage is reported as it starts, so a big guard (CPython or
//! SpiderMonkey inside, 12-18 MB) shows where its seconds go.

use std::sync::Arc;

use js_sys::{Array, Object, Uint8Array};
use serde_json::{Map, Value};
use wasm_bindgen::JsCast;

use guardhouse_core::ContractVersion;
use guardhouse_core::case::{CaseFile, GatewaySource};
use guardhouse_core::contract::{GET_DEFAULT_CONFIG, GET_SETTINGS_SCHEMA};
use guardhouse_core::inspect::{ComponentInfo, inspect};
use guardhouse_core::jshost::{JsGuard, JsHost};

use crate::exec;
use crate::js;
use crate::model::{LoadTimings, LoadedModule};

/// A stage of loading a guard, reported when it starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// `guardhouse_transpile::transpile`: jco's bindgen and the metering pass.
    Transpiling,
    /// `WebAssembly.compile` of each core module.
    Compiling,
    /// The worker imports the glue.
    Starting,
    /// `get-settings-schema` and `get-default-config` (the first instantiation).
    Settings,
}

impl std::fmt::Display for Stage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Stage::Transpiling => "transpiling and metering",
            Stage::Compiling => "compiling",
            Stage::Starting => "starting in the worker",
            Stage::Settings => "reading its settings",
        })
    }
}

/// Loads a guard component found at `path`, calling `progress` as each stage starts.
pub async fn load_module(
    path: &str,
    bytes: Vec<u8>,
    progress: &dyn Fn(Stage),
) -> Result<LoadedModule, String> {
    let begin = js::now();
    let info = inspect(&bytes).map_err(|e| format!("{path}: {e}"))?;
    progress(Stage::Transpiling);
    // Milliseconds since the previous lap.
    let mut clock = js::now();
    let mut lap = || {
        let now = js::now();
        now - std::mem::replace(&mut clock, now)
    };
    // In the transpiler worker (`js::transpile`), off this thread.
    let out = js::await_promise(js::transpile(path, &Uint8Array::from(&bytes[..]))).await?;
    let glue = js::get(&out, "glue").as_string().unwrap_or_default();
    let files: Array = js::get(&out, "modules").unchecked_into();
    let transpile_ms = lap();
    progress(Stage::Compiling);
    let modules = js::await_promise(js::compile_modules(&files))
        .await
        .map_err(|e| format!("{path}: compiling core modules: {e}"))?;
    let compile_ms = lap();
    progress(Stage::Starting);
    let contract = match info.contract {
        ContractVersion::Canonical => "canonical",
        ContractVersion::Minimal => "minimal",
    };
    let reply = js::await_promise(js::load_guard(
        &info.sha256,
        &glue,
        modules.unchecked_ref::<Object>(),
        contract,
    ))
    .await?;
    if !js::get(&reply, "ok").is_truthy() {
        let e = js::get(&reply, "error").as_string().unwrap_or_default();
        return Err(format!("{path}: module failed to load: {e}"));
    }
    let start_ms = lap();
    let (schema, defaults) = if info.has_settings() {
        progress(Stage::Settings);
        let (schema, defaults) = settings(path, &info).await?;
        (Some(schema), Some(defaults))
    } else {
        (None, None)
    };
    let settings_ms = lap();
    Ok(LoadedModule {
        path: path.to_string(),
        info,
        bytes: Arc::new(bytes),
        schema,
        defaults,
        timings: LoadTimings {
            transpile_ms,
            compile_ms,
            start_ms,
            settings_ms,
            total_ms: js::now() - begin,
        },
    })
}

/// The guard's settings schema and default config, read as `guardhouse inspect` reads
/// them (no settings configured yet).
async fn settings(
    path: &str,
    info: &ComponentInfo,
) -> Result<(String, Map<String, Value>), String> {
    let guard = JsGuard::inspecting(info.clone(), JsHost::Browser);
    let schema = settings_hook(&guard, GET_SETTINGS_SCHEMA).await;
    let defaults = settings_hook(&guard, GET_DEFAULT_CONFIG).await;
    let schema = schema.map_err(|e| format!("{path}: {e}"))?;
    let defaults = defaults
        .and_then(|text| match serde_json::from_str::<Value>(&text) {
            Ok(Value::Object(m)) => Ok(m),
            _ => Err(format!(
                "`{GET_DEFAULT_CONFIG}` did not return a JSON object"
            )),
        })
        .map_err(|e| format!("{path}: {e}"))?;
    Ok((schema, defaults))
}

/// Calls a no-argument settings hook and returns the text it answered.
async fn settings_hook(guard: &JsGuard, hook: &'static str) -> Result<String, String> {
    let call = guard
        .settings_call(hook)
        .ok_or_else(|| format!("`{hook}` is not exported"))?;
    let (reply, _) = exec::carry(&call).await;
    guard
        .settings_text(hook, reply)?
        .ok_or_else(|| format!("`{hook}` is not exported"))
}

/// The demo's files, as `scripts/build-web.sh` lists them in `demo.json`.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct DemoIndex {
    /// The gateway config the page starts with, relative to the page.
    pub gateway: String,
    /// Every gateway config the page serves (the suites' own), relative to the page.
    #[serde(default)]
    pub gateways: Vec<String>,
    /// Example suites, relative to the page.
    pub suites: Vec<String>,
    /// Labelled corpora (`guards/corpora`) for the eval view, relative to the page.
    #[serde(default)]
    pub corpora: Vec<String>,
}

impl DemoIndex {
    /// The served gateway a suite at `suite_url` names by path, if the page serves it.
    pub fn suite_gateway(&self, suite_url: &str, file: &CaseFile) -> Option<String> {
        let Some(GatewaySource::Path(path)) = &file.gateway else {
            return None;
        };
        let url = module_url(suite_url, path);
        self.gateways.contains(&url).then_some(url)
    }
}

/// Reads `demo.json`.
pub async fn load_demo() -> Result<DemoIndex, String> {
    serde_json::from_str(&js::fetch_text("demo.json").await?).map_err(|e| format!("demo.json: {e}"))
}

/// The URL of a file that a file at `base_url` names by the relative `path` (a gateway's
/// `module_path`, a suite's `gateway:`), with `.` and `..` segments resolved.
pub fn module_url(base_url: &str, path: &str) -> String {
    let mut parts: Vec<&str> = base_url.split('/').collect();
    parts.pop();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." if parts.last().is_some_and(|p| *p != "..") => {
                parts.pop();
            }
            _ => parts.push(seg),
        }
    }
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::module_url;

    #[test]
    fn relative_paths_resolve_against_the_naming_file() {
        assert_eq!(
            module_url("guards/gateway.yaml", "dist/a.wasm"),
            "guards/dist/a.wasm"
        );
        assert_eq!(
            module_url("guards/gateway.yaml", "./dist/a.wasm"),
            "guards/dist/a.wasm"
        );
        assert_eq!(
            module_url("guards/suites/p.yaml", "../gateway-guests.yaml"),
            "guards/gateway-guests.yaml"
        );
        assert_eq!(module_url("gateway.yaml", "dist/a.wasm"), "dist/a.wasm");
    }
}
