//! Writing a registry directory: every guard of the given gateways transpiled and
//! metered into `guards/<sha>/`, then `registry.mjs` and `manifest.json` (the layout in
//! [`crate::registry`]). What `gh-transpile` and `guardhouse edge build` write.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use guardhouse_core::GatewayConfig;
use guardhouse_core::inspect::sha256_hex;

use crate::registry::{GatewayEntry, Manifest, ModuleEntry, module_dir};
use crate::transpile;

/// A gateway to put in the registry: its name (the Worker's `GATEWAY` var) and YAML file.
#[derive(Debug, Clone)]
pub struct GatewayFile {
    pub name: String,
    pub path: PathBuf,
}

/// One module transpiled while writing (modules shared by several guards appear once).
#[derive(Debug, Clone)]
pub struct TranspiledGuard {
    /// The first guard id that named the module.
    pub guard: String,
    /// The component's size.
    pub bytes: usize,
    /// Transpiling and metering it took this long.
    pub elapsed: Duration,
}

/// What [`write_registry`] wrote.
#[derive(Debug, Clone)]
pub struct Written {
    pub manifest: Manifest,
    pub transpiled: Vec<TranspiledGuard>,
}

/// Transpiles every guard `gateways` name (module paths relative to each YAML file) into
/// `out` and writes the registry there. `out` is created; existing files are overwritten.
pub fn write_registry(out: &Path, gateways: &[GatewayFile]) -> Result<Written> {
    let mut written = Written {
        manifest: Manifest::default(),
        transpiled: Vec::new(),
    };
    for gateway in gateways {
        if written.manifest.gateways.contains_key(&gateway.name) {
            bail!(
                "{}: gateway name `{}` is given twice",
                gateway.path.display(),
                gateway.name
            );
        }
        let entry = add_gateway(&mut written, out, &gateway.path)?;
        written
            .manifest
            .gateways
            .insert(gateway.name.clone(), entry);
    }
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    write(
        &out.join("manifest.json"),
        written.manifest.to_json().as_bytes(),
    )?;
    write(
        &out.join("registry.mjs"),
        written.manifest.to_registry_js().as_bytes(),
    )?;
    Ok(written)
}

/// Parses one gateway config and transpiles its modules not seen yet.
fn add_gateway(written: &mut Written, out: &Path, path: &Path) -> Result<GatewayEntry> {
    let yaml = std::fs::read_to_string(path)
        .with_context(|| format!("{}: cannot read", path.display()))?;
    let config = GatewayConfig::parse(&path.display().to_string(), &yaml)?;
    let base = path.parent().unwrap_or(Path::new("."));
    let mut guards = BTreeMap::new();
    for g in &config.security_guards {
        let module = base.join(&g.module_path);
        let bytes = std::fs::read(&module).with_context(|| {
            format!(
                "{}: guard `{}`: cannot read module {}",
                path.display(),
                g.id,
                module.display()
            )
        })?;
        let sha = sha256_hex(&bytes);
        g.check_pin(&sha)
            .map_err(|e| anyhow::anyhow!("{}: module failed to load: {e}", path.display()))?;
        if !written.manifest.modules.contains_key(&sha) {
            let started = Instant::now();
            let t = transpile(&module.display().to_string(), &bytes)
                .with_context(|| format!("{}: guard `{}`", path.display(), g.id))?;
            let dir = out.join(module_dir(&sha));
            std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
            write(&dir.join(&t.glue_file), t.glue.as_bytes())?;
            for (name, data) in &t.core_modules {
                write(&dir.join(name), data)?;
            }
            written
                .manifest
                .modules
                .insert(sha.clone(), ModuleEntry::new(&t));
            written.transpiled.push(TranspiledGuard {
                guard: g.id.clone(),
                bytes: bytes.len(),
                elapsed: started.elapsed(),
            });
        }
        guards.insert(g.id.clone(), sha);
    }
    Ok(GatewayEntry {
        yaml,
        path: path.display().to_string(),
        guards,
    })
}

fn write(path: &Path, data: &[u8]) -> Result<()> {
    std::fs::write(path, data).with_context(|| format!("writing {}", path.display()))
}
