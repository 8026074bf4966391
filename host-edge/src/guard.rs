//! One guard at the edge: core's [`JsGuard`] (the whole adapter) plus its checked
//! settings. Calls are carried synchronously to the runtime's instance table
//! ([`GuardPool`]), which the gateway owns, or, for `state: durable_object` guards, by
//! RPC to the Durable Object that holds the instance ([`DurableState`]).

use std::rc::Rc;

use serde::Deserialize;
use serde_json::{Map, Value};

use guardhouse_core::contract::{GET_DEFAULT_CONFIG, GET_SETTINGS_SCHEMA};
use guardhouse_core::host::GuardSettings;
use guardhouse_core::inspect::ComponentInfo;
use guardhouse_core::jshost::{ArgsText, JsCall, JsGuard, JsHost, JsReply};
use guardhouse_core::state::{durable_object_name, durable_object_wait_ms};
use guardhouse_core::{GuardConfig, GuardContext, GuardOutcome, HookArgs, StatePlacement};

use crate::js::{self, GuardPool};
use crate::state::DurableState;

/// What the registry says about a module.
#[derive(Debug, Deserialize)]
struct ModuleFacts {
    info: ComponentInfo,
}

/// A guard ready to run.
#[derive(Clone)]
pub struct EdgeGuard {
    pub js: JsGuard,
    settings: Rc<GuardSettings>,
}

/// Why a guard could not be loaded (located by the caller in the gateway YAML).
pub enum GuardLoadError {
    /// The module is missing from the registry or the runtime refused it.
    Module(String),
    /// The configured settings break the guard's schema.
    Settings(String),
}

impl EdgeGuard {
    /// Prepares guard `config` from registry module `sha256`: settings hooks, and the
    /// same settings check native runs at load.
    pub fn load(
        config: GuardConfig,
        sha256: &str,
        pool: &GuardPool,
    ) -> Result<Self, GuardLoadError> {
        let facts: ModuleFacts = js::module_json(sha256)
            .and_then(|text| serde_json::from_str(&text).map_err(|e| e.to_string()))
            .map_err(GuardLoadError::Module)?;
        let js = JsGuard::new(config, facts.info, JsHost::Edge);
        let hook = |name| match js.settings_call(name) {
            Some(call) => js
                .settings_text(name, carry(pool, &call))
                .map_err(GuardLoadError::Module),
            None => Ok(None),
        };
        let schema = hook(GET_SETTINGS_SCHEMA)?;
        // Called as natively, so a guard that fails it fails to load on every host.
        hook(GET_DEFAULT_CONFIG)?;
        let settings = js
            .check_settings(schema.as_deref())
            .map_err(|e| GuardLoadError::Settings(e.to_string()))?;
        Ok(Self {
            js,
            settings: Rc::new(settings),
        })
    }

    pub fn info(&self) -> &ComponentInfo {
        &self.js.info
    }

    pub fn settings_check(&self) -> &GuardSettings {
        &self.settings
    }

    /// Whether this guard's instance lives in a Durable Object.
    pub fn durable(&self) -> bool {
        self.js.config.state_placement() == StatePlacement::DurableObject
    }

    /// Runs the hook for `args`' phase in `pool`; `text` holds the arguments' JSON for
    /// the chain run's current payload.
    pub fn call(
        &self,
        pool: &GuardPool,
        settings: &Map<String, Value>,
        args: &HookArgs,
        context: &GuardContext,
        text: &mut ArgsText,
    ) -> GuardOutcome {
        match self.js.call(settings, args, context, text) {
            Some(call) => self.js.finish(carry(pool, &call), 0),
            None => GuardOutcome::not_applicable(),
        }
    }

    /// Runs the hook for `args`' phase like [`Self::call`], in the Durable Object that
    /// holds this guard's instance for `context`; the outcome's duration is the round
    /// trip when the runtime measured none.
    pub async fn call_durable(
        &self,
        state: &DurableState,
        settings: &Map<String, Value>,
        args: &HookArgs,
        context: &GuardContext,
        text: &mut ArgsText,
    ) -> GuardOutcome {
        let config = &self.js.config;
        let name = durable_object_name(state.scope, config, context);
        let Some(call) = self.js.call(settings, args, context, text) else {
            return GuardOutcome::not_applicable();
        };
        // The clock advances across I/O, so the round trip is measurable here.
        let started = js_sys::Date::now();
        let reply = state
            .call(&name, &call, durable_object_wait_ms(config))
            .await;
        let wall_us = ((js_sys::Date::now() - started) * 1000.0) as u64;
        self.js.finish(reply, wall_us)
    }
}

/// Carries `call` to the runtime, synchronously (a Worker cannot interrupt wasm: fuel
/// stands in for time).
fn carry(pool: &GuardPool, call: &JsCall<'_>) -> JsReply {
    pool.call(call).into()
}
