//! What a call leaves behind: bounded logs, per-guard trace entries, guard failures.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Most log lines kept per guard call.
pub const MAX_LOG_LINES: usize = 256;
/// Most log bytes kept per guard call.
pub const MAX_LOG_BYTES: usize = 32 * 1024;
/// Longest single log line kept (longer ones are cut).
pub const MAX_LOG_LINE_BYTES: usize = 2 * 1024;

/// The detail of a refused memory growth (the memory limit's failure), on every host.
pub fn memory_limit_detail(desired_bytes: u64, limit_bytes: u64) -> String {
    format!(
        "tried to grow its memory to {desired_bytes} bytes, past max_memory_bytes = {limit_bytes}"
    )
}

/// Log level names by the contract's numbering (0 trace .. 4 error).
pub fn level_name(level: u8) -> &'static str {
    match level {
        0 => "trace",
        1 => "debug",
        2 => "info",
        3 => "warn",
        _ => "error",
    }
}

/// A guard's log for one call, bounded, with an explicit truncation marker.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogBuffer {
    pub lines: Vec<String>,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub dropped_lines: u64,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub dropped_bytes: u64,
    #[serde(skip)]
    bytes: usize,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl LogBuffer {
    /// Records a line as `WASM[<guard>] <level>: <message>`. Returns the line when it was
    /// kept (so the host can forward it to its own logger), `None` when it was dropped.
    pub fn push(&mut self, guard: &str, level: u8, message: &str) -> Option<&str> {
        if self.lines.len() >= MAX_LOG_LINES || self.bytes >= MAX_LOG_BYTES {
            self.dropped_lines += 1;
            self.dropped_bytes += message.len() as u64;
            return None;
        }
        let mut msg = message;
        if msg.len() > MAX_LOG_LINE_BYTES {
            let mut cut = MAX_LOG_LINE_BYTES;
            while !msg.is_char_boundary(cut) {
                cut -= 1;
            }
            msg = &msg[..cut];
        }
        let cut_note = if msg.len() < message.len() {
            format!(" … [{} bytes cut]", message.len() - msg.len())
        } else {
            String::new()
        };
        let line = format!("WASM[{guard}] {}: {msg}{cut_note}", level_name(level));
        self.bytes += line.len();
        self.lines.push(line);
        self.lines.last().map(String::as_str)
    }

    /// Whether anything was dropped.
    pub fn truncated(&self) -> bool {
        self.dropped_lines > 0
    }

    /// The kept lines followed by a truncation marker when lines were dropped.
    pub fn into_lines(mut self) -> Vec<String> {
        if self.truncated() {
            self.lines.push(format!(
                "[log truncated: {} more lines ({} bytes) dropped; limit {} lines / {} bytes per call]",
                self.dropped_lines, self.dropped_bytes, MAX_LOG_LINES, MAX_LOG_BYTES
            ));
        }
        self.lines
    }
}

/// A resource a guard can exhaust.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Resource {
    Memory,
    Fuel,
    Stack,
}

/// How a guard call failed. Every failure becomes the guard's failure_mode decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "detail")]
pub enum GuardFailure {
    /// The guard returned `Err(message)`.
    GuestError(String),
    /// The guard trapped (panic, unreachable, out-of-bounds access…).
    Trap(String),
    /// The guard ran past its time budget.
    Timeout { limit_ms: u64 },
    /// The guard hit a memory, fuel or stack limit.
    ResourceLimit { resource: Resource, detail: String },
    /// The guard returned something the contract does not allow here.
    InvalidDecision(String),
    /// The host could not instantiate or call the guard.
    Host(String),
    /// The guard's instance lives elsewhere (a Durable Object, `state: durable_object`)
    /// and the host could not reach it, or it failed to answer (this cause).
    Unreachable(String),
    /// A persistent guard lost its state earlier (this reason) and its
    /// `on_state_loss: fail_closed` refuses every call since.
    StateLost(String),
}

