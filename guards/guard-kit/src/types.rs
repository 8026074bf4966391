//! The guard contract restated as plain Rust: what a guard sees and what it decides.

use crate::host::Host;

/// A tool as announced in a tools/list result (mirror of WIT `tool`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tool {
    /// Tool name.
    pub name: String,
    /// Optional human-readable description.
    pub description: Option<String>,
    /// The tool's JSON Schema for its arguments, as JSON text.
    pub input_schema: String,
}

impl Tool {
    /// A tool with a description and an `{"type":"object"}` schema; handy in tests.
    pub fn new(name: &str, description: &str) -> Self {
        Tool {
            name: name.to_string(),
            description: Some(description.to_string()),
            input_schema: r#"{"type":"object"}"#.to_string(),
        }
    }
}

/// Facts about the upstream MCP server and the caller (mirror of WIT `guard-context`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Context {
    /// Name of the upstream server.
    pub server_name: String,
    /// URL of the upstream server, when it has one.
    pub server_url: Option<String>,
    /// Caller identity, when known.
    pub identity: Option<String>,
    /// Caller metadata, a JSON object as text.
    pub metadata: String,
}

impl Context {
    /// A context for `server_name` with no URL, identity or metadata.
    pub fn server(server_name: &str) -> Self {
        Context {
            server_name: server_name.to_string(),
            metadata: "{}".to_string(),
            ..Context::default()
        }
    }

    /// What the contract's tool record cannot carry, per tool of a tools/list in list
    /// order: `{title, annotations, outputSchema}` as guardhouse's MCP proxy passes them
    /// in the metadata (`mcp.tool_fields`). Empty when the metadata has none.
    pub fn tool_fields(&self) -> Vec<serde_json::Value> {
        serde_json::from_str::<serde_json::Value>(&self.metadata)
            .ok()
            .and_then(|m| m.pointer("/mcp/tool_fields")?.as_array().cloned())
            .unwrap_or_default()
    }
}

/// Why a payload was refused (mirror of WIT `deny-reason`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DenyReason {
    /// Stable machine-readable code.
    pub code: String,
    /// Human-readable explanation.
    pub message: String,
    /// Optional structured detail, as JSON text.
    pub details: Option<String>,
}

/// A guard's verdict (mirror of WIT `decision`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Let the payload through as it is.
    Allow,
    /// Refuse the payload.
    Deny(DenyReason),
    /// Replace the payload with this JSON text.
    Modify(String),
    /// Let the payload through, reporting these warnings.
    Warn(Vec<String>),
}

impl Verdict {
    /// A deny verdict with JSON `details`.
    pub fn deny(code: &str, message: impl Into<String>, details: serde_json::Value) -> Self {
        Verdict::Deny(DenyReason {
            code: code.to_string(),
            message: message.into(),
            details: Some(details.to_string()),
        })
    }

    /// The deny code, if this is a deny.
    pub fn code(&self) -> Option<&str> {
        match self {
            Verdict::Deny(reason) => Some(&reason.code),
            _ => None,
        }
    }

    /// The deny details parsed as JSON, if this is a deny with details.
    pub fn details(&self) -> Option<serde_json::Value> {
        match self {
            Verdict::Deny(DenyReason {
                details: Some(text),
                ..
            }) => serde_json::from_str(text).ok(),
            _ => None,
        }
    }
}

/// One guard's behaviour, in plain Rust. Every hook defaults to `Allow`; a guard
/// overrides the phases it screens. `Err` means the guard itself failed (the host applies
/// the guard's `failure_mode`), never "the payload is bad".
pub trait Guard {
    /// The JSON Schema (draft 2020-12) of the guard's settings.
    fn settings_schema() -> String;
    /// The guard's default settings as JSON text; validates against the schema.
    fn default_config() -> String;

    /// Phase `connection`.
    fn server_connection(_host: &dyn Host, _ctx: &Context) -> Result<Verdict, String> {
        Ok(Verdict::Allow)
    }
    /// Phase `tools_list`.
    fn tools_list(_host: &dyn Host, _tools: &[Tool], _ctx: &Context) -> Result<Verdict, String> {
        Ok(Verdict::Allow)
    }
    /// Phase `tool_invoke`; `arguments` is JSON text.
    fn tool_invoke(
        _host: &dyn Host,
        _tool_name: &str,
        _arguments: &str,
        _ctx: &Context,
    ) -> Result<Verdict, String> {
        Ok(Verdict::Allow)
    }
    /// Phase `response`; `response` is JSON text.
    fn response(_host: &dyn Host, _response: &str, _ctx: &Context) -> Result<Verdict, String> {
        Ok(Verdict::Allow)
    }
}
