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

use crate::config::{GatewayConfig, GuardConfig, InstanceMode, OnStateLoss};
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

#[cfg(test)]
#[path = "state_tests.rs"]
mod tests;
