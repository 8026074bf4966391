//! Chain semantics, for every host.
//!
//! A [`ChainRun`] is a small state machine: the host asks for the next guard to call,
//! calls it however its runtime does (synchronously under wasmtime, asynchronously in a
//! Worker or a browser), and hands back a [`GuardOutcome`]. The run decides what that
//! outcome means: deny stops the chain, modify replaces the payload, warn accumulates,
//! failures become the guard's failure_mode decision.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::config::{FailureMode, GatewayConfig, GuardConfig, GuardMode};
use crate::contract::{Decision, GuardContext, Phase};
use crate::payload::{HookArgs, Payload};
use crate::state::{Admission, StateLedger, reset_warning};
use crate::trace::{FailureInfo, GuardFailure, GuardOutcome, GuardTrace};

/// The chain's final verdict kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Allow,
    Deny,
    /// Allowed with a payload some guard rewrote.
    Modify,
    /// Allowed unchanged, with warnings.
    Warn,
}

impl Verdict {
    /// The name as serialized (`allow`, `deny`, `modify`, `warn`).
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Allow => "allow",
            Verdict::Deny => "deny",
            Verdict::Modify => "modify",
            Verdict::Warn => "warn",
        }
    }
}

/// Why the chain denied.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Denial {
    pub guard: String,
    pub code: String,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<Value>,
}

/// A warning, with the guard that raised it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Warning {
    pub guard: String,
    pub message: String,
}

/// The result of a chain run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Evaluation {
    pub phase: Phase,
    pub decision: Verdict,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deny: Option<Denial>,
    /// The payload the caller gets when a guard modified it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload: Option<Value>,
    #[serde(default)]
    pub warnings: Vec<Warning>,
    pub trace: Vec<GuardTrace>,
}

/// What to screen: a payload in a context, with optional per-guard config overrides and
/// an optional subset of the chain.
#[derive(Debug, Clone, PartialEq)]
pub struct Screening {
    pub payload: Payload,
    pub context: GuardContext,
    /// Per guard id, settings merged key by key over the configured ones.
    pub overrides: Map<String, Value>,
    /// Only these guard ids run (in chain order), when set.
    pub only: Option<Vec<String>>,
}

/// One evaluation of a chain over a payload.
pub struct ChainRun<'c> {
    config: &'c GatewayConfig,
    order: Vec<usize>,
    next: usize,
    screening: Screening,
    args: HookArgs,
    modified: bool,
    warnings: Vec<Warning>,
    trace: Vec<GuardTrace>,
    denial: Option<Denial>,
    ledger: Option<&'c StateLedger>,
    /// The guard about to run after a reset, and the loss to warn about.
    reset: Option<(usize, String)>,
}

impl<'c> ChainRun<'c> {
    /// Starts a run; guards that are disabled, not selected or not on this phase never run.
    pub fn new(config: &'c GatewayConfig, screening: Screening) -> Self {
        let order = Self::plan(config, &screening);
        let args = screening.payload.hook_args();
        Self {
            config,
            order,
            next: 0,
            screening,
            args,
            modified: false,
            warnings: Vec::new(),
            trace: Vec::new(),
            denial: None,
            ledger: None,
            reset: None,
        }
    }

    /// The guards a run over `screening` calls, in order (config indices): the enabled
    /// guards that run on its phase, of those it names when it names some.
    pub fn plan(config: &GatewayConfig, screening: &Screening) -> Vec<usize> {
        let phase = screening.payload.phase();
        config
            .chain_order()
            .into_iter()
            .filter(|&i| {
                let g = &config.security_guards[i];
                g.runs_on_phase(phase)
                    && screening
                        .only
                        .as_ref()
                        .is_none_or(|ids| ids.contains(&g.id))
            })
            .collect()
    }

    /// Keeps persistent guards' state losses in `ledger` (the loaded gateway's, shared by
    /// every run on it): a guard that lost its state is then warned about or refused, as
    /// its `on_state_loss` says.
    pub fn with_ledger(mut self, ledger: &'c StateLedger) -> Self {
        self.ledger = Some(ledger);
        self
    }

    /// The guards this run will call, in order (config indices).
    pub fn planned(&self) -> &[usize] {
        &self.order
    }

    pub fn phase(&self) -> Phase {
        self.screening.payload.phase()
    }

    pub fn context(&self) -> &GuardContext {
        &self.screening.context
    }

