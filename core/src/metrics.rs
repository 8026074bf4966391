//! What a server host counts: metric names, help texts and label names in one place, and
//! what one chain evaluation, HTTP request, proxy exchange or reload adds to them.
//!
//! No metrics library lives here (core stays I/O-free and builds for wasm32): a host
//! registers every [`Metric`] of [`Metric::ALL`] with its own library (the native host:
//! prometheus-client), then records the [`Observation`]s these functions return.
//!
//! Label values come from bounded sets, so no request can grow the number of series:
//! guard ids from the loaded config; deny codes from the guards, kept only when they
//! look like identifiers ([`code_label`]); everything a client sends (paths, HTTP
//! methods, JSON-RPC methods) mapped onto the fixed lists here first.

use std::borrow::Cow;

use serde::Deserialize;

use crate::chain::Evaluation;
use crate::trace::GuardTrace;

/// The path a host serves its metrics at (Prometheus text format).
pub const PATH: &str = "/metrics";

/// A metric family. Counters are exposed with the `_total` suffix on their samples.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Metric {
    Evaluations,
    GuardEvaluations,
    GuardFailures,
    GuardWarnings,
    GuardDuration,
    GuardFuel,
    RequestDuration,
    ProxyExchanges,
    ConfigReloads,
    ConfigGeneration,
}

/// How a metric aggregates what it is given.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    /// Adds each observation's value.
    Counter,
    /// Is set to each observation's value.
    Gauge,
    /// Counts each observation's value into these bucket upper bounds (`+Inf` implied).
    Histogram(&'static [f64]),
}

/// Seconds, from 50 µs (a warm guard call) to 10 s (past any sane timeout).
const GUARD_SECONDS: &[f64] = &[
    0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
    1.0, 2.5, 5.0, 10.0,
];
/// Seconds, from 0.5 ms to the proxy's upstream timeout.
const REQUEST_SECONDS: &[f64] = &[
    0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
    60.0,
];
/// Fuel units (about one per wasm instruction), by powers of ten.
const FUEL: &[f64] = &[1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10];

impl Metric {
    pub const ALL: [Metric; 10] = [
        Metric::Evaluations,
        Metric::GuardEvaluations,
        Metric::GuardFailures,
        Metric::GuardWarnings,
        Metric::GuardDuration,
        Metric::GuardFuel,
        Metric::RequestDuration,
        Metric::ProxyExchanges,
        Metric::ConfigReloads,
        Metric::ConfigGeneration,
    ];

    /// The family name (a counter's samples add `_total`).
    pub fn name(self) -> &'static str {
        match self {
            Metric::Evaluations => "guardhouse_evaluations",
            Metric::GuardEvaluations => "guardhouse_guard_evaluations",
            Metric::GuardFailures => "guardhouse_guard_failures",
            Metric::GuardWarnings => "guardhouse_guard_warnings",
            Metric::GuardDuration => "guardhouse_guard_duration_seconds",
            Metric::GuardFuel => "guardhouse_guard_fuel_used",
            Metric::RequestDuration => "guardhouse_http_request_duration_seconds",
            Metric::ProxyExchanges => "guardhouse_proxy_exchanges",
            Metric::ConfigReloads => "guardhouse_config_reloads",
            Metric::ConfigGeneration => "guardhouse_config_generation",
        }
    }

    /// One sentence, without the final period (encoders add it).
    pub fn help(self) -> &'static str {
        match self {
            Metric::Evaluations => "Chain evaluations by where they came from, phase and verdict",
            Metric::GuardEvaluations => {
                "What the chain took from each guard (a failure counts as its failure_mode decision; audit: a deny or modify recorded, not applied)"
            }
            Metric::GuardFailures => "Guard calls that failed, by failure kind",
            Metric::GuardWarnings => "Warnings raised by or about each guard",
            Metric::GuardDuration => "Wall time of each guard call, instantiation included",
            Metric::GuardFuel => "Fuel each guard call consumed",
            Metric::RequestDuration => {
                "Time from a request's arrival to its response head, by route, method and status"
            }
            Metric::ProxyExchanges => "MCP proxy exchanges by MCP method and how they ended",
            Metric::ConfigReloads => {
                "Config reloads by result (a failed one keeps the running config)"
            }
            Metric::ConfigGeneration => {
                "The running config's generation (1 at start, +1 per reload)"
            }
        }
    }

    pub fn kind(self) -> Kind {
        match self {
            Metric::GuardDuration => Kind::Histogram(GUARD_SECONDS),
            Metric::GuardFuel => Kind::Histogram(FUEL),
            Metric::RequestDuration => Kind::Histogram(REQUEST_SECONDS),
            Metric::ConfigGeneration => Kind::Gauge,
            _ => Kind::Counter,
        }
    }

    /// The label names; an observation's values come in this order.
    pub fn labels(self) -> &'static [&'static str] {
        match self {
            Metric::Evaluations => &["source", "phase", "decision"],
            Metric::GuardEvaluations => &["source", "guard", "phase", "decision", "code", "audit"],
            Metric::GuardFailures => &["source", "guard", "phase", "kind"],
            Metric::GuardWarnings => &["source", "guard", "phase"],
            Metric::GuardDuration | Metric::GuardFuel => &["guard", "phase"],
            Metric::RequestDuration => &["route", "method", "status"],
            Metric::ProxyExchanges => &["http_method", "mcp_method", "outcome"],
            Metric::ConfigReloads => &["result"],
            Metric::ConfigGeneration => &[],
        }
    }
}

