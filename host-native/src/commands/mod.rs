//! One module per subcommand: an `Args` struct (clap) and its `execute`.

pub mod build;
pub mod edge;
pub mod eval;
pub mod inspect;
pub mod new;
pub mod run;
pub mod serve;
pub mod test;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;
use wasmtime::Engine;

use crate::cache::ArtifactCache;
use crate::engine::{EngineOptions, new_engine};
use crate::guard::Linkers;
use crate::runner::RunnerEnv;

/// Exit codes (documented in the README).
pub mod exit {
    /// Success; for `run`, the payload was allowed (allow, warn or modify).
    pub const OK: u8 = 0;
    /// `run`: the chain denied. `test`: at least one case failed.
    pub const DENIED_OR_FAILED: u8 = 1;
    /// Bad input: usage, malformed YAML/JSON, invalid config or case.
    pub const BAD_INPUT: u8 = 2;
    /// A guard module failed to load (not a component, wrong contract, bad settings…).
    pub const LOAD_FAILED: u8 = 3;
}

/// Options every command that runs guards shares.
#[derive(Debug, Clone, Args)]
pub struct RuntimeArgs {
    /// Directory of the compiled-guard cache (default: $GUARDHOUSE_CACHE_DIR or
    /// ~/.cache/guardhouse).
    #[arg(long, global = true)]
    pub cache_dir: Option<PathBuf>,
    /// Compile guards without reading or writing the cache.
    #[arg(long, global = true)]
    pub no_cache: bool,
}

/// An engine, its linkers and the cache.
pub struct Runtime {
    pub engine: Engine,
    pub linkers: Linkers,
    pub cache: Option<ArtifactCache>,
}

impl RuntimeArgs {
    pub fn runtime(&self) -> Result<Runtime> {
        let engine = new_engine(EngineOptions::default())?;
        let linkers = Linkers::new(&engine)?;
        let dir = match self.no_cache {
            true => None,
            false => self.cache_dir.clone().or_else(ArtifactCache::default_dir),
        };
        let cache = dir.map(ArtifactCache::open).transpose()?;
        Ok(Runtime {
            engine,
            linkers,
            cache,
        })
    }
}

impl Runtime {
    pub fn env(&self) -> RunnerEnv<'_> {
        RunnerEnv {
            engine: &self.engine,
            linkers: &self.linkers,
            cache: self.cache.as_ref(),
        }
    }
}

/// Prints `value` as pretty JSON.
pub fn print_json(value: &impl serde::Serialize) -> Result<()> {
    crate::outln!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

pub fn code(c: u8) -> ExitCode {
    ExitCode::from(c)
}
