//! Loading a guard: read → inspect → pin check → compile (or the cache) → link →
//! pre-instantiate; then, once, the settings hooks and the hooks' types.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use wasmtime::component::{Component, ComponentExportIndex, Instance, Linker};
use wasmtime::{Engine, Store, Trap};

use guardhouse_core::host::GuardSettings;
use guardhouse_core::inspect::{ComponentInfo, inspect};
use guardhouse_core::{GuardConfig, InstanceMode, Phase};

use super::call::typed_hook;
use super::{Hooks, LoadedGuard};
use crate::cache::CacheOutcome;
use crate::engine::deadline_ticks;
use crate::error::LoadError;
use crate::runner::RunnerEnv;
use crate::state::HostState;

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
        env: &RunnerEnv<'_>,
        config: GuardConfig,
        module_path: PathBuf,
    ) -> Result<Self, LoadError> {
        let (engine, linkers) = (env.engine, env.linkers);
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
        let (component, cache_outcome) = match env.cache {
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

    /// An armed store and instance with the configured settings, for load-time checks.
    fn load_time_instance(&self) -> Result<(Store<HostState>, Instance), LoadError> {
        let (mut store, _) = self.new_store(self.settings.clone());
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
        let (mut store, _) = self.new_store(self.settings.clone());
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
            let checked = typed_hook(&mut store, &instance, self.info.contract, phase, idx);
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
}
