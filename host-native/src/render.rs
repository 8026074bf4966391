//! Human renderings of results (`--json` prints the same structs as JSON).

use std::fmt::Write;

use guardhouse_core::case::SuiteReport;
use guardhouse_core::inspect::ComponentInfo;
use guardhouse_core::{Evaluation, Verdict};

/// The verdict in one word.
pub fn verdict(v: Verdict) -> &'static str {
    match v {
        Verdict::Allow => "ALLOW",
        Verdict::Deny => "DENY",
        Verdict::Modify => "MODIFY",
        Verdict::Warn => "WARN",
    }
}

/// A decision with its reason, warnings, modified payload and per-guard trace.
pub fn evaluation(eval: &Evaluation) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "decision: {} ({})", verdict(eval.decision), eval.phase);
    if let Some(d) = &eval.deny {
        let _ = writeln!(out, "  denied by {}: {} — {}", d.guard, d.code, d.message);
        if let Some(details) = &d.details {
            let _ = writeln!(out, "  details: {details}");
        }
    }
    for w in &eval.warnings {
        let _ = writeln!(out, "  warning [{}]: {}", w.guard, w.message);
    }
    if let Some(p) = &eval.payload {
        let _ = writeln!(out, "  modified payload: {p}");
    }
    let _ = writeln!(out, "trace:");
    let _ = writeln!(
        out,
        "  {:<22} {:<16} {:>10} {:>12}  hook",
        "guard", "decision", "µs", "fuel"
    );
    for t in &eval.trace {
        let decision = match &t.code {
            Some(code) => format!("{} {code}", t.decision),
            None => t.decision.clone(),
        };
        let fuel = t.fuel_used.map_or("-".into(), |f| f.to_string());
        let _ = writeln!(
            out,
            "  {:<22} {:<16} {:>10} {:>12}  {}",
            t.guard, decision, t.duration_us, fuel, t.hook
        );
        if let Some(f) = &t.failure {
            let _ = writeln!(out, "    failure ({}): {}", f.kind, f.message);
        }
        for line in &t.logs {
            let _ = writeln!(out, "    {line}");
        }
    }
    out
}

/// `opa test`-style table: one line per case, failures explained, then the totals.
pub fn suite(report: &SuiteReport) -> String {
    let mut out = String::new();
    if let Some(name) = &report.name {
        let _ = writeln!(out, "{name}");
    }
    for r in &report.results {
        let got = r.evaluation.as_ref().map_or("error".to_string(), |e| {
            let code = e
                .deny
                .as_ref()
                .map(|d| format!(" {}", d.code))
                .unwrap_or_default();
            format!("{}{code}", verdict(e.decision).to_lowercase())
        });
        let _ = writeln!(
            out,
            "  {} {:<56} {}",
            if r.passed { "PASS" } else { "FAIL" },
            r.name,
            got
        );
        for f in &r.failures {
            let _ = writeln!(out, "       {f}");
        }
    }
    out
}

/// `guardhouse inspect`'s report.
pub fn component(
    path: &str,
    info: &ComponentInfo,
    schema: Option<&str>,
    defaults: Option<&str>,
) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "file:      {path}");
    let _ = writeln!(out, "contract:  {}", info.contract);
    let _ = writeln!(out, "size:      {} bytes", info.size);
    let _ = writeln!(out, "sha256:    {}", info.sha256);
    let _ = writeln!(
        out,
        "pin:       sha256: {}   (the gateway entry's line)",
        info.sha256
    );
    let _ = writeln!(out, "exports:   {}", info.exports.join(", "));
    let _ = writeln!(out, "imports:   {}", info.imports.join(", "));
    let _ = writeln!(
        out,
        "wasi:      {}",
        if info.wasi {
            "yes (runs with nothing granted)"
        } else {
            "no"
        }
    );
    if let Some(version) = &info.wasi_version {
        let _ = writeln!(out, "wasi version: {version}");
    }
    if !info.producers.is_empty() {
        let made: Vec<String> = info.producers.iter().map(|p| p.label()).collect();
        let _ = writeln!(out, "producers: {}", made.join("; "));
    }
    if let Some(s) = schema {
        let pretty = serde_json::from_str::<serde_json::Value>(s)
            .and_then(|v| serde_json::to_string_pretty(&v))
            .unwrap_or_else(|_| s.to_string());
        let _ = writeln!(out, "settings schema:\n{pretty}");
    }
    if let Some(d) = defaults {
        let _ = writeln!(out, "default config: {d}");
    }
    out
}
