//! The page's JS interop, in one place: the guard and transpiler worker bridge
//! (`js/bridge.js`) and a few browser calls.

use js_sys::{Object, Promise, Uint8Array};
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/js/bridge.js")]
extern "C" {
    /// Transpiles component `bytes` (taken over) in the transpiler worker
    /// (`web-ui/transpiler`, `guardhouse_transpile::transpile`): resolves to `{glue,
    /// modules: [[name, Uint8Array], ..]}`, rejects with the transpiler's message.
    pub fn transpile(name: &str, bytes: &Uint8Array) -> Promise;
    /// `[[name, bytes], ..]` → `{name: WebAssembly.Module}`.
    #[wasm_bindgen(js_name = compileModules)]
    pub fn compile_modules(files: &js_sys::Array) -> Promise;
    #[wasm_bindgen(js_name = loadGuard)]
    pub fn load_guard(sha256: &str, glue: &str, modules: &Object, contract: &str) -> Promise;
    /// Carries `call` (core's `JsCall::to_js`) to the guard worker, stopping it after its
    /// `timeoutMs`; resolves to `{ok, result?, error?, timeout?}`.
    #[wasm_bindgen(js_name = callGuard)]
    pub fn call_guard(call: &JsValue) -> Promise;
    #[wasm_bindgen(js_name = resetInstances)]
    pub fn reset_instances() -> Promise;
    #[wasm_bindgen(js_name = workerRespawns)]
    pub fn worker_respawns() -> u32;
    pub fn now() -> f64;
    #[wasm_bindgen(js_name = copyText)]
    pub fn copy_text(text: &str) -> Promise;
    pub fn download(name: &str, text: &str);
    #[wasm_bindgen(js_name = fetchBytes)]
    pub fn fetch_bytes(url: &str) -> Promise;
}

/// A JS error (or anything thrown) as a plain message.
pub fn error_text(e: &JsValue) -> String {
    if let Some(err) = e.dyn_ref::<js_sys::Error>() {
        return String::from(err.message());
    }
    e.as_string().unwrap_or_else(|| format!("{e:?}"))
}

/// Awaits a promise, turning a rejection into its message.
pub async fn await_promise(p: Promise) -> Result<JsValue, String> {
    wasm_bindgen_futures::JsFuture::from(p)
        .await
        .map_err(|e| error_text(&e))
}

/// Fetches `url` as bytes.
pub async fn fetch(url: &str) -> Result<Vec<u8>, String> {
    let v = await_promise(fetch_bytes(url)).await?;
    Ok(Uint8Array::new(&v).to_vec())
}

/// Fetches `url` as UTF-8 text.
pub async fn fetch_text(url: &str) -> Result<String, String> {
    String::from_utf8(fetch(url).await?).map_err(|_| format!("{url}: not UTF-8"))
}

/// A property of a JS object, if present.
pub fn get(obj: &JsValue, key: &str) -> JsValue {
    js_sys::Reflect::get(obj, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}
