//! `guardhouse serve --upstream URL`: the MCP proxy. `POST`, `GET` and `DELETE` on
//! [`MCP_PATH`] go to the upstream MCP server (Streamable HTTP); `guardhouse_core::mcp`
//! decides what is screened and how, this module only moves bytes and runs the chain.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use anyhow::{Result, bail};
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;

use guardhouse_core::api::ApiError;
use guardhouse_core::mcp::{self, Pending, PostOutcome, ProxyConfig, Reply, RequestInfo, Screener};
use guardhouse_core::metrics::{self as core_metrics, ExchangeOutcome};
use guardhouse_core::telemetry::{AttrValue, ExchangeInfo, attr};
use guardhouse_core::{Evaluation, Screening};

use crate::metrics::Metrics;
use crate::runner::Runner;
use crate::server::Live;
use crate::telemetry::{self, ExchangeSpan, Telemetry};

/// Where the proxy serves MCP.
pub const MCP_PATH: &str = "/mcp";
/// How long connecting to the upstream may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// How long the upstream may take to send response headers, then between two reads.
const UPSTREAM_TIMEOUT: Duration = Duration::from_millis(guardhouse_core::api::UPSTREAM_TIMEOUT_MS);

/// The upstream MCP server and the client that reaches it.
pub struct Upstream {
    pub config: ProxyConfig,
    client: reqwest::Client,
}

impl Upstream {
    /// Checks `url` (http or https) and builds the client. Redirects are not followed:
    /// an MCP endpoint answers where it is.
    pub fn new(
        url: &str,
        server_name: Option<String>,
        forward_authorization: bool,
    ) -> Result<Self> {
        let parsed = reqwest::Url::parse(url)
            .map_err(|e| anyhow::anyhow!("--upstream {url}: not a URL: {e}"))?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
            bail!("--upstream {url}: must be an http:// or https:// URL with a host");
        }
        let client = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            // Between two reads of a body: a stalled upstream ends the exchange (fail
            // closed); a stream that keeps talking may last.
            .read_timeout(UPSTREAM_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        let mut config = ProxyConfig::new(url, server_name);
        config.forward_authorization = forward_authorization;
        Ok(Self { config, client })
    }
}

/// One client request on `/mcp` and the answer it gets, counted once when nothing
/// screens for it any more: when its handler returns, or when the answer's body (which
/// holds the screener) is done or dropped.
struct Exchange {
    metrics: Arc<Metrics>,
    http_method: Method,
    mcp_method: &'static str,
    /// Whether a guard denied anything (the request, or a message of the answer).
    denied: AtomicBool,
    /// How the exchange ended as far as the proxy goes; unset: the client went away.
    ended: OnceLock<ExchangeOutcome>,
    /// Its span, with `--otlp-endpoint`.
    span: Option<Arc<ExchangeSpan>>,
}

impl Exchange {
    /// An exchange that starts with `body` (a POST's) from a client that sent `headers`.
    fn start(proxy: &Proxy, http_method: Method, headers: &HeaderMap, body: &[u8]) -> Arc<Self> {
        let mcp_method = match http_method {
            Method::POST => core_metrics::mcp_method_label(body),
            _ => "",
        };
        let span = proxy.telemetry.as_ref().map(|t| {
            let session = request_info(headers).session_id;
            t.mcp_exchange(&ExchangeInfo::from_message(body), session.as_deref())
        });
        Arc::new(Self {
            metrics: proxy.live.metrics().clone(),
            http_method,
            mcp_method,
            denied: AtomicBool::new(false),
            ended: OnceLock::new(),
            span,
        })
    }

    fn end(&self, outcome: ExchangeOutcome) {
        let _ = self.ended.set(outcome);
    }
}

impl Drop for Exchange {
    fn drop(&mut self) {
        let ended = self.ended.get().copied();
        let outcome = ended
            .unwrap_or(ExchangeOutcome::Cancelled)
            .denied_if(*self.denied.get_mut());
        let http_method = self.http_method.as_str();
        let observation = core_metrics::exchange(http_method, self.mcp_method, outcome);
        self.metrics.record(&[observation]);
        if let Some(span) = &self.span {
            span.end(vec![(
                attr::PROXY_OUTCOME,
                AttrValue::Str(outcome.as_str().into()),
            )]);
        }
    }
}

/// Runs the chain of the runner a request started with.
struct Native {
    runner: Arc<Runner>,
    exchange: Arc<Exchange>,
}

impl Native {
    fn new(proxy: &Proxy, exchange: &Arc<Exchange>) -> Self {
        Self {
            runner: proxy.live.current(),
            exchange: exchange.clone(),
        }
    }
}

impl Screener for Native {
    fn screen(&self, screening: Screening) -> impl Future<Output = Evaluation> {
        let runner = self.runner.clone();
        let exchange = self.exchange.clone();
        // Guards run synchronously (with their own timeouts); keep the reactor free. A
        // screening that calls no guard is evaluated in place: handing the worker's core
        // to another thread would cost more than it.
        async move {
            let span = exchange.span.clone();
            let run = async {
                if runner.calls_a_guard(&screening) {
                    tokio::task::block_in_place(|| runner.evaluate(screening))
                } else {
                    runner.evaluate(screening)
                }
            };
            let evaluation = telemetry::within(span, run).await;
            if evaluation.deny.is_some() {
                exchange.denied.store(true, Ordering::Relaxed);
            }
            evaluation
        }
    }
}

