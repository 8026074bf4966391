//! One loaded guard: load → link → pre-instantiate once; then per call
//! store → instantiate (or reuse the persistent instance) → call → collect.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use serde_json::{Map, Value};
use wasmtime::component::{Component, ComponentExportIndex, Instance, InstancePre, Linker};
use wasmtime::{Engine, Store, Trap};

use guardhouse_core::contract::{GET_DEFAULT_CONFIG, GET_SETTINGS_SCHEMA, GUARD_INTERFACE};
use guardhouse_core::host::GuardSettings;
use guardhouse_core::inspect::{ComponentInfo, inspect, sha256_hex};
use guardhouse_core::{
    ContractVersion, Decision, GuardConfig, GuardContext, GuardFailure, GuardOutcome, HookArgs,
    InstanceMode, LogBuffer, Phase, Resource,
};

use crate::bindings::{
    ContextArg, DecisionRet, HookResult, MinimalContextArg, MinimalDecisionRet, ToolArg,
};
use crate::cache::{ArtifactCache, CacheOutcome};
use crate::engine::deadline_ticks;
use crate::error::LoadError;
use crate::state::HostState;

/// Fuel given to a call whose guard sets no `max_fuel` (metering stays on so the trace can
/// report fuel used).
pub const UNLIMITED_FUEL: u64 = u64::MAX / 4;

/// The linkers guards are instantiated with.
pub struct Linkers {
    /// Only the guardhouse host interface.
    pub host: Linker<HostState>,
    /// The host interface plus WASI with nothing granted.
    pub wasi: Linker<HostState>,
}

impl Linkers {
    pub fn new(engine: &Engine) -> anyhow::Result<Self> {
        let mut host = Linker::new(engine);
        crate::bindings::add_to_linker::<_, wasmtime::component::HasSelf<_>>(&mut host, |s| s)?;
        let mut wasi = Linker::new(engine);
        crate::bindings::add_to_linker::<_, wasmtime::component::HasSelf<_>>(&mut wasi, |s| s)?;
        wasmtime_wasi::p2::add_to_linker_sync(&mut wasi)?;
        Ok(Self { host, wasi })
    }
}

/// Export indices of the hooks a guard has.
#[derive(Debug, Clone, Default)]
struct Hooks {
    by_phase: [Option<ComponentExportIndex>; 4],
    schema: Option<ComponentExportIndex>,
    defaults: Option<ComponentExportIndex>,
}

impl Hooks {
    fn find(component: &Component) -> Self {
        let Some((_, iface)) = component.get_export(None, GUARD_INTERFACE) else {
            return Self::default();
        };
        let get = |name: &str| component.get_export_index(Some(&iface), name);
        Self {
            by_phase: Phase::ALL.map(|p| get(p.hook())),
            schema: get(GET_SETTINGS_SCHEMA),
            defaults: get(GET_DEFAULT_CONFIG),
        }
    }

    fn for_phase(&self, phase: Phase) -> Option<&ComponentExportIndex> {
        self.by_phase[phase as usize].as_ref()
    }
}

struct Persistent {
    store: Store<HostState>,
    instance: Instance,
}

/// A guard ready to run: compiled, linked, settings validated.
pub struct LoadedGuard {
    pub config: GuardConfig,
    pub module_path: PathBuf,
    pub info: ComponentInfo,
    /// Whether the compiled artifact came from the cache.
    pub cache: CacheOutcome,
    /// Time to read, inspect, compile or load, and link, in microseconds.
    pub load_us: u64,
    pub settings_schema: Option<String>,
    pub default_config: Option<String>,
    id: Arc<str>,
    engine: Engine,
    pre: InstancePre<HostState>,
    hooks: Hooks,
    settings_check: Arc<GuardSettings>,
    settings: Arc<Map<String, Value>>,
    persistent: Option<Mutex<Option<Persistent>>>,
}

