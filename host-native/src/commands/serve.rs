//! `guardhouse serve`: the HTTP API on loopback.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Result, bail};
use clap::Args;

use super::{RuntimeArgs, code, exit};
use crate::runner::Runner;
use crate::server::{Live, serve, watch};

/// Serve POST /v1/evaluate, POST /v1/test, GET /v1/guards and GET /health; reload the
/// config when it or a module changes.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Gateway config.
    #[arg(long, short)]
    pub config: PathBuf,
    /// Address to listen on (loopback only unless --allow-remote).
    #[arg(long, default_value = "127.0.0.1:8787")]
    pub listen: SocketAddr,
    /// Allow a non-loopback listen address.
    #[arg(long)]
    pub allow_remote: bool,
    /// Do not watch the config for changes.
    #[arg(long)]
    pub no_reload: bool,
    #[command(flatten)]
    pub runtime: RuntimeArgs,
}

impl ServeArgs {
    pub fn execute(self) -> Result<ExitCode> {
        if !self.listen.ip().is_loopback() && !self.allow_remote {
            bail!(
                "refusing to listen on {} (hint: use 127.0.0.1, or pass --allow-remote)",
                self.listen
            );
        }
        let rt = self.runtime.runtime()?;
        // Validate early: config errors appear before the server listens.
        let runner = Runner::from_file(&rt.env(), &self.config)?;
        let live = Live::new(runner);
        if !self.no_reload {
            let runtime = self.runtime.clone();
            watch(live.clone(), self.config.clone(), move || runtime.runtime());
        }
        let tokio = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()?;
        tokio.block_on(serve(live, self.listen))?;
        Ok(code(exit::OK))
    }
}
