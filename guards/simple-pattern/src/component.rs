//! The `security-guard` world bindings: converts WIT values to the plain API in `lib.rs`.

wit_bindgen::generate!({ path: "../../wit", world: "security-guard" });

use exports::mcp::security_guard::guard::{Decision, DenyReason, GuardContext, Guest, Tool};
use mcp::security_guard::host;

use crate::{Settings, ToolRef, Verdict};

const INFO: u8 = 2;

fn settings() -> Result<Settings, String> {
    Settings::from_config(host::get_config)
}

fn decision(verdict: Verdict) -> Decision {
    match verdict {
        Verdict::Allow => Decision::Allow,
        Verdict::Deny(r) => Decision::Deny(DenyReason {
            code: r.code,
            message: r.message,
            details: r.details,
        }),
        Verdict::Modify(json) => Decision::Modify(json),
    }
}

struct Component;

impl Guest for Component {
    fn evaluate_server_connection(_context: GuardContext) -> Result<Decision, String> {
        Ok(Decision::Allow)
    }

    fn evaluate_tools_list(tools: Vec<Tool>, _context: GuardContext) -> Result<Decision, String> {
        host::log(INFO, &format!("Evaluating {} tools", tools.len()));
        let settings = settings()?;
        let tools: Vec<ToolRef<'_>> = tools
            .iter()
            .map(|t| ToolRef {
                name: &t.name,
                description: t.description.as_deref(),
                input_schema: &t.input_schema,
            })
            .collect();
        Ok(decision(crate::evaluate_tools_list(&tools, &settings)))
    }

    fn evaluate_tool_invoke(
        tool_name: String,
        _arguments: String,
        _context: GuardContext,
    ) -> Result<Decision, String> {
        host::log(INFO, &format!("Evaluating call to tool '{tool_name}'"));
        Ok(decision(crate::evaluate_tool_invoke(
            &tool_name,
            &settings()?,
        )))
    }

    fn evaluate_response(_response: String, _context: GuardContext) -> Result<Decision, String> {
        Ok(Decision::Allow)
    }

    fn get_settings_schema() -> String {
        Settings::schema()
    }

    fn get_default_config() -> String {
        Settings::default().to_json()
    }
}

export!(Component);
