//! `guardhouse-bench`: per-call latency (fresh, persistent, upstream-style baseline,
//! native), the breakdown of a call, fuel metering's cost, the guests, cached load, and
//! `guardhouse serve` under an oha load; prints a table and writes JSON. It measures and
//! never asserts a time.

mod calls;
mod chain;
mod serve;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Result, bail};
use clap::Parser;
use guardhouse::{out, outln};

use calls::{BenchInputs, Group, render, run};
use serve::ServeLoad;

/// Measure guard calls against same-run baselines and `guardhouse serve` under load.
#[derive(Debug, Parser)]
#[command(name = "guardhouse-bench", version, about)]
struct BenchArgs {
    /// Directory of the built example guards.
    #[arg(long, default_value = "guards/dist")]
    guards_dir: PathBuf,
    /// Directory of the built test fixtures (noop.wasm).
    #[arg(long, default_value = "tests/fixtures/dist")]
    fixtures_dir: PathBuf,
    /// The guest gateway (guards built by other toolchains): each guest whose module is
    /// built is measured on a server-connection check; a missing file skips them.
    #[arg(long, default_value = "guards/gateway-guests.yaml")]
    guests: PathBuf,
    /// Measured calls per scenario.
    #[arg(long, default_value_t = 5000)]
    iterations: usize,
    /// Requests in the serve load (0 skips it).
    #[arg(long, default_value_t = 20000)]
    serve_requests: usize,
    /// Concurrent connections of the serve load.
    #[arg(long, default_value_t = 4)]
    connections: usize,
    /// The `guardhouse` binary to serve with (default: the one next to this binary).
    #[arg(long)]
    guardhouse: Option<PathBuf>,
    /// The load generator (`cargo install oha`).
    #[arg(long, default_value = "oha")]
    oha: PathBuf,
    /// Run only these groups (comma-separated); default: all.
    #[arg(long, value_enum, value_delimiter = ',')]
    only: Vec<Group>,
    /// Where to write the JSON report.
    #[arg(long, default_value = "bench-results/native.json")]
    out: PathBuf,
}

/// `guardhouse` beside this executable (both are built into the same target directory).
fn sibling_guardhouse() -> Result<PathBuf> {
    let me = std::env::current_exe()?;
    let path = me
        .parent()
        .unwrap_or(Path::new("."))
        .join(format!("guardhouse{}", std::env::consts::EXE_SUFFIX));
    if !path.exists() {
        bail!(
            "{} is not built (scripts/build-native.sh), or pass --guardhouse",
            path.display()
        );
    }
    Ok(path)
}

impl BenchArgs {
    fn execute(self) -> Result<()> {
        let mut report = run(&BenchInputs {
            guards_dir: self.guards_dir.clone(),
            fixtures_dir: self.fixtures_dir,
            guests: self.guests,
            iterations: self.iterations,
            only: self.only.clone(),
        })?;
        if self.serve_requests > 0 && (self.only.is_empty() || self.only.contains(&Group::Serve)) {
            let guardhouse = match self.guardhouse {
                Some(path) => path,
                None => sibling_guardhouse()?,
            };
            report.serve = Some(serve::run(&ServeLoad {
                guards_dir: &self.guards_dir,
                guardhouse,
                oha: self.oha,
                requests: self.serve_requests,
                connections: self.connections,
            })?);
        }
        out!("{}", render(&report));
        if let Some(dir) = self.out.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(&self.out, serde_json::to_string_pretty(&report)?)?;
        outln!("\nwrote {}", self.out.display());
        Ok(())
    }
}

fn main() -> ExitCode {
    match BenchArgs::parse().execute() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
