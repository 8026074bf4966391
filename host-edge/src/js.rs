//! The Worker's JS interop, in one place: the bridge module `host-edge/js/bridge.mjs`,
//! which imports the generated registry (`host-edge/generated/registry.mjs`: transpiled
//! guards with their core modules as static wasm imports) and the shared runtime
//! (`core/js/guard-runtime.mjs`).
//!
//! The bridge is linked with `raw_module`, not `module`: wasm-bindgen copies a `module`
//! file into `build/snippets/…`, which would break the bridge's own relative imports;
//! a `raw_module` specifier is written verbatim into `build/index.js`, so
//! `../js/bridge.mjs` resolves from `host-edge/build/` to the file in the repo, and
//! wrangler's bundler follows its imports from where they really are.

use wasm_bindgen::prelude::*;

use guardhouse_core::jshost::JsCall;

#[wasm_bindgen(raw_module = "../js/bridge.mjs")]
extern "C" {
    /// Gateway `name` of the registry as JSON: `{yaml, path, guards: {id: sha256}}`.
    #[wasm_bindgen(catch, js_name = gatewayJson)]
    fn gateway_json_js(name: &str) -> Result<String, JsValue>;

    /// Module `sha256` of the registry as JSON: `{sha256, contract, wasi, info}`.
    #[wasm_bindgen(catch, js_name = moduleJson)]
    fn module_json_js(sha256: &str) -> Result<String, JsValue>;

    /// The shared runtime's instance table (`GuardPool`): one instance per guard, module
    /// and mode, made on first call.
    pub type GuardPool;

    /// A new, empty pool over the registry's modules (prepared once per isolate and
    /// shared by every pool).
    #[wasm_bindgen(js_name = newPool)]
    fn new_pool_js() -> GuardPool;

    /// Calls a hook: `call` is core's `JsCall::to_js`; returns the runtime's result JSON
    /// (see `guardhouse_core::jshost`).
    #[wasm_bindgen(method, catch, js_name = call)]
    fn call_js(this: &GuardPool, call: &JsValue) -> Result<String, JsValue>;

    /// Carries `call` (core's `JsCall::to_js`) to the `GuardState` Durable Object `name`
    /// of namespace `ns` (`js/state.mjs`, by RPC); resolves to the runtime's result JSON.
    #[wasm_bindgen(catch, js_name = callDurable)]
    async fn call_durable_js(ns: &JsValue, name: &str, call: &JsValue) -> Result<JsValue, JsValue>;
}

/// A thrown JS value as a message.
fn message(e: JsValue) -> String {
    if let Some(err) = e.dyn_ref::<js_sys::Error>() {
        return String::from(err.message());
    }
    e.as_string().unwrap_or_else(|| format!("{e:?}"))
}

/// Gateway `name` of the registry, as JSON text.
pub fn gateway_json(name: &str) -> Result<String, String> {
    gateway_json_js(name).map_err(message)
}

/// Module `sha256` of the registry, as JSON text.
pub fn module_json(sha256: &str) -> Result<String, String> {
    module_json_js(sha256).map_err(message)
}

impl GuardPool {
    /// A pool with no instances yet: its persistent guards start with no state.
    pub fn empty() -> Self {
        new_pool_js()
    }

    /// Carries `call` to the runtime; its result JSON, or what it threw.
    pub fn call(&self, call: &JsCall<'_>) -> Result<String, String> {
        self.call_js(&call.to_js()).map_err(message)
    }
}

/// Carries `call` to the `GuardState` Durable Object `name` of namespace `ns`: its result
/// JSON, or why the object could not be reached or threw.
pub async fn call_durable(ns: &JsValue, name: &str, call: &JsCall<'_>) -> Result<String, String> {
    let answer = call_durable_js(ns, name, &call.to_js())
        .await
        .map_err(message)?;
    answer
        .as_string()
        .ok_or_else(|| format!("the Durable Object answered {answer:?}, not the result JSON"))
}
