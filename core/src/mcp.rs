//! MCP proxy mode: the mapping between MCP's Streamable HTTP transport (JSON-RPC 2.0)
//! and guard screenings, shared by every host. Hosts bring HTTP and an evaluate function
//! (a [`Screener`]); everything else is decided here.
//!
//! # What is screened
//!
//! | traffic | phase | deny | modify |
//! |---|---|---|---|
//! | `initialize` request | `connection` (context: the configured server name and URL; `metadata.mcp.client_info`) | JSON-RPC error, upstream not contacted | — |
//! | `tools/call` request | `tool_invoke` | JSON-RPC error, upstream not contacted | `params.name`/`params.arguments` rewritten, other params kept |
//! | `tools/list` result | `tools_list` | JSON-RPC error for that id | tools rewritten; other result fields (`nextCursor`) and tool fields (`annotations`) kept |
//! | `tools/call` result | `response` | JSON-RPC error for that id | the masked result |
//! | any other result (`initialize` and its `instructions`, `resources/read`, `prompts/get`, unknown methods, ids the proxy never saw); `mcp.method` names the request | `response` | JSON-RPC error for that id | the rewritten result |
//! | an error response (payload `{"error": …}`, `mcp.error: true`) | `response` | the denial instead | the rewritten error (must stay `{error: {code, message}}`) |
//! | a request or notification from the server (`sampling/createMessage`, log messages, progress; payload: its `params`, `mcp.from_server`: `request` or `notification`) | `response` | dropped: the client never sees it | `params` rewritten (must stay an object) |
//! | a tool's `title`, `annotations`, `outputSchema` | `tools_list` (in `mcp.tool_fields`) | — | — |
//!
//! Passed through untouched, byte for byte: an empty result `{}`, a server message
//! without params, event-stream comments and keep-alives, DELETE. A message the guards
//! did not change is forwarded with its original text, an event with its original bytes.
//!
//! # Rules
//!
//! - A POST body is one message or a batch. A batch is forwarded only when nothing in it
//!   is denied; otherwise every request in it is answered with an error (`batch_denied`
//!   for the ones not denied themselves) and nothing goes upstream.
//! - Upstream answers are screened by their content, not their label
//!   ([`Pending::screen_answer`]): JSON bodies are read whole and screened, event streams
//!   event by event as they arrive ([`Pending::screen_sse`]), and the client gets the
//!   content type the body was screened as. A body that is neither (plain text, HTML,
//!   binary, whatever its `content-type`) is refused: the remembered requests get
//!   JSON-RPC errors. Only an empty body passes as it is.
//! - Responses are matched to remembered requests by id; a response to an id the proxy
//!   did not see is screened by its result's shape (`tools` array → `tools_list`,
//!   `content` array → `response`), so answering on another stream does not bypass it.
//! - Fail closed: a screened request without a unique string/integer id, a `tools/list`
//!   result whose tools do not parse, upstream JSON that does not parse, and an event
//!   larger than [`sse::MAX_EVENT_BYTES`] become JSON-RPC errors; event data that is not
//!   JSON is dropped.
//!
//! # Denials and warnings
//!
//! A denial is the JSON-RPC error [`DENIED`] (-32010, in the implementation-defined
//! server range; -32000/-32001 are taken by the MCP SDKs for closed connections and
//! timeouts) with `message` `"<code>: <message>"` and `data`
//! `{phase, guard, code, message, details}`, sent with HTTP 200 like any JSON-RPC error.
//!
//! Warnings never block. Each screened result carries its exchange's warnings (request
//! and response side) in `result._meta["guardhouse/warnings"]` as
//! `[{phase, guard, message}]`; the request side's warnings are also in the HTTP
//! response header [`WARNINGS_HEADER`] (JSON, non-ASCII escaped).

pub mod flow;
pub mod jsonrpc;
pub mod request;
pub mod response;
pub mod sse;

use std::future::Future;
use std::ops::Deref;

use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::chain::{Denial, Evaluation, Screening};
use crate::contract::{GuardContext, Phase};
use crate::host::LoadedGateway;
use crate::payload::Payload;

pub use flow::{Handling, Screened, handling, read_limited};
pub use jsonrpc::{Body, Message};
pub use request::{PostOutcome, screen_post};
pub use response::Pending;
pub use sse::{SseEvent, SseParser};

/// The JSON-RPC error code of a guard's denial.
pub const DENIED: i64 = -32010;
/// The largest JSON answer a host reads from the upstream for screening; a larger one
/// fails closed ([`Pending::unscreenable`]).
pub const MAX_JSON_BYTES: usize = 16 * 1024 * 1024;
/// The `_meta` key of the warnings on a screened result.
pub const WARNINGS_META: &str = "guardhouse/warnings";
/// The HTTP response header with the request side's warnings.
pub const WARNINGS_HEADER: &str = "x-guardhouse-warnings";
/// The client request headers a proxy forwards upstream (lowercase); `authorization`
/// only when configured ([`ProxyConfig::forward_authorization`]).
pub const FORWARD_REQUEST_HEADERS: &[&str] = &[
    "accept",
    "content-type",
    "last-event-id",
    "mcp-protocol-version",
    "mcp-session-id",
];
/// The upstream response headers a proxy forwards to the client (lowercase). Not
/// `content-type`: the client gets the type the body was screened as
/// ([`Screened::content_type`]).
pub const FORWARD_RESPONSE_HEADERS: &[&str] = &[
    "cache-control",
    "mcp-protocol-version",
    "mcp-session-id",
    "www-authenticate",
];

