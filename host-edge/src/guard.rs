//! One guard at the edge: core's [`JsGuard`] (the whole adapter) plus its checked
//! settings. Calls are carried
//! synchronously to the runtime's instance table ([`GuardPool`]), which the gateway owns.

use std::rc::Rc;

use serde::Deserialize;
use serde_json::{Map, Value};

use guardhouse_core::contract::{GET_DEFAULT_CONFIG, GET_SETTINGS_SCHEMA};
use guardhouse_core::host::GuardSettings;
use guardhouse_core::inspect::ComponentInfo;
use guardhouse_core::jshost::{ArgsText, JsCall, JsGuard, JsHost, JsReply};
use guardhouse_core::{GuardConfig, GuardContext, GuardOutcome, HookArgs};

use crate::js::{self, GuardPool};

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
}

/// Carries `call` to the runtime, synchronously (a Worker cannot interrupt wasm: fuel
/// stands in for time).
fn carry(pool: &GuardPool, call: &JsCall<'_>) -> JsReply {
    pool.call(call).into()
}
