//! `guardhouse serve --otlp-endpoint URL`: OpenTelemetry traces over OTLP/HTTP
//! (protobuf), batched on the SDK's own thread and flushed on shutdown. A span per
//! exchange (an API request, an MCP message through the proxy) and a child span per
//! guard call; their names and attributes come from `guardhouse_core::telemetry`, this
//! module only hands them to the SDK. Without the flag nothing here is built, and an
//! evaluation pays one task-local read ([`current`]).

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use anyhow::{Context as _, Result};
use axum::Router;
use opentelemetry::propagation::TextMapPropagator;
use opentelemetry::trace::{
    Span as _, SpanKind, Status, TraceContextExt, Tracer as _, TracerProvider as _,
};
use opentelemetry::{Context, KeyValue, Value};
use opentelemetry_otlp::{Protocol, WithExportConfig};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::{SdkTracer, SdkTracerProvider};

use guardhouse_core::Evaluation;
use guardhouse_core::metrics::route_label;
use guardhouse_core::telemetry::{
    self as core, AttrValue, Attribute, ExchangeInfo, ExchangeVerdict, attr,
};

/// The OTLP/HTTP path of traces under a collector's base URL.
pub const TRACES_PATH: &str = "/v1/traces";
/// The environment variables the exporter reads when `--otlp-endpoint` is absent.
pub const ENDPOINT_VARS: [&str; 2] = [
    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    "OTEL_EXPORTER_OTLP_ENDPOINT",
];
/// How long shutdown waits for the last batch to be sent.
const SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(5);

/// The tracer and its batch exporter, for the whole server.
pub struct Telemetry {
    provider: SdkTracerProvider,
    tracer: SdkTracer,
}

impl Telemetry {
    /// Traces to `endpoint` (a collector's base URL, like OTEL_EXPORTER_OTLP_ENDPOINT;
    /// `/v1/traces` is added unless it ends so), else to where the standard
    /// environment variables say; `None` when neither is set. Call outside an async
    /// runtime: the exporter builds a blocking HTTP client.
    pub fn new(endpoint: Option<&str>) -> Result<Option<Arc<Self>>> {
        let set = |var| std::env::var(var).is_ok_and(|v| !v.is_empty());
        if endpoint.is_none() && !ENDPOINT_VARS.into_iter().any(set) {
            return Ok(None);
        }
        let mut builder = opentelemetry_otlp::SpanExporter::builder()
            .with_http()
            .with_protocol(Protocol::HttpBinary);
        if let Some(url) = endpoint {
            builder = builder.with_endpoint(traces_url(url));
        }
        let exporter = builder
            .build()
            .with_context(|| format!("--otlp-endpoint {}", endpoint.unwrap_or("(from env)")))?;
        let resource = Resource::builder().with_service_name("guardhouse").build();
        let provider = SdkTracerProvider::builder()
            .with_batch_exporter(exporter)
            .with_resource(resource)
            .build();
        let tracer = provider.tracer("guardhouse");
        Ok(Some(Arc::new(Self { provider, tracer })))
    }

    /// Sends what is still batched and stops the exporter.
    pub fn shutdown(&self) {
        if let Err(e) = self.provider.shutdown_with_timeout(SHUTDOWN_TIMEOUT) {
            tracing::warn!("OTLP export at shutdown: {e}");
        }
    }

    /// The span of one MCP message through the proxy, in the caller's trace when its
    /// `params._meta.traceparent` names one.
    pub fn mcp_exchange(&self, info: &ExchangeInfo, session: Option<&str>) -> Arc<ExchangeSpan> {
        let parent = remote_parent(info.traceparent.as_deref(), info.tracestate.as_deref());
        let attributes = info.attributes(session);
        self.exchange(info.span_name(), SpanKind::Server, attributes, &parent)
    }

