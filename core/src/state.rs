//! What persistent guards lose when their instance fails, and what follows: one ledger
//! per loaded gateway, consulted by core's chain run on every host.
//!
//! A persistent instance that traps, times out or hits a limit is dropped by its host (it
//! may be in any state), and with it whatever the guard kept: rug-pull's pins, a rate
//! limiter's counters. An attacker who can force such a failure (many unique tool names
//! until the memory limit) would otherwise wipe the state silently, and the next call
//! would treat a changed tool as first seen. The ledger makes the loss visible: with
//! `on_state_loss: reset` (the default) the next evaluation that runs the guard carries a
//! warning naming the loss; with `fail_closed` every later call is refused
//! (`guard_state_lost`) until the gateway is reloaded.

use std::sync::Mutex;

use serde_json::{Value, json};

use crate::config::{GatewayConfig, GuardConfig, InstanceMode, OnStateLoss, StateKey};
use crate::contract::GuardContext;
use crate::trace::GuardFailure;

/// Per guard of one loaded gateway (config order): why its state was lost, if it was.
#[derive(Debug, Default)]
pub struct StateLedger {
    lost: Mutex<Vec<Option<Loss>>>,
}

#[derive(Debug, Clone)]
struct Loss {
    reason: String,
    /// Whether a reset has been reported (a warning) since.
    reported: bool,
}

/// What the chain does with a guard before calling it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Admission {
    /// Call it.
    Run,
    /// Call it (it starts over), and warn about the loss.
    RunAfterReset(String),
    /// Do not call it: it lost its state and `on_state_loss` is `fail_closed`.
    Refuse(GuardFailure),
}

impl StateLedger {
    /// A ledger for `config`'s guards, none of which has lost anything.
    pub fn new(config: &GatewayConfig) -> Self {
        Self {
            lost: Mutex::new(vec![None; config.security_guards.len()]),
        }
    }

    fn with<T>(&self, f: impl FnOnce(&mut Vec<Option<Loss>>) -> T) -> T {
        // A poisoned lock only means a panic elsewhere; the vector is always consistent.
        let mut lost = self.lost.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut lost)
    }

    /// What to do with guard `index` before calling it.
    pub fn admit(&self, index: usize, guard: &GuardConfig) -> Admission {
        self.with(|lost| {
            let Some(Some(loss)) = lost.get_mut(index) else {
                return Admission::Run;
            };
            match guard.on_state_loss.unwrap_or_default() {
                OnStateLoss::FailClosed => {
                    Admission::Refuse(GuardFailure::StateLost(loss.reason.clone()))
                }
                OnStateLoss::Reset if loss.reported => Admission::Run,
                OnStateLoss::Reset => {
                    loss.reported = true;
                    Admission::RunAfterReset(loss.reason.clone())
                }
            }
        })
    }

    /// Notes how guard `index`'s call ended: a persistent guard whose call failed (other
    /// than by returning an error, which leaves the instance as it was) lost its state.
    pub fn observe(&self, index: usize, guard: &GuardConfig, failure: Option<&GuardFailure>) {
        if guard.instance != InstanceMode::Persistent {
            return;
        }
        let Some(failure) = failure.filter(|f| drops_instance(f)) else {
            return;
        };
        let reason = failure.message(&guard.id);
        self.with(|lost| {
            if let Some(slot) = lost.get_mut(index) {
                *slot = Some(Loss {
                    reason,
                    reported: false,
                });
            }
        });
    }
}

/// Whether hosts drop a persistent instance after `failure` (host-native `guard.rs`,
/// `core/js/guard-runtime.mjs`): a trap, a timeout or a limit leaves it in an unknown
/// state; an error the guard returned, or a host that could not instantiate it, does not.
fn drops_instance(failure: &GuardFailure) -> bool {
    matches!(
        failure,
        GuardFailure::Trap(_) | GuardFailure::Timeout { .. } | GuardFailure::ResourceLimit { .. }
    )
}

/// The warning of the first evaluation after a reset.
pub fn reset_warning(reason: &str) -> String {
    format!(
        "lost its persistent state and started over (on_state_loss: reset): {reason}; what it kept before (pins, counters) is gone"
    )
}

/// Whose persistent state a set of instances holds. Hosts keep live traffic's instances
/// (`/mcp`) apart from the API's (`/v1/evaluate`), so an API caller can neither read nor
/// reset the state that screens live traffic; a Durable Object's name carries the scope
/// for the same reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StateScope {
    /// The instances that screen live traffic (`/mcp`).
    Live,
    /// `/v1/evaluate`'s instances.
    Api,
}

impl StateScope {
    /// `live` or `api`.
    pub fn as_str(self) -> &'static str {
        match self {
            StateScope::Live => "live",
            StateScope::Api => "api",
        }
    }
}

/// How long a host waits for a Durable Object's answer beyond the call's own time
/// budget: an object runs one call at a time, so a call may wait behind others for the
/// same key, and an object that was not in memory starts first (instantiating its guard).
pub const DURABLE_OBJECT_GRACE_MS: u64 = 5_000;

/// The longest a host waits for the Durable Object holding `guard` to answer a call.
pub fn durable_object_wait_ms(guard: &GuardConfig) -> u64 {
    guard
        .effective_timeout_ms()
        .saturating_add(DURABLE_OBJECT_GRACE_MS)
}

/// Why a call got no answer within [`durable_object_wait_ms`].
pub fn durable_object_timeout(wait_ms: u64) -> String {
    format!(
        "it took longer than {wait_ms} ms (the call's timeout_ms plus {DURABLE_OBJECT_GRACE_MS} ms for queueing and start-up)"
    )
}

/// The name of the Durable Object that holds `state: durable_object` guard `guard`'s
/// instance for a screening in `context`: a JSON array of the scope, the guard id, the
/// server name and, with `state_key: session`, the MCP session id (`null` without one).
/// JSON keeps it unambiguous whatever the names contain; a Worker derives the object's
/// id from it, so every isolate and location reaches the same object.
pub fn durable_object_name(
    scope: StateScope,
    guard: &GuardConfig,
    context: &GuardContext,
) -> String {
    let mut name = vec![
        json!(scope.as_str()),
        json!(guard.id),
        json!(context.server_name),
    ];
    if guard.state_key.unwrap_or_default() == StateKey::Session {
        name.push(session_id(context).map_or(Value::Null, Value::String));
    }
    Value::Array(name).to_string()
}

/// The MCP session of a screening: `metadata.mcp.session_id` (the proxy puts the
/// `mcp-session-id` header there; a case may set it in its context).
fn session_id(context: &GuardContext) -> Option<String> {
    let metadata: Value = serde_json::from_str(&context.metadata).ok()?;
    metadata
        .pointer("/mcp/session_id")?
        .as_str()
        .map(str::to_string)
}

#[cfg(test)]
#[path = "state_tests.rs"]
mod tests;
