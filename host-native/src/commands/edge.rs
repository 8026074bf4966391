//! `guardhouse edge build`: a Cloudflare Worker folder for a gateway, ready for
//! `npx wrangler dev` and `npx wrangler deploy`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Result;
use clap::{Args, Subcommand};

use super::{RuntimeArgs, code, exit};
use crate::edge::{self, EdgeBuild, WorkerTree};
use crate::runner::Runner;

/// Deploy a gateway to Cloudflare Workers.
#[derive(Debug, Args)]
pub struct EdgeArgs {
    #[command(subcommand)]
    pub command: EdgeCommand,
}

#[derive(Debug, Subcommand)]
pub enum EdgeCommand {
    Build(EdgeBuildArgs),
}

/// Write a Worker folder serving a gateway: its guards transpiled and metered, the
/// prebuilt Worker, and a wrangler.toml; then run `npx wrangler dev` or
/// `npx wrangler deploy` there.
#[derive(Debug, Args)]
pub struct EdgeBuildArgs {
    /// Gateway config; module paths are relative to it, as for `serve`.
    #[arg(long, short)]
    pub config: PathBuf,
    /// The folder to write (created; a folder an earlier build wrote is rewritten).
    #[arg(long, value_name = "DIR", default_value = "dist/edge")]
    pub out: PathBuf,
    /// The Worker's name in wrangler.toml (default: the gateway config's folder name).
    #[arg(long)]
    pub name: Option<String>,
    /// The prebuilt Worker: a guardhouse checkout after `scripts/build-edge.sh
    /// --worker-only` (or its host-edge/build), or a folder `edge build` wrote. Default:
    /// $GUARDHOUSE_EDGE_WORKER, else the checkout this guardhouse runs from.
    #[arg(long, value_name = "DIR")]
    pub worker: Option<PathBuf>,
    #[command(flatten)]
    pub runtime: RuntimeArgs,
}

impl EdgeArgs {
    pub fn execute(self) -> Result<ExitCode> {
        match self.command {
            EdgeCommand::Build(a) => a.execute(),
        }
    }
}

impl EdgeBuildArgs {
    pub fn execute(self) -> Result<ExitCode> {
        if let Some(name) = &self.name {
            edge::check_name(name)?;
        }
        edge::check_out(&self.out)?;
        // Validate early, as `serve` does: the native loader's errors, before any file
        // is written (the Worker repeats these checks when it loads the gateway).
        let rt = self.runtime.runtime()?;
        let runner = Runner::from_file(&rt.env(), &self.config)?;
        let worker = WorkerTree::find(self.worker.as_deref())?;
        let name = match &self.name {
            Some(name) => name.clone(),
            None => edge::name_from_folder(&config_folder(&self.config)),
        };
        let built = edge::build(&EdgeBuild {
            config_path: &self.config,
            config: &runner.config,
            out: &self.out,
            name: &name,
            worker: &worker,
        })?;
        for t in &built.registry.transpiled {
            crate::outln!(
                "  {} ({} bytes): transpiled and metered in {:.1} ms",
                t.guard,
                t.bytes,
                t.elapsed.as_secs_f64() * 1000.0
            );
        }
        crate::outln!(
            "wrote {}: Worker `{name}`, {} guard(s), {} module(s){}, from the Worker in {}",
            self.out.display(),
            runner.config.security_guards.len(),
            built.registry.manifest.modules.len(),
            match built.durable_objects {
                true => ", Durable Object GuardState",
                false => "",
            },
            worker.root.display()
        );
        crate::outln!(
            "next: cd {} && npx wrangler dev (or npx wrangler deploy)",
            self.out.display()
        );
        Ok(code(exit::OK))
    }
}

/// The folder holding the config, by its real name (`-c gateway.yaml` names the cwd).
fn config_folder(config: &Path) -> PathBuf {
    let dir = config.parent().unwrap_or(Path::new("."));
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf())
}
