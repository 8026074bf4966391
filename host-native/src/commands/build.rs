//! `guardhouse build`: a guard's source into a component in one step, whatever its
//! language (cargo + component encoding for Rust, componentize-py, componentize-js).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;

use super::{code, exit, print_json};
use crate::build::{BuildOptions, build_guard};

/// Build a guard (Rust crate, Python `app.py` or JavaScript `guard.js`) into a component
/// and report its size and sha256.
#[derive(Debug, Args)]
pub struct BuildArgs {
    /// The guard's directory: Rust if it has a Cargo.toml, else Python if it has app.py,
    /// else JavaScript if it has guard.js.
    #[arg(default_value = ".", value_name = "DIR")]
    pub crate_dir: PathBuf,
    /// Output component path (default: <dir>/<package or directory name>.wasm).
    #[arg(long, short)]
    pub out: Option<PathBuf>,
    /// Rust: cargo profile [default: release].
    #[arg(long)]
    pub profile: Option<String>,
    /// Rust: compilation target, wasm32-unknown-unknown (no WASI; the default),
    /// wasm32-wasip1 (componentized with the WASI preview1 reactor adapter) or
    /// wasm32-wasip2.
    #[arg(long)]
    pub target: Option<String>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

impl BuildArgs {
    pub fn execute(self) -> Result<ExitCode> {
        let report = build_guard(&BuildOptions {
            crate_dir: self.crate_dir,
            profile: self.profile,
            target: self.target,
            out: self.out,
        })?;
        if self.json {
            print_json(&report)?;
        } else {
            crate::outln!(
                "built {} ({}) → {}",
                report.package,
                report.language.name(),
                report.component.display()
            );
            if let Some(core) = report.core_size {
                crate::outln!("  core module: {core} bytes");
            }
            crate::outln!("  component:   {} bytes", report.size);
            crate::outln!("  sha256:      {}", report.sha256);
        }
        Ok(code(exit::OK))
    }
}
