//! `guardhouse build`: cargo build for wasm32 and component encoding in one step.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;

use super::{code, exit, print_json};
use crate::build::{BuildOptions, build_guard};

/// Build a guard crate into a component and report its size and sha256.
#[derive(Debug, Args)]
pub struct BuildArgs {
    /// The guard crate's directory.
    #[arg(default_value = ".")]
    pub crate_dir: PathBuf,
    /// Output component path (default: <crate dir>/<package>.wasm).
    #[arg(long, short)]
    pub out: Option<PathBuf>,
    /// Cargo profile.
    #[arg(long, default_value = "release")]
    pub profile: String,
    /// Compilation target: wasm32-unknown-unknown (no WASI), wasm32-wasip1 (componentized
    /// with the WASI preview1 reactor adapter) or wasm32-wasip2.
    #[arg(long, default_value = "wasm32-unknown-unknown")]
    pub target: String,
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
            crate::outln!("built {} → {}", report.package, report.component.display());
            if let Some(core) = report.core_size {
                crate::outln!("  core module: {core} bytes");
            }
            crate::outln!("  component:   {} bytes", report.size);
            crate::outln!("  sha256:      {}", report.sha256);
        }
        Ok(code(exit::OK))
    }
}
