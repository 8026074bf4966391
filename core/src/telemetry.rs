//! What a gateway's OpenTelemetry spans are called and carry, for every host that
//! exports traces: a span per exchange (an MCP message through a proxy, a request on the
//! API) named after the MCP semantic conventions, `{mcp.method.name} {target}`, and a
//! child span per guard call. Hosts bring the SDK and the exporter; the names, the
//! attributes and where trace context comes from are decided here.

use serde_json::Value;

use crate::{Evaluation, GuardTrace, Payload, Phase, Screening, Verdict};

/// Attribute keys: the MCP semantic conventions' where they have one, `guardhouse.*`
/// otherwise.
pub mod attr {
    pub const MCP_METHOD: &str = "mcp.method.name";
    pub const MCP_SESSION_ID: &str = "mcp.session.id";
    pub const JSONRPC_REQUEST_ID: &str = "jsonrpc.request.id";
    pub const TOOL_NAME: &str = "gen_ai.tool.name";
    pub const PROMPT_NAME: &str = "gen_ai.prompt.name";
    pub const HTTP_METHOD: &str = "http.request.method";
    pub const HTTP_ROUTE: &str = "http.route";
    pub const HTTP_STATUS: &str = "http.response.status_code";
    /// The strongest verdict of an exchange's evaluations, or a guard's decision.
    pub const DECISION: &str = "guardhouse.decision";
    pub const DENY_CODE: &str = "guardhouse.deny.code";
    pub const DENY_GUARD: &str = "guardhouse.deny.guard";
    pub const PROXY_OUTCOME: &str = "guardhouse.proxy.outcome";
    pub const GUARD_ID: &str = "guardhouse.guard.id";
    pub const PHASE: &str = "guardhouse.phase";
    pub const FAILURE_KIND: &str = "guardhouse.failure.kind";
    pub const FUEL_USED: &str = "guardhouse.fuel.used";
    pub const DURATION_US: &str = "guardhouse.duration_us";
    pub const AUDIT: &str = "guardhouse.audit";
}

/// The name of an exchange span with no MCP method (a batch, a GET stream, a response).
pub const FALLBACK_NAME: &str = "mcp";
/// Longest method or target name copied into a span from a client's message.
pub const MAX_NAME_CHARS: usize = 128;

/// An attribute's value, without the SDK's types.
#[derive(Debug, Clone, PartialEq)]
pub enum AttrValue {
    Str(String),
    Int(i64),
    Bool(bool),
}

/// One attribute.
pub type Attribute = (&'static str, AttrValue);

/// `{mcp.method.name} {target}` (`tools/call get_weather`), the method alone when there
/// is no target (`tools/list`), [`FALLBACK_NAME`] when there is no method.
pub fn span_name(method: Option<&str>, target: Option<&str>) -> String {
    match (method, target) {
        (Some(m), Some(t)) => format!("{m} {t}"),
        (Some(m), None) => m.to_string(),
        (None, _) => FALLBACK_NAME.to_string(),
    }
}

/// A guard call's span name.
pub fn guard_span_name(guard: &str) -> String {
    format!("guard {guard}")
}

/// What one client message says about the span of its exchange: read from a single
/// JSON-RPC request (a batch, a response or malformed data says nothing).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExchangeInfo {
    pub method: Option<String>,
    /// The tool (`tools/call`) or prompt (`prompts/get`) the request names.
    pub target: Option<String>,
    pub request_id: Option<String>,
    /// W3C trace context from `params._meta.traceparent` (and `tracestate`).
    pub traceparent: Option<String>,
    pub tracestate: Option<String>,
}

impl ExchangeInfo {
    /// Reads a client's JSON-RPC message.
    pub fn from_message(body: &[u8]) -> Self {
        match serde_json::from_slice::<Value>(body) {
            Ok(message) => Self::from_value(&message),
            Err(_) => Self::default(),
        }
    }

    fn from_value(message: &Value) -> Self {
        let text = |v: &Value| v.as_str().map(clip);
        let Some(method) = message.get("method").and_then(text) else {
            return Self::default();
        };
        let params = message.get("params");
        let meta = params.and_then(|p| p.get("_meta"));
        let target = match method.as_str() {
            "tools/call" | "prompts/get" => params.and_then(|p| p.get("name")).and_then(text),
            _ => None,
        };
        let request_id = message.get("id").and_then(|id| match id {
            Value::String(s) => Some(clip(s)),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        });
        Self {
            target,
            request_id,
            traceparent: meta.and_then(|m| m.get("traceparent")).and_then(text),
            tracestate: meta.and_then(|m| m.get("tracestate")).and_then(text),
            method: Some(method),
        }
    }

    /// The exchange span's name.
    pub fn span_name(&self) -> String {
        span_name(self.method.as_deref(), self.target.as_deref())
    }

