//! The gateway a Worker serves: loaded once per isolate from the generated registry.
//!
//! Worker state is per isolate: every isolate (and every Cloudflare location) loads the
//! gateway itself, and `persistent` guard instances are shared by the requests one
//! isolate serves, never across isolates — except for guards with
//! `state: durable_object`, whose instance a Durable Object holds (`crate::state`).

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::rc::Rc;

use serde::Deserialize;

use guardhouse_core::host::{GatewayInfo, GuardSettings, LoadedGateway, ready_now};
use guardhouse_core::inspect::ComponentInfo;
use guardhouse_core::jshost::ArgsText;
use guardhouse_core::mcp::Screener;
use guardhouse_core::telemetry::EvaluationLog;
use guardhouse_core::{
    ChainRun, Document, Evaluation, GatewayConfig, Screening, StateLedger, StatePlacement,
};

use crate::guard::{EdgeGuard, GuardLoadError};
use crate::js::{self, GuardPool};
use crate::state::{self, DurableState};

/// A gateway of the registry.
#[derive(Debug, Deserialize)]
struct GatewayEntry {
    yaml: String,
    path: String,
    /// Guard id → module sha256.
    guards: BTreeMap<String, String>,
}

/// A loaded gateway: config plus one [`EdgeGuard`] per configured guard, in config order,
/// and the runtime instances they run in.
pub struct EdgeGateway {
    pub config: GatewayConfig,
    pub guards: Vec<EdgeGuard>,
    pool: GuardPool,
    /// What persistent guards lost (core decides what follows).
    ledger: StateLedger,
}

impl EdgeGateway {
    /// Loads gateway `name`: parses its YAML with core, prepares every guard, runs the
    /// settings hooks and checks the configured settings; a `state: durable_object` guard
    /// needs the Worker's Durable Object binding (`state_bound`). Errors are located in
    /// the YAML.
    pub fn load(name: &str, state_bound: bool) -> Result<Self, String> {
        let entry: GatewayEntry = serde_json::from_str(&js::gateway_json(name)?)
            .map_err(|e| format!("registry gateway `{name}`: {e}"))?;
        let doc = Document::parse(&entry.path, &entry.yaml).map_err(|e| e.to_string())?;
        let config = GatewayConfig::from_document(&doc, "").map_err(|e| e.to_string())?;
        let pool = GuardPool::empty();
        let mut guards = Vec::with_capacity(config.security_guards.len());
        for (i, g) in config.security_guards.iter().enumerate() {
            let located = |key: &str, msg: String| {
                doc.error(&GatewayConfig::path_of(i, key), msg).to_string()
            };
            let Some(sha) = entry.guards.get(&g.id) else {
                return Err(located(
                    "module_path",
                    format!(
                        "module failed to load: guard `{}` is not in the registry (hint: rebuild with scripts/build-edge.sh)",
                        g.id
                    ),
                ));
            };
            if g.state_placement() == StatePlacement::DurableObject && !state_bound {
                return Err(located(
                    "state",
                    format!(
                        "guard `{}` keeps its state in a Durable Object, but the Worker has no `{}` binding (hint: bind the GuardState class as in host-edge/wrangler.toml, with its migration)",
                        g.id,
                        state::BINDING
                    ),
                ));
            }
            // gh-transpile checked it at build time; the registry could have been edited since.
            g.check_pin(sha)
                .map_err(|e| located("sha256", format!("module failed to load: {e}")))?;
            match EdgeGuard::load(g.clone(), sha, &pool) {
                Ok(guard) => guards.push(guard),
                Err(GuardLoadError::Module(e)) => {
                    return Err(located(
                        "module_path",
                        format!("module failed to load: {e}"),
                    ));
                }
                Err(GuardLoadError::Settings(e)) => return Err(located("config", e)),
            }
        }
        Ok(Self {
            ledger: StateLedger::new(&config),
            config,
            guards,
            pool,
        })
    }
}

impl GatewayInfo for EdgeGateway {
    fn config(&self) -> &GatewayConfig {
        &self.config
    }

    fn guard_sha256(&self, index: usize) -> &str {
        &self.guards[index].info().sha256
    }

    fn guard_info(&self, index: usize) -> &ComponentInfo {
        self.guards[index].info()
    }

    fn guard_settings(&self, index: usize) -> &GuardSettings {
        self.guards[index].settings_check()
    }
}

impl LoadedGateway for EdgeGateway {
    /// The chain with every guard in this gateway's own instances, `state:
    /// durable_object` ones included (suites and scenarios run on fresh copies).
    fn evaluate(&self, screening: Screening) -> Evaluation {
        // Without Durable Objects nothing is awaited.
        ready_now(self.evaluate_with(screening, None))
    }

