//! The serve bench's chain and request evaluated in this process, without HTTP: what
//! the guards and the runner cost per evaluation, what counting it in the metrics
//! costs, and how many evaluations two threads manage — the ceiling `serve` can
//! approach on this machine.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Result;
use serde::Serialize;

use guardhouse::engine::{EngineOptions, new_engine};
use guardhouse::guard::Linkers;
use guardhouse::metrics::Metrics;
use guardhouse::runner::{Observer, Runner, RunnerEnv};
use guardhouse_core::GatewayConfig;
use guardhouse_core::case::CaseFile;
use guardhouse_core::metrics::Source;

use crate::calls::latency;
use crate::serve::{chain_config, request_body};

/// The chain's cost in process.
#[derive(Debug, Clone, Serialize)]
pub struct ChainCost {
    /// Mean µs per evaluation, one thread, no observer (median of interleaved rounds).
    pub per_evaluation_us: f64,
    /// The same with the metrics observer `serve` attaches.
    pub per_evaluation_observed_us: f64,
    /// Recording one evaluation in the metrics alone.
    pub record_ns: f64,
    /// Evaluations per second with two threads sharing the runner.
    pub two_threads_per_sec: f64,
}

/// Interleaved rounds of this many evaluations each.
const ROUNDS: usize = 15;
const PER_ROUND: usize = 400;
/// How long the two-thread run lasts.
const THREADS_FOR: Duration = Duration::from_secs(2);

fn mean_us(runner: &Runner, case: &CaseFile, n: usize) -> f64 {
    let start = Instant::now();
    for _ in 0..n {
        std::hint::black_box(runner.evaluate(case.cases[0].screening().expect("screening")));
    }
    start.elapsed().as_secs_f64() * 1e6 / n as f64
}

/// Measures the chain in process.
pub fn run(guards_dir: &Path) -> Result<ChainCost> {
    let engine = new_engine(EngineOptions::default())?;
    let linkers = Linkers::new(&engine)?;
    let env = RunnerEnv {
        engine: &engine,
        linkers: &linkers,
        cache: None,
    };
    let load = || -> Result<Runner> {
        let config = GatewayConfig::parse("bench-chain.json", &chain_config(guards_dir)?)?;
        Runner::from_config(&env, config, Path::new(""))
    };
    let case = CaseFile::parse("bench-case.json", &request_body())?;
    let metrics = Arc::new(Metrics::new());
    let plain = load()?;
    let observed = load()?.observed(Observer {
        metrics: metrics.clone(),
        source: Source::Api,
    });
    mean_us(&plain, &case, PER_ROUND);
    mean_us(&observed, &case, PER_ROUND);
    // Interleaved, so drift on a busy machine hits both alike.
    let (mut without, mut with) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        without.push(mean_us(&plain, &case, PER_ROUND));
        with.push(mean_us(&observed, &case, PER_ROUND));
    }
    let evaluation = plain.evaluate(case.cases[0].screening().map_err(anyhow::Error::msg)?);
    let n = 100_000;
    let start = Instant::now();
    for _ in 0..n {
        metrics.evaluation(Source::Api, &evaluation);
    }
    let record_ns = start.elapsed().as_secs_f64() * 1e9 / n as f64;
    let done: usize = std::thread::scope(|s| {
        let workers: Vec<_> = (0..2)
            .map(|_| {
                s.spawn(|| {
                    let start = Instant::now();
                    let mut n = 0;
                    while start.elapsed() < THREADS_FOR {
                        std::hint::black_box(
                            observed.evaluate(case.cases[0].screening().expect("screening")),
                        );
                        n += 1;
                    }
                    n
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().expect("worker")).sum()
    });
    Ok(ChainCost {
        per_evaluation_us: latency("chain", without).p50_us,
        per_evaluation_observed_us: latency("chain, observed", with).p50_us,
        record_ns,
        two_threads_per_sec: done as f64 / THREADS_FOR.as_secs_f64(),
    })
}
