//! `guardhouse serve`: the HTTP API on loopback.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::Args;
use guardhouse_core::access::{self, AccessPolicy};

use super::{RuntimeArgs, code, exit};
use crate::logging::LogFormat;
use crate::runner::Runner;
use crate::server::{ConnectionLimits, Live, router, serve_app, watch};
use crate::telemetry::Telemetry;

/// Serve POST /v1/evaluate, POST /v1/test, GET /v1/guards, GET /health and GET /metrics;
/// reload the config when it or a module changes.
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
    /// Proxy MCP (Streamable HTTP) at /mcp to this upstream server's endpoint, screening
    /// initialize, tools/list, tools/call and their results with the chain.
    #[arg(long, value_name = "URL")]
    pub upstream: Option<String>,
    /// The upstream's name as guards see it (guard-context.server-name); default: the
    /// URL's host.
    #[arg(long, value_name = "NAME", requires = "upstream")]
    pub server_name: Option<String>,
    /// Send the MCP client's `Authorization` header on to the upstream (off: it never
    /// leaves guardhouse; clients then give guardhouse's token in x-guardhouse-token).
    #[arg(long, requires = "upstream")]
    pub forward_authorization: bool,
    /// A file holding the bearer token every /v1/… and /mcp request must carry (else
    /// the GUARDHOUSE_TOKEN environment variable; required beyond loopback).
    #[arg(long, value_name = "FILE")]
    pub token_file: Option<PathBuf>,
    /// Connections held open at once; one more gets a 503 (default: core's limit).
    #[arg(long, value_name = "N", default_value_t = guardhouse_core::api::MAX_CONNECTIONS)]
    pub max_connections: usize,
    /// Milliseconds a client may take to send a request's headers, and may sit idle
    /// between requests on a kept-alive connection.
    #[arg(long, value_name = "MS", default_value_t = guardhouse_core::api::HEADER_TIMEOUT_MS)]
    pub header_timeout_ms: u64,
    /// How log lines on stderr are written (the level comes from RUST_LOG, default warn).
    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    /// Export OpenTelemetry traces over OTLP/HTTP (protobuf) to this collector (base URL,
    /// e.g. http://127.0.0.1:4318; /v1/traces is added): a span per API request and MCP
    /// exchange, one per guard call. Default: OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT, if set.
    #[arg(long, value_name = "URL")]
    pub otlp_endpoint: Option<String>,
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
        let token = self.token()?;
        if token.is_none() && access::needs_token(self.listen.ip()) {
            bail!(
                "listening on {} needs a token (hint: --token-file FILE or GUARDHOUSE_TOKEN)",
                self.listen
            );
        }
        let policy = AccessPolicy {
            hosts: Some(vec![self.listen.to_string()]),
            token,
        };
        // One engine (pooling allocator, epoch thread), linkers and cache for the server's
        // whole life: reloads load into it too.
        let rt = std::sync::Arc::new(self.runtime.runtime()?);
        // Validate early: config errors appear before the server listens.
        let runner = Runner::from_file(&rt.env(), &self.config)?;
        let live = Live::new(runner);
        let metrics = live.metrics().clone();
        let upstream = match &self.upstream {
            Some(url) => Some(crate::proxy::Upstream::new(
                url,
                self.server_name.clone(),
                self.forward_authorization,
            )?),
            None => None,
        };
        // Before the async runtime: the exporter builds a blocking HTTP client.
        let telemetry = Telemetry::new(self.otlp_endpoint.as_deref())?;
        if !self.no_reload {
            watch(live.clone(), self.config.clone(), rt);
        }
        let tokio = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()?;
        let api = match &telemetry {
            Some(t) => crate::telemetry::traced(router(live.clone()), t.clone()),
            None => router(live.clone()),
        };
        let api = match upstream {
            Some(upstream) => api.merge(crate::proxy::routes(live, upstream, telemetry.clone())),
            None => api,
        };
        let app = match &self.static_dir {
            Some(dir) if !dir.join("index.html").is_file() => bail!(
                "--static {}: no index.html there (hint: build the page with scripts/build-web.sh)",
                dir.display()
            ),
            Some(dir) => crate::static_site::with_static(api, dir.clone()),
            None => api,
        };
        let app = crate::server::guarded(app, policy);
        let app = crate::metrics::measured(app, metrics);
        let limits = ConnectionLimits {
            max_connections: self.max_connections.max(1),
            header_timeout: std::time::Duration::from_millis(self.header_timeout_ms.max(1)),
        };
        let Some(telemetry) = telemetry else {
            tokio.block_on(serve_app(app, self.listen, limits))?;
            return Ok(code(exit::OK));
        };
        // With traces, SIGINT or SIGTERM ends the server cleanly so the last batch is sent.
        let served = tokio.block_on(async {
            tokio::select! {
                served = serve_app(app, self.listen, limits) => served,
                () = stopped() => Ok(()),
            }
        });
        telemetry.shutdown();
        served?;
        Ok(code(exit::OK))
    }

    /// The token from --token-file, else GUARDHOUSE_TOKEN.
    fn token(&self) -> Result<Option<String>> {
        let text = match &self.token_file {
            Some(path) => std::fs::read_to_string(path)
                .with_context(|| format!("--token-file {}", path.display()))?,
            None => match std::env::var("GUARDHOUSE_TOKEN") {
                Ok(text) => text,
                Err(_) => return Ok(None),
            },
        };
        access::parse_token(&text)
            .map(Some)
            .map_err(|e| anyhow::anyhow!("guardhouse's token: {e}"))
    }
}

/// Resolves when the process is asked to stop (SIGINT, or SIGTERM on unix).
async fn stopped() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let Ok(mut term) = signal(SignalKind::terminate()) else {
            let _ = tokio::signal::ctrl_c().await;
            return;
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
}
