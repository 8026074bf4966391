//! One guard at the edge: its config, what inspecting it found, its settings check, and
//! its runtime instance (per_call or persistent, kept for the isolate's lifetime).

use std::rc::Rc;

use serde::Deserialize;
use serde_json::{Map, Value};

use guardhouse_core::ContractVersion;
use guardhouse_core::contract::{GET_DEFAULT_CONFIG, GET_SETTINGS_SCHEMA};
use guardhouse_core::host::GuardSettings;
use guardhouse_core::inspect::ComponentInfo;
use guardhouse_core::jshost::{self, JsHost, JsLimits};
use guardhouse_core::{GuardConfig, GuardContext, GuardFailure, GuardOutcome, HookArgs};

use crate::js::{self, GuardInstance};

/// What the registry says about a module.
#[derive(Debug, Deserialize)]
struct ModuleFacts {
    info: ComponentInfo,
}

/// A guard ready to run.
pub struct EdgeGuard {
    pub config: GuardConfig,
    pub info: ComponentInfo,
    pub settings_schema: Option<String>,
    pub default_config: Option<String>,
    settings: Rc<GuardSettings>,
    instance: GuardInstance,
    limits: JsLimits,
    /// `limits` as the runtime takes them.
    limits_json: String,
}

/// Why a guard could not be loaded (located by the caller in the gateway YAML).
pub enum GuardLoadError {
    /// The module is missing from the registry or the runtime refused it.
    Module(String),
    /// The configured settings break the guard's schema.
    Settings(String),
}

impl EdgeGuard {
    /// Prepares guard `config` from registry module `sha256`: instance, settings hooks,
    /// and the same settings check native runs at load.
    pub fn load(config: GuardConfig, sha256: &str) -> Result<Self, GuardLoadError> {
        let facts: ModuleFacts = js::module_json(sha256)
            .and_then(|text| serde_json::from_str(&text).map_err(|e| e.to_string()))
            .map_err(GuardLoadError::Module)?;
        let instance = js::new_instance(&config.id, sha256, config.instance.as_str())
            .map_err(GuardLoadError::Module)?;
        let limits = jshost::js_limits(&config, JsHost::Edge);
        let mut guard = Self {
            settings: Rc::new(GuardSettings::unchecked(&config.id)),
            limits_json: limits.to_json(),
            limits,
            config,
            info: facts.info,
            settings_schema: None,
            default_config: None,
            instance,
        };
        guard.settings_schema = guard.settings_hook(GET_SETTINGS_SCHEMA)?;
        guard.default_config = guard.settings_hook(GET_DEFAULT_CONFIG)?;
        guard.settings = Rc::new(
            GuardSettings::load(
                &guard.config.id,
                guard.settings_schema.as_deref(),
                &guard.config.config,
            )
            .map_err(|e| GuardLoadError::Settings(e.to_string()))?,
        );
        Ok(guard)
    }

    /// The same checked guard with a runtime instance of its own: a persistent guard
    /// starts with no state, apart from `self`'s.
    pub fn with_own_instance(&self) -> Result<Self, String> {
        let mode = self.config.instance.as_str();
        Ok(Self {
            config: self.config.clone(),
            info: self.info.clone(),
            settings_schema: self.settings_schema.clone(),
            default_config: self.default_config.clone(),
            settings: self.settings.clone(),
            instance: js::new_instance(&self.config.id, &self.info.sha256, mode)?,
            limits: self.limits,
            limits_json: self.limits_json.clone(),
        })
    }

    /// Calls a no-argument settings hook, when the guard exports it.
    fn settings_hook(&self, hook: &str) -> Result<Option<String>, GuardLoadError> {
        if !self.info.exports_hook(hook) {
            return Ok(None);
        }
        let settings = jshost::js_settings(&self.config.config);
        let result = self
            .instance
            .call(hook, "[]", &settings, &self.limits_json)
            .map_err(GuardLoadError::Module)?;
        jshost::text_from_js(&result, &self.limits).map_err(|e| {
            GuardLoadError::Module(format!("`{hook}` failed: {}", e.message(&self.config.id)))
        })
    }

    pub fn settings_check(&self) -> &GuardSettings {
        &self.settings
    }

    /// Runs the hook for `args`' phase through the JS runtime; `text` holds the
    /// arguments' JSON for the chain run's current payload.
    pub fn call(
        &self,
        settings: &Map<String, Value>,
        args: &HookArgs,
        context: &GuardContext,
        text: &mut ArgsText,
    ) -> GuardOutcome {
        let hook = args.phase().hook();
        if !self.info.exports_hook(hook) {
            return GuardOutcome::not_applicable();
        }
        let args = text.get(args, context, self.info.contract);
        let settings = jshost::js_settings(settings);
        match self.instance.call(hook, args, &settings, &self.limits_json) {
            Ok(result) => jshost::outcome_from_js(&result, &self.limits, &self.config.id),
            // The runtime classifies guest failures itself; a throw is the host's fault.
            Err(e) => GuardOutcome::failed(GuardFailure::Host(e), 0),
        }
    }
}

/// The JSON of one payload's hook arguments, per contract version: a chain run
/// serializes a payload once, not once per guard (a 50-tool list is ~10 KB).
#[derive(Default)]
pub struct ArgsText {
    canonical: Option<String>,
    minimal: Option<String>,
}

impl ArgsText {
    /// The arguments' JSON for `contract`, serialized on first use.
    pub fn get(
        &mut self,
        args: &HookArgs,
        context: &GuardContext,
        contract: ContractVersion,
    ) -> &str {
        let slot = match contract {
            ContractVersion::Canonical => &mut self.canonical,
            ContractVersion::Minimal => &mut self.minimal,
        };
        slot.get_or_insert_with(|| jshost::js_args(args, context, contract).to_string())
    }

    /// Forgets the text: the payload changed (a guard modified it).
    pub fn clear(&mut self) {
        *self = Self::default();
    }
}