/// One thing to record: `value` added to a counter, set on a gauge or counted into a
/// histogram, for the series named by `labels` (in [`Metric::labels`] order).
#[derive(Debug, Clone, PartialEq)]
pub struct Observation<'a> {
    pub metric: Metric,
    pub labels: Vec<Cow<'a, str>>,
    pub value: f64,
}

impl<'a> Observation<'a> {
    fn new<const N: usize>(metric: Metric, labels: [&'a str; N], value: f64) -> Self {
        debug_assert_eq!(N, metric.labels().len(), "{metric:?}");
        Self {
            metric,
            labels: labels.into_iter().map(Cow::Borrowed).collect(),
            value,
        }
    }
}

/// Where an evaluation came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Source {
    /// `POST /v1/evaluate`.
    Api,
    /// A case of `POST /v1/test`.
    Test,
    /// The MCP proxy's live traffic.
    Proxy,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Api => "api",
            Source::Test => "test",
            Source::Proxy => "proxy",
        }
    }
}

/// A deny code as a label: kept when it looks like an identifier (at most 64 of
/// `A-Za-z0-9_.:-`), else `other`, so a guard that puts data in its codes cannot add a
/// series per call. No code is `""`, as Prometheus reads a missing label.
pub fn code_label(code: Option<&str>) -> &str {
    const MAX: usize = 64;
    let ok = |c: &str| {
        c.len() <= MAX
            && c.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b':' | b'-'))
    };
    match code {
        None => "",
        Some(c) if ok(c) => c,
        Some(_) => "other",
    }
}

/// Whether the guard was called: not when it lacks the hook, nor when its lost state
/// refused the call (both trace a zero duration).
fn was_called(entry: &GuardTrace) -> bool {
    entry.decision != "not_applicable"
        && entry
            .failure
            .as_ref()
            .is_none_or(|f| f.kind != "state_lost")
}

/// What one chain evaluation adds: the verdict; per guard its decision, failure,
/// warnings, duration and fuel.
pub fn evaluation<'a>(source: Source, evaluation: &'a Evaluation) -> Vec<Observation<'a>> {
    let source = source.as_str();
    let phase = evaluation.phase.as_str();
    let mut out = Vec::with_capacity(1 + 4 * evaluation.trace.len());
    out.push(Observation::new(
        Metric::Evaluations,
        [source, phase, evaluation.decision.as_str()],
        1.0,
    ));
    for entry in &evaluation.trace {
        let guard = entry.guard.as_str();
        let audit = if entry.audit { "true" } else { "false" };
        let code = code_label(entry.code.as_deref());
        let labels = [source, guard, phase, entry.decision.as_str(), code, audit];
        out.push(Observation::new(Metric::GuardEvaluations, labels, 1.0));
        if let Some(failure) = &entry.failure {
            let labels = [source, guard, phase, failure.kind.as_str()];
            out.push(Observation::new(Metric::GuardFailures, labels, 1.0));
        }
        if was_called(entry) {
            let seconds = entry.duration_us as f64 / 1e6;
            out.push(Observation::new(
                Metric::GuardDuration,
                [guard, phase],
                seconds,
            ));
            if let Some(fuel) = entry.fuel_used {
                out.push(Observation::new(
                    Metric::GuardFuel,
                    [guard, phase],
                    fuel as f64,
                ));
            }
        }
    }
    for warning in &evaluation.warnings {
        let labels = [source, warning.guard.as_str(), phase];
        out.push(Observation::new(Metric::GuardWarnings, labels, 1.0));
    }
    out
}

/// A route as a label: one of the API's routes, the metrics or MCP path, else `other`
/// (static files, unknown paths).
pub fn route_label(path: &str) -> &'static str {
    if let Some((route, _)) = crate::api::ROUTES.iter().find(|(p, _)| *p == path) {
        return route;
    }
    match path {
        "/mcp" => "/mcp",
        _ => "other",
    }
}

