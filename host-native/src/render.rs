//! Human renderings of results (`--json` prints the same structs as JSON).

use std::fmt::Write;

use guardhouse_core::case::SuiteReport;
use guardhouse_core::eval::{EvalReport, EvalSummary, Finding, Scores};
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

/// A rate as a percentage; `-` when its set is empty.
fn rate(r: Option<f64>) -> String {
    r.map_or("-".into(), |r| format!("{:.1}%", r * 100.0))
}

/// One row of the eval table.
fn eval_row(out: &mut String, widths: (usize, usize), guard: &str, set: &str, s: &Scores) {
    let _ = writeln!(
        out,
        "{guard:<gw$}  {set:<cw$}  {:>5}  {:>7}  {:>9}  {:>11}  {:>11}  {:>9}  {:>9}",
        s.cases,
        rate(s.recall_deny),
        rate(s.recall_deny_or_warn),
        rate(s.benign_deny_rate),
        rate(s.benign_warn_rate),
        rate(s.precision_deny),
        rate(s.precision_deny_or_warn),
        gw = widths.0,
        cw = widths.1,
    );
}

/// `guardhouse eval`'s report: per guard, a row per corpus (a line per label under a
/// corpus holding several) and its total over several corpora; then per guard and
/// corpus the first `list` misses and false alarms and every case that could not run.
pub fn eval(summary: &EvalSummary, list: usize) -> String {
    let mut out = String::new();
    let gw = summary
        .reports
        .iter()
        .map(|r| r.guard.len())
        .chain([5])
        .max()
        .unwrap_or(5);
    let cw = summary
        .reports
        .iter()
        .flat_map(|r| {
            let labels = r.categories.iter().map(|c| c.label.len() + 2);
            labels.chain([r.corpus.len()])
        })
        .chain([6])
        .max()
        .unwrap_or(6);
    let _ = writeln!(
        out,
        "{:<gw$}  {:<cw$}  {:>5}  {:>7}  {:>9}  {:>11}  {:>11}  {:>9}  {:>9}",
        "guard",
        "corpus",
        "cases",
        "recall",
        "deny|warn",
        "benign deny",
        "benign warn",
        "prec deny",
        "prec d|w",
    );
    // Guard by guard (reports come corpus by corpus), each guard's total last.
    for total in &summary.totals {
        // A corpus of phases the guard does not screen gets its note below, not a row.
        let scored = |r: &&EvalReport| r.overall.cases > 0 || !r.errors.is_empty();
        for r in summary
            .reports
            .iter()
            .filter(|r| r.guard == total.guard)
            .filter(scored)
        {
            eval_row(&mut out, (gw, cw), &r.guard, &r.corpus, &r.overall);
            if r.categories.len() > 1 {
                for c in &r.categories {
                    let label = format!("  {}", c.label);
                    eval_row(&mut out, (gw, cw), "", &label, &c.scores);
                }
            }
        }
        if total.corpora > 1 {
            let set = format!("total ({} corpora)", total.corpora);
            eval_row(&mut out, (gw, cw), &total.guard, &set, &total.overall);
        }
    }
    let _ = writeln!(
        out,
        "(recall: attacks denied; deny|warn: attacks denied or warned about; benign deny / \
         warn: benign cases denied / only warned about; prec: attacks among the cases denied, \
         or denied or warned)"
    );
    let lw = summary
        .reports
        .iter()
        .flat_map(|r| r.categories.iter().map(|c| c.label.len()))
        .max()
        .unwrap_or(6);
    for total in &summary.totals {
        let reports: Vec<&EvalReport> = summary
            .reports
            .iter()
            .filter(|r| r.guard == total.guard)
            .collect();
        let skipped: usize = reports.iter().map(|r| r.not_screened).sum();
        if skipped > 0 {
            let _ = writeln!(
                out,
                "{}: {skipped} cases of phases it does not screen were skipped",
                total.guard
            );
        }
        for r in reports {
            let head = format!("{} on {}", r.guard, r.corpus);
            if r.guard_failures > 0 {
                let _ = writeln!(
                    out,
                    "{head}: the guard failed on {} cases",
                    r.guard_failures
                );
            }
            findings(&mut out, &format!("misses — {head}"), &r.misses, (list, lw));
            let alarms = &r.false_alarms;
            findings(
                &mut out,
                &format!("false alarms — {head}"),
                alarms,
                (list, lw),
            );
            if !r.errors.is_empty() {
                let _ = writeln!(out, "errors — {head} ({}):", r.errors.len());
                for e in &r.errors {
                    let _ = writeln!(out, "  {:<lw$} {}: {}", e.label, e.case, e.error);
                }
            }
        }
    }
    out
}

/// The longest message shown in a finding.
const MAX_MESSAGE_CHARS: usize = 100;

/// The first `list` findings under `title`, labels padded to `lw`.
fn findings(out: &mut String, title: &str, all: &[Finding], (list, lw): (usize, usize)) {
    if all.is_empty() {
        return;
    }
    let _ = writeln!(out, "{title} ({}):", all.len());
    for f in all.iter().take(list) {
        let mut why = match (&f.code, &f.message) {
            (Some(code), Some(m)) => format!(" — {code}: {m}"),
            (None, Some(m)) => format!(" — {m}"),
            (Some(code), None) => format!(" — {code}"),
            (None, None) => String::new(),
        };
        if let Some((cut, _)) = why.char_indices().nth(MAX_MESSAGE_CHARS) {
            why.truncate(cut);
            why.push('…');
        }
        let _ = writeln!(
            out,
            "  {:<6} {:<lw$} {}{why}",
            f.decision.as_str(),
            f.label,
            f.case
        );
    }
    if all.len() > list {
        let _ = writeln!(out, "  … and {} more", all.len() - list);
    }
}
