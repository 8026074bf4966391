//! Building guards: `cargo build` for wasm32 plus component encoding for Rust, the
//! componentizers for Python and JavaScript (`componentize.rs`); one report for all.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};
use serde::Serialize;
use wit_component::{ComponentEncoder, DecodedWasm, WitPrinter};

use guardhouse_core::inspect::{inspect, sha256_hex};

use crate::componentize::{JS_ENTRY, PYTHON_ENTRY, componentize};

/// A guard's source language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// A Rust crate (wit-bindgen), built with cargo.
    Rust,
    /// A Python module `app.py`, built with componentize-py.
    Python,
    /// A JavaScript module `guard.js`, built with componentize-js.
    Js,
    /// A hand-written core module `NAME.wat` (the canonical ABI by hand), encoded with
    /// the WIT world in `wit/` beside it. Built only; `guardhouse new` has no template.
    #[value(skip)]
    Wat,
}

impl Lang {
    /// The language's name for people.
    pub fn name(self) -> &'static str {
        match self {
            Lang::Rust => "Rust",
            Lang::Python => "Python",
            Lang::Js => "JavaScript",
            Lang::Wat => "WebAssembly text",
        }
    }

    /// The language of the guard in `dir`, by the file that marks it: `Cargo.toml`,
    /// `app.py` or `guard.js`, in that order.
    pub fn detect(dir: &Path) -> Result<Lang> {
        if dir.extension().is_some_and(|e| e == "wat") && dir.is_file() {
            return Ok(Lang::Wat);
        }
        let marks = [
            ("Cargo.toml", Lang::Rust),
            (PYTHON_ENTRY, Lang::Python),
            (JS_ENTRY, Lang::Js),
        ];
        match marks.iter().find(|(file, _)| dir.join(file).is_file()) {
            Some(&(_, lang)) => Ok(lang),
            None => bail!(
                "no Cargo.toml, {PYTHON_ENTRY} or {JS_ENTRY} in {} (hint: create a guard with `guardhouse new`)",
                dir.display()
            ),
        }
    }
}

/// What `build_guard` produced.
#[derive(Debug, Clone, Serialize)]
pub struct BuildReport {
    pub package: String,
    pub language: Lang,
    pub core_module: Option<PathBuf>,
    pub core_size: Option<u64>,
    pub component: PathBuf,
    pub size: u64,
    pub sha256: String,
}

/// Options of a guard build.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    /// The guard's directory.
    pub crate_dir: PathBuf,
    /// Rust only: cargo profile (default `release`).
    pub profile: Option<String>,
    /// Rust only: `wasm32-unknown-unknown` (the default; encoded here), `wasm32-wasip1`
    /// (encoded here with the WASI preview1 reactor adapter) or `wasm32-wasip2` (already a
    /// component).
    pub target: Option<String>,
    /// Where the component goes (default: `<dir>/<package>.wasm`; for Python and
    /// JavaScript the package is the directory's name).
    pub out: Option<PathBuf>,
}

/// Builds the guard in `opts.crate_dir`, whatever its language, into a component.
pub fn build_guard(opts: &BuildOptions) -> Result<BuildReport> {
    match Lang::detect(&opts.crate_dir)? {
        Lang::Rust => build_rust(opts),
        Lang::Wat => build_wat(opts),
        lang => build_componentized(lang, opts),
    }
}

