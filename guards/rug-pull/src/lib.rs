//! rug-pull: pins a fingerprint of every tool (name, description, input schema) per
//! server on first sight, and flags a later tools/list whose definition of a pinned tool
//! differs: deny `tool_definition_changed` (or warn, with `on_change: warn`).
//!
//! Pins live in the component instance, so they only outlast a call when the host keeps
//! the instance (`instance: persistent`); with `per_call` every list is a first sight.
//! Pins are never replaced: a changed tool keeps being flagged until the instance is reset.

use std::cell::RefCell;
use std::collections::BTreeMap;

use guard_kit::{Context, Guard, Host, Level, Tool, Verdict, settings};
use serde_json::{Value, json};

/// Deny code.
pub const CODE: &str = "tool_definition_changed";

/// 64-bit FNV-1a: a stable, non-cryptographic hash (enough to notice a change, not to
/// resist a forger who can also see the pins).
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    bytes
        .iter()
        .fold(OFFSET, |hash, &b| (hash ^ u64::from(b)).wrapping_mul(PRIME))
}

/// A tool's fingerprint: FNV-1a 64 over its name, description (absent ≠ empty) and input
/// schema; a schema that parses as JSON is canonicalised first (keys sorted, no
/// whitespace), so reformatting is not a change.
pub fn fingerprint(tool: &Tool) -> u64 {
    let schema = match serde_json::from_str::<Value>(&tool.input_schema) {
        Ok(value) => value.to_string(),
        Err(_) => tool.input_schema.clone(),
    };
    let mut bytes = Vec::with_capacity(tool.name.len() + schema.len() + 64);
    bytes.extend_from_slice(tool.name.as_bytes());
    bytes.push(0);
    match &tool.description {
        None => bytes.push(0),
        Some(description) => {
            bytes.push(1);
            bytes.extend_from_slice(description.as_bytes());
        }
    }
    bytes.push(0);
    bytes.extend_from_slice(schema.as_bytes());
    fnv1a64(&bytes)
}

/// Pinned fingerprints per (server name, tool name).
#[derive(Debug, Default)]
pub struct PinStore {
    pins: BTreeMap<(String, String), u64>,
}

impl PinStore {
    /// An empty store.
    pub fn new() -> Self {
        PinStore::default()
    }

    /// Number of pinned tools.
    pub fn len(&self) -> usize {
        self.pins.len()
    }

    /// Whether nothing is pinned yet.
    pub fn is_empty(&self) -> bool {
        self.pins.is_empty()
    }
}

/// What to do when a pinned tool changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OnChange {
    Deny,
    Warn,
}

/// Phase `tools_list`: pins unseen tools, compares seen ones.
pub fn evaluate_tools_list(
    store: &mut PinStore,
    server: &str,
    tools: &[Tool],
    on_change: OnChange,
) -> Verdict {
    let mut changed = Vec::new();
    for tool in tools {
        let current = fingerprint(tool);
        let key = (server.to_string(), tool.name.clone());
        let pinned = *store.pins.entry(key).or_insert(current);
        if pinned != current {
            changed.push((tool.name.as_str(), pinned, current));
        }
    }
    if changed.is_empty() {
        return Verdict::Allow;
    }
    let names: Vec<&str> = changed.iter().map(|(name, _, _)| *name).collect();
    match on_change {
        OnChange::Warn => Verdict::Warn(
            names
                .iter()
                .map(|name| {
                    format!("tool '{name}' on server '{server}' changed since it was first seen")
                })
                .collect(),
        ),
        OnChange::Deny => {
            let message = format!(
                "Tool definition changed since first seen on server '{server}': {}",
                names.join(", ")
            );
            let tools: Vec<Value> = changed
                .iter()
                .map(|(name, pinned, current)| {
                    json!({"tool": name, "pinned": format!("{pinned:016x}"), "current": format!("{current:016x}")})
                })
                .collect();
            Verdict::deny(CODE, message, json!({"server": server, "tools": tools}))
        }
    }
}

thread_local! {
    /// The instance's pins (a wasm instance is single-threaded: this is one static).
    static PINS: RefCell<PinStore> = RefCell::new(PinStore::new());
}

/// The guard, for [`guard_kit::export_guard!`].
pub struct RugPull;

impl Guard for RugPull {
    fn settings_schema() -> String {
        json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "rug-pull settings",
            "type": "object",
            "additionalProperties": false,
            "properties": {
                "on_change": {
                    "type": "string",
                    "enum": ["deny", "warn"],
                    "default": "deny",
                    "description": "What to do when a tool's name, description or input schema differs from the one pinned at first sight (per server): deny with code tool_definition_changed, or warn. Pins last as long as the guard instance (use instance: persistent).",
                },
            },
        })
        .to_string()
    }

    fn default_config() -> String {
        json!({"on_change": "deny"}).to_string()
    }

    fn tools_list(host: &dyn Host, tools: &[Tool], ctx: &Context) -> Result<Verdict, String> {
        let on_change =
            match settings::choice(host, "on_change", &["deny", "warn"], "deny")?.as_str() {
                "warn" => OnChange::Warn,
                _ => OnChange::Deny,
            };
        PINS.with_borrow_mut(|store| {
            let before = store.len();
            let verdict = evaluate_tools_list(store, &ctx.server_name, tools, on_change);
            let pinned = store.len() - before;
            if pinned > 0 {
                host.log(
                    Level::Info,
                    &format!(
                        "pinned {pinned} new tool(s) for server '{}'",
                        ctx.server_name
                    ),
                );
            }
            Ok(verdict)
        })
    }
}

guard_kit::export_guard!(crate::RugPull);

#[cfg(test)]
mod tests;
