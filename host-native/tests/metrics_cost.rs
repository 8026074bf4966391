//! What counting an evaluation costs: the bench's 3-guard chain with and without an
//! observer, and recording alone. Printed (`--nocapture`), not asserted: timings on a
//! shared machine are too noisy to gate on.

mod common;

use std::sync::Arc;
use std::time::Instant;

use common::*;
use guardhouse::metrics::Metrics;
use guardhouse::runner::{Observer, Runner};
use guardhouse_core::case::CaseFile;
use guardhouse_core::metrics::Source;

const CHAIN: &str = "security_guards:
  - {id: simple-pattern, module_path: guards/dist/simple-pattern.wasm, runs_on: [tools_list]}
  - {id: tool-poisoning, module_path: guards/dist/tool-poisoning.wasm, runs_on: [tools_list]}
  - {id: server-spoofing, module_path: guards/dist/server-spoofing.wasm, runs_on: [tools_list]}
";

const CASE: &str = "format: guardhouse.case/v1
name: bench
phase: tools_list
context: {server_name: files, server_url: 'https://files.example.com'}
payload:
  tools:
    - {name: read_file, description: Read a file from the workspace}
    - {name: list_dir, description: List a directory}
    - {name: search, description: Search files for text}
    - {name: stat, description: File metadata}
    - {name: write_note, description: Append a note}
";

/// Mean microseconds per evaluation over `n` evaluations.
fn mean_us(runner: &Runner, case: &CaseFile, n: usize) -> f64 {
    let start = Instant::now();
    for _ in 0..n {
        runner.evaluate(case.cases[0].screening().unwrap());
    }
    start.elapsed().as_secs_f64() * 1e6 / n as f64
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

#[test]
fn metrics_cost_per_evaluation() {
    for rel in ["simple-pattern", "tool-poisoning", "server-spoofing"] {
        component(&format!("guards/dist/{rel}.wasm"));
    }
    let case = CaseFile::parse("case.yaml", CASE).unwrap();
    let metrics = Arc::new(Metrics::new());
    let plain = runner(CHAIN);
    let observed = runner(CHAIN).observed(Observer {
        metrics: metrics.clone(),
        source: Source::Api,
    });
    let (rounds, per_round) = (15, 400);
    mean_us(&plain, &case, per_round);
    mean_us(&observed, &case, per_round);
    // Interleaved rounds, so drift on a busy machine hits both alike.
    let (mut without, mut with) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        without.push(mean_us(&plain, &case, per_round));
        with.push(mean_us(&observed, &case, per_round));
    }
    let evaluation = plain.evaluate(case.cases[0].screening().unwrap());
    let n = 100_000;
    let start = Instant::now();
    for _ in 0..n {
        metrics.evaluation(Source::Api, &evaluation);
    }
    let record_ns = start.elapsed().as_secs_f64() * 1e9 / n as f64;
    let (without, with) = (median(without), median(with));
    println!(
        "3-guard evaluation: {without:.1} µs without metrics, {with:.1} µs with \
         ({:+.2} µs, {:+.1}%); recording alone: {record_ns:.0} ns per evaluation \
         ({} observations)",
        with - without,
        (with / without - 1.0) * 100.0,
        guardhouse_core::metrics::evaluation(Source::Api, &evaluation).len(),
    );
    let counted = (rounds + 1) * per_round + n;
    let text = metrics.encode();
    let decision = evaluation.decision.as_str();
    let line = format!(
        "guardhouse_evaluations_total{{source=\"api\",phase=\"tools_list\",decision=\"{decision}\"}} {counted}"
    );
    assert!(text.contains(&line), "{line} not in:\n{text}");
}
