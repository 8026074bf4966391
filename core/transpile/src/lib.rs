//! Transpiles guard components for JS hosts (the edge Worker and the web page).
//!
//! [`transpile`] checks a component with `guardhouse_core::inspect` (so every host
//! rejects the same files with the same messages), runs jco's transpiler
//! (`js-component-bindgen` 1.14) in sync instantiation mode, and instruments every core
//! module with [`meter`] so `core/js/guard-runtime.mjs` can enforce fuel and memory
//! limits and restore snapshots. [`registry`] is the module the edge bundle imports;
//! `registry_dir` writes it with the transpiled guards (`gh-transpile`,
//! `guardhouse edge build`).

pub mod glue;
pub mod meter;
pub mod registry;
// Writes files and times transpiling: for the host's tools, not the page.
#[cfg(not(target_family = "wasm"))]
pub mod registry_dir;

use anyhow::{Context, Result};
use js_component_bindgen::{InstantiationMode, TranspileOpts};
use serde::Serialize;

use guardhouse_core::ContractVersion;
use guardhouse_core::inspect::{InspectError, inspect, sha256_hex};

pub use meter::meter;

/// The base name of the generated files: the glue is `guard.js`, core modules
/// `guard.core.wasm`, `guard.core2.wasm`, …
pub const GLUE_NAME: &str = "guard";

/// A transpiled, metered guard.
#[derive(Debug, Clone, Serialize)]
pub struct Transpiled {
    /// What the caller named it (used in error messages only).
    pub name: String,
    /// The glue's ES module text; it exports `instantiate(getCoreModule, imports,
    /// instantiateCore)` (sync).
    pub glue: String,
    /// The glue's file name (`guard.js`).
    pub glue_file: String,
    /// Core modules, metered: the name the glue's `getCoreModule` asks for → bytes.
    #[serde(skip)]
    pub core_modules: Vec<(String, Vec<u8>)>,
    /// Import specifiers the glue's `imports` object must provide.
    pub imports: Vec<String>,
    /// Export names of the component (e.g. `guard`, `mcp:security-guard/guard@0.1.0`).
    pub exports: Vec<String>,
    /// Hex sha256 of the component bytes.
    pub sha256: String,
    pub contract: ContractVersion,
    /// Whether the component imports WASI.
    pub wasi: bool,
    /// What inspecting the component found, so JS hosts list the same facts as native
    /// (`GET /v1/guards`) without the component's bytes.
    pub info: guardhouse_core::inspect::ComponentInfo,
}

/// Why a component could not be transpiled.
#[derive(Debug, thiserror::Error)]
pub enum TranspileError {
    #[error("{name}: {cause}")]
    Inspect { name: String, cause: InspectError },
    #[error("{name}: transpile failed: {cause:#}")]
    Bindgen { name: String, cause: anyhow::Error },
    #[error("{name}: instrumenting core module `{file}` failed: {cause:#}")]
    Meter {
        name: String,
        file: String,
        cause: anyhow::Error,
    },
}

/// Transpiles component `bytes` (called `name` in errors).
pub fn transpile(name: &str, bytes: &[u8]) -> Result<Transpiled, TranspileError> {
    let info = inspect(bytes).map_err(|cause| TranspileError::Inspect {
        name: name.to_string(),
        cause,
    })?;
    let opts = TranspileOpts {
        name: GLUE_NAME.to_string(),
        no_typescript: true,
        instantiation: Some(InstantiationMode::Sync),
        // Workers refuse to compile wasm from bytes at run time: never inline.
        base64_cutoff: 0,
        no_nodejs_compat: true,
        // Core modules with several memories pass through as they are: workerd and
        // Chromium run multi-memory (Node 20's V8 11.3 does not). Without this, bindgen
        // rewrites them into one-memory modules with a polyfill made for wasmtime's
        // adapter modules only, which refuses any other: "unsupported section found in
        // module using multiple memories" for a guard with a second memory of its own.
        // Modules with one memory come out byte for byte as before.
        multi_memory: true,
        ..TranspileOpts::default()
    };
    let out = js_component_bindgen::transpile(bytes, opts)
        .with_context(|| "js-component-bindgen".to_string())
        .map_err(|cause| TranspileError::Bindgen {
            name: name.to_string(),
            cause,
        })?;
    let glue_file = format!("{GLUE_NAME}.js");
    let mut glue = None;
    let mut core_modules = Vec::new();
    for (file, data) in out.files {
        if file == glue_file {
            glue = Some(glue::patch_glue(&String::from_utf8_lossy(&data)).0);
        } else if file.ends_with(".wasm") {
            let metered = meter(&data).map_err(|cause| TranspileError::Meter {
                name: name.to_string(),
                file: file.clone(),
                cause,
            })?;
            core_modules.push((file, metered));
        }
    }
    let glue = glue.ok_or_else(|| TranspileError::Bindgen {
        name: name.to_string(),
        cause: anyhow::anyhow!("js-component-bindgen produced no `{glue_file}`"),
    })?;
    Ok(Transpiled {
        name: name.to_string(),
        glue,
        glue_file,
        core_modules,
        imports: out.imports,
        exports: out.exports.into_iter().map(|(n, _)| n).collect(),
        sha256: sha256_hex(bytes),
        contract: info.contract,
        wasi: info.wasi,
        info,
    })
}
