//! A guard's stores: one per instance, armed for a call (fuel, epoch deadline) and
//! limited (memory, tables) by the host state.

use std::sync::Arc;

use serde_json::{Map, Value};
use wasmtime::Store;

use super::{LoadedGuard, UNLIMITED_FUEL};
use crate::engine::deadline_ticks;
use crate::state::HostState;

impl LoadedGuard {
    /// A store for one instance of this guard running with `settings`: the host state
    /// (with its memory and table limiter) and armed for a call. Returns the fuel budget
    /// too.
    pub(super) fn new_store(&self, settings: Arc<Map<String, Value>>) -> (Store<HostState>, u64) {
        let state = HostState::new(
            self.id.clone(),
            settings,
            self.config.max_memory_bytes(),
            self.info.wasi,
        );
        let mut store = Store::new(&self.engine, state);
        store.limiter(|s| s);
        let budget = self.arm(&mut store);
        (store, budget)
    }

    /// Arms a store for one call: fresh fuel and a fresh deadline. Returns the budget. A
    /// new store comes armed; a persistent instance's is re-armed before each call.
    pub(super) fn arm(&self, store: &mut Store<HostState>) -> u64 {
        let budget = self.config.limits.max_fuel.unwrap_or(UNLIMITED_FUEL);
        // Fuel is always enabled on guardhouse engines, so this cannot fail.
        let _ = store.set_fuel(budget);
        store.set_epoch_deadline(deadline_ticks(self.config.effective_timeout_ms()));
        store.epoch_deadline_trap();
        budget
    }

    /// The settings a call runs with: the configured ones unless a case overrides them.
    pub(super) fn settings_for(&self, settings: &Map<String, Value>) -> Arc<Map<String, Value>> {
        if *settings == *self.settings {
            self.settings.clone()
        } else {
            Arc::new(settings.clone())
        }
    }
}