    /// The exchange span's attributes known from the message (and the session).
    pub fn attributes(&self, session_id: Option<&str>) -> Vec<Attribute> {
        let mut out = Vec::new();
        let mut put = |key, value: Option<&str>| {
            if let Some(v) = value {
                out.push((key, AttrValue::Str(v.to_string())));
            }
        };
        put(attr::MCP_METHOD, self.method.as_deref());
        let target_key = match self.method.as_deref() {
            Some("prompts/get") => attr::PROMPT_NAME,
            _ => attr::TOOL_NAME,
        };
        put(target_key, self.target.as_deref());
        put(attr::JSONRPC_REQUEST_ID, self.request_id.as_deref());
        put(attr::MCP_SESSION_ID, session_id);
        out
    }
}

fn clip(s: &str) -> String {
    s.chars().take(MAX_NAME_CHARS).collect()
}

/// How strongly a verdict speaks, to keep an exchange's strongest.
fn weight(v: Verdict) -> u8 {
    match v {
        Verdict::Allow => 0,
        Verdict::Warn => 1,
        Verdict::Modify => 2,
        Verdict::Deny => 3,
    }
}

/// What an exchange's evaluations amount to: the strongest verdict and, once denied, the
/// denial's code and guard.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExchangeVerdict {
    pub decision: Option<Verdict>,
    pub deny: Option<(String, String)>,
}

impl ExchangeVerdict {
    /// Folds in one evaluation.
    pub fn add(&mut self, evaluation: &Evaluation) {
        if self
            .decision
            .is_none_or(|d| weight(evaluation.decision) > weight(d))
        {
            self.decision = Some(evaluation.decision);
        }
        if let (None, Some(d)) = (&self.deny, &evaluation.deny) {
            self.deny = Some((d.code.clone(), d.guard.clone()));
        }
    }

    /// The exchange span's decision attributes.
    pub fn attributes(&self) -> Vec<Attribute> {
        let mut out = Vec::new();
        if let Some(d) = self.decision {
            out.push((attr::DECISION, AttrValue::Str(d.as_str().into())));
        }
        if let Some((code, guard)) = &self.deny {
            out.push((attr::DENY_CODE, AttrValue::Str(code.clone())));
            out.push((attr::DENY_GUARD, AttrValue::Str(guard.clone())));
        }
        out
    }
}

/// A guard call's span attributes.
pub fn guard_attributes(phase: Phase, trace: &GuardTrace) -> Vec<Attribute> {
    let mut out = vec![
        (attr::GUARD_ID, AttrValue::Str(trace.guard.clone())),
        (attr::PHASE, AttrValue::Str(phase.as_str().into())),
        (attr::DECISION, AttrValue::Str(trace.decision.clone())),
        (
            attr::DURATION_US,
            AttrValue::Int(i64::try_from(trace.duration_us).unwrap_or(i64::MAX)),
        ),
    ];
    if let Some(code) = &trace.code {
        out.push((attr::DENY_CODE, AttrValue::Str(code.clone())));
    }
    if let Some(f) = &trace.failure {
        out.push((attr::FAILURE_KIND, AttrValue::Str(f.kind.clone())));
    }
    if let Some(fuel) = trace.fuel_used {
        let fuel = i64::try_from(fuel).unwrap_or(i64::MAX);
        out.push((attr::FUEL_USED, AttrValue::Int(fuel)));
    }
    if trace.audit {
        out.push((attr::AUDIT, AttrValue::Bool(true)));
    }
    out
}

/// Whether a guard call's span is an error: the guard failed.
pub fn guard_failed(trace: &GuardTrace) -> bool {
    trace.failure.is_some()
}

/// The `tracing` target (and the edge's `target` field) of the one structured event
/// each evaluation writes, at level `info`.
pub const EVALUATION_TARGET: &str = "guardhouse::evaluation";

/// One evaluation as a structured log event, the same fields on every host: natively
/// `tracing` fields of an [`EVALUATION_TARGET`] event (a JSON object per line with
/// `--log-format json`), on the edge the same object in a JSON line for Workers Logs
/// ([`EvaluationLog::json_line`]). Names a client or a guard chose are clipped and
/// their control characters escaped, so no log line can be forged through them.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct EvaluationLog {
    pub server: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tool: Option<String>,
    pub phase: &'static str,
    pub decision: &'static str,
    /// The denial's code and guard.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub guard: Option<String>,
    /// Guards that ran (not `not_applicable`), failed, and were only audited.
    pub guards: usize,
    pub failures: usize,
    pub audited: usize,
    pub warnings: usize,
    /// The guards' wall time together, microseconds.
    pub duration_us: u64,
}

impl EvaluationLog {
    /// The log event of `evaluation`, which screened a payload of `server`'s (naming
    /// `tool`, when it is a call).
    pub fn new(server: &str, tool: Option<&str>, evaluation: &Evaluation) -> Self {
        let ran = |t: &&GuardTrace| t.decision != "not_applicable";
        Self {
            server: printable(server),
            tool: tool.map(printable),
            phase: evaluation.phase.as_str(),
            decision: evaluation.decision.as_str(),
            code: evaluation.deny.as_ref().map(|d| printable(&d.code)),
            guard: evaluation.deny.as_ref().map(|d| printable(&d.guard)),
            guards: evaluation.trace.iter().filter(ran).count(),
            failures: evaluation.trace.iter().filter(|t| guard_failed(t)).count(),
            audited: evaluation.trace.iter().filter(|t| t.audit).count(),
            warnings: evaluation.warnings.len(),
            duration_us: evaluation.trace.iter().map(|t| t.duration_us).sum(),
        }
    }

