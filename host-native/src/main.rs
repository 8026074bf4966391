//! The `guardhouse` CLI.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use guardhouse::commands::{self, exit};
use guardhouse::error::{LoadError, LocatedLoadError};
use guardhouse::logging::{self, LogFormat};

// A request's JSON is many small allocations and frees; see Cargo.toml.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Run MCP security guards (WebAssembly components) natively on wasmtime.
#[derive(Debug, Parser)]
#[command(name = "guardhouse", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    Run(commands::run::RunArgs),
    Test(commands::test::TestArgs),
    Eval(commands::eval::EvalArgs),
    Inspect(commands::inspect::InspectArgs),
    Serve(commands::serve::ServeArgs),
    New(commands::new::NewArgs),
    Build(commands::build::BuildArgs),
    Edge(commands::edge::EdgeArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let log_format = match &cli.command {
        Command::Serve(a) => a.log_format,
        _ => LogFormat::Text,
    };
    let filter = match &cli.command {
        Command::Eval(_) => logging::QUIET_GUESTS_FILTER,
        _ => logging::DEFAULT_FILTER,
    };
    logging::init(log_format, filter);
    let result = match cli.command {
        Command::Run(a) => a.execute(),
        Command::Test(a) => a.execute(),
        Command::Eval(a) => a.execute(),
        Command::Inspect(a) => a.execute(),
        Command::Serve(a) => a.execute(),
        Command::New(a) => a.execute(),
        Command::Build(a) => a.execute(),
        Command::Edge(a) => a.execute(),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            match log_format {
                LogFormat::Text => eprintln!("error: {e:#}"),
                LogFormat::Json => tracing::error!("{e:#}"),
            }
            let load_failed = e
                .chain()
                .any(|c| c.is::<LoadError>() || c.is::<LocatedLoadError>());
            ExitCode::from(if load_failed {
                exit::LOAD_FAILED
            } else {
                exit::BAD_INPUT
            })
        }
    }
}
