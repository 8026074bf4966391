//! `guardhouse serve`'s HTTP API on axum, with config reload that never fails in-flight
//! requests: each request holds the runner it started with.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};

use anyhow::Result;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};

use guardhouse_core::access::AccessPolicy;
use guardhouse_core::api::{self, ApiError, GuardSummary, Health};
use guardhouse_core::case::CaseResult;
use guardhouse_core::metrics::{self as core_metrics, Source};
use guardhouse_core::{host, openapi};

use crate::metrics::{self, Metrics};
use crate::runner::{Observer, Runner, RunnerEnv};

/// How often the config and module files are checked for changes.
pub const RELOAD_POLL: Duration = Duration::from_millis(250);

/// The live runners and where they came from. The MCP proxy's traffic runs on
/// `runner`; `/v1/evaluate` on `api`, the same gateway with instances of its own, so a
/// caller of the API can neither read nor reset (by forcing a failure) the persistent
/// state that screens live traffic; every `/v1/test` request gets fresh instances.
/// Every evaluation, reload and generation is counted in its metrics.
pub struct Live {
    runners: RwLock<Runners>,
    generation: AtomicU64,
    metrics: Arc<Metrics>,
}

#[derive(Clone)]
struct Runners {
    runner: Arc<Runner>,
    api: Arc<Runner>,
}

impl Runners {
    fn new(runner: Runner, metrics: &Arc<Metrics>) -> Self {
        let observer = |source| Observer {
            metrics: metrics.clone(),
            source,
        };
        Self {
            api: Arc::new(runner.isolated().observed(observer(Source::Api))),
            runner: Arc::new(runner.observed(observer(Source::Proxy))),
        }
    }
}

impl Live {
    pub fn new(runner: Runner) -> Arc<Self> {
        let metrics = Arc::new(Metrics::new());
        metrics.record(&core_metrics::startup(1));
        Arc::new(Self {
            runners: RwLock::new(Runners::new(runner, &metrics)),
            generation: AtomicU64::new(1),
            metrics,
        })
    }

    /// The server's metrics.
    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.metrics
    }

    fn runners(&self) -> Runners {
        self.runners
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// The runner live (proxy) traffic uses now.
    pub fn current(&self) -> Arc<Runner> {
        self.runners().runner
    }

    /// The runner `/v1/evaluate` uses now: the live gateway, its own instances.
    fn api(&self) -> Arc<Runner> {
        self.runners().api
    }

    fn swap(&self, runner: Runner) {
        let runners = Runners::new(runner, &self.metrics);
        *self.runners.write().unwrap_or_else(|p| p.into_inner()) = runners;
        let generation = self.generation.fetch_add(1, Ordering::SeqCst) + 1;
        self.metrics.record(&core_metrics::reload(Some(generation)));
    }

    fn reload_failed(&self) {
        self.metrics.record(&core_metrics::reload(None));
    }
}

/// The API routes.
pub fn router(live: Arc<Live>) -> Router {
    Router::new()
        .route("/health", get(health))
        .route("/v1/guards", get(guards))
        .route("/v1/evaluate", post(evaluate))
        .route("/v1/test", post(test))
        .route("/v1/eval", post(eval))
        .route(openapi::PATH, get(openapi_document))
        .route(core_metrics::PATH, get(metrics_text))
        .method_not_allowed_fallback(method_not_allowed)
        .fallback(not_found)
        .with_state(live)
}

async fn openapi_document() -> Json<serde_json::Value> {
    Json(openapi::document())
}

async fn metrics_text(State(live): State<Arc<Live>>) -> Response {
    let text = live.metrics.encode();
    ([(header::CONTENT_TYPE, metrics::CONTENT_TYPE)], text).into_response()
}

fn error(status: StatusCode, e: ApiError) -> Response {
    (status, Json(e)).into_response()
}

async fn not_found(method: Method, uri: Uri) -> Response {
    error(
        StatusCode::NOT_FOUND,
        ApiError::not_found(method.as_str(), uri.path()),
    )
}

async fn method_not_allowed(uri: Uri) -> Response {
    let allowed = api::route_method(uri.path()).unwrap_or("GET, POST, DELETE");
    let mut response = error(
        StatusCode::METHOD_NOT_ALLOWED,
        ApiError::method_not_allowed(uri.path(), allowed),
    );
    response
        .headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static(allowed));
    response
}

