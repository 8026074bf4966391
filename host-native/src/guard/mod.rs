//! One loaded guard, by phase:
//! - [`load`]: read → inspect → pin check → compile (or the cache) → link →
//!   pre-instantiate, then the settings hooks and the hooks' types, once;
//! - [`store`]: one armed store per instance (fuel, epoch deadline, memory limiter);
//! - [`call`]: instantiate (or reuse the persistent instance) → invoke → classify, per
//!   call, through one table of the contract's hook signatures.

mod call;
mod load;
mod store;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde_json::{Map, Value};
use wasmtime::component::{Component, ComponentExportIndex, Instance, InstancePre};
use wasmtime::{Engine, Store};

use guardhouse_core::contract::{GET_DEFAULT_CONFIG, GET_SETTINGS_SCHEMA, GUARD_INTERFACE};
use guardhouse_core::host::GuardSettings;
use guardhouse_core::inspect::{ComponentInfo, sha256_hex};
use guardhouse_core::{GuardConfig, Phase};

use crate::cache::CacheOutcome;
use crate::state::HostState;

pub use load::{Linkers, read_component};

/// Fuel given to a call whose guard sets no `max_fuel` (metering stays on so the trace can
/// report fuel used).
pub const UNLIMITED_FUEL: u64 = u64::MAX / 4;

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

impl LoadedGuard {
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

    /// The guard's settings check (its schema), for case overrides.
    pub fn settings_check(&self) -> &GuardSettings {
        &self.settings_check
    }
}

/// The sha256 of a file's bytes, for callers that only need the hash.
pub fn file_sha256(path: &Path) -> std::io::Result<String> {
    Ok(sha256_hex(&std::fs::read(path)?))
}
