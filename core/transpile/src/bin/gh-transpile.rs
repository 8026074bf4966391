//! `gh-transpile`: transpiles the guards of one or more gateway configs for the JS hosts
//! and writes `registry.mjs` and `manifest.json` (see `guardhouse_transpile::registry`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::Parser;

use guardhouse_core::GatewayConfig;
use guardhouse_core::inspect::sha256_hex;
use guardhouse_transpile::registry::{GatewayEntry, Manifest, ModuleEntry, module_dir};
use guardhouse_transpile::transpile;

/// Transpile the guards named in gateway configs for the edge Worker and the web page.
#[derive(Parser)]
#[command(name = "gh-transpile", version)]
struct Cli {
    /// Output directory (created; existing files are overwritten).
    #[arg(long)]
    out: PathBuf,
    /// Gateway configs, `GATEWAY.yaml` or `NAME=GATEWAY.yaml`. The first one is named
    /// `default` and the others after their file stem unless NAME= is given.
    #[arg(required = true)]
    gateways: Vec<String>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli) {
        Ok(summary) => {
            println!("{summary}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("gh-transpile: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// Splits `NAME=PATH`; a plain path gets `default` (first) or its file stem.
fn gateway_name(arg: &str, first: bool) -> (String, PathBuf) {
    if let Some((name, path)) = arg.split_once('=')
        && !name.is_empty()
        && !name.contains(['/', '\\'])
    {
        return (name.to_string(), PathBuf::from(path));
    }
    let path = PathBuf::from(arg);
    let name = if first {
        "default".to_string()
    } else {
        path.file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| arg.to_string())
    };
    (name, path)
}

fn run(cli: &Cli) -> Result<String> {
    let mut manifest = Manifest::default();
    for (i, arg) in cli.gateways.iter().enumerate() {
        let (name, path) = gateway_name(arg, i == 0);
        if manifest.gateways.contains_key(&name) {
            bail!("{}: gateway name `{name}` is given twice", path.display());
        }
        let gateway = add_gateway(&mut manifest, &cli.out, &path)?;
        manifest.gateways.insert(name, gateway);
    }
    std::fs::create_dir_all(&cli.out).with_context(|| format!("creating {}", cli.out.display()))?;
    write(
        &cli.out.join("manifest.json"),
        manifest.to_json().as_bytes(),
    )?;
    write(
        &cli.out.join("registry.mjs"),
        manifest.to_registry_js().as_bytes(),
    )?;
    Ok(format!(
        "gh-transpile: {} module(s), {} gateway(s) → {}",
        manifest.modules.len(),
        manifest.gateways.len(),
        cli.out.display()
    ))
}

/// Parses one gateway config and transpiles its modules not seen yet.
fn add_gateway(manifest: &mut Manifest, out: &Path, path: &Path) -> Result<GatewayEntry> {
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
        if !manifest.modules.contains_key(&sha) {
            let started = std::time::Instant::now();
            let t = transpile(&module.display().to_string(), &bytes)
                .with_context(|| format!("{}: guard `{}`", path.display(), g.id))?;
            println!(
                "  {} ({} bytes): transpiled and metered in {:.1} ms",
                g.id,
                bytes.len(),
                started.elapsed().as_secs_f64() * 1000.0
            );
            let dir = out.join(module_dir(&sha));
            std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
            write(&dir.join(&t.glue_file), t.glue.as_bytes())?;
            for (name, data) in &t.core_modules {
                write(&dir.join(name), data)?;
            }
            manifest.modules.insert(sha.clone(), ModuleEntry::new(&t));
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
