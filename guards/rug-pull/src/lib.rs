//! rug-pull: pins a fingerprint of every tool (name, description, input schema, and the
//! `title`, `annotations` and `outputSchema` the proxy passes in the context metadata as
//! `mcp.tool_fields`) per server on first sight, and flags a later tools/list whose
//! definition of a pinned tool differs: deny `tool_definition_changed` (or warn, with
//! `on_change: warn`; or, with `action: filter`, remove that tool and pass the rest).
//!
//! Pins live in the component instance, so they only outlast a call when the host keeps
//! the instance (`instance: persistent`); with `per_call` every list is a first sight.
//! Pins are never replaced: a changed tool keeps being flagged until the instance is reset.
//! Their memory is bounded by the guard itself — a fixed 24 bytes per pin (hashed keys),
//! at most `max_tools_per_server` per server and [`MAX_PINS`] in all — so a server that
//! announces ever more tools cannot push the instance into its memory limit (a trap that
//! would lose every pin): past the cap, new tools are refused (`pin_limit_reached`), or
//! warned about with `on_change: warn`.

use std::cell::RefCell;
use std::collections::BTreeMap;

use guard_kit::{Action, Context, Guard, Host, Level, Tool, Verdict, filter, settings};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// Deny code for a changed definition.
pub const CODE: &str = "tool_definition_changed";
/// Deny code for a tool that cannot be pinned because the server's pins are full.
pub const LIMIT_CODE: &str = "pin_limit_reached";
/// Default `max_tools_per_server`.
pub const DEFAULT_MAX_PER_SERVER: usize = 1000;
/// Pins across all servers, whatever the settings: 24 bytes each, about 1.5 MiB.
pub const MAX_PINS: usize = 65_536;

/// The first 8 bytes of SHA-256, as a number: collision resistant as far as a hostile
/// server can reach (it would need a second preimage of 64 bits).
fn digest64(bytes: &[u8]) -> u64 {
    let hash = Sha256::digest(bytes);
    let mut first = [0u8; 8];
    first.copy_from_slice(&hash[..8]);
    u64::from_be_bytes(first)
}

/// A tool's fingerprint over its name, description (absent ≠ empty), input schema and,
/// when given and not empty, the `fields` the contract's record cannot carry (`title`,
/// `annotations`, `outputSchema`). JSON is canonicalised first (keys sorted, no
/// whitespace), so reformatting is not a change.
pub fn fingerprint(tool: &Tool, fields: Option<&Value>) -> u64 {
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
    if let Some(fields) = fields.filter(|f| f.as_object().is_some_and(|o| !o.is_empty())) {
        bytes.push(0);
        bytes.extend_from_slice(fields.to_string().as_bytes());
    }
    digest64(&bytes)
}

/// Pinned fingerprints per (server, tool), keyed by hashes so a pin's size is fixed.
#[derive(Debug, Default)]
pub struct PinStore {
    pins: BTreeMap<(u64, u64), u64>,
    per_server: BTreeMap<u64, usize>,
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

/// The settings that shape a verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Policy {
    pub on_change: OnChange,
    pub max_tools_per_server: usize,
    /// With [`OnChange::Deny`], whether the tools that would deny are removed instead.
    pub action: Action,
}

impl Policy {
    /// `on_change` with the default cap, denying the whole list.
    pub fn new(on_change: OnChange) -> Self {
        Policy {
            on_change,
            max_tools_per_server: DEFAULT_MAX_PER_SERVER,
            action: Action::Deny,
        }
    }
}

/// What the tools that would deny the list cause, as the schema says.
const OFFENDING: &str = "a changed tool or one past max_tools_per_server (with on_change: deny)";

