//! The registry of transpiled guards a JS host imports: `registry.mjs` (static imports of
//! every glue and core module, for bundlers such as wrangler) and `manifest.json` (the
//! same facts without imports, for Node tests and tools).
//!
//! Layout under the output directory:
//!
//! ```text
//! registry.mjs
//! manifest.json
//! guards/<sha256[..16]>/guard.js
//! guards/<sha256[..16]>/guard.core.wasm, guard.core2.wasm, …
//! ```

use std::collections::BTreeMap;
use std::fmt::Write;

use serde::Serialize;

use crate::Transpiled;

/// The registry's format: `registry.mjs` exports it as `format`, and the Worker's bridge
/// (`host-edge/js/bridge.mjs`, `REGISTRY_FORMAT`) refuses any other, so a Worker built
/// from other sources than the registry says so instead of misreading it. Raise it when
/// the registry's exports or their JSON shapes change.
pub const REGISTRY_FORMAT: u32 = 1;

/// The registry format a Worker's `bridge.mjs` reads: its
/// `export const REGISTRY_FORMAT = N;` line (`None` if it has none: a Worker from before
/// the format was stamped).
pub fn bridge_registry_format(bridge_js: &str) -> Option<u32> {
    bridge_js.lines().find_map(|line| {
        line.trim()
            .strip_prefix("export const REGISTRY_FORMAT = ")?
            .strip_suffix(';')?
            .parse()
            .ok()
    })
}

/// A transpiled module in the registry.
#[derive(Debug, Clone, Serialize)]
pub struct ModuleEntry {
    pub sha256: String,
    /// `"canonical"` or `"minimal"`.
    pub contract: guardhouse_core::ContractVersion,
    pub wasi: bool,
    /// The glue's path relative to the output directory.
    pub glue: String,
    /// Core module name (as the glue's `getCoreModule` asks for it) → path relative to
    /// the output directory.
    pub core_modules: BTreeMap<String, String>,
    pub imports: Vec<String>,
    pub exports: Vec<String>,
    /// What inspecting the component found (sha256, size, contract, hooks, imports, wasi).
    pub info: guardhouse_core::inspect::ComponentInfo,
}

/// A gateway in the registry.
#[derive(Debug, Clone, Serialize)]
pub struct GatewayEntry {
    /// The gateway YAML's text, as read.
    pub yaml: String,
    /// The YAML file's path as given on the command line.
    pub path: String,
    /// Guard id → sha256 of its module.
    pub guards: BTreeMap<String, String>,
}

/// What `manifest.json` holds.
#[derive(Debug, Clone, Serialize)]
pub struct Manifest {
    /// [`REGISTRY_FORMAT`].
    pub format: u32,
    /// sha256 → module.
    pub modules: BTreeMap<String, ModuleEntry>,
    /// Gateway name → gateway.
    pub gateways: BTreeMap<String, GatewayEntry>,
}

impl Default for Manifest {
    fn default() -> Self {
        Self {
            format: REGISTRY_FORMAT,
            modules: BTreeMap::new(),
            gateways: BTreeMap::new(),
        }
    }
}

/// The directory (relative to the output directory) a module's files go to.
pub fn module_dir(sha256: &str) -> String {
    format!("guards/{}", &sha256[..16.min(sha256.len())])
}

impl ModuleEntry {
    /// The entry for `t`, with its files under [`module_dir`].
    pub fn new(t: &Transpiled) -> Self {
        let dir = module_dir(&t.sha256);
        Self {
            sha256: t.sha256.clone(),
            contract: t.contract,
            wasi: t.wasi,
            glue: format!("{dir}/{}", t.glue_file),
            core_modules: t
                .core_modules
                .iter()
                .map(|(name, _)| (name.clone(), format!("{dir}/{name}")))
                .collect(),
            imports: t.imports.clone(),
            exports: t.exports.clone(),
            info: t.info.clone(),
        }
    }
}

/// JSON-quotes a string for JS source (JSON strings are valid JS string literals).
fn js_str(s: &str) -> String {
    serde_json::to_string(s).expect("strings always serialize")
}

