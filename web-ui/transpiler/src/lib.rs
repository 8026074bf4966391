//! `guardhouse_transpile::transpile` as its own wasm module for the web page.
//!
//! The page's app module does not contain the transpiler: `scripts/build-web.sh` builds
//! this crate with wasm-bindgen into `dist/transpile.js` + `transpile_bg.wasm`, and
//! `transpile-worker.js` (a module Web Worker the page starts while its app module
//! loads) runs it. So the transpiler's code is fetched and compiled in parallel with the
//! app, and V8's compilation of its functions on first call happens on the worker's
//! thread, during a warm-up transpile at start, instead of on the page's thread when the
//! first guard loads. This is the only transpile code path; the crate adds no logic.

use js_sys::{Array, Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;

/// Transpiles component `bytes` (called `name` in errors): resolves to
/// `{glue: string, modules: [[name, Uint8Array], ..]}` (metered core modules in the
/// glue's order) or throws the transpiler's message (`TranspileError`'s text).
#[wasm_bindgen]
pub fn transpile(name: &str, bytes: &[u8]) -> Result<Object, JsValue> {
    let out = guardhouse_transpile::transpile(name, bytes)
        .map_err(|e| JsValue::from_str(&e.to_string()))?;
    let modules = Array::new();
    for (file, data) in &out.core_modules {
        modules.push(&Array::of2(&file.into(), &Uint8Array::from(&data[..])));
    }
    let result = Object::new();
    Reflect::set(&result, &"glue".into(), &out.glue.into())?;
    Reflect::set(&result, &"modules".into(), &modules)?;
    Ok(result)
}