/// Phase `tools_list`: pins unseen tools, compares seen ones. `fields[i]`, when present,
/// belongs to `tools[i]`. With `on_change: deny` and `action: filter`, the changed and
/// unpinnable tools are removed (their pins stay, so they are removed again next time).
pub fn evaluate_tools_list(
    store: &mut PinStore,
    server: &str,
    tools: &[Tool],
    fields: &[Value],
    policy: Policy,
) -> Verdict {
    let server_key = digest64(server.as_bytes());
    let mut changed = Vec::new();
    let mut unpinned = Vec::new();
    let mut offending = Vec::new();
    for (i, tool) in tools.iter().enumerate() {
        let current = fingerprint(tool, fields.get(i));
        let key = (server_key, digest64(tool.name.as_bytes()));
        match store.pins.get(&key) {
            Some(&pinned) if pinned != current => {
                changed.push((tool.name.as_str(), pinned, current));
                offending.push(i);
            }
            Some(_) => {}
            None => {
                let count = store.per_server.entry(server_key).or_default();
                if *count >= policy.max_tools_per_server || store.pins.len() >= MAX_PINS {
                    unpinned.push(tool.name.as_str());
                    offending.push(i);
                } else {
                    *count += 1;
                    store.pins.insert(key, current);
                }
            }
        }
    }
    if policy.on_change == OnChange::Deny
        && policy.action == Action::Filter
        && let Some(filtered) = filter::without(tools, |i| offending.contains(&i))
    {
        return filtered;
    }
    if !changed.is_empty() {
        return on_changed(server, &changed, policy.on_change);
    }
    if unpinned.is_empty() {
        return Verdict::Allow;
    }
    let message = format!(
        "server '{server}' announces more tools than rug-pull pins (max_tools_per_server {}, {} in all); not pinned: {}",
        policy.max_tools_per_server,
        MAX_PINS,
        unpinned.join(", ")
    );
    match policy.on_change {
        OnChange::Warn => Verdict::Warn(vec![message]),
        OnChange::Deny => Verdict::deny(
            LIMIT_CODE,
            message,
            json!({"server": server, "not_pinned": unpinned.len()}),
        ),
    }
}

fn on_changed(server: &str, changed: &[(&str, u64, u64)], on_change: OnChange) -> Verdict {
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
                    "description": "What to do when a tool's definition (name, description, input schema, and the title, annotations and outputSchema the proxy passes) differs from the one pinned at first sight (per server): deny with code tool_definition_changed, or warn. Also what happens to tools past max_tools_per_server (pin_limit_reached). Pins last as long as the guard instance (use instance: persistent).",
                },
                "max_tools_per_server": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": MAX_PINS,
                    "default": DEFAULT_MAX_PER_SERVER,
                    "description": "Tools pinned per server; more are refused (or warned about), so a server cannot grow the pins until the instance traps and loses them all.",
                },
                "action": Action::schema(OFFENDING, "tool_definition_changed, pin_limit_reached"),
            },
        })
        .to_string()
    }

    fn default_config() -> String {
        json!({
            "on_change": "deny",
            "max_tools_per_server": DEFAULT_MAX_PER_SERVER,
            "action": Action::Deny.name(),
        })
        .to_string()
    }

    fn tools_list(host: &dyn Host, tools: &[Tool], ctx: &Context) -> Result<Verdict, String> {
        let on_change =
            match settings::choice(host, "on_change", &["deny", "warn"], "deny")?.as_str() {
                "warn" => OnChange::Warn,
                _ => OnChange::Deny,
            };
        let max = settings::count(host, "max_tools_per_server", DEFAULT_MAX_PER_SERVER as u64)?;
        let policy = Policy {
            on_change,
            max_tools_per_server: usize::try_from(max).unwrap_or(MAX_PINS).clamp(1, MAX_PINS),
            action: Action::from_host(host)?,
        };
        let fields = ctx.tool_fields();
        PINS.with_borrow_mut(|store| {
            let before = store.len();
            let verdict = evaluate_tools_list(store, &ctx.server_name, tools, &fields, policy);
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
