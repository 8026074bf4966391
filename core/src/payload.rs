//! Payloads: what a chain screens, per phase, and what a guard is called with.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::contract::{Phase, Tool};

/// A tool as it appears in an MCP `tools/list` result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ToolSpec {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The tool's JSON Schema (MCP spells it `inputSchema`).
    #[serde(default = "empty_object", alias = "inputSchema")]
    pub input_schema: Value,
}

fn empty_object() -> Value {
    Value::Object(Default::default())
}

/// The payload of one screening, by phase.
#[derive(Debug, Clone, PartialEq)]
pub enum Payload {
    /// Before connecting: the context is all there is.
    Connection,
    /// A tools/list result.
    ToolsList(Vec<ToolSpec>),
    /// A tools/call request.
    ToolInvoke { tool: String, arguments: Value },
    /// A server's result.
    Response(Value),
}

/// The arguments of one hook call, ready to be lowered into a guard.
#[derive(Debug, Clone, PartialEq)]
pub enum HookArgs {
    ServerConnection,
    ToolsList(Vec<Tool>),
    ToolInvoke {
        tool_name: String,
        arguments: String,
    },
    Response(String),
}

impl HookArgs {
    /// The phase these arguments belong to.
    pub fn phase(&self) -> Phase {
        match self {
            HookArgs::ServerConnection => Phase::Connection,
            HookArgs::ToolsList(_) => Phase::ToolsList,
            HookArgs::ToolInvoke { .. } => Phase::ToolInvoke,
            HookArgs::Response(_) => Phase::Response,
        }
    }
}

/// A `tools_list` payload (also the API's schema of it).
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ToolsListShape {
    tools: Vec<ToolSpec>,
}

/// A `tool_invoke` payload (also the API's schema of it).
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ToolInvokeShape {
    tool: String,
    #[serde(default = "empty_object")]
    arguments: Value,
}

impl Payload {
    pub fn phase(&self) -> Phase {
        match self {
            Payload::Connection => Phase::Connection,
            Payload::ToolsList(_) => Phase::ToolsList,
            Payload::ToolInvoke { .. } => Phase::ToolInvoke,
            Payload::Response(_) => Phase::Response,
        }
    }

    /// Builds the payload of `phase` from its JSON form:
    /// `tools_list` → `{"tools": [...]}`, `tool_invoke` → `{"tool": n, "arguments": {..}}`,
    /// `response` → any JSON, `connection` → nothing (null).
    pub fn from_json(phase: Phase, value: Value) -> Result<Self, String> {
        match phase {
            Phase::Connection => Self::connection(&value),
            Phase::ToolsList => Self::shaped(phase, value),
            Phase::ToolInvoke => Self::shaped(phase, value),
            Phase::Response => Ok(Payload::Response(value)),
        }
    }

    /// [`Payload::from_json`] of a borrowed value: copies only what the payload keeps
    /// (checking a case's payload no longer copies the whole tree first).
    pub fn from_json_ref(phase: Phase, value: &Value) -> Result<Self, String> {
        match phase {
            Phase::Connection => Self::connection(value),
            Phase::ToolsList => Self::shaped(phase, value),
            Phase::ToolInvoke => Self::shaped(phase, value),
            Phase::Response => Ok(Payload::Response(value.clone())),
        }
    }

    fn connection(value: &Value) -> Result<Self, String> {
        match value {
            Value::Null => Ok(Payload::Connection),
            Value::Object(m) if m.is_empty() => Ok(Payload::Connection),
            _ => Err("a connection payload must be empty (the context is screened)".into()),
        }
    }

    /// A `tools_list` or `tool_invoke` payload, read from an owned or a borrowed value.
    fn shaped<'de, D>(phase: Phase, value: D) -> Result<Self, String>
    where
        D: serde::Deserializer<'de, Error = serde_json::Error>,
    {
        if phase == Phase::ToolsList {
            ToolsListShape::deserialize(value)
                .map(|s| Payload::ToolsList(s.tools))
                .map_err(|e| format!("a tools_list payload is {{\"tools\": [..]}}: {e}"))
        } else {
            ToolInvokeShape::deserialize(value)
                .map(|s| Payload::ToolInvoke {
                    tool: s.tool,
                    arguments: s.arguments,
                })
                .map_err(|e| {
                    format!(
                        "a tool_invoke payload is {{\"tool\": name, \"arguments\": {{..}}}}: {e}"
                    )
                })
        }
    }