#[derive(Clone)]
struct Proxy {
    live: Arc<Live>,
    upstream: Arc<Upstream>,
    telemetry: Option<Arc<Telemetry>>,
}

/// The MCP endpoint's routes, to merge into the API router; with `telemetry`, a span
/// per exchange.
pub fn routes(live: Arc<Live>, upstream: Upstream, telemetry: Option<Arc<Telemetry>>) -> Router {
    let state = Proxy {
        live,
        upstream: Arc::new(upstream),
        telemetry,
    };
    Router::new()
        .route(
            MCP_PATH,
            post(handle_post).get(handle_stream).delete(handle_stream),
        )
        .with_state(state)
}

fn request_info(headers: &HeaderMap) -> RequestInfo {
    RequestInfo {
        session_id: headers
            .get("mcp-session-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string),
    }
}

async fn handle_post(State(proxy): State<Proxy>, headers: HeaderMap, body: Bytes) -> Response {
    let exchange = Exchange::start(&proxy, Method::POST, &headers, &body);
    let screener = Native::new(&proxy, &exchange);
    let info = request_info(&headers);
    let config = &proxy.upstream.config;
    match mcp::screen_post(config, &info, &body, &screener).await {
        PostOutcome::Reply(reply) => {
            exchange.end(ExchangeOutcome::Refused);
            answer(reply)
        }
        PostOutcome::Forward { body, pending } => {
            let warnings = pending.warnings_header();
            let sent = send(&proxy.upstream, Method::POST, &headers, Some(body)).await;
            relay(sent, pending, screener, warnings).await
        }
    }
}

/// GET (the server's event stream) and DELETE (end the session): forwarded; whatever
/// comes back is screened like any answer.
async fn handle_stream(State(proxy): State<Proxy>, method: Method, headers: HeaderMap) -> Response {
    let exchange = Exchange::start(&proxy, method.clone(), &headers, b"");
    let screener = Native::new(&proxy, &exchange);
    let pending = Pending::new(&proxy.upstream.config, &request_info(&headers));
    let sent = send(&proxy.upstream, method, &headers, None).await;
    relay(sent, pending, screener, None).await
}

/// Why an exchange got no upstream response.
enum Unanswered {
    Failed(reqwest::Error),
    TimedOut,
}

async fn send(
    upstream: &Upstream,
    method: Method,
    headers: &HeaderMap,
    body: Option<Vec<u8>>,
) -> Result<reqwest::Response, Unanswered> {
    let mut request = upstream
        .client
        .request(method, upstream.config.server_url.as_str());
    for name in upstream.config.forwarded_headers() {
        for value in headers.get_all(name) {
            request = request.header(name, value);
        }
    }
    if let Some(body) = body {
        request = request.body(body);
    }
    match tokio::time::timeout(UPSTREAM_TIMEOUT, request.send()).await {
        Ok(sent) => sent.map_err(Unanswered::Failed),
        Err(_) => Err(Unanswered::TimedOut),
    }
}

async fn relay(
    sent: Result<reqwest::Response, Unanswered>,
    pending: Pending,
    screener: Native,
    warnings: Option<String>,
) -> Response {
    let exchange = &screener.exchange;
    let upstream = match sent {
        Ok(r) => {
            exchange.end(ExchangeOutcome::Forwarded);
            r
        }
        Err(Unanswered::Failed(e)) => {
            exchange.end(ExchangeOutcome::UpstreamError);
            let error = ApiError::new(format!("upstream MCP server unreachable: {e}"));
            return (StatusCode::BAD_GATEWAY, axum::Json(error)).into_response();
        }
        Err(Unanswered::TimedOut) => {
            exchange.end(ExchangeOutcome::UpstreamTimeout);
            let error = ApiError::new(format!(
                "upstream MCP server did not answer within {} ms",
                UPSTREAM_TIMEOUT.as_millis()
            ));
            return (StatusCode::GATEWAY_TIMEOUT, axum::Json(error)).into_response();
        }
    };
    let mut builder = Response::builder().status(upstream.status().as_u16());
    for name in mcp::FORWARD_RESPONSE_HEADERS {
        for value in upstream.headers().get_all(*name) {
            builder = builder.header(*name, value);
        }
    }
    if let Some(value) = warnings.and_then(|w| HeaderValue::from_str(&w).ok()) {
        builder = builder.header(HeaderName::from_static(mcp::WARNINGS_HEADER), value);
    }
    let content_type = upstream
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let screened = pending
        .screen_answer(screener, content_type.as_deref(), upstream.bytes_stream())
        .await;
    if let Some(label) = screened.content_type {
        builder = builder.header(header::CONTENT_TYPE, label);
    }
    builder
        .body(Body::from_stream(screened.body))
        .unwrap_or_else(|e| (StatusCode::BAD_GATEWAY, e.to_string()).into_response())
}

fn answer(reply: Reply) -> Response {
    let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::OK);
    (
        status,
        [(header::CONTENT_TYPE, reply.content_type)],
        reply.body,
    )
        .into_response()
}
