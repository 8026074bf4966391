//! Building guards: `cargo build` for wasm32 plus component encoding, in one step.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};
use serde::Serialize;
use wit_component::{ComponentEncoder, DecodedWasm, WitPrinter};

use guardhouse_core::inspect::{inspect, sha256_hex};

/// What `build_guard` produced.
#[derive(Debug, Clone, Serialize)]
pub struct BuildReport {
    pub package: String,
    pub core_module: Option<PathBuf>,
    pub core_size: Option<u64>,
    pub component: PathBuf,
    pub size: u64,
    pub sha256: String,
}

/// Options of a guard build.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    /// The guard crate's directory.
    pub crate_dir: PathBuf,
    /// Cargo profile (`release` unless the workspace defines a smaller one).
    pub profile: String,
    /// `wasm32-unknown-unknown` (encoded here), `wasm32-wasip1` (encoded here with the
    /// WASI preview1 reactor adapter) or `wasm32-wasip2` (already a component).
    pub target: String,
    /// Where the component goes (default: `<crate dir>/<package>.wasm`).
    pub out: Option<PathBuf>,
}

/// Builds the crate for wasm32 and encodes the result as a component.
pub fn build_guard(opts: &BuildOptions) -> Result<BuildReport> {
    let manifest = opts.crate_dir.join("Cargo.toml");
    if !manifest.exists() {
        bail!(
            "no Cargo.toml in {} (hint: create a guard with `guardhouse new`)",
            opts.crate_dir.display()
        );
    }
    let output = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["build", "--lib", "--message-format=json-render-diagnostics"])
        .args(["--profile", &opts.profile, "--target", &opts.target])
        .arg("--manifest-path")
        .arg(&manifest)
        .stderr(Stdio::inherit())
        .output()
        .context("running cargo")?;
    if !output.status.success() {
        bail!("cargo build failed for {}", opts.crate_dir.display());
    }
    let (package, wasm) = artifact(&output.stdout).with_context(|| {
        format!(
            "cargo built no cdylib .wasm for {}",
            opts.crate_dir.display()
        )
    })?;
    let bytes = std::fs::read(&wasm)?;
    let (component, core_size) = if wasmparser_is_component(&bytes) {
        (bytes, None)
    } else {
        let encoded = encode_component(&bytes)?;
        (encoded, Some(bytes.len() as u64))
    };
    inspect(&component).with_context(|| format!("{} is not a usable guard", wasm.display()))?;
    let out = opts
        .out
        .clone()
        .unwrap_or_else(|| opts.crate_dir.join(format!("{package}.wasm")));
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&out, &component)?;
    Ok(BuildReport {
        package,
        core_module: core_size.map(|_| wasm.clone()),
        core_size,
        component: out,
        size: component.len() as u64,
        sha256: sha256_hex(&component),
    })
}

/// Encodes a core module (with wit-bindgen's component type section) as a component. A
/// module importing `wasi_snapshot_preview1` (Rust std for `wasm32-wasip1`, what
/// cargo-component builds) gets the preview1 *reactor* adapter, which turns those imports
/// into `wasi:*@0.2` ones, as cargo-component does.
pub fn encode_component(module: &[u8]) -> Result<Vec<u8>> {
    let mut encoder = ComponentEncoder::default()
        .module(module)
        .context("reading the wit-bindgen component type section (hint: the crate must use wit_bindgen::generate!)")?
        .validate(true);
    if imports_wasi_preview1(module) {
        encoder = encoder
            .adapter(
                PREVIEW1_MODULE,
                wasi_preview1_component_adapter_provider::WASI_SNAPSHOT_PREVIEW1_REACTOR_ADAPTER,
            )
            .context("adding the WASI preview1 reactor adapter")?;
    }
    encoder.encode().context("encoding the component")
}

/// The import module of WASI preview1 (`wasm32-wasip1`) core modules.
const PREVIEW1_MODULE: &str = "wasi_snapshot_preview1";

fn wasmparser_is_component(bytes: &[u8]) -> bool {
    bytes.len() >= 8 && bytes[..4] == *b"\0asm" && bytes[4..8] != [1, 0, 0, 0]
}

fn imports_wasi_preview1(bytes: &[u8]) -> bool {
    let name = PREVIEW1_MODULE.as_bytes();
    bytes.windows(name.len()).any(|w| w == name)
}

/// The package name and `.wasm` file of the cdylib in cargo's JSON messages.
fn artifact(stdout: &[u8]) -> Option<(String, PathBuf)> {
    let text = std::str::from_utf8(stdout).ok()?;
    text.lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|m| m["reason"] == "compiler-artifact")
        .filter(|m| {
            m["target"]["kind"]
                .as_array()
                .is_some_and(|k| k.iter().any(|k| k == "cdylib"))
        })
        .find_map(|m| {
            let file = m["filenames"]
                .as_array()?
                .iter()
                .filter_map(|f| f.as_str())
                .find(|f| f.ends_with(".wasm"))?;
            let name = m["target"]["name"].as_str()?.replace('_', "-");
            Some((name, PathBuf::from(file)))
        })
}

/// The WIT world a component implements, as text.
pub fn world_wit(bytes: &[u8]) -> Result<String> {
    let DecodedWasm::Component(resolve, world) = wit_component::decode(bytes)? else {
        bail!("not a component");
    };
    let pkg = resolve.worlds[world]
        .package
        .context("world without a package")?;
    let mut printer = WitPrinter::default();
    printer.print(&resolve, pkg, &[])?;
    Ok(printer.output.to_string())
}

/// The directory of the cargo workspace containing `dir`, if any.
pub fn find_up(dir: &Path, name: &str) -> Option<PathBuf> {
    dir.ancestors().map(|d| d.join(name)).find(|p| p.exists())
}