/// A request's body, refused (413) above the API's limit.
async fn read_body(body: Body) -> Result<Bytes, Response> {
    axum::body::to_bytes(body, api::MAX_BODY_BYTES)
        .await
        .map_err(|_| error(StatusCode::PAYLOAD_TOO_LARGE, ApiError::body_too_large()))
}

async fn health(State(live): State<Arc<Live>>) -> Json<Health> {
    Json(Health {
        status: "ok".into(),
        host: "native".into(),
        guards: live.current().guards.len(),
        config_generation: live.generation.load(Ordering::SeqCst),
    })
}

async fn guards(State(live): State<Arc<Live>>) -> Json<Vec<GuardSummary>> {
    Json(host::guard_summaries(&*live.current()))
}

fn bad_request(e: ApiError) -> Response {
    error(StatusCode::BAD_REQUEST, e)
}

async fn evaluate(State(live): State<Arc<Live>>, body: Body) -> Response {
    let body = match read_body(body).await {
        Ok(body) => body,
        Err(refused) => return refused,
    };
    let runner = live.api();
    // Guards run synchronously (with their own timeouts); keep the reactor free.
    match tokio::task::block_in_place(|| host::evaluate_request(&*runner, &body)) {
        Ok(r) => Json::<CaseResult>(r).into_response(),
        Err(e) => bad_request(e),
    }
}

async fn test(State(live): State<Arc<Live>>, body: Body) -> Response {
    let body = match read_body(body).await {
        Ok(body) => body,
        Err(refused) => return refused,
    };
    // A suite starts from fresh state, like `guardhouse test`, and leaves none behind.
    let observer = Observer {
        metrics: live.metrics.clone(),
        source: Source::Test,
    };
    let runner = live.current().isolated().observed(observer);
    match tokio::task::block_in_place(|| host::test_request(&runner, &body)) {
        Ok(report) => Json(report).into_response(),
        Err(e) => bad_request(e),
    }
}

async fn eval(State(live): State<Arc<Live>>, uri: Uri, body: Body) -> Response {
    let guards = match api::eval_guards(uri.query()) {
        Ok(guards) => guards,
        Err(e) => return bad_request(e),
    };
    let body = match read_body(body).await {
        Ok(body) => body,
        Err(refused) => return refused,
    };
    // Each guard is scored on fresh instances (core's eval), never the live ones.
    let runner = live.current();
    match tokio::task::block_in_place(|| host::eval_request(&*runner, &body, &guards)) {
        Ok(summary) => Json(summary).into_response(),
        Err(refused) => error(
            StatusCode::from_u16(refused.status).unwrap_or(StatusCode::BAD_REQUEST),
            refused.error,
        ),
    }
}

/// The files whose change triggers a reload: the config and every module.
fn watched(runner: &Runner) -> Vec<PathBuf> {
    runner
        .source
        .iter()
        .cloned()
        .chain(runner.guards.iter().map(|g| g.module_path.clone()))
        .collect()
}

fn stamp(paths: &[PathBuf]) -> Vec<Option<SystemTime>> {
    paths
        .iter()
        .map(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok())
        .collect()
}

/// Polls the config and module files and swaps in a new runner when they change. A
/// config that fails to load is reported and the old runner stays.
pub fn watch(live: Arc<Live>, config: PathBuf, rt: Arc<crate::commands::Runtime>) {
    // Stamped before the thread starts: a change made while it sets up is still seen.
    let mut paths = watched(&live.current());
    let mut seen = stamp(&paths);
    std::thread::Builder::new()
        .name("guardhouse-reload".into())
        .spawn(move || {
            loop {
                std::thread::sleep(RELOAD_POLL);
                let now = stamp(&paths);
                if now == seen {
                    continue;
                }
                seen = now;
                match reload(&rt.env(), &config) {
                    Ok(runner) => {
                        paths = watched(&runner);
                        seen = stamp(&paths);
                        live.swap(runner);
                        tracing::info!("reloaded {}", config.display());
                    }
                    Err(e) => {
                        live.reload_failed();
                        tracing::error!(
                            "reload of {} failed, keeping the running config: {e:#}",
                            config.display()
                        );
                        // Watch what the new config names too: a module it is missing
                        // (not built yet) triggers the next reload when it appears.
                        for module in configured_modules(&config) {
                            if !paths.contains(&module) {
                                seen.push(stamp(std::slice::from_ref(&module))[0]);
                                paths.push(module);
                            }
                        }
                    }
                }
            }
        })
        .expect("spawning the reload thread");
}

