//! The HTTP API every server host speaks (`guardhouse serve`, the edge Worker):
//! request parsing and response shapes, so the same request gets the same JSON.
//!
//! - `POST /v1/evaluate`: one case → [`CaseResult`]
//! - `POST /v1/test`: a suite → [`SuiteReport`]
//! - `POST /v1/eval?guard=ID`: a labelled corpus → [`crate::eval::EvalSummary`]
//! - `GET /v1/guards`: → `Vec<GuardSummary>`
//! - `GET /health`: → [`Health`]
//! - `GET /v1/openapi.json`: this API as an OpenAPI document ([`crate::openapi`])
//! - `GET /metrics`: Prometheus text ([`crate::metrics`]; a host that keeps no metrics
//!   answers 404)

use serde::{Deserialize, Serialize};

use crate::case::CaseFile;
use crate::config::{FailureMode, GuardConfig, InstanceMode, StatePlacement};
use crate::contract::RunsOn;
use crate::inspect::ComponentInfo;
use crate::source::Document;

pub use crate::case::{CaseResult, SuiteReport};

/// A guard as `GET /v1/guards` lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct GuardSummary {
    pub id: String,
    pub enabled: bool,
    pub priority: i64,
    pub failure_mode: FailureMode,
    pub timeout_ms: u64,
    pub runs_on: Vec<RunsOn>,
    pub instance: InstanceMode,
    /// Where a persistent guard's state lives (`isolate`, `durable_object`); absent for
    /// `per_call` guards.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<StatePlacement>,
    #[serde(flatten)]
    pub component: ComponentInfo,
}

impl GuardSummary {
    pub fn new(config: &GuardConfig, component: &ComponentInfo) -> Self {
        Self {
            id: config.id.clone(),
            enabled: config.enabled,
            priority: config.priority,
            failure_mode: config.failure_mode,
            timeout_ms: config.effective_timeout_ms(),
            runs_on: config.runs_on.clone(),
            instance: config.instance,
            state: (config.instance == InstanceMode::Persistent).then(|| config.state_placement()),
            component: component.clone(),
        }
    }
}

/// `GET /health`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Health {
    pub status: String,
    pub host: String,
    pub guards: usize,
    /// Bumped on every successful config reload.
    pub config_generation: u64,
}

/// An error response body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ApiError {
    pub error: String,
}

impl ApiError {
    pub fn new(e: impl ToString) -> Self {
        Self {
            error: e.to_string(),
        }
    }
}

/// A refusal with the HTTP status it answers with, for routes that refuse with more than
/// 400.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub status: u16,
    pub error: ApiError,
}

impl From<ApiError> for Refused {
    fn from(error: ApiError) -> Self {
        Self { status: 400, error }
    }
}

/// The largest request body the API reads; a larger one gets a 413.
pub const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;

/// The API's routes and the one method each takes (`/mcp`, the proxy, takes several).
pub const ROUTES: [(&str, &str); 7] = [
    ("/health", "GET"),
    ("/v1/guards", "GET"),
    ("/v1/evaluate", "POST"),
    ("/v1/test", "POST"),
    ("/v1/eval", "POST"),
    (crate::openapi::PATH, "GET"),
    (crate::metrics::PATH, "GET"),
];

/// The method the API route at `path` takes, if it is one.
pub fn route_method(path: &str) -> Option<&'static str> {
    ROUTES.iter().find(|(p, _)| *p == path).map(|(_, m)| *m)
}

impl ApiError {
    /// A body over [`MAX_BODY_BYTES`] (413).
    pub fn body_too_large() -> Self {
        Self::new(format!(
            "the request body is larger than {MAX_BODY_BYTES} bytes"
        ))
    }

    /// No route at `path` (404).
    pub fn not_found(method: &str, path: &str) -> Self {
        let routes: Vec<String> = ROUTES.iter().map(|(p, m)| format!("{m} {p}")).collect();
        Self::new(format!(
            "no route for {method} {path} (routes: {}, /mcp)",
            routes.join(", ")
        ))
    }