    /// The span of one API request (`{method} {route}`), in the caller's trace when its
    /// `traceparent` header names one.
    pub fn http_request(&self, request: &axum::extract::Request) -> Arc<ExchangeSpan> {
        let header = |name| request.headers().get(name).and_then(|v| v.to_str().ok());
        let parent = remote_parent(header("traceparent"), header("tracestate"));
        let (method, route) = (request.method().as_str(), route_label(request.uri().path()));
        let attributes = vec![
            (attr::HTTP_METHOD, AttrValue::Str(method.to_string())),
            (attr::HTTP_ROUTE, AttrValue::Str(route.to_string())),
        ];
        self.exchange(
            format!("{method} {route}"),
            SpanKind::Server,
            attributes,
            &parent,
        )
    }

    fn exchange(
        &self,
        name: String,
        kind: SpanKind,
        attributes: Vec<Attribute>,
        parent: &Context,
    ) -> Arc<ExchangeSpan> {
        let span = self
            .tracer
            .span_builder(name)
            .with_kind(kind)
            .with_attributes(key_values(attributes))
            .start_with_context(&self.tracer, parent);
        Arc::new(ExchangeSpan {
            tracer: self.tracer.clone(),
            cx: parent.with_span(span),
            verdict: Mutex::new(ExchangeVerdict::default()),
        })
    }
}

/// `url` with the OTLP traces path.
fn traces_url(url: &str) -> String {
    if url.ends_with(TRACES_PATH) {
        url.to_string()
    } else {
        format!("{}{TRACES_PATH}", url.trim_end_matches('/'))
    }
}

/// The W3C trace context a caller sent, or the empty context (a new trace).
fn remote_parent(traceparent: Option<&str>, tracestate: Option<&str>) -> Context {
    let Some(traceparent) = traceparent else {
        return Context::new();
    };
    let mut carrier = HashMap::from([("traceparent".to_string(), traceparent.to_string())]);
    if let Some(state) = tracestate {
        carrier.insert("tracestate".into(), state.to_string());
    }
    TraceContextPropagator::new().extract(&carrier)
}

fn key_values(attributes: Vec<Attribute>) -> Vec<KeyValue> {
    attributes
        .into_iter()
        .map(|(key, value)| {
            let value = match value {
                AttrValue::Str(s) => Value::from(s),
                AttrValue::Int(i) => Value::from(i),
                AttrValue::Bool(b) => Value::from(b),
            };
            KeyValue::new(key, value)
        })
        .collect()
}

/// One exchange's span, open until [`ExchangeSpan::end`]; every evaluation run for the
/// exchange adds its guard calls under it.
pub struct ExchangeSpan {
    tracer: SdkTracer,
    cx: Context,
    verdict: Mutex<ExchangeVerdict>,
}

impl ExchangeSpan {
    /// Adds a guard span per call of `evaluation`, which started at `started`, and
    /// folds its verdict into the exchange's.
    pub fn evaluation(&self, started: SystemTime, evaluation: &Evaluation) {
        self.verdict
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .add(evaluation);
        // Guards run one after another; each starts where the one before ended (the
        // chain's own work between calls is not counted).
        let mut at = started;
        for call in &evaluation.trace {
            let end = at + Duration::from_micros(call.duration_us);
            let mut span = self
                .tracer
                .span_builder(core::guard_span_name(&call.guard))
                .with_kind(SpanKind::Internal)
                .with_start_time(at)
                .with_attributes(key_values(core::guard_attributes(evaluation.phase, call)))
                .start_with_context(&self.tracer, &self.cx);
            if core::guard_failed(call) {
                let kind = call.failure.as_ref().map(|f| f.kind.clone());
                span.set_status(Status::error(kind.unwrap_or_default()));
            }
            span.end_with_timestamp(end);
            at = end;
        }
    }

