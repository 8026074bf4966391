//! A deployable Cloudflare Worker folder for one gateway (`guardhouse edge build`): the
//! prebuilt Worker, the gateway's guards transpiled and metered with their registry
//! (`guardhouse_transpile::registry_dir`), and a `wrangler.toml`.
//!
//! The folder keeps the repository's layout, because the Worker's modules import each
//! other by relative paths (`host-edge/build/index.js` → `../js/bridge.mjs` →
//! `../generated/registry.mjs`, `../../core/js/guard-runtime.mjs` →
//! `../../node_modules/@bytecodealliance/preview2-shim/…`):
//!
//! ```text
//! wrangler.toml
//! guardhouse-edge.json          what wrote the folder (a later build may overwrite it)
//! host-edge/build/              the Worker: wasm-bindgen's output
//! host-edge/js/*.mjs            its entry, bridge and Durable Object class
//! host-edge/generated/          the registry and the transpiled guards
//! core/js/*.mjs                 the guard runtime
//! node_modules/@bytecodealliance/preview2-shim/   the runtime's WASI shim
//! ```
//!
//! So a folder this writes is itself a prebuilt Worker for the next `--worker`.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use guardhouse_core::GatewayConfig;
use guardhouse_core::config::StatePlacement;
use guardhouse_transpile::registry::{REGISTRY_FORMAT, bridge_registry_format};
use guardhouse_transpile::registry_dir::{GatewayFile, Written, write_registry};

/// The environment variable naming the prebuilt Worker when `--worker` is not given.
pub const WORKER_ENV: &str = "GUARDHOUSE_EDGE_WORKER";
/// The registry's gateway name, and so the `GATEWAY` var: the folder serves one gateway.
pub const GATEWAY_NAME: &str = "default";
/// The file marking a folder `guardhouse edge build` wrote (it may write there again).
pub const MARKER_FILE: &str = "guardhouse-edge.json";
/// The Workers runtime version the Worker is built and tested for (as host-edge/wrangler.toml).
pub const COMPATIBILITY_DATE: &str = "2025-09-01";
/// Longest Worker name Cloudflare accepts.
const MAX_NAME_LEN: usize = 63;
const BUILD_HINT: &str = "scripts/build-edge.sh --worker-only";

/// The Worker's files, relative to a Worker tree's root, that must be there.
const REQUIRED: [&str; 8] = [
    "host-edge/build/index.js",
    "host-edge/build/index_bg.wasm",
    "host-edge/js/entry.mjs",
    "host-edge/js/bridge.mjs",
    "host-edge/js/state.mjs",
    "core/js/guard-runtime.mjs",
    "core/js/wasi-shim.mjs",
    "node_modules/@bytecodealliance/preview2-shim/lib/browser",
];
/// What is copied from the prebuilt Worker: (directory, which of its files).
const COPIED: [(&str, Pick); 5] = [
    ("host-edge/build", Pick::Tree),
    ("host-edge/js", Pick::Modules),
    ("core/js", Pick::Modules),
    (
        "node_modules/@bytecodealliance/preview2-shim/lib/browser",
        Pick::Tree,
    ),
    (
        "node_modules/@bytecodealliance/preview2-shim",
        Pick::Package,
    ),
];
/// What a build replaces in `--out` (everything it writes but wrangler.toml and the marker).
const REPLACED: [&str; 3] = [
    "host-edge",
    "core",
    "node_modules/@bytecodealliance/preview2-shim",
];

#[derive(Debug, Clone, Copy)]
enum Pick {
    /// Every file, recursively.
    Tree,
    /// The directory's `*.mjs` files.
    Modules,
    /// `package.json` and `LICENSE`.
    Package,
}

/// A prebuilt Worker: a tree holding `host-edge/build` (`scripts/build-edge.sh
/// --worker-only`) and the JS it imports — a guardhouse checkout, or a folder
/// `guardhouse edge build` wrote.
#[derive(Debug, Clone)]
pub struct WorkerTree {
    pub root: PathBuf,
}

impl WorkerTree {
    /// The Worker named by `--worker` (else `$GUARDHOUSE_EDGE_WORKER`), else the checkout
    /// this guardhouse runs from. `dir` may be the tree or its `host-edge/build`.
    pub fn find(dir: Option<&Path>) -> Result<Self> {
        let given = dir
            .map(Path::to_path_buf)
            .or_else(|| std::env::var_os(WORKER_ENV).map(PathBuf::from));
        let tree = match given {
            Some(dir) => Self::at(&dir),
            None => match checkout() {
                Some(root) => Self { root },
                None => bail!(
                    "no prebuilt Worker found (hint: pass --worker DIR or set {WORKER_ENV}: a \
                     guardhouse checkout after `{BUILD_HINT}`, or a folder `guardhouse edge \
                     build` wrote)"
                ),
            },
        };
        tree.check()?;
        Ok(tree)
    }