    /// The route exists with other methods (405).
    pub fn method_not_allowed(path: &str, allowed: &str) -> Self {
        Self::new(format!("{path} takes {allowed}"))
    }
}

/// The most cases one `POST /v1/test` may hold: a suite runs them all in one request,
/// holding a worker (or the Worker's request) for their whole run.
pub const MAX_SUITE_CASES: usize = 1000;

/// Connections a native server holds open at once; one more gets a 503 and is closed.
pub const MAX_CONNECTIONS: usize = 512;

/// How long a client may take to send a request's headers, and how long a kept-alive
/// connection may sit idle before its next request: a slow or silent client cannot hold
/// a connection (slowloris).
pub const HEADER_TIMEOUT_MS: u64 = 10_000;

/// How long the MCP proxy waits for the upstream's response headers, and then between
/// two reads of its body (an event stream may last as long as it keeps talking).
pub const UPSTREAM_TIMEOUT_MS: u64 = 60_000;

/// Parses a request body (JSON or YAML) as a case file of at most [`MAX_SUITE_CASES`].
pub fn parse_cases(body: &[u8]) -> Result<CaseFile, ApiError> {
    let text = std::str::from_utf8(body).map_err(|_| ApiError::new("request body is not UTF-8"))?;
    // JSON bodies skip the YAML loader (no locations needed beyond serde_json's own).
    let doc = if text.trim_start().starts_with('{') {
        // serde_json stops at the same depth as the YAML path (128).
        let value = serde_json::from_str(text).map_err(|e| match e.classify() {
            serde_json::error::Category::Syntax if e.to_string().starts_with("recursion limit") => {
                let deep = crate::source::too_deep();
                ApiError::new(format!("<request>:{}:{}: {deep}", e.line(), e.column()))
            }
            _ => ApiError::new(format!("<request>: malformed JSON: {e}")),
        })?;
        Document::from_value("<request>", value)
    } else {
        Document::parse("<request>", text).map_err(ApiError::new)?
    };
    let file = CaseFile::from_document(&doc).map_err(ApiError::new)?;
    if file.cases.len() > MAX_SUITE_CASES {
        return Err(ApiError::new(format!(
            "a request may hold at most {MAX_SUITE_CASES} cases, this one has {} (hint: split the suite)",
            file.cases.len()
        )));
    }
    Ok(file)
}

/// The guards `POST /v1/eval` scores, from its query string: each `guard=ID`, in order
/// (none: every enabled guard that screens some case's phase). Other keys are refused.
pub fn eval_guards(query: Option<&str>) -> Result<Vec<String>, ApiError> {
    let mut guards = Vec::new();
    for (key, value) in form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        if key != "guard" {
            return Err(ApiError::new(format!(
                "unknown query parameter `{key}` (/v1/eval takes `guard=ID`, repeated)"
            )));
        }
        guards.push(value.into_owned());
    }
    Ok(guards)
}

/// Parses the body of `POST /v1/evaluate`: exactly one case.
pub fn parse_single_case(body: &[u8]) -> Result<CaseFile, ApiError> {
    let file = parse_cases(body)?;
    if file.cases.len() != 1 {
        return Err(ApiError::new(format!(
            "/v1/evaluate takes one case, got {} (hint: POST suites to /v1/test)",
            file.cases.len()
        )));
    }
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_suite_is_capped() {
        let case = "  - {name: c, phase: connection, expect: {decision: allow}}\n";
        let suite = |n: usize| format!("format: guardhouse.case/v1\ncases:\n{}", case.repeat(n));
        assert_eq!(
            parse_cases(suite(MAX_SUITE_CASES).as_bytes())
                .unwrap()
                .cases
                .len(),
            MAX_SUITE_CASES
        );
        let err = parse_cases(suite(MAX_SUITE_CASES + 1).as_bytes()).unwrap_err();
        assert!(err.error.contains("at most 1000 cases"), "{}", err.error);
    }
}