/// The module files a config file names (resolved like [`Runner::from_file`] does), as
/// far as it parses; empty when it does not.
pub fn configured_modules(config: &Path) -> Vec<PathBuf> {
    let base = config.parent().unwrap_or(Path::new("."));
    std::fs::read_to_string(config)
        .ok()
        .and_then(|text| guardhouse_core::Document::parse("", &text).ok())
        .and_then(|doc| guardhouse_core::GatewayConfig::from_document(&doc, "").ok())
        .map(|cfg| {
            cfg.security_guards
                .iter()
                .map(|g| base.join(&g.module_path))
                .collect()
        })
        .unwrap_or_default()
}

fn reload(env: &RunnerEnv, config: &Path) -> Result<Runner> {
    Runner::from_file(env, config)
}

/// `app` behind the access checks of `policy` (Host, cross-site requests, token): a
/// refused request gets the status and a JSON error naming the reason.
pub fn guarded(app: Router, policy: AccessPolicy) -> Router {
    let policy = Arc::new(policy);
    app.layer(axum::middleware::from_fn(
        move |request: axum::extract::Request, next: axum::middleware::Next| {
            let policy = policy.clone();
            async move {
                let headers = request.headers();
                let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
                match policy.check(request.uri().path(), header) {
                    Ok(()) => next.run(request).await,
                    Err(refusal) => {
                        let status =
                            StatusCode::from_u16(refusal.status).unwrap_or(StatusCode::FORBIDDEN);
                        let challenge = refusal.challenge();
                        let mut response =
                            (status, Json(ApiError::new(refusal.message))).into_response();
                        if let Some(challenge) = challenge {
                            response.headers_mut().insert(
                                axum::http::header::WWW_AUTHENTICATE,
                                axum::http::HeaderValue::from_static(challenge),
                            );
                        }
                        response
                    }
                }
            }
        },
    ))
}

/// How `serve` bounds its connections (defaults: core's limits).
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    /// Connections held open at once; one more is answered 503 and closed.
    pub max_connections: usize,
    /// Time to send a request's headers, and idle time between kept-alive requests.
    pub header_timeout: Duration,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        Self {
            max_connections: guardhouse_core::api::MAX_CONNECTIONS,
            header_timeout: Duration::from_millis(guardhouse_core::api::HEADER_TIMEOUT_MS),
        }
    }
}

/// Serves `app` (the API routes plus, e.g., static files) until the process is stopped:
/// HTTP/1.1 on every connection, at most `limits.max_connections` at once, each closed
/// when its client takes longer than `limits.header_timeout` to send headers or sits
/// idle that long between requests.
pub async fn serve_app(app: Router, addr: SocketAddr, limits: ConnectionLimits) -> Result<()> {
    use hyper_util::rt::{TokioIo, TokioTimer};
    use hyper_util::service::TowerToHyperService;

    let listener = tokio::net::TcpListener::bind(addr).await?;
    tracing::info!("listening on http://{}", listener.local_addr()?);
    crate::outln!("guardhouse serving on http://{}", listener.local_addr()?);
    let slots = Arc::new(tokio::sync::Semaphore::new(limits.max_connections));
    loop {
        let tcp = match listener.accept().await {
            Ok((tcp, _)) => tcp,
            // Out of file descriptors and the like: wait instead of spinning.
            Err(e) => {
                tracing::warn!("accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let Ok(permit) = slots.clone().try_acquire_owned() else {
            tokio::spawn(refuse_connection(tcp, limits.max_connections));
            continue;
        };
        // Streamed bodies (MCP event streams) go out in small writes; without
        // TCP_NODELAY, Nagle holds each one until the client's delayed ACK.
        let _ = tcp.set_nodelay(true);
        let service = TowerToHyperService::new(app.clone());
        tokio::spawn(async move {
            let connection = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header_timeout)
                .serve_connection(TokioIo::new(tcp), service)
                .with_upgrades();
            if let Err(e) = connection.await {
                tracing::debug!("connection ended: {e}");
            }
            drop(permit);
        });
    }
}

/// Answers a connection past the cap with a 503 and closes it (bounded in time).
async fn refuse_connection(mut tcp: tokio::net::TcpStream, max: usize) {
    use tokio::io::AsyncWriteExt;
    let body = serde_json::to_string(&ApiError::new(format!(
        "too many connections: this server holds at most {max} at once; retry shortly"
    )))
    .unwrap_or_default();
    let response = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\nretry-after: 1\r\nconnection: close\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    );
    let write = async {
        tcp.write_all(response.as_bytes()).await?;
        tcp.shutdown().await
    };
    let _ = tokio::time::timeout(Duration::from_secs(1), write).await;
}
