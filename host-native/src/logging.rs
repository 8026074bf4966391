//! Where the CLI's logs go: stderr, filtered by `RUST_LOG` (default `warn`), as text
//! lines for people or JSON lines for a log pipeline.

use guardhouse_core::telemetry::{EVALUATION_TARGET, EvaluationLog};

/// How log lines are written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// One human-readable line per event.
    #[default]
    Text,
    /// One JSON object per line (`timestamp`, `level`, `fields.message`, `target`).
    Json,
}

/// The filter when `RUST_LOG` is unset.
pub const DEFAULT_FILTER: &str = "warn";
/// The same for commands that report guests' decisions in bulk (`eval`): a guest's own
/// warnings would print once per case, so only its errors do.
pub const QUIET_GUESTS_FILTER: &str = "warn,guardhouse::wasm=error";

/// Installs the global logger with `default` as the filter unless `RUST_LOG` is set;
/// call once, before anything logs.
pub fn init(format: LogFormat, default: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

/// Writes one evaluation's structured event (target [`EVALUATION_TARGET`], level
/// `info`): its fields are [`EvaluationLog`]'s, as on the edge.
pub fn evaluation(log: &EvaluationLog) {
    tracing::info!(
        target: EVALUATION_TARGET,
        server = log.server.as_str(),
        tool = log.tool.as_deref(),
        phase = log.phase,
        decision = log.decision,
        code = log.code.as_deref(),
        guard = log.guard.as_deref(),
        guards = log.guards,
        failures = log.failures,
        audited = log.audited,
        warnings = log.warnings,
        duration_us = log.duration_us,
        "{}",
        log.message()
    );
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use guardhouse_core::Evaluation;

    use super::*;

    /// A writer that keeps what the subscriber writes.
    #[derive(Clone, Default)]
    struct Kept(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Kept {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn the_json_event_carries_the_fields_the_edge_writes() {
        let evaluation: Evaluation = serde_json::from_value(serde_json::json!({
            "phase": "tool_invoke", "decision": "deny",
            "deny": {"guard": "g", "code": "c", "message": "m"},
            "trace": [{"guard": "g", "hook": "h", "decision": "deny", "duration_us": 5, "logs": []}],
        }))
        .unwrap();
        let log = EvaluationLog::new("srv", Some("tool"), &evaluation);
        let kept = Kept::default();
        let writer = kept.clone();
        let subscriber = tracing_subscriber::fmt()
            .json()
            .with_writer(move || writer.clone())
            .finish();
        tracing::subscriber::with_default(subscriber, || super::evaluation(&log));
        let native: serde_json::Value = serde_json::from_slice(&kept.0.lock().unwrap()).unwrap();
        let edge: serde_json::Value = serde_json::from_str(&log.json_line("t")).unwrap();
        assert_eq!(native["fields"], edge["fields"]);
        assert_eq!(
            (&native["target"], &native["level"]),
            (&edge["target"], &edge["level"])
        );
    }
}