    /// Who an evaluation of `screening` concerns: its server and, for a call, the tool
    /// (taken before the screening moves into the chain run).
    pub fn subject(screening: &Screening) -> (String, Option<String>) {
        let tool = match &screening.payload {
            Payload::ToolInvoke { tool, .. } => Some(tool.clone()),
            _ => None,
        };
        (screening.context.server_name.clone(), tool)
    }

    /// The event's message: `tools_call get_weather: deny` (`tools_list: allow`).
    pub fn message(&self) -> String {
        match &self.tool {
            Some(tool) => format!("{} {tool}: {}", self.phase, self.decision),
            None => format!("{}: {}", self.phase, self.decision),
        }
    }

    /// The event as one JSON line in the shape of `tracing`'s JSON format (`timestamp`,
    /// `level`, `fields` with `message`, `target`), for hosts that write their own.
    pub fn json_line(&self, timestamp: &str) -> String {
        let mut fields = serde_json::Map::new();
        fields.insert("message".into(), self.message().into());
        if let Ok(Value::Object(own)) = serde_json::to_value(self) {
            fields.extend(own);
        }
        serde_json::json!({
            "timestamp": timestamp,
            "level": "INFO",
            "fields": fields,
            "target": EVALUATION_TARGET,
        })
        .to_string()
    }
}

/// `s` clipped to [`MAX_NAME_CHARS`], control characters escaped.
fn printable(s: &str) -> String {
    s.chars()
        .take(MAX_NAME_CHARS)
        .flat_map(|c| {
            let escaped = c.is_control().then(|| c.escape_default());
            escaped
                .into_iter()
                .flatten()
                .chain((!c.is_control()).then_some(c))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evaluation_logs_escape_what_clients_and_guards_name() {
        let evaluation: Evaluation = serde_json::from_value(serde_json::json!({
            "phase": "tool_invoke", "decision": "deny",
            "deny": {"guard": "g\nforged", "code": "c", "message": "m"},
            "warnings": [{"guard": "w", "message": "x"}],
            "trace": [
                {"guard": "g\nforged", "hook": "h", "decision": "deny", "code": "c", "duration_us": 5, "logs": []},
                {"guard": "n", "hook": "h", "decision": "not_applicable", "duration_us": 1, "logs": []},
            ],
        }))
        .unwrap();
        let tool = format!("run\n{{\"level\":\"ERROR\"}}{}", "x".repeat(500));
        let log = EvaluationLog::new("srv", Some(&tool), &evaluation);
        let line = log.json_line("2026-01-01T00:00:00Z");
        assert_eq!(line.lines().count(), 1);
        let value: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(value["target"], EVALUATION_TARGET);
        assert_eq!(value["level"], "INFO");
        let fields = &value["fields"];
        assert_eq!(fields["guard"], "g\\nforged");
        assert!(fields["tool"].as_str().unwrap().starts_with("run\\n{"));
        assert!(fields["tool"].as_str().unwrap().chars().count() <= MAX_NAME_CHARS + 1);
        assert!(
            fields["message"]
                .as_str()
                .unwrap()
                .starts_with("tool_invoke run\\n")
        );
        assert_eq!(
            (fields["guards"].as_u64(), fields["warnings"].as_u64()),
            (Some(1), Some(1))
        );
        assert_eq!(fields["duration_us"], 6);
        assert!(!log.message().contains('\n'));
    }

    #[test]
    fn names_follow_the_mcp_conventions() {
        let call =
            br#"{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"get_weather",
            "_meta":{"traceparent":"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}}}"#;
        let info = ExchangeInfo::from_message(call);
        assert_eq!(info.span_name(), "tools/call get_weather");
        assert_eq!(info.request_id.as_deref(), Some("7"));
        assert_eq!(
            info.traceparent.as_deref(),
            Some("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
        );
        let list =
            ExchangeInfo::from_message(br#"{"jsonrpc":"2.0","id":"a","method":"tools/list"}"#);
        assert_eq!(list.span_name(), "tools/list");
        let prompt = br#"{"jsonrpc":"2.0","id":1,"method":"prompts/get","params":{"name":"p"}}"#;
        let attrs = ExchangeInfo::from_message(prompt).attributes(Some("s-1"));
        assert!(attrs.contains(&(attr::PROMPT_NAME, AttrValue::Str("p".into()))));
        assert!(attrs.contains(&(attr::MCP_SESSION_ID, AttrValue::Str("s-1".into()))));
        for said_nothing in [&b"[{}]"[..], b"not json", br#"{"id":1,"result":{}}"#] {
            assert_eq!(ExchangeInfo::from_message(said_nothing).span_name(), "mcp");
        }
    }
}