/// Runs the gateway's guard chain: the one thing a host supplies.
pub trait Screener {
    /// Evaluates one screening (the host's runtime calls the guards).
    fn screen(&self, screening: Screening) -> impl Future<Output = Evaluation>;
}

/// A [`Screener`] over a gateway whose chain runs synchronously in the calling task (the
/// edge, where guard calls are synchronous JS calls). A host whose calls block a thread
/// (wasmtime) implements [`Screener`] itself to keep its reactor free.
pub struct GatewayScreener<G>(pub G);

impl<G> Screener for GatewayScreener<G>
where
    G: Deref,
    G::Target: LoadedGateway,
{
    fn screen(&self, screening: Screening) -> impl Future<Output = Evaluation> {
        std::future::ready(self.0.evaluate(screening))
    }
}

/// The upstream MCP server, as guards see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxyConfig {
    /// `guard-context.server-name`.
    pub server_name: String,
    /// `guard-context.server-url`: the upstream URL.
    pub server_url: String,
    /// Whether the client's `Authorization` goes to the upstream. Off by default: it
    /// may be the token that guards this proxy (then clients put that in
    /// [`crate::access::TOKEN_HEADER`] and their upstream credentials here).
    pub forward_authorization: bool,
}

impl ProxyConfig {
    /// A config for `upstream`; the server name defaults to the URL's host.
    pub fn new(upstream: &str, server_name: Option<String>) -> Self {
        let host = upstream
            .split_once("://")
            .map_or(upstream, |(_, rest)| rest)
            .split(['/', '?', '#'])
            .next()
            .unwrap_or_default();
        let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
        let host = match host.strip_prefix('[') {
            Some(v6) => v6.split(']').next().unwrap_or(v6),
            None => host.split(':').next().unwrap_or(host),
        };
        Self {
            server_name: server_name.unwrap_or_else(|| host.to_string()),
            server_url: upstream.to_string(),
            forward_authorization: false,
        }
    }

    /// The client request headers to forward upstream (lowercase).
    pub fn forwarded_headers(&self) -> impl Iterator<Item = &'static str> {
        let auth = self.forward_authorization.then_some("authorization");
        FORWARD_REQUEST_HEADERS.iter().copied().chain(auth)
    }

    /// The screening of `payload` in this server's context; `mcp` goes to
    /// `metadata.mcp` next to the session id.
    pub(crate) fn screening(&self, info: &RequestInfo, payload: Payload, mcp: Value) -> Screening {
        let mut mcp = match mcp {
            Value::Object(m) => m,
            _ => Map::new(),
        };
        mcp.retain(|_, v| !v.is_null());
        if let Some(session) = &info.session_id {
            mcp.insert("session_id".into(), Value::String(session.clone()));
        }
        Screening {
            payload,
            context: GuardContext {
                server_name: self.server_name.clone(),
                server_url: Some(self.server_url.clone()),
                identity: None,
                metadata: json!({ "mcp": mcp }).to_string(),
            },
            overrides: Map::new(),
            only: None,
        }
    }
}

/// What the host knows about a client request beyond its body.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestInfo {
    /// The `mcp-session-id` header.
    pub session_id: Option<String>,
}

/// A response the proxy makes itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub status: u16,
    pub content_type: &'static str,
    pub body: Vec<u8>,
}

impl Reply {
    /// A JSON-RPC body.
    pub fn json(status: u16, body: &Body) -> Self {
        Self {
            status,
            content_type: "application/json",
            body: body.to_text().into_bytes(),
        }
    }
}

/// A warning as the client sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Note {
    pub phase: Phase,
    pub guard: String,
    pub message: String,
}

impl Note {
    /// The warnings of an evaluation.
    pub fn from_evaluation(phase: Phase, evaluation: &Evaluation) -> Vec<Note> {
        evaluation
            .warnings
            .iter()
            .map(|w| Note {
                phase,
                guard: w.guard.clone(),
                message: w.message.clone(),
            })
            .collect()
    }
}

/// The JSON-RPC error for a denial.
pub fn denied(id: Value, phase: Phase, denial: &Denial) -> Message {
    let data = json!({
        "phase": phase,
        "guard": denial.guard,
        "code": denial.code,
        "message": denial.message,
        "details": denial.details,
    });
    let text = format!("{}: {}", denial.code, denial.message);
    jsonrpc::error_response(id, DENIED, &text, Some(data))
}

#[cfg(test)]
#[path = "mcp_tests.rs"]
mod tests;