/// Reads and checks a guard file: inspection gives the same verdict on every host.
pub fn read_component(path: &Path) -> Result<(Vec<u8>, ComponentInfo), LoadError> {
    let bytes = std::fs::read(path).map_err(|e| LoadError::Unreadable {
        path: path.to_path_buf(),
        cause: e.to_string(),
    })?;
    let info = inspect(&bytes).map_err(|e| LoadError::Inspect {
        path: path.to_path_buf(),
        cause: e,
    })?;
    Ok((bytes, info))
}

impl LoadedGuard {
    /// Loads guard `config` from `module_path`.
    pub fn load(
        engine: &Engine,
        linkers: &Linkers,
        cache: Option<&ArtifactCache>,
        config: GuardConfig,
        module_path: PathBuf,
    ) -> Result<Self, LoadError> {
        let start = Instant::now();
        let (bytes, info) = read_component(&module_path)?;
        // Before anything is compiled from it.
        config
            .check_pin(&info.sha256)
            .map_err(|cause| LoadError::Pinned {
                path: module_path.clone(),
                cause,
            })?;
        let fail = |cause: String| LoadError::Link {
            path: module_path.clone(),
            cause,
        };
        let (component, cache_outcome) = match cache {
            Some(cache) => cache
                .load_or_compile(engine, &bytes, &info.sha256)
                .map_err(|e| fail(format!("{e:#}")))?,
            None => (
                Component::new(engine, &bytes).map_err(|e| fail(format!("{e:#}")))?,
                CacheOutcome::Disabled,
            ),
        };
        let linker = if info.wasi {
            &linkers.wasi
        } else {
            &linkers.host
        };
        let pre = linker
            .instantiate_pre(&component)
            .map_err(|e| fail(format!("{e:#}")))?;
        let id: Arc<str> = config.id.as_str().into();
        let settings_check = Arc::new(GuardSettings::unchecked(&config.id));
        let mut guard = Self {
            settings: Arc::new(config.config.clone()),
            persistent: (config.instance == InstanceMode::Persistent).then(|| Mutex::new(None)),
            config,
            module_path,
            cache: cache_outcome,
            load_us: 0,
            settings_schema: None,
            default_config: None,
            id,
            engine: engine.clone(),
            pre,
            hooks: Hooks::find(&component),
            settings_check,
            info,
        };
        guard.read_settings_hooks()?;
        guard.check_types()?;
        guard.load_us = start.elapsed().as_micros() as u64;
        Ok(guard)
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    /// The same loaded guard (compiled, linked, checked) with instances of its own: a
    /// persistent guard starts with no state, and what happens to it stays apart from
    /// `self`'s instance.
    pub fn with_own_instances(&self) -> Self {
        Self {
            config: self.config.clone(),
            module_path: self.module_path.clone(),
            info: self.info.clone(),
            cache: self.cache.clone(),
            load_us: self.load_us,
            settings_schema: self.settings_schema.clone(),
            default_config: self.default_config.clone(),
            id: self.id.clone(),
            engine: self.engine.clone(),
            pre: self.pre.clone(),
            hooks: self.hooks.clone(),
            settings_check: self.settings_check.clone(),
            settings: self.settings.clone(),
            persistent: self.persistent.as_ref().map(|_| Mutex::new(None)),
        }
    }

    /// The component's sha256.
    pub fn sha256(&self) -> &str {
        &self.info.sha256
    }

    /// Calls `get-settings-schema` and `get-default-config` once, and validates the
    /// configured settings against the schema.
    fn read_settings_hooks(&mut self) -> Result<(), LoadError> {
        if self.hooks.schema.is_none() && self.hooks.defaults.is_none() {
            return Ok(());
        }
        let (mut store, instance) = self.load_time_instance()?;
        let mut text_of =
            |idx: &Option<ComponentExportIndex>| -> Result<Option<String>, LoadError> {
                let Some(idx) = idx else { return Ok(None) };
                let f = instance
                    .get_typed_func::<(), (String,)>(&mut store, idx)
                    .map_err(|e| self.call_error(e))?;
                let (s,) = f.call(&mut store, ()).map_err(|e| self.call_error(e))?;
                Ok(Some(s))
            };
        let schema = text_of(&self.hooks.schema)?;
        let defaults = text_of(&self.hooks.defaults)?;
        self.settings_schema = schema;
        self.default_config = defaults;
        self.settings_check = Arc::new(GuardSettings::load(
            &self.config.id,
            self.settings_schema.as_deref(),
            &self.config.config,
        )?);
        Ok(())
    }

    /// The guard's settings check (its schema), for case overrides.
    pub fn settings_check(&self) -> &GuardSettings {
        &self.settings_check
    }

    /// An armed store and instance with the configured settings, for load-time checks.
    fn load_time_instance(&self) -> Result<(Store<HostState>, Instance), LoadError> {
        let mut store = self.new_store(self.settings.clone());
        self.arm(&mut store);
        let limit_ms = self
            .config
            .effective_timeout_ms()
            .max(guardhouse_core::config::LOAD_HOOK_TIMEOUT_MS);
        store.set_epoch_deadline(deadline_ticks(limit_ms));
        let instance = self
            .pre
            .instantiate(&mut store)
            .map_err(|e| self.call_error(e))?;
        Ok((store, instance))
    }

    /// Type-checks every exported hook against the contract version the component
    /// declares, so a wrong signature fails at load, not on the first call.
    fn check_types(&self) -> Result<(), LoadError> {
        let mut store = self.new_store(self.settings.clone());
        self.arm(&mut store);
        let instance = match self.pre.instantiate(&mut store) {
            Ok(instance) => instance,
            // Instantiating runs the component's start functions: one that traps or
            // outlasts its budget is the guard's behaviour, judged per call as on every
            // host (where each call checks the types too), not a load error.
            Err(e) if e.downcast_ref::<Trap>().is_some() => return Ok(()),
            Err(e) => return Err(self.call_error(e)),
        };
        for phase in Phase::ALL {
            let Some(idx) = self.hooks.for_phase(phase) else {
                continue;
            };
            let checked = match (self.info.contract, phase) {
                (ContractVersion::Minimal, _) => instance
                    .get_typed_func::<(&[ToolArg], &MinimalContextArg), HookResult<MinimalDecisionRet>>(&mut store, idx)
                    .map(drop),
                (_, Phase::Connection) => instance
                    .get_typed_func::<(&ContextArg,), HookResult<DecisionRet>>(&mut store, idx)
                    .map(drop),
                (_, Phase::ToolsList) => instance
                    .get_typed_func::<(&[ToolArg], &ContextArg), HookResult<DecisionRet>>(&mut store, idx)
                    .map(drop),
                (_, Phase::ToolInvoke) => instance
                    .get_typed_func::<(&str, &str, &ContextArg), HookResult<DecisionRet>>(&mut store, idx)
                    .map(drop),
                (_, Phase::Response) => instance
                    .get_typed_func::<(&str, &ContextArg), HookResult<DecisionRet>>(&mut store, idx)
                    .map(drop),
            };
            checked.map_err(|e| LoadError::Inspect {
                path: self.module_path.clone(),
                cause: guardhouse_core::inspect::InspectError::WrongContract(format!(
                    "`{}` does not have the contract's type: {e:#}",
                    phase.hook()
                )),
            })?;
        }
        Ok(())
    }

    fn call_error(&self, e: wasmtime::Error) -> LoadError {
        LoadError::Link {
            path: self.module_path.clone(),
            cause: format!("{e:#}"),
        }
    }

    fn new_store(&self, settings: Arc<Map<String, Value>>) -> Store<HostState> {
        let state = HostState::new(
            self.id.clone(),
            settings,
            self.config.max_memory_bytes(),
            self.info.wasi,
        );
        let mut store = Store::new(&self.engine, state);
        store.limiter(|s| s);
        store
    }

    /// Arms the store for one call: fresh fuel and a fresh deadline. Returns the budget.
    fn arm(&self, store: &mut Store<HostState>) -> u64 {
        let budget = self.config.limits.max_fuel.unwrap_or(UNLIMITED_FUEL);
        // Fuel is always enabled on guardhouse engines, so this cannot fail.
        let _ = store.set_fuel(budget);
        store.set_epoch_deadline(deadline_ticks(self.config.effective_timeout_ms()));
        store.epoch_deadline_trap();
        budget
    }

    /// The settings a call runs with: the configured ones unless a case overrides them.
    fn settings_for(&self, settings: &Map<String, Value>) -> Arc<Map<String, Value>> {
        if *settings == *self.settings {
            self.settings.clone()
        } else {
            Arc::new(settings.clone())
        }
    }

    /// Creates a store and instantiates, then drops both: the fixed cost of a fresh
    /// instance, for the benchmark's breakdown.
    pub fn instantiate_only(&self) -> wasmtime::Result<()> {
        let mut store = self.new_store(self.settings.clone());
        self.arm(&mut store);
        self.pre.instantiate(&mut store).map(drop)
    }

    /// Runs the hook for `args`' phase and reports what happened.
    pub fn call(
        &self,
        settings: &Map<String, Value>,
        args: &HookArgs,
        context: &GuardContext,
    ) -> GuardOutcome {
        let phase = args.phase();
        let Some(idx) = self.hooks.for_phase(phase) else {
            return GuardOutcome::not_applicable();
        };
        let start = Instant::now();
        let settings = self.settings_for(settings);
        let (result, fuel_used, logs) = match &self.persistent {
            None => {
                let mut store = self.new_store(settings);
                let budget = self.arm(&mut store);
                let result = self
                    .pre
                    .instantiate(&mut store)
                    .and_then(|instance| self.invoke(&mut store, &instance, idx, args, context));
                self.finish(&mut store, budget, result)
            }
            Some(slot) => self.call_persistent(slot, settings, idx, args, context),
        };
        GuardOutcome {
            result: result.map(Some),
            duration_us: start.elapsed().as_micros() as u64,
            fuel_used,
            logs,
        }
    }

    fn call_persistent(
        &self,
        slot: &Mutex<Option<Persistent>>,
        settings: Arc<Map<String, Value>>,
        idx: &ComponentExportIndex,
        args: &HookArgs,
        context: &GuardContext,
    ) -> (Result<Decision, GuardFailure>, Option<u64>, LogBuffer) {
        // A poisoned lock only means another call panicked on the host side; the slot is
        // still consistent because a failed call drops its instance.
        let mut slot = slot.lock().unwrap_or_else(|p| p.into_inner());
        if slot.is_none() {
            let mut store = self.new_store(settings.clone());
            let budget = self.arm(&mut store);
            match self.pre.instantiate(&mut store) {
                Ok(instance) => *slot = Some(Persistent { store, instance }),
                Err(e) => return self.finish(&mut store, budget, Err(e)),
            }
        }
        let p = slot.as_mut().expect("instantiated above");
        p.store.data_mut().settings = settings;
        p.store.data_mut().memory_hit = None;
        let budget = self.arm(&mut p.store);
        let result = self.invoke(&mut p.store, &p.instance, idx, args, context);
        let out = self.finish(&mut p.store, budget, result);
        if out
            .0
            .as_ref()
            .is_err_and(|f| !matches!(f, GuardFailure::GuestError(_)))
        {
            // A trapped instance may be in any state: start over on the next call.
            *slot = None;
        }
        out
    }

    /// Collects logs and fuel, and turns a wasmtime error into a guard failure.
    fn finish(
        &self,
        store: &mut Store<HostState>,
        budget: u64,
        result: wasmtime::Result<Result<Decision, String>>,
    ) -> (Result<Decision, GuardFailure>, Option<u64>, LogBuffer) {
        let fuel_used = store
            .get_fuel()
            .ok()
            .map(|left| budget.saturating_sub(left));
        store.data_mut().collect_wasi_output();
        let logs = std::mem::take(&mut store.data_mut().logs);
        let result = match result {
            Ok(Ok(decision)) => Ok(decision),
            Ok(Err(message)) => Err(GuardFailure::GuestError(message)),
            Err(e) => Err(self.classify(e, store.data(), budget)),
        };
        (result, fuel_used, logs)
    }

    fn classify(&self, e: wasmtime::Error, state: &HostState, budget: u64) -> GuardFailure {
        if let Some(hit) = &state.memory_hit {
            return GuardFailure::ResourceLimit {
                resource: Resource::Memory,
                detail: hit.clone(),
            };
        }
        match e.downcast_ref::<Trap>() {
            Some(Trap::Interrupt) => GuardFailure::Timeout {
                limit_ms: self.config.effective_timeout_ms(),
            },
            Some(Trap::OutOfFuel) => GuardFailure::ResourceLimit {
                resource: Resource::Fuel,
                detail: format!("ran out of fuel (max_fuel = {budget})"),
            },
            Some(Trap::StackOverflow) => GuardFailure::ResourceLimit {
                resource: Resource::Stack,
                detail: "overflowed its wasm stack".into(),
            },
            Some(trap) => GuardFailure::Trap(trap.to_string()),
            None => GuardFailure::Trap(format!("{e:#}")),
        }
    }

    /// Lowers the arguments, calls the hook, lifts the decision.
    fn invoke(
        &self,
        store: &mut Store<HostState>,
        instance: &Instance,
        idx: &ComponentExportIndex,
        args: &HookArgs,
        cx: &GuardContext,
    ) -> wasmtime::Result<Result<Decision, String>> {
        let context = ContextArg {
            server_name: &cx.server_name,
            server_url: cx.server_url.as_deref(),
            identity: cx.identity.as_deref(),
            metadata: &cx.metadata,
        };
        match (self.info.contract, args) {
            (ContractVersion::Minimal, HookArgs::ToolsList(tools)) => {
                let minimal = MinimalContextArg {
                    server_name: &cx.server_name,
                    identity: cx.identity.as_deref(),
                    metadata: &cx.metadata,
                };
                let f = instance.get_typed_func::<(&[ToolArg], &MinimalContextArg), HookResult<MinimalDecisionRet>>(&mut *store, idx)?;
                let (r,) = f.call(store, (&tool_args(tools), &minimal))?;
                Ok(r.map(Into::into))
            }
            (ContractVersion::Minimal, _) => {
                wasmtime::bail!("the minimal contract has only evaluate-tools-list")
            }
            (_, HookArgs::ServerConnection) => {
                let f = instance
                    .get_typed_func::<(&ContextArg,), HookResult<DecisionRet>>(&mut *store, idx)?;
                let (r,) = f.call(store, (&context,))?;
                Ok(r.map(Into::into))
            }
            (_, HookArgs::ToolsList(tools)) => {
                let f = instance
                    .get_typed_func::<(&[ToolArg], &ContextArg), HookResult<DecisionRet>>(
                        &mut *store,
                        idx,
                    )?;
                let (r,) = f.call(store, (&tool_args(tools), &context))?;
                Ok(r.map(Into::into))
            }
            (
                _,
                HookArgs::ToolInvoke {
                    tool_name,
                    arguments,
                },
            ) => {
                let f = instance
                    .get_typed_func::<(&str, &str, &ContextArg), HookResult<DecisionRet>>(
                        &mut *store,
                        idx,
                    )?;
                let (r,) = f.call(store, (tool_name, arguments, &context))?;
                Ok(r.map(Into::into))
            }
            (_, HookArgs::Response(response)) => {
                let f = instance.get_typed_func::<(&str, &ContextArg), HookResult<DecisionRet>>(
                    &mut *store,
                    idx,
                )?;
                let (r,) = f.call(store, (response, &context))?;
                Ok(r.map(Into::into))
            }
        }
    }
}

fn tool_args(tools: &[guardhouse_core::Tool]) -> Vec<ToolArg<'_>> {
    tools
        .iter()
        .map(|t| ToolArg {
            name: &t.name,
            description: t.description.as_deref(),
            input_schema: &t.input_schema,
        })
        .collect()
}

/// The sha256 of a file's bytes, for callers that only need the hash.
pub fn file_sha256(path: &Path) -> std::io::Result<String> {
    Ok(sha256_hex(&std::fs::read(path)?))
}
