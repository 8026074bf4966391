//! The guard contract (`wit/guard.wit`) as plain Rust values, shared by every host.
//!
//! Hosts convert these to and from their runtime's representation (wasmtime's typed
//! component values, jco's JS objects); everything above that line uses these types.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The WIT package every guard exports and imports.
pub const PACKAGE: &str = "mcp:security-guard@0.1.0";
/// The exported interface, fully qualified.
pub const GUARD_INTERFACE: &str = "mcp:security-guard/guard@0.1.0";
/// The imported host interface, fully qualified.
pub const HOST_INTERFACE: &str = "mcp:security-guard/host@0.1.0";
/// Settings hooks.
pub const GET_SETTINGS_SCHEMA: &str = "get-settings-schema";
pub const GET_DEFAULT_CONFIG: &str = "get-default-config";

/// A tool as passed to `evaluate-tools-list` (`input-schema` is JSON text).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tool {
    pub name: String,
    pub description: Option<String>,
    pub input_schema: String,
}

/// The `guard-context` record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct GuardContext {
    pub server_name: String,
    pub server_url: Option<String>,
    pub identity: Option<String>,
    /// JSON text of an object.
    pub metadata: String,
}

/// The `deny-reason` record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DenyReason {
    pub code: String,
    pub message: String,
    /// JSON text.
    pub details: Option<String>,
}

/// The `decision` variant, as a guard returned it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "value")]
pub enum Decision {
    Allow,
    Deny(DenyReason),
    /// JSON text of the replacement payload.
    Modify(String),
    Warn(Vec<String>),
}

/// Which version of the contract a component was built against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ContractVersion {
    /// Four evaluate hooks, `warn`, `server-url`, settings hooks.
    Canonical,
    /// The first published form: `evaluate-tools-list` only, no `warn`, no `server-url`.
    Minimal,
}

impl fmt::Display for ContractVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Canonical => "mcp:security-guard@0.1.0 (canonical)",
            Self::Minimal => "mcp:security-guard@0.1.0 (minimal)",
        })
    }
}

/// The kind of payload being screened, which decides the hook that is called.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    PartialOrd,
    Ord,
    schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    Connection,
    ToolsList,
    ToolInvoke,
    Response,
}

impl Phase {
    pub const ALL: [Phase; 4] = [
        Phase::Connection,
        Phase::ToolsList,
        Phase::ToolInvoke,
        Phase::Response,
    ];

    /// The exported function that screens this phase.
    pub fn hook(self) -> &'static str {
        match self {
            Phase::Connection => "evaluate-server-connection",
            Phase::ToolsList => "evaluate-tools-list",
            Phase::ToolInvoke => "evaluate-tool-invoke",
            Phase::Response => "evaluate-response",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Connection => "connection",
            Phase::ToolsList => "tools_list",
            Phase::ToolInvoke => "tool_invoke",
            Phase::Response => "response",
        }
    }
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A `runs_on` entry of a guard's configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RunsOn {
    Connection,
    ToolsList,
    ToolInvoke,
    Response,
    /// Any request: today that is `tool_invoke`.
    Request,
}

impl RunsOn {
    /// Whether a guard with this `runs_on` entry screens payloads of `phase`.
    ///
    /// A tools/list result is a response, and a tool call is a request (as in the seed's
    /// example configuration), so `response` also covers `tools_list` and `request`
    /// covers `tool_invoke`.
    pub fn matches(self, phase: Phase) -> bool {
        matches!(
            (self, phase),
            (RunsOn::Connection, Phase::Connection)
                | (RunsOn::ToolsList | RunsOn::Response, Phase::ToolsList)
                | (RunsOn::ToolInvoke | RunsOn::Request, Phase::ToolInvoke)
                | (RunsOn::Response, Phase::Response)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_on_aliases() {
        assert!(RunsOn::Response.matches(Phase::ToolsList));
        assert!(RunsOn::Response.matches(Phase::Response));
        assert!(!RunsOn::Response.matches(Phase::ToolInvoke));
        assert!(RunsOn::Request.matches(Phase::ToolInvoke));
        assert!(!RunsOn::Request.matches(Phase::Connection));
        assert!(RunsOn::ToolsList.matches(Phase::ToolsList));
        assert!(!RunsOn::ToolsList.matches(Phase::Response));
    }

    #[test]
    fn decision_json_shape() {
        let d = Decision::Warn(vec!["x".into()]);
        assert_eq!(
            serde_json::to_value(&d).unwrap(),
            serde_json::json!({"kind": "warn", "value": ["x"]})
        );
    }
}
