//! `guardhouse bench`: see `crate::bench`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;

use super::{code, exit};
use crate::bench::{BenchInputs, render, run};

/// Measure per-call latency (fresh, persistent, upstream-style baseline, native), the
/// breakdown of a call, cached load and serve throughput; print a table, write JSON.
#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Directory of the built example guards.
    #[arg(long, default_value = "guards/dist")]
    pub guards_dir: PathBuf,
    /// Directory of the built test fixtures (noop.wasm).
    #[arg(long, default_value = "tests/fixtures/dist")]
    pub fixtures_dir: PathBuf,
    /// The guest gateway (guards built by other toolchains): each guest whose module is
    /// built is measured on a server-connection check; a missing file skips them.
    #[arg(long, default_value = "guards/gateway-guests.yaml")]
    pub guests: PathBuf,
    /// Measured calls per scenario.
    #[arg(long, default_value_t = 5000)]
    pub iterations: usize,
    /// Requests in the serve load (0 skips it).
    #[arg(long, default_value_t = 20000)]
    pub serve_requests: usize,
    /// Where to write the JSON report.
    #[arg(long, default_value = "bench-results/native.json")]
    pub out: PathBuf,
}

impl BenchArgs {
    pub fn execute(self) -> Result<ExitCode> {
        let report = run(&BenchInputs {
            guards_dir: self.guards_dir,
            fixtures_dir: self.fixtures_dir,
            guests: self.guests,
            iterations: self.iterations,
            serve_requests: self.serve_requests,
        })?;
        crate::out!("{}", render(&report));
        if let Some(dir) = self.out.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(&self.out, serde_json::to_string_pretty(&report)?)?;
        crate::outln!("\nwrote {}", self.out.display());
        Ok(code(exit::OK))
    }
}
