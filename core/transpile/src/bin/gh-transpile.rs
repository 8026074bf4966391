//! `gh-transpile`: transpiles the guards of one or more gateway configs for the JS hosts
//! and writes `registry.mjs` and `manifest.json` (see `guardhouse_transpile::registry_dir`).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::Parser;

use guardhouse_transpile::registry_dir::{GatewayFile, write_registry};

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
    let gateways: Vec<GatewayFile> = cli
        .gateways
        .iter()
        .enumerate()
        .map(|(i, arg)| {
            let (name, path) = gateway_name(arg, i == 0);
            GatewayFile { name, path }
        })
        .collect();
    let written = write_registry(&cli.out, &gateways)?;
    for t in &written.transpiled {
        println!(
            "  {} ({} bytes): transpiled and metered in {:.1} ms",
            t.guard,
            t.bytes,
            t.elapsed.as_secs_f64() * 1000.0
        );
    }
    Ok(format!(
        "gh-transpile: {} module(s), {} gateway(s) → {}",
        written.manifest.modules.len(),
        written.manifest.gateways.len(),
        cli.out.display()
    ))
}