    fn at(dir: &Path) -> Self {
        let is_build_dir = dir.join("index_bg.wasm").is_file();
        let root = match (is_build_dir, dir.parent().and_then(Path::parent)) {
            (true, Some(up)) => up.to_path_buf(),
            _ => dir.to_path_buf(),
        };
        Self { root }
    }

    /// Every file is there, and the Worker reads the registry format this guardhouse
    /// writes.
    fn check(&self) -> Result<()> {
        for file in REQUIRED {
            if !self.root.join(file).exists() {
                let hint = match file.starts_with("node_modules") {
                    true => "npm ci".to_string(),
                    false => format!("{BUILD_HINT}, then --worker with that checkout"),
                };
                bail!(
                    "no prebuilt Worker in {}: {file} is missing (hint: {hint})",
                    self.root.display()
                );
            }
        }
        let bridge = self.root.join("host-edge/js/bridge.mjs");
        let text = std::fs::read_to_string(&bridge)
            .with_context(|| format!("cannot read {}", bridge.display()))?;
        match bridge_registry_format(&text) {
            Some(REGISTRY_FORMAT) => Ok(()),
            found => bail!(
                "the prebuilt Worker in {} reads guard registry format {}, this guardhouse \
                 writes format {REGISTRY_FORMAT} (hint: rebuild the Worker from the same \
                 guardhouse version: `{BUILD_HINT}`)",
                self.root.display(),
                found.map_or("(none: older than the format stamp)".into(), |f| f
                    .to_string())
            ),
        }
    }
}

/// The guardhouse checkout the running binary lives in (`target/…/guardhouse`), else the
/// one it was built from, if either still holds the Worker's sources.
fn checkout() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok();
    let built_from = Path::new(env!("CARGO_MANIFEST_DIR")).parent();
    let is_checkout = |d: &Path| {
        d.join("host-edge/wrangler.toml").is_file() && d.join("core/js/guard-runtime.mjs").is_file()
    };
    exe.iter()
        .flat_map(|e| e.ancestors().skip(1))
        .chain(built_from)
        .find(|d| is_checkout(d))
        .map(Path::to_path_buf)
}

/// What [`build`] is given.
pub struct EdgeBuild<'a> {
    /// The gateway config (module paths relative to it), already loaded by the caller.
    pub config_path: &'a Path,
    pub config: &'a GatewayConfig,
    pub out: &'a Path,
    /// The Worker's name (checked with [`check_name`]).
    pub name: &'a str,
    pub worker: &'a WorkerTree,
}

/// What [`build`] wrote.
pub struct Built {
    pub registry: Written,
    pub durable_objects: bool,
}

/// Refuses an `--out` that is a file, or a folder with files not written by a build.
pub fn check_out(out: &Path) -> Result<()> {
    if !out.exists() {
        return Ok(());
    }
    if !out.is_dir() {
        bail!(
            "--out {}: is not a directory (hint: name a new or empty folder)",
            out.display()
        );
    }
    let empty = std::fs::read_dir(out)
        .with_context(|| format!("cannot read {}", out.display()))?
        .next()
        .is_none();
    if !empty && !out.join(MARKER_FILE).is_file() {
        bail!(
            "--out {}: the folder holds files `guardhouse edge build` did not write (hint: \
             name a new or empty folder)",
            out.display()
        );
    }
    Ok(())
}

/// Writes the Worker folder: the prebuilt Worker, the registry, `wrangler.toml`.
pub fn build(b: &EdgeBuild) -> Result<Built> {
    check_out(b.out)?;
    let out_tree = std::fs::canonicalize(b.out).ok();
    if out_tree.is_some() && out_tree == std::fs::canonicalize(&b.worker.root).ok() {
        bail!(
            "--out {}: is the prebuilt Worker itself (hint: write to another folder)",
            b.out.display()
        );
    }
    for dir in REPLACED {
        let path = b.out.join(dir);
        if path.exists() {
            std::fs::remove_dir_all(&path)
                .with_context(|| format!("cannot remove {}", path.display()))?;
        }
    }
    for (dir, how) in COPIED {
        copy(&b.worker.root.join(dir), &b.out.join(dir), how)?;
    }
    let gateway = GatewayFile {
        name: GATEWAY_NAME.into(),
        path: b.config_path.to_path_buf(),
    };
    let registry = write_registry(&b.out.join("host-edge/generated"), &[gateway])?;
    let durable_objects = b
        .config
        .security_guards
        .iter()
        .any(|g| g.state_placement() == StatePlacement::DurableObject);
    write(
        &b.out.join("wrangler.toml"),
        &wrangler_toml(b.name, durable_objects),
    )?;
    let marker = serde_json::json!({
        "guardhouse": env!("CARGO_PKG_VERSION"),
        "registry_format": REGISTRY_FORMAT,
        "gateway": b.config_path.display().to_string(),
    });
    write(
        &b.out.join(MARKER_FILE),
        &serde_json::to_string_pretty(&marker)?,
    )?;
    Ok(Built {
        registry,
        durable_objects,
    })
}