impl GuardFailure {
    /// The deny code used when the guard fails closed.
    pub fn code(&self) -> &'static str {
        match self {
            GuardFailure::Timeout { .. } => "guard_timeout",
            GuardFailure::ResourceLimit { .. } => "guard_resource_limit",
            GuardFailure::StateLost(_) => "guard_state_lost",
            _ => "guard_error",
        }
    }

    /// A message starting with the seed's troubleshooting wording, then cause and hint.
    pub fn message(&self, guard: &str) -> String {
        match self {
            GuardFailure::GuestError(e) => {
                format!("guard error: `{guard}` returned an error: {e}")
            }
            GuardFailure::Trap(e) => format!(
                "guard error: `{guard}` trapped: {e} (hint: check the guard for panics; run it with `guardhouse run --guard` to see its log)"
            ),
            GuardFailure::Timeout { limit_ms } => format!(
                "execution timeout: `{guard}` ran longer than {limit_ms} ms (hint: increase timeout_ms or make the guard do less per call)"
            ),
            GuardFailure::ResourceLimit { resource, detail } => {
                let hint = match resource {
                    Resource::Memory => "raise limits.max_memory_bytes or allocate less",
                    Resource::Fuel => "raise limits.max_fuel or do less work per call",
                    Resource::Stack => "avoid deep recursion",
                };
                format!("resource limit exceeded: `{guard}` {detail} (hint: {hint})")
            }
            GuardFailure::InvalidDecision(e) => format!(
                "invalid decision returned: `{guard}`: {e} (hint: modify must carry JSON of the payload's shape and deny details must be JSON)"
            ),
            GuardFailure::Host(e) => format!("module failed to load: `{guard}`: {e}"),
            GuardFailure::Unreachable(e) => format!(
                "guard unreachable: `{guard}` keeps its state in a Durable Object, which did not answer the call: {e} (hint: check the Worker's Durable Object binding and the object's logs)"
            ),
            GuardFailure::StateLost(reason) => format!(
                "state lost: `{guard}` lost its persistent state earlier and refuses every call until the gateway reloads (on_state_loss: fail_closed); the loss: {reason} (hint: find out why it failed, then reload)"
            ),
        }
    }

    /// The short kind name, for traces.
    pub fn kind(&self) -> &'static str {
        match self {
            GuardFailure::GuestError(_) => "guest_error",
            GuardFailure::Trap(_) => "trap",
            GuardFailure::Timeout { .. } => "timeout",
            GuardFailure::ResourceLimit { .. } => "resource_limit",
            GuardFailure::InvalidDecision(_) => "invalid_decision",
            GuardFailure::Host(_) => "host",
            GuardFailure::Unreachable(_) => "unreachable",
            GuardFailure::StateLost(_) => "state_lost",
        }
    }
}

impl fmt::Display for GuardFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message("guard"))
    }
}

/// What one guard did in one chain run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct GuardTrace {
    pub guard: String,
    pub hook: String,
    /// What the chain took from this guard: `allow`, `deny`, `modify`, `warn`, or
    /// `not_applicable` when the guard does not export the hook.
    pub decision: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// Set when the guard failed; `decision` is then its failure_mode decision.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<FailureInfo>,
    /// Wall time of the call in microseconds, including instantiation.
    pub duration_us: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fuel_used: Option<u64>,
    #[serde(default)]
    pub logs: Vec<String>,
    /// The guard is in audit mode: its `deny` or `modify` (`decision`) was recorded as a
    /// warning, not applied.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub audit: bool,
}

/// A guard failure as shown in a trace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct FailureInfo {
    pub kind: String,
    pub message: String,
}

/// What a host reports back for one guard call.
#[derive(Debug, Clone, PartialEq)]
pub struct GuardOutcome {
    /// `Ok(None)`: the guard does not export this hook.
    pub result: Result<Option<crate::Decision>, GuardFailure>,
    pub duration_us: u64,
    pub fuel_used: Option<u64>,
    pub logs: LogBuffer,
}

impl GuardOutcome {
    /// The guard does not export the hook of this phase.
    pub fn not_applicable() -> Self {
        Self {
            result: Ok(None),
            duration_us: 0,
            fuel_used: None,
            logs: LogBuffer::default(),
        }
    }

    /// The call failed before the guard could report anything (no logs, no fuel).
    pub fn failed(failure: GuardFailure, duration_us: u64) -> Self {
        Self {
            result: Err(failure),
            duration_us,
            fuel_used: None,
            logs: LogBuffer::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_buffer_is_bounded_and_marks_truncation() {
        let mut logs = LogBuffer::default();
        for i in 0..10_000 {
            logs.push("spam", 2, &format!("line {i}"));
        }
        assert!(logs.truncated());
        let lines = logs.into_lines();
        assert_eq!(lines.len(), MAX_LOG_LINES + 1);
        assert_eq!(lines[0], "WASM[spam] info: line 0");
        assert!(
            lines
                .last()
                .unwrap()
                .starts_with("[log truncated: 9744 more lines")
        );
    }

    #[test]
    fn long_lines_are_cut_on_a_char_boundary() {
        let mut logs = LogBuffer::default();
        let long = "é".repeat(MAX_LOG_LINE_BYTES);
        let kept = logs.push("g", 3, &long).unwrap().to_string();
        assert!(kept.ends_with("bytes cut]"));
        assert!(kept.len() < MAX_LOG_LINE_BYTES + 100);
    }

    #[test]
    fn failure_codes_and_seed_wording() {
        let t = GuardFailure::Timeout { limit_ms: 100 };
        assert_eq!(t.code(), "guard_timeout");
        assert!(
            t.message("g")
                .starts_with("execution timeout: `g` ran longer than 100 ms")
        );
        let inv = GuardFailure::InvalidDecision("x".into());
        assert!(inv.message("g").starts_with("invalid decision returned"));
        assert_eq!(inv.code(), "guard_error");
        let mem = GuardFailure::ResourceLimit {
            resource: Resource::Memory,
            detail: "d".into(),
        };
        assert_eq!(mem.code(), "guard_resource_limit");
    }
}