    /// Ends the span with the exchange's verdict and `extra` attributes.
    pub fn end(&self, extra: Vec<Attribute>) {
        let span = self.cx.span();
        let verdict = self.verdict.lock().unwrap_or_else(|p| p.into_inner());
        span.set_attributes(key_values(verdict.attributes()));
        span.set_attributes(key_values(extra));
        if let Some((code, _)) = &verdict.deny {
            span.set_status(Status::error(code.clone()));
        }
        span.end();
    }
}

tokio::task_local! {
    /// The exchange the running task works for.
    static CURRENT: Arc<ExchangeSpan>;
}

/// The exchange span of the running task, if it has one: what [`crate::runner::Runner`]
/// reports its evaluations to.
pub fn current() -> Option<Arc<ExchangeSpan>> {
    CURRENT.try_with(Arc::clone).ok()
}

/// Runs `work` as part of `span`'s exchange (as is, without one).
pub async fn within<F: Future>(span: Option<Arc<ExchangeSpan>>, work: F) -> F::Output {
    match span {
        Some(span) => CURRENT.scope(span, work).await,
        None => work.await,
    }
}

/// `app` with a span per request (its route, method and status, and what its
/// evaluations decided).
pub fn traced(app: Router, telemetry: Arc<Telemetry>) -> Router {
    app.layer(axum::middleware::from_fn(
        move |request: axum::extract::Request, next: axum::middleware::Next| {
            let span = telemetry.http_request(&request);
            async move {
                let response = CURRENT.scope(span.clone(), next.run(request)).await;
                let status = i64::from(response.status().as_u16());
                span.end(vec![(attr::HTTP_STATUS, AttrValue::Int(status))]);
                response
            }
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_endpoint_is_a_base_url_like_the_standard_variable() {
        let base = "http://127.0.0.1:4318";
        assert_eq!(traces_url(base), "http://127.0.0.1:4318/v1/traces");
        assert_eq!(
            traces_url(&format!("{base}/")),
            "http://127.0.0.1:4318/v1/traces"
        );
        assert_eq!(
            traces_url(&format!("{base}/v1/traces")),
            "http://127.0.0.1:4318/v1/traces"
        );
    }

    /// What a hostile client puts in `params._meta`: only a well-formed traceparent
    /// becomes a remote parent; anything else starts a new trace, never an error.
    #[test]
    fn hostile_trace_context_starts_a_new_trace() {
        let parent = |body: &str| {
            let info = ExchangeInfo::from_message(body.as_bytes());
            let cx = remote_parent(info.traceparent.as_deref(), info.tracestate.as_deref());
            cx.span().span_context().clone()
        };
        let call = |meta: &str| {
            format!(
                r#"{{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{{"name":"t","_meta":{meta}}}}}"#
            )
        };
        let good = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        let ok = parent(&call(&format!(
            r#"{{"traceparent":"{good}","tracestate":"a=b"}}"#
        )));
        assert!(ok.is_valid() && ok.is_remote());
        assert_eq!(
            ok.trace_id().to_string(),
            "0af7651916cd43dd8448eb211c80319c"
        );
        let long = "0".repeat(1 << 20);
        for meta in [
            r#"{"traceparent":"garbage"}"#.to_string(),
            r#"{"traceparent":"00-00000000000000000000000000000000-b7ad6b7169203331-01"}"#.into(),
            r#"{"traceparent":"ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}"#.into(),
            r#"{"traceparent":42}"#.into(),
            r#"{"traceparent":["x"]}"#.into(),
            format!(r#"{{"traceparent":"00-{long}"}}"#),
            format!(r#"{{"traceparent":"{good}\n{long}"}}"#),
            r#""not an object""#.into(),
        ] {
            let cx = parent(&call(&meta));
            assert!(!cx.is_valid(), "{meta:.80} became {cx:?}");
        }
        // A huge tracestate is clipped, and the parent still comes from the traceparent.
        let huge = parent(&call(&format!(
            r#"{{"traceparent":"{good}","tracestate":"k={long}"}}"#
        )));
        assert!(huge.is_valid());
    }
}