/// The Worker's `wrangler.toml`: no `[build]` step (everything is built), the gateway in
/// the `GATEWAY` var, and the Durable Object class only for gateways that use it.
pub fn wrangler_toml(name: &str, durable_objects: bool) -> String {
    let mut toml = format!(
        r#"# Written by `guardhouse edge build`. Run `npx wrangler dev` or `npx wrangler deploy` here.
name = "{name}"
main = "host-edge/js/entry.mjs"
compatibility_date = "{COMPATIBILITY_DATE}"
workers_dev = true

# Static wasm imports become compiled modules at bundle time: Workers refuse to compile
# wasm from bytes at run time.
[[rules]]
type = "CompiledWasm"
globs = ["**/*.wasm"]
fallthrough = true

[vars]
# The gateway of host-edge/generated/registry.mjs this Worker serves.
GATEWAY = "{GATEWAY_NAME}"
# "true": one JSON line per evaluation on the console (Workers Logs), the fields native
# `serve` logs under RUST_LOG=guardhouse::evaluation=info.
LOG_EVALUATIONS = "false"
"#
    );
    if durable_objects {
        toml.push_str(
            r#"
# Guards with `state: durable_object` keep their instance in a Durable Object of this
# class (host-edge/js/state.mjs); SQLite-backed, as the free plan asks.
[[durable_objects.bindings]]
name = "GUARDHOUSE_STATE"
class_name = "GuardState"

[[migrations]]
tag = "v1"
new_sqlite_classes = ["GuardState"]
"#,
        );
    }
    toml
}

/// Refuses a name Cloudflare would: lowercase letters, digits and dashes, at most 63,
/// neither starting nor ending with a dash.
pub fn check_name(name: &str) -> Result<()> {
    let valid = !name.is_empty()
        && name.len() <= MAX_NAME_LEN
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !name.starts_with('-')
        && !name.ends_with('-');
    if !valid {
        bail!(
            "--name {name:?}: a Worker name is 1 to {MAX_NAME_LEN} lowercase letters, digits \
             and dashes, not starting or ending with a dash"
        );
    }
    Ok(())
}

/// A Worker name from a folder's name: lowercased, other characters as dashes.
pub fn name_from_folder(folder: &Path) -> String {
    let raw = folder
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let mut name = String::new();
    for c in raw.chars() {
        let c = match c.is_ascii_lowercase() || c.is_ascii_digit() {
            true => c,
            false => '-',
        };
        if !(c == '-' && (name.is_empty() || name.ends_with('-'))) {
            name.push(c);
        }
    }
    name.truncate(MAX_NAME_LEN);
    let name = name.trim_end_matches('-');
    match name.is_empty() {
        true => "guardhouse-gateway".into(),
        false => name.into(),
    }
}

fn copy(from: &Path, to: &Path, how: Pick) -> Result<()> {
    std::fs::create_dir_all(to).with_context(|| format!("creating {}", to.display()))?;
    let entries =
        std::fs::read_dir(from).with_context(|| format!("cannot read {}", from.display()))?;
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name();
        let name_str = name.to_string_lossy();
        let (src, dst) = (entry.path(), to.join(&name));
        let is_dir = src.is_dir();
        let wanted = match how {
            Pick::Tree => true,
            Pick::Modules => !is_dir && name_str.ends_with(".mjs"),
            Pick::Package => !is_dir && (name_str == "package.json" || name_str == "LICENSE"),
        };
        match (wanted, is_dir) {
            (false, _) => {}
            (true, true) => copy(&src, &dst, how)?,
            (true, false) => {
                std::fs::copy(&src, &dst).with_context(|| {
                    format!("cannot copy {} to {}", src.display(), dst.display())
                })?;
            }
        }
    }
    Ok(())
}

fn write(path: &Path, text: &str) -> Result<()> {
    std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_from_folders() {
        assert_eq!(
            name_from_folder(Path::new("/x/My Gateway_2")),
            "my-gateway-2"
        );
        assert_eq!(name_from_folder(Path::new("/x/--a--")), "a");
        assert_eq!(name_from_folder(Path::new("/")), "guardhouse-gateway");
        assert!(check_name(&name_from_folder(Path::new(&"a".repeat(80)))).is_ok());
    }

    #[test]
    fn names_cloudflare_refuses() {
        for bad in ["", "-a", "a-", "A", "a_b", &"a".repeat(64)] {
            assert!(check_name(bad).is_err(), "{bad:?}");
        }
        assert!(check_name("my-gateway-2").is_ok());
    }

    #[test]
    fn durable_objects_only_when_used() {
        assert!(!wrangler_toml("g", false).contains("durable_objects"));
        let toml = wrangler_toml("g", true);
        assert!(toml.contains("class_name = \"GuardState\""));
        assert!(toml.contains("new_sqlite_classes = [\"GuardState\"]"));
        assert!(!toml.contains("[build]"));
    }
}