/// An HTTP method as a label: a standard one, else `other`.
pub fn http_method_label(method: &str) -> &'static str {
    const KNOWN: [&str; 9] = [
        "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "CONNECT", "TRACE",
    ];
    KNOWN.into_iter().find(|m| *m == method).unwrap_or("other")
}

/// One HTTP request, timed until its response head.
pub fn request(path: &str, method: &str, status: u16, seconds: f64) -> Observation<'static> {
    Observation {
        metric: Metric::RequestDuration,
        labels: vec![
            Cow::Borrowed(route_label(path)),
            Cow::Borrowed(http_method_label(method)),
            Cow::Owned(status.to_string()),
        ],
        value: seconds,
    }
}

/// The MCP methods a proxy exchange is counted under; any other is `other`.
pub const MCP_METHODS: &[&str] = &[
    "initialize",
    "ping",
    "tools/list",
    "tools/call",
    "resources/list",
    "resources/templates/list",
    "resources/read",
    "resources/subscribe",
    "resources/unsubscribe",
    "prompts/list",
    "prompts/get",
    "completion/complete",
    "logging/setLevel",
    "notifications/initialized",
    "notifications/cancelled",
    "notifications/progress",
    "notifications/roots/list_changed",
];

/// The MCP method of a client's POST body as a label: one of [`MCP_METHODS`], `other`,
/// `batch` (a JSON array), `response` (a message without a method: the client answering
/// a server request) or `invalid` (not a JSON object).
pub fn mcp_method_label(body: &[u8]) -> &'static str {
    #[derive(Deserialize)]
    struct Head<'a> {
        #[serde(borrow, default)]
        method: Option<Cow<'a, str>>,
    }
    let start = body.iter().position(|b| !b.is_ascii_whitespace());
    if start.is_some_and(|i| body[i] == b'[') {
        return "batch";
    }
    match serde_json::from_slice::<Head>(body) {
        Ok(Head { method: None }) => "response",
        Ok(Head {
            method: Some(method),
        }) => MCP_METHODS
            .iter()
            .find(|m| **m == method)
            .copied()
            .unwrap_or("other"),
        Err(_) => "invalid",
    }
}

/// How a proxy exchange (one client request on `/mcp` and the answer it got) ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExchangeOutcome {
    /// The upstream's answer went to the client (screened).
    Forwarded,
    /// A guard denied the request or a message of the answer.
    Denied,
    /// The proxy refused the request itself: not JSON-RPC it can screen (400), or a
    /// screened request it cannot check (no unique id, bad `tools/call` params).
    Refused,
    /// The upstream could not be reached.
    UpstreamError,
    /// The upstream did not answer in time.
    UpstreamTimeout,
    /// The client went away before the exchange ended.
    Cancelled,
}

impl ExchangeOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            ExchangeOutcome::Forwarded => "forwarded",
            ExchangeOutcome::Denied => "denied",
            ExchangeOutcome::Refused => "refused",
            ExchangeOutcome::UpstreamError => "upstream_error",
            ExchangeOutcome::UpstreamTimeout => "upstream_timeout",
            ExchangeOutcome::Cancelled => "cancelled",
        }
    }

    /// The outcome once it is known whether a guard denied anything in the exchange: a
    /// denial names it, whatever else happened.
    pub fn denied_if(self, denied: bool) -> Self {
        if denied {
            ExchangeOutcome::Denied
        } else {
            self
        }
    }
}

/// One proxy exchange; `mcp_method` from [`mcp_method_label`] (`""` for GET and DELETE,
/// which carry no message).
pub fn exchange(
    http_method: &str,
    mcp_method: &'static str,
    outcome: ExchangeOutcome,
) -> Observation<'static> {
    let labels = [http_method_label(http_method), mcp_method, outcome.as_str()];
    Observation::new(Metric::ProxyExchanges, labels, 1.0)
}

/// A reload: its result and, when it succeeded, the new generation.
pub fn reload(generation: Option<u64>) -> Vec<Observation<'static>> {
    let result = if generation.is_some() {
        "success"
    } else {
        "failure"
    };
    let mut out = vec![Observation::new(Metric::ConfigReloads, [result], 1.0)];
    out.extend(generation.map(config_generation));
    out
}

/// The series a server shows from its start: the config generation, and both reload
/// results at zero (so a rate over them starts from a sample).
pub fn startup(generation: u64) -> Vec<Observation<'static>> {
    vec![
        Observation::new(Metric::ConfigReloads, ["success"], 0.0),
        Observation::new(Metric::ConfigReloads, ["failure"], 0.0),
        config_generation(generation),
    ]
}

fn config_generation(generation: u64) -> Observation<'static> {
    Observation::new(Metric::ConfigGeneration, [], generation as f64)
}

#[cfg(test)]
#[path = "metrics_tests.rs"]
mod tests;