    /// The config index of the next guard to call, or `None` when the run is over.
    pub fn next_guard(&mut self) -> Option<usize> {
        loop {
            if self.denial.is_some() {
                return None;
            }
            let index = *self.order.get(self.next)?;
            self.next += 1;
            let Some(ledger) = self.ledger else {
                return Some(index);
            };
            match ledger.admit(index, &self.config.security_guards[index]) {
                Admission::Run => return Some(index),
                Admission::RunAfterReset(reason) => {
                    self.reset = Some((index, reason));
                    return Some(index);
                }
                // Not called: its refusal is recorded as its outcome.
                Admission::Refuse(failure) => self.record(index, GuardOutcome::failed(failure, 0)),
            }
        }
    }

    /// The hook arguments for the current payload (rebuilt only after a modify).
    pub fn args(&self) -> &HookArgs {
        &self.args
    }

    /// The settings guard `index` sees: its config with this screening's overrides.
    pub fn settings(&self, index: usize) -> Cow<'c, Map<String, Value>> {
        let guard = &self.config.security_guards[index];
        match self.screening.overrides.get(&guard.id) {
            Some(Value::Object(over)) => {
                let mut settings = guard.config.clone();
                for (k, v) in over {
                    settings.insert(k.clone(), v.clone());
                }
                Cow::Owned(settings)
            }
            _ => Cow::Borrowed(&guard.config),
        }
    }

    /// Whether this screening overrides guard `index`'s settings.
    pub fn has_overrides(&self, index: usize) -> bool {
        let id = &self.config.security_guards[index].id;
        self.screening.overrides.contains_key(id)
    }

    /// Applies what guard `index` did.
    pub fn record(&mut self, index: usize, outcome: GuardOutcome) {
        let guard = &self.config.security_guards[index];
        let mut entry = GuardTrace {
            guard: guard.id.clone(),
            hook: self.phase().hook().to_string(),
            decision: String::new(),
            code: None,
            failure: None,
            duration_us: outcome.duration_us,
            fuel_used: outcome.fuel_used,
            logs: outcome.logs.into_lines(),
            audit: false,
        };
        if let Some(ledger) = self.ledger {
            ledger.observe(index, guard, outcome.result.as_ref().err());
        }
        if let Some((_, reason)) = self.reset.take_if(|(i, _)| *i == index) {
            self.warnings.push(Warning {
                guard: guard.id.clone(),
                message: reset_warning(&reason),
            });
        }
        let result = outcome
            .result
            .and_then(|d| d.map(|d| self.validate(d)).transpose());
        let result = match guard.mode {
            GuardMode::Enforce => result,
            GuardMode::Audit => result.map(|applied| applied.map(Applied::audited)),
        };
        match result {
            Ok(None) => entry.decision = "not_applicable".into(),
            Ok(Some(Applied::Allow)) => entry.decision = "allow".into(),
            Ok(Some(Applied::Deny(denial))) => {
                entry.decision = "deny".into();
                entry.code = Some(denial.code.clone());
                self.denial = Some(Denial {
                    guard: guard.id.clone(),
                    ..denial
                });
            }
            Ok(Some(Applied::Modify(payload))) => {
                entry.decision = "modify".into();
                if let Some(message) = removed_tools(&self.screening.payload, &payload) {
                    self.warnings.push(Warning {
                        guard: guard.id.clone(),
                        message,
                    });
                }
                self.args = payload.hook_args();
                self.screening.payload = payload;
                self.modified = true;
            }
            Ok(Some(Applied::Warn(list))) => {
                entry.decision = "warn".into();
                self.warnings
                    .extend(list.into_iter().map(|message| Warning {
                        guard: guard.id.clone(),
                        message,
                    }));
            }
            Ok(Some(Applied::Audited {
                decision,
                code,
                would,
            })) => {
                entry.decision = decision.into();
                entry.code = code;
                entry.audit = true;
                self.warnings.push(Warning {
                    guard: guard.id.clone(),
                    message: format!("audit: {would}"),
                });
            }
            Err(failure) => self.fail(guard, failure, &mut entry),
        }
        self.trace.push(entry);
    }

    fn fail(&mut self, guard: &GuardConfig, failure: GuardFailure, entry: &mut GuardTrace) {
        let message = failure.message(&guard.id);
        entry.failure = Some(FailureInfo {
            kind: failure.kind().into(),
            message: message.clone(),
        });
        // A guard refused for its lost state denies whatever its failure_mode.
        let mode = match failure {
            GuardFailure::StateLost(_) => FailureMode::FailClosed,
            _ => guard.failure_mode,
        };
        match mode {
            FailureMode::FailClosed if guard.mode == GuardMode::Audit => {
                entry.decision = "deny".into();
                entry.code = Some(failure.code().into());
                entry.audit = true;
                self.warnings.push(Warning {
                    guard: guard.id.clone(),
                    message: format!("audit: would deny {}: {message}", failure.code()),
                });
            }
            FailureMode::FailClosed => {
                entry.decision = "deny".into();
                entry.code = Some(failure.code().into());
                self.denial = Some(Denial {
                    guard: guard.id.clone(),
                    code: failure.code().into(),
                    message,
                    details: Some(serde_json::json!({
                        "guard": guard.id,
                        "failure": failure.kind(),
                    })),
                });
            }
            FailureMode::FailOpen => {
                entry.decision = "allow".into();
                self.warnings.push(Warning {
                    guard: guard.id.clone(),
                    message: format!("failed open: {message}"),
                });
            }
        }
    }

    fn validate(&self, decision: Decision) -> Result<Applied, GuardFailure> {
        let invalid = GuardFailure::InvalidDecision;
        match decision {
            Decision::Allow => Ok(Applied::Allow),
            Decision::Warn(list) if list.is_empty() => Ok(Applied::Allow),
            Decision::Warn(list) => Ok(Applied::Warn(list)),
            Decision::Modify(text) => self
                .screening
                .payload
                .modified(&text)
                .map(Applied::Modify)
                .map_err(invalid),
            Decision::Deny(reason) => {
                if reason.code.trim().is_empty() {
                    return Err(invalid("deny with an empty code".into()));
                }
                let details = match reason.details {
                    None => None,
                    Some(text) => Some(
                        serde_json::from_str(&text)
                            .map_err(|e| invalid(format!("deny details are not JSON: {e}")))?,
                    ),
                };
                Ok(Applied::Deny(Denial {
                    guard: String::new(),
                    code: reason.code,
                    message: reason.message,
                    details,
                }))
            }
        }
    }

    /// Ends the run.
    pub fn finish(self) -> Evaluation {
        let decision = match (&self.denial, self.modified, self.warnings.is_empty()) {
            (Some(_), _, _) => Verdict::Deny,
            (None, true, _) => Verdict::Modify,
            (None, false, false) => Verdict::Warn,
            (None, false, true) => Verdict::Allow,
        };
        Evaluation {
            phase: self.screening.payload.phase(),
            decision,
            payload: (self.modified && self.denial.is_none())
                .then(|| self.screening.payload.to_json()),
            deny: self.denial,
            warnings: self.warnings,
            trace: self.trace,
        }
    }
}

