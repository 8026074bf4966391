//! Per-tool filtering, the setting `action: deny|filter` of the guards that judge a
//! tools/list tool by tool (tool-poisoning, rug-pull, simple-pattern): with `filter`, the
//! tools that would deny the list are removed and the rest passes as a modify.
//!
//! The warning naming the removed tools (`removed tools: a, b`) is core's: it compares a
//! tools_list modify with the list before it, whichever guard filtered. The proxy puts
//! each kept tool back as the upstream sent it and keeps the result's other fields
//! (`nextCursor`), so the guard only names what stays.

use serde_json::{Value, json};

use crate::host::Host;
use crate::settings;
use crate::types::{Tool, Verdict};

/// The setting's key.
pub const KEY: &str = "action";

/// What tools that would deny a tools/list cause (setting [`KEY`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Action {
    /// Deny the whole list (the default).
    #[default]
    Deny,
    /// Remove those tools and pass the rest.
    Filter,
}

impl Action {
    /// Reads the setting through the host's `get-config` (`deny` when not configured).
    pub fn from_host(host: &dyn Host) -> Result<Self, String> {
        Ok(
            match settings::choice(host, KEY, &["deny", "filter"], "deny")?.as_str() {
                "filter" => Action::Filter,
                _ => Action::Deny,
            },
        )
    }

    /// The setting's value as configured.
    pub fn name(self) -> &'static str {
        match self {
            Action::Deny => "deny",
            Action::Filter => "filter",
        }
    }

    /// The JSON Schema of the setting. `offending` says which tools would deny the list
    /// ("a tool at or past the threshold"), `codes` the deny codes it would carry.
    pub fn schema(offending: &str, codes: &str) -> Value {
        json!({
            "type": "string",
            "enum": ["deny", "filter"],
            "default": "deny",
            "description": format!(
                "What {offending} causes: deny the whole tools/list ({codes}), or filter: remove those tools and pass the rest (a modify; the host warns naming the removed tools)."
            ),
        })
    }
}

/// `tools` without the ones `remove` picks (by index), as a modify; `None` when it picks
/// none, so the caller's verdict stands.
pub fn without(tools: &[Tool], remove: impl Fn(usize) -> bool) -> Option<Verdict> {
    let kept: Vec<&Tool> = (0..tools.len())
        .filter(|&i| !remove(i))
        .map(|i| &tools[i])
        .collect();
    (kept.len() < tools.len()).then(|| Verdict::Modify(tools_payload(kept)))
}

/// The `tools_list` payload holding `tools`: `{"tools": [{name, description,
/// input_schema}]}`, each schema as JSON when it parses, as it was otherwise.
pub fn tools_payload<'a>(tools: impl IntoIterator<Item = &'a Tool>) -> String {
    let tools: Vec<Value> = tools
        .into_iter()
        .map(|t| {
            let schema = serde_json::from_str(&t.input_schema)
                .unwrap_or_else(|_| Value::String(t.input_schema.clone()));
            json!({"name": t.name, "description": t.description, "input_schema": schema})
        })
        .collect();
    json!({ "tools": tools }).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::MapHost;

    fn tools() -> Vec<Tool> {
        let mut odd = Tool::new("b", "B");
        odd.description = None;
        odd.input_schema = "not json".into();
        vec![Tool::new("a", "A"), odd, Tool::new("c", "C")]
    }

    #[test]
    fn without_keeps_the_rest_in_order_as_sent() {
        let Some(Verdict::Modify(text)) = without(&tools(), |i| i == 0) else {
            panic!("expected a modify")
        };
        let payload: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            payload,
            json!({"tools": [
                {"name": "b", "description": null, "input_schema": "not json"},
                {"name": "c", "description": "C", "input_schema": {"type": "object"}},
            ]})
        );
        assert_eq!(
            without(&tools(), |_| true),
            Some(Verdict::Modify(r#"{"tools":[]}"#.into()))
        );
        assert_eq!(without(&tools(), |_| false), None);
    }

    #[test]
    fn the_setting_defaults_to_deny_and_refuses_other_values() {
        let host = |config| MapHost::new(config);
        assert_eq!(Action::from_host(&host(json!({}))), Ok(Action::Deny));
        let filter = host(json!({"action": "filter"}));
        assert_eq!(Action::from_host(&filter), Ok(Action::Filter));
        assert!(Action::from_host(&host(json!({"action": "drop"}))).is_err());
        assert_eq!(Action::Filter.name(), "filter");
        let schema = Action::schema("a bad tool", "bad_tool");
        assert_eq!(schema["enum"], json!(["deny", "filter"]));
        assert_eq!(
            schema["description"],
            "What a bad tool causes: deny the whole tools/list (bad_tool), or filter: remove those tools and pass the rest (a modify; the host warns naming the removed tools)."
        );
    }
}
