//! `guardhouse serve`: the HTTP API on loopback.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Result, bail};
use clap::Args;

use super::{RuntimeArgs, code, exit};
use crate::runner::Runner;
use crate::server::{Live, router, serve_app, watch};

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
    /// Also serve the files of this directory at `/` (e.g. the web page, web-ui/dist).
    #[arg(long = "static", value_name = "DIR")]
    pub static_dir: Option<PathBuf>,
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
        let app = match &self.static_dir {
            Some(dir) if !dir.join("index.html").is_file() => bail!(
                "--static {}: no index.html there (hint: build the page with scripts/build-web.sh)",
                dir.display()
            ),
            Some(dir) => crate::static_site::with_static(router(live), dir.clone()),
            None => router(live),
        };
        tokio.block_on(serve_app(app, self.listen))?;
        Ok(code(exit::OK))
    }
}