impl Manifest {
    /// The manifest as pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("the manifest always serializes")
    }

    /// `registry.mjs`: imports every glue (`import * as gN`) and core module (`import
    /// cN_M from '….wasm'`, a compiled `WebAssembly.Module` under wrangler/workerd), and
    /// exports `format` ([`REGISTRY_FORMAT`]), `modules` (sha256 → `{sha256, glue,
    /// instantiate, coreModules, contract, wasi}`) and `gateways` (name → `{yaml, path,
    /// guards}`).
    pub fn to_registry_js(&self) -> String {
        let mut imports = String::new();
        let mut modules = String::new();
        for (n, (sha, m)) in self.modules.iter().enumerate() {
            let _ = writeln!(imports, "import * as g{n} from {};", js_str(&rel(&m.glue)));
            let mut cores = Vec::new();
            for (k, (name, path)) in m.core_modules.iter().enumerate() {
                let _ = writeln!(imports, "import c{n}_{k} from {};", js_str(&rel(path)));
                cores.push(format!("{}: c{n}_{k}", js_str(name)));
            }
            let _ = writeln!(
                modules,
                "  {}: {{ sha256: {}, glue: g{n}, instantiate: g{n}.instantiate, coreModules: {{ {} }}, contract: {}, wasi: {}, info: {} }},",
                js_str(sha),
                js_str(sha),
                cores.join(", "),
                js_str(contract_name(m.contract)),
                m.wasi,
                serde_json::to_string(&m.info).expect("component info always serializes")
            );
        }
        let gateways =
            serde_json::to_string_pretty(&self.gateways).expect("gateways always serialize");
        format!(
            "// Generated by gh-transpile: do not edit.\n{imports}\n/** The registry format the Worker's bridge checks. */\nexport const format = {};\n\n/** sha256 → transpiled guard module. */\nexport const modules = {{\n{modules}}};\n\n/** gateway name → {{yaml, path, guards: {{id: sha256}}}}. */\nexport const gateways = {gateways};\n",
            self.format
        )
    }
}

/// The contract name guard-runtime.mjs takes.
pub fn contract_name(c: guardhouse_core::ContractVersion) -> &'static str {
    match c {
        guardhouse_core::ContractVersion::Canonical => "canonical",
        guardhouse_core::ContractVersion::Minimal => "minimal",
    }
}

fn rel(path: &str) -> String {
    format!("./{path}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_imports_glue_and_core_modules() {
        let mut m = Manifest::default();
        let sha = "ab".repeat(32);
        m.modules.insert(
            sha.clone(),
            ModuleEntry {
                sha256: sha.clone(),
                contract: guardhouse_core::ContractVersion::Minimal,
                wasi: false,
                glue: format!("{}/guard.js", module_dir(&sha)),
                core_modules: [(
                    "guard.core.wasm".to_string(),
                    format!("{}/guard.core.wasm", module_dir(&sha)),
                )]
                .into(),
                imports: vec![],
                exports: vec![],
                info: guardhouse_core::inspect::ComponentInfo {
                    sha256: sha.clone(),
                    size: 0,
                    contract: guardhouse_core::ContractVersion::Minimal,
                    exports: vec![],
                    imports: vec![],
                    wasi: false,
                    wasi_version: None,
                    producers: Vec::new(),
                },
            },
        );
        let js = m.to_registry_js();
        assert!(js.contains("import * as g0 from \"./guards/abababababababab/guard.js\";"));
        assert!(js.contains("import c0_0 from \"./guards/abababababababab/guard.core.wasm\";"));
        assert!(js.contains("\"guard.core.wasm\": c0_0"));
        assert!(js.contains("contract: \"minimal\""));
        assert!(js.contains(&format!("export const format = {REGISTRY_FORMAT};")));
    }

    /// The Worker's bridge reads the format this crate writes.
    #[test]
    fn bridge_reads_this_registry_format() {
        let bridge = concat!(env!("CARGO_MANIFEST_DIR"), "/../../host-edge/js/bridge.mjs");
        let text = std::fs::read_to_string(bridge).expect("host-edge/js/bridge.mjs");
        assert_eq!(bridge_registry_format(&text), Some(REGISTRY_FORMAT));
        assert_eq!(
            bridge_registry_format("export const REGISTRY_FORMAT = 7;\n"),
            Some(7)
        );
        assert_eq!(bridge_registry_format("import x from \"y\";\n"), None);
    }
}