/// Builds `NAME.wat`: parses the text, embeds the world of the WIT package in `wit/`
/// beside it (its only world, or `security-guard`) and encodes the component.
fn build_wat(opts: &BuildOptions) -> Result<BuildReport> {
    if opts.profile.is_some() || opts.target.is_some() {
        bail!("--profile and --target apply to Rust guards");
    }
    let file = &opts.crate_dir;
    let wit_dir = file.parent().unwrap_or(Path::new(".")).join("wit");
    let mut resolve = wit_parser::Resolve::default();
    let (package, _) = resolve.push_dir(&wit_dir).with_context(|| {
        format!(
            "reading the WIT package in {} (hint: a .wat guard needs its world in wit/ beside it)",
            wit_dir.display()
        )
    })?;
    let world = resolve
        .select_world(&[package], Some("security-guard"))
        .or_else(|_| resolve.select_world(&[package], None))
        .context("choosing the world to encode")?;
    let mut module =
        wat::parse_file(file).with_context(|| format!("parsing {}", file.display()))?;
    // The text parses; the module must also validate (types, stack) before it is encoded.
    wasmparser::Validator::new()
        .validate_all(&module)
        .with_context(|| format!("{} is not valid WebAssembly", file.display()))?;
    wit_component::embed_component_metadata(
        &mut module,
        &resolve,
        world,
        wit_component::StringEncoding::UTF8,
    )?;
    let component = encode_component(&module)
        .with_context(|| format!("{} does not implement the guard world", file.display()))?;
    let name = file
        .file_stem()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "guard".into());
    inspect(&component).with_context(|| format!("{} is not a usable guard", file.display()))?;
    let out = opts
        .out
        .clone()
        .unwrap_or_else(|| file.with_extension("wasm"));
    create_parent(&out)?;
    std::fs::write(&out, &component)?;
    Ok(BuildReport {
        package: name,
        language: Lang::Wat,
        core_module: None,
        core_size: Some(module.len() as u64),
        component: out,
        size: component.len() as u64,
        sha256: sha256_hex(&component),
    })
}

/// Builds a Python or JavaScript guard with its componentizer.
fn build_componentized(lang: Lang, opts: &BuildOptions) -> Result<BuildReport> {
    if opts.profile.is_some() || opts.target.is_some() {
        bail!(
            "--profile and --target apply to Rust guards; {} is a {} guard",
            opts.crate_dir.display(),
            lang.name()
        );
    }
    let dir = opts
        .crate_dir
        .canonicalize()
        .with_context(|| format!("reading {}", opts.crate_dir.display()))?;
    let package = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .context("the guard directory has no name")?;
    let out = opts
        .out
        .clone()
        .unwrap_or_else(|| opts.crate_dir.join(format!("{package}.wasm")));
    // The tool writes next to `out` and the file is renamed only once it is a usable
    // guard, so an interrupted or failed build never leaves a half-written one.
    let mut tmp = out.clone().into_os_string();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    create_parent(&out)?;
    let built = componentize(lang, &dir, &tmp).and_then(|()| {
        let bytes = std::fs::read(&tmp)?;
        inspect(&bytes).with_context(|| format!("{} is not a usable guard", out.display()))?;
        Ok(bytes)
    });
    let component = match built {
        Ok(bytes) => bytes,
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            return Err(e);
        }
    };
    std::fs::rename(&tmp, &out)?;
    Ok(BuildReport {
        package,
        language: lang,
        core_module: None,
        core_size: None,
        component: out,
        size: component.len() as u64,
        sha256: sha256_hex(&component),
    })
}

/// Builds a Rust crate for wasm32 and encodes the result as a component.
fn build_rust(opts: &BuildOptions) -> Result<BuildReport> {
    let manifest = opts.crate_dir.join("Cargo.toml");
    let profile = opts.profile.as_deref().unwrap_or("release");
    let target = opts.target.as_deref().unwrap_or("wasm32-unknown-unknown");
    let output = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["build", "--lib", "--message-format=json-render-diagnostics"])
        .args(["--profile", profile, "--target", target])
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
    create_parent(&out)?;
    std::fs::write(&out, &component)?;
    Ok(BuildReport {
        package,
        language: Lang::Rust,
        core_module: core_size.map(|_| wasm.clone()),
        core_size,
        component: out,
        size: component.len() as u64,
        sha256: sha256_hex(&component),
    })
}

fn create_parent(path: &Path) -> Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    Ok(())
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

/// `dir/name` or the nearest ancestor's `name`, if any exists.
pub fn find_up(dir: &Path, name: &str) -> Option<PathBuf> {
    dir.ancestors().map(|d| d.join(name)).find(|p| p.exists())
}