/// A tools/list modify that drops tools (a guard filtering the list) is said out loud:
/// "removed tools: a, b", in list order.
fn removed_tools(before: &Payload, after: &Payload) -> Option<String> {
    let (Payload::ToolsList(before), Payload::ToolsList(after)) = (before, after) else {
        return None;
    };
    let kept: std::collections::HashSet<&str> = after.iter().map(|t| t.name.as_str()).collect();
    let removed: Vec<&str> = before
        .iter()
        .map(|t| t.name.as_str())
        .filter(|name| !kept.contains(name))
        .collect();
    (!removed.is_empty()).then(|| format!("removed tools: {}", removed.join(", ")))
}

enum Applied {
    Allow,
    Deny(Denial),
    Modify(Payload),
    Warn(Vec<String>),
    /// An audit-mode guard's deny or modify: traced and warned about, not applied.
    Audited {
        decision: &'static str,
        code: Option<String>,
        would: String,
    },
}

impl Applied {
    /// What an audit-mode guard's decision becomes.
    fn audited(self) -> Self {
        match self {
            Applied::Deny(denial) => Applied::Audited {
                decision: "deny",
                would: format!("would deny {}: {}", denial.code, denial.message),
                code: Some(denial.code),
            },
            Applied::Modify(_) => Applied::Audited {
                decision: "modify",
                code: None,
                would: "would modify the payload".into(),
            },
            other => other,
        }
    }
}

/// Drives `run` to its end with a synchronous guard caller:
/// `call(config_index, settings, args, context)` returns the guard's outcome.
pub fn evaluate_chain(
    mut run: ChainRun<'_>,
    mut call: impl FnMut(usize, &Map<String, Value>, &HookArgs, &GuardContext) -> GuardOutcome,
) -> Evaluation {
    while let Some(index) = run.next_guard() {
        let settings = run.settings(index);
        let outcome = call(index, &settings, run.args(), run.context());
        run.record(index, outcome);
    }
    run.finish()
}

#[cfg(test)]
#[path = "chain_tests.rs"]
mod tests;
