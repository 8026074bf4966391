//! Runs cases in the page: core's `ChainRun` driven from Rust, one guard call at a time
//! through the guard worker (`js/bridge.js` → `guard-worker.js` → guard-runtime.mjs).

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use serde_json::{Map, Value};

use guardhouse_core::case::{CASE_FORMAT, Case, CaseFile, CaseResult, SuiteReport};
use guardhouse_core::config::GuardConfig;
use guardhouse_core::host;
use guardhouse_core::{
    ChainRun, ContractVersion, Evaluation, GatewayConfig, GuardContext, GuardFailure, GuardOutcome,
    HookArgs, Screening, StateLedger,
};

use crate::hostcall;
use crate::js;
use crate::model::{PageGateway, Workbench};

/// Where the time of one guard call went, as the runtime measured it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CallTiming {
    pub guard: String,
    pub instantiate_us: Option<f64>,
    pub call_us: Option<f64>,
    /// Page-side wall time: postMessage there and back, including the call.
    pub wall_us: f64,
}

/// One evaluation with the page's timings.
#[derive(Debug, Clone, PartialEq)]
pub struct PageRun {
    pub evaluation: Evaluation,
    pub timings: Vec<CallTiming>,
}

/// What one guard needs from its module for a call.
struct Target {
    sha256: String,
    contract: ContractVersion,
}

fn targets(bench: &Workbench) -> HashMap<String, Target> {
    bench
        .gateway
        .security_guards
        .iter()
        .filter_map(|g| {
            bench.module_for(g).map(|m| {
                (
                    g.id.clone(),
                    Target {
                        sha256: m.info.sha256.clone(),
                        contract: m.info.contract,
                    },
                )
            })
        })
        .collect()
}

/// Calls one guard's hook through the worker, with its timeout.
async fn call_guard(
    g: &GuardConfig,
    target: Option<&Target>,
    settings: &Map<String, Value>,
    args: &HookArgs,
    context: &GuardContext,
) -> (GuardOutcome, CallTiming) {
    let mut timing = CallTiming {
        guard: g.id.clone(),
        ..CallTiming::default()
    };
    let Some(t) = target else {
        let why = format!("no module loaded for module_path `{}`", g.module_path);
        return (GuardOutcome::failed(GuardFailure::Host(why), 0), timing);
    };
    let hook = args.phase().hook();
    let args_json = hostcall::args_json(args, context, t.contract);
    let settings_json = hostcall::settings_json(settings);
    let limit_ms = g.effective_timeout_ms();
    let limits = hostcall::limits(g);
    let start = js::now();
    let reply = js::await_promise(js::call_guard(
        &g.id,
        &t.sha256,
        g.instance.as_str(),
        hook,
        &args_json,
        &settings_json,
        &limits.to_json(),
        limit_ms as f64,
    ))
    .await;
    timing.wall_us = (js::now() - start) * 1000.0;
    let outcome = match reply {
        Err(e) => GuardOutcome::failed(GuardFailure::Host(e), timing.wall_us as u64),
        Ok(r) if js::get(&r, "timeout").is_truthy() => {
            GuardOutcome::failed(GuardFailure::Timeout { limit_ms }, timing.wall_us as u64)
        }
        Ok(r) if !js::get(&r, "ok").is_truthy() => {
            let e = js::get(&r, "error").as_string().unwrap_or_default();
            GuardOutcome::failed(GuardFailure::Host(e), timing.wall_us as u64)
        }
        Ok(r) => {
            let text = js::get(&r, "result").as_string().unwrap_or_default();
            let (instantiate, call) = hostcall::timings(&text);
            timing.instantiate_us = instantiate;
            timing.call_us = call;
            hostcall::outcome(&g.id, &text, &limits, timing.wall_us)
        }
    };
    (outcome, timing)
}

thread_local! {
    /// What persistent guards lost, for the gateway it was kept for: a changed gateway or
    /// a state reset starts a new record, as the instances start over.
    static LEDGER: RefCell<Option<(GatewayConfig, Rc<StateLedger>)>> = const { RefCell::new(None) };
}

/// The state-loss record of `config` (core decides what a loss means).
fn ledger_for(config: &GatewayConfig) -> Rc<StateLedger> {
    LEDGER.with_borrow_mut(|slot| match slot {
        Some((kept, ledger)) if kept == config => ledger.clone(),
        _ => {
            let ledger = Rc::new(StateLedger::new(config));
            *slot = Some((config.clone(), ledger.clone()));
            ledger
        }
    })
}

/// Forgets every loss: the guard worker's instances were reset.
pub fn forget_losses() {
    LEDGER.with_borrow_mut(|slot| *slot = None);
}

/// Runs the chain of `bench` over one screening.
pub async fn evaluate(bench: &Workbench, screening: Screening) -> PageRun {
    let targets = targets(bench);
    let ledger = ledger_for(&bench.gateway);
    let mut run = ChainRun::new(&bench.gateway, screening).with_ledger(&ledger);
    let mut timings = Vec::new();
    while let Some(index) = run.next_guard() {
        let g = &bench.gateway.security_guards[index];
        let settings = run.settings(index).into_owned();
        let (outcome, timing) =
            call_guard(g, targets.get(&g.id), &settings, run.args(), run.context()).await;
        run.record(index, outcome);
        timings.push(timing);
    }
    PageRun {
        evaluation: run.finish(),
        timings,
    }
}

/// Runs every case of `file` and judges them with core's suite run, as `guardhouse test`
/// does, awaiting each chain: persistent instances start fresh.
pub async fn run_file(bench: &Workbench, file: &CaseFile) -> SuiteReport {
    let _ = js::await_promise(js::reset_instances()).await;
    forget_losses();
    drive(bench, file).await.0
}

/// Runs one case (keeping persistent instances) and judges it, with its guard calls'
/// timings.
pub async fn run_case(bench: &Workbench, case: Case) -> (CaseResult, Vec<CallTiming>) {
    let file = CaseFile {
        format: CASE_FORMAT.into(),
        name: None,
        gateway: None,
        cases: vec![case],
    };
    let (report, timings) = drive(bench, &file).await;
    let result = report.results.into_iter().next();
    (result.expect("a one-case file has one result"), timings)
}

/// Drives core's [`SuiteRun`] over the page's asynchronous chain.
async fn drive(bench: &Workbench, file: &CaseFile) -> (SuiteReport, Vec<CallTiming>) {
    let mut run = host::suite_run(&PageGateway::new(bench), file);
    let mut timings = Vec::new();
    while let Some((index, screening)) = run.next_case() {
        if run.needs_fresh_state(index) {
            let _ = js::await_promise(js::reset_instances()).await;
            forget_losses();
        }
        let page = evaluate(bench, screening).await;
        timings.extend(page.timings);
        run.record(index, Ok(page.evaluation));
    }
    (run.finish(), timings)
}