    /// The JSON form accepted by [`Payload::from_json`].
    pub fn to_json(&self) -> Value {
        match self {
            Payload::Connection => Value::Null,
            Payload::ToolsList(tools) => serde_json::json!({ "tools": tools }),
            Payload::ToolInvoke { tool, arguments } => {
                serde_json::json!({ "tool": tool, "arguments": arguments })
            }
            Payload::Response(v) => v.clone(),
        }
    }

    /// The arguments of this phase's hook.
    pub fn hook_args(&self) -> HookArgs {
        match self {
            Payload::Connection => HookArgs::ServerConnection,
            Payload::ToolsList(tools) => HookArgs::ToolsList(
                tools
                    .iter()
                    .map(|t| Tool {
                        name: t.name.clone(),
                        description: t.description.clone(),
                        input_schema: t.input_schema.to_string(),
                    })
                    .collect(),
            ),
            Payload::ToolInvoke { tool, arguments } => HookArgs::ToolInvoke {
                tool_name: tool.clone(),
                arguments: arguments.to_string(),
            },
            Payload::Response(v) => HookArgs::Response(v.to_string()),
        }
    }

    /// Applies a guard's `modify(text)`: the text must be JSON of this payload's shape.
    ///
    /// For `tools_list` either `{"tools": [..]}` or a bare list of tools is accepted; for
    /// `tool_invoke` either the full `{"tool", "arguments"}` form or just the arguments
    /// object (the tool name then stays). A connection cannot be modified.
    pub fn modified(&self, text: &str) -> Result<Payload, String> {
        let value: Value =
            serde_json::from_str(text).map_err(|e| format!("modify payload is not JSON: {e}"))?;
        match self {
            Payload::Connection => Err("a connection cannot be modified".into()),
            Payload::ToolsList(_) => {
                let value = match value {
                    Value::Array(items) => serde_json::json!({ "tools": items }),
                    other => other,
                };
                Payload::from_json(Phase::ToolsList, value)
            }
            Payload::ToolInvoke { tool, .. } => match value {
                Value::Object(m) if m.contains_key("tool") => {
                    Payload::from_json(Phase::ToolInvoke, Value::Object(m))
                }
                Value::Object(m) => Ok(Payload::ToolInvoke {
                    tool: tool.clone(),
                    arguments: Value::Object(m),
                }),
                _ => Err("modified tool arguments must be a JSON object".into()),
            },
            Payload::Response(_) => Ok(Payload::Response(value)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn tools_list_round_trip_accepts_mcp_spelling() {
        let p = Payload::from_json(
            Phase::ToolsList,
            json!({"tools": [{"name": "a", "inputSchema": {"type": "object"}}]}),
        )
        .unwrap();
        let HookArgs::ToolsList(tools) = p.hook_args() else {
            panic!()
        };
        assert_eq!(tools[0].input_schema, r#"{"type":"object"}"#);
        assert_eq!(p.to_json()["tools"][0]["input_schema"]["type"], "object");
    }

    #[test]
    fn modify_must_keep_the_shape() {
        let list = Payload::from_json(Phase::ToolsList, json!({"tools": []})).unwrap();
        assert!(list.modified("not json").unwrap_err().contains("not JSON"));
        assert!(list.modified(r#"{"x": 1}"#).is_err());
        assert_eq!(
            list.modified(r#"[{"name": "b"}]"#).unwrap(),
            Payload::ToolsList(vec![ToolSpec {
                name: "b".into(),
                description: None,
                input_schema: json!({})
            }])
        );
        let call = Payload::from_json(
            Phase::ToolInvoke,
            json!({"tool": "t", "arguments": {"a": 1}}),
        )
        .unwrap();
        assert_eq!(
            call.modified(r#"{"a": 2}"#).unwrap(),
            Payload::ToolInvoke {
                tool: "t".into(),
                arguments: json!({"a": 2})
            }
        );
        assert!(call.modified("[1]").is_err());
        assert!(Payload::Connection.modified("{}").is_err());
    }

    #[test]
    fn connection_payload_is_empty() {
        assert_eq!(
            Payload::from_json(Phase::Connection, Value::Null).unwrap(),
            Payload::Connection
        );
        assert!(Payload::from_json(Phase::Connection, json!([1])).is_err());
    }
}
