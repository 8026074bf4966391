//! Where the CLI's logs go: stderr, filtered by `RUST_LOG` (default `warn`), as text
//! lines for people or JSON lines for a log pipeline.

/// How log lines are written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// One human-readable line per event.
    #[default]
    Text,
    /// One JSON object per line (`timestamp`, `level`, `fields.message`, `target`).
    Json,
}

/// The filter when `RUST_LOG` is unset.
pub const DEFAULT_FILTER: &str = "warn";
/// The same for commands that report guests' decisions in bulk (`eval`): a guest's own
/// warnings would print once per case, so only its errors do.
pub const QUIET_GUESTS_FILTER: &str = "warn,guardhouse::wasm=error";

/// Installs the global logger with `default` as the filter unless `RUST_LOG` is set;
/// call once, before anything logs.
pub fn init(format: LogFormat, default: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}