    fn fresh(&self) -> Result<Self, String> {
        self.isolated()
    }
}

impl EdgeGateway {
    /// Drives core's chain run; `state: durable_object` guards are called in their
    /// Durable Objects when `state` is given. The payload's argument JSON is reused by
    /// every guard until one modifies the payload.
    pub async fn evaluate_with(
        &self,
        screening: Screening,
        state: Option<&DurableState>,
    ) -> Evaluation {
        let logged = LOG_EVALUATIONS
            .get()
            .then(|| EvaluationLog::subject(&screening));
        let mut run = ChainRun::new(&self.config, screening).with_ledger(&self.ledger);
        let mut text = ArgsText::default();
        while let Some(index) = run.next_guard() {
            let settings = run.settings(index);
            let guard = &self.guards[index];
            let (args, context) = (run.args(), run.context());
            let outcome = match state.filter(|_| guard.durable()) {
                Some(state) => {
                    guard
                        .call_durable(state, &settings, args, context, &mut text)
                        .await
                }
                None => guard.call(&self.pool, &settings, args, context, &mut text),
            };
            text.after(&outcome);
            run.record(index, outcome);
        }
        let evaluation = run.finish();
        if let Some((server, tool)) = logged {
            let log = EvaluationLog::new(&server, tool.as_deref(), &evaluation);
            let now = String::from(js_sys::Date::new_0().to_iso_string());
            worker::console_log!("{}", log.json_line(&now));
        }
        evaluation
    }

    /// The same gateway with instances (and a state-loss record) of its own.
    pub fn isolated(&self) -> Result<Self, String> {
        Ok(Self {
            ledger: StateLedger::new(&self.config),
            config: self.config.clone(),
            guards: self.guards.clone(),
            pool: GuardPool::empty(),
        })
    }
}

thread_local! {
    /// Whether evaluations write their structured event (core's [`EvaluationLog`]) to
    /// the console, which Workers Logs indexes: the `LOG_EVALUATIONS` var, read per
    /// request ([`set_log_evaluations`]).
    static LOG_EVALUATIONS: Cell<bool> = const { Cell::new(false) };
}

/// Sets whether this isolate's evaluations are logged (the `LOG_EVALUATIONS` var).
pub fn set_log_evaluations(on: bool) {
    LOG_EVALUATIONS.set(on);
}

/// A gateway load's result: the gateway, or why it failed (located in its YAML).
type Loaded = Result<Rc<EdgeGateway>, String>;

thread_local! {
    /// The isolate's gateway (or why it failed to load), by name.
    static LOADED: RefCell<Option<(String, Loaded)>> = const { RefCell::new(None) };
}

thread_local! {
    /// `/v1/evaluate`'s copy of the isolate's gateway: instances of its own, so API
    /// callers neither see nor reset the persistent state that screens `/mcp` traffic.
    static API: RefCell<Option<(String, Rc<EdgeGateway>)>> = const { RefCell::new(None) };
}

/// The isolate's gateway `name` with `/v1/evaluate`'s own instances, made on first use.
pub fn api_gateway(name: &str, state_bound: bool) -> Loaded {
    let live = isolate_gateway(name, state_bound)?;
    API.with_borrow_mut(|slot| match slot {
        Some((kept, gateway)) if kept == name => Ok(gateway.clone()),
        _ => {
            let gateway = Rc::new(live.isolated()?);
            *slot = Some((name.to_string(), gateway.clone()));
            Ok(gateway)
        }
    })
}

/// The isolate's gateway `name`, loaded on first use. A failed load is kept too: it is
/// deterministic, and retrying it on every request would only repeat the work.
pub fn isolate_gateway(name: &str, state_bound: bool) -> Loaded {
    LOADED.with(|slot| {
        let mut slot = slot.borrow_mut();
        match &*slot {
            Some((loaded, result)) if loaded == name => result.clone(),
            _ => {
                let result = EdgeGateway::load(name, state_bound).map(Rc::new);
                *slot = Some((name.to_string(), result.clone()));
                result
            }
        }
    })
}

/// Screens `/mcp` traffic on the live gateway, calling `state: durable_object` guards in
/// their Durable Objects (scope `live`).
pub struct EdgeScreener {
    pub gateway: Rc<EdgeGateway>,
    pub state: Option<DurableState>,
}

impl Screener for EdgeScreener {
    fn screen(&self, screening: Screening) -> impl Future<Output = Evaluation> {
        self.gateway.evaluate_with(screening, self.state.as_ref())
    }
}
