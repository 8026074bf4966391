//! Runs cases in the page: core's `ChainRun` driven from Rust, one guard call at a time
//! through the guard worker (`js/bridge.js` → `guard-worker.js` → guard-runtime.mjs).

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use serde_json::{Map, Value};

use guardhouse_core::case::{CASE_FORMAT, Case, CaseFile, CaseResult, SuiteReport};
use guardhouse_core::config::GuardConfig;
use guardhouse_core::host;
use guardhouse_core::jshost::{ArgsText, JsCall, JsGuard, JsHost, JsReply, timings_from_js};
use guardhouse_core::{
    ChainRun, Evaluation, GatewayConfig, GuardFailure, GuardOutcome, Screening, StateLedger,
};

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

/// The JS adapter (core's [`JsGuard`]) of every guard whose module is loaded, by id.
fn adapters(bench: &Workbench) -> HashMap<String, JsGuard> {
    bench
        .gateway
        .security_guards
        .iter()
        .filter_map(|g| {
            let m = bench.module_for(g)?;
            Some((
                g.id.clone(),
                JsGuard::new(g.clone(), m.info.clone(), JsHost::Browser),
            ))
        })
        .collect()
}

/// Carries `call` to the guard worker, which the page terminates when the call runs
/// past its budget; the reply and the page-side wall time in µs.
pub async fn carry(call: &JsCall<'_>) -> (JsReply, f64) {
    let start = js::now();
    let reply = js::await_promise(js::call_guard(&call.to_js())).await;
    let wall_us = (js::now() - start) * 1000.0;
    let reply = match reply {
        Err(e) => JsReply::Failed(e),
        Ok(r) if js::get(&r, "timeout").is_truthy() => JsReply::TimedOut,
        Ok(r) if !js::get(&r, "ok").is_truthy() => {
            JsReply::Failed(js::get(&r, "error").as_string().unwrap_or_default())
        }
        Ok(r) => JsReply::Result(js::get(&r, "result").as_string().unwrap_or_default()),
    };
    (reply, wall_us)
}

/// Calls one guard's hook through the worker.
async fn call_guard(
    g: &GuardConfig,
    guard: Option<&JsGuard>,
    settings: &Map<String, Value>,
    run: &ChainRun<'_>,
    text: &mut ArgsText,
) -> (GuardOutcome, CallTiming) {
    let mut timing = CallTiming {
        guard: g.id.clone(),
        ..CallTiming::default()
    };
    let Some(guard) = guard else {
        let why = format!("no module loaded for module_path `{}`", g.module_path);
        return (GuardOutcome::failed(GuardFailure::Host(why), 0), timing);
    };
    let Some(call) = guard.call(settings, run.args(), run.context(), text) else {
        return (GuardOutcome::not_applicable(), timing);
    };
    let (reply, wall_us) = carry(&call).await;
    timing.wall_us = wall_us;
    if let JsReply::Result(text) = &reply {
        let t = timings_from_js(text);
        timing.instantiate_us = Some(t.instantiate as f64);
        timing.call_us = Some(t.call as f64);
    }
    (guard.finish(reply, wall_us as u64), timing)
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
    let guards = adapters(bench);
    let ledger = ledger_for(&bench.gateway);
    let mut run = ChainRun::new(&bench.gateway, screening).with_ledger(&ledger);
    let mut text = ArgsText::default();
    let mut timings = Vec::new();
    while let Some(index) = run.next_guard() {
        let g = &bench.gateway.security_guards[index];
        let settings = run.settings(index).into_owned();
        let (outcome, timing) = call_guard(g, guards.get(&g.id), &settings, &run, &mut text).await;
        text.after(&outcome);
        run.record(index, outcome);
        timings.push(timing);
    }
    PageRun {
        evaluation: run.finish(),
        timings,
    }
}

/// Runs every case of `file` and judges them with core's suite run, as `guardhouse test`
/// does, awaiting each chain: persistent instances start fresh. Refused settings stop
/// the run, as they stop a gateway from loading on the other hosts.
pub async fn run_file(bench: &Workbench, file: &CaseFile) -> Result<SuiteReport, String> {
    run_file_with(bench, file, &|_| {}).await
}

/// [`run_file`], calling `progress` with the number of cases run after each one.
pub async fn run_file_with(
    bench: &Workbench,
    file: &CaseFile,
    progress: &dyn Fn(usize),
) -> Result<SuiteReport, String> {
    let gateway = PageGateway::new(bench)?;
    let _ = js::await_promise(js::reset_instances()).await;
    forget_losses();
    Ok(drive(bench, &gateway, file, progress).await.0)
}

/// Runs one case (keeping persistent instances) and judges it, with its guard calls'
/// timings.
pub async fn run_case(
    bench: &Workbench,
    case: Case,
) -> Result<(CaseResult, Vec<CallTiming>), String> {
    let gateway = PageGateway::new(bench)?;
    let file = CaseFile {
        format: CASE_FORMAT.into(),
        name: None,
        gateway: None,
        cases: vec![case],
    };
    let (report, timings) = drive(bench, &gateway, &file, &|_| {}).await;
    let result = report.results.into_iter().next();
    Ok((result.expect("a one-case file has one result"), timings))
}

/// Drives core's [`SuiteRun`] over the page's asynchronous chain.
async fn drive(
    bench: &Workbench,
    gateway: &PageGateway<'_>,
    file: &CaseFile,
    progress: &dyn Fn(usize),
) -> (SuiteReport, Vec<CallTiming>) {
    let mut run = host::suite_run(gateway, file);
    let mut timings = Vec::new();
    let mut done = 0;
    while let Some((index, screening)) = run.next_case() {
        if run.needs_fresh_state(index) {
            let _ = js::await_promise(js::reset_instances()).await;
            forget_losses();
        }
        let page = evaluate(bench, screening).await;
        timings.extend(page.timings);
        run.record(index, Ok(page.evaluation));
        done += 1;
        progress(done);
    }
    (run.finish(), timings)
}
