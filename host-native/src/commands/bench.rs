//! `guardhouse bench`: see `crate::bench`.

use std::process::ExitCode;

use anyhow::Result;
use clap::Args;

use super::{code, exit};

/// Measure per-call latency (fresh, persistent, upstream-style baseline, native),
/// cached load and serve throughput.
#[derive(Debug, Args)]
pub struct BenchArgs {}

impl BenchArgs {
    pub fn execute(self) -> Result<ExitCode> {
        Ok(code(exit::OK))
    }
}
