//! The one place the wasmtime `Config` is built, and the epoch ticker that enforces
//! timeouts.

use std::sync::{Arc, OnceLock};
use std::thread;
use std::time::Duration;

use anyhow::Result;
use wasmtime::{
    Config, Enabled, Engine, InstanceAllocationStrategy, OptLevel, PoolingAllocationConfig,
};

use guardhouse_core::config::MAX_MEMORY_BYTES_CEILING;

/// How often the epoch advances. A guard's deadline is its timeout in ticks plus one,
/// so a runaway guard is stopped at most two ticks after its budget.
pub const EPOCH_TICK: Duration = Duration::from_millis(1);

/// Guard instances the pooling allocator keeps slots for (concurrent calls plus
/// persistent instances).
pub const POOL_INSTANCES: u32 = 256;

/// Memories and tables one core module may define. The pooling allocator's default is
/// one of each, which refused guards using multi-memory or reference types (on by
/// default in wasmtime and in every JS host) at load: "defined tables count of 2 exceeds
/// the per-instance limit of 1" (tests/configs/features.yaml). Four, as for a component.
pub const MAX_MEMORIES_PER_MODULE: u32 = 4;
/// See [`MAX_MEMORIES_PER_MODULE`].
pub const MAX_TABLES_PER_MODULE: u32 = 4;

/// Deepest wasm stack a guard may use before it traps with a stack overflow.
pub const MAX_WASM_STACK: usize = 512 * 1024;

/// Bytes of a memory slot kept resident between instances when the kernel reports
/// dirty pages (`PAGEMAP_SCAN`): only dirtied pages are reset, so this bounds memory
/// kept per warm slot, not work per call.
const KEEP_RESIDENT_DIRTY_TRACKED: usize = 32 << 20;

/// Bytes kept resident, and reset with memset whether dirtied or not, without it.
const KEEP_RESIDENT_BLIND: usize = 128 * 1024;

/// Options for [`new_engine`].
#[derive(Debug, Clone, Copy)]
pub struct EngineOptions {
    /// Pooling allocator with copy-on-write memory images (the fast path). Off gives
    /// wasmtime's on-demand allocator, as upstream used.
    pub pooling: bool,
    /// Fuel metering and epoch interruption (limits). Off only for the upstream-style
    /// baseline in `guardhouse-bench`, which had neither.
    pub metering: bool,
    /// With `metering`: fuel too (a guard's `max_fuel`, fuel used in traces). Off leaves
    /// the epoch deadline alone to bound time; `guardhouse-bench` measures the difference.
    pub fuel: bool,
}

impl Default for EngineOptions {
    fn default() -> Self {
        Self {
            pooling: true,
            metering: true,
            fuel: true,
        }
    }
}

/// Builds the engine every guard runs on: component model, fuel metering, epoch
/// interruption, and (by default) the pooling allocator.
pub fn new_engine(options: EngineOptions) -> Result<Engine> {
    let mut config = Config::new();
    config
        .wasm_component_model(true)
        .cranelift_opt_level(OptLevel::Speed)
        .consume_fuel(options.metering && options.fuel)
        .epoch_interruption(options.metering)
        .max_wasm_stack(MAX_WASM_STACK)
        .memory_init_cow(true)
        // Guards are small: reserve 1 GiB plus guard pages per memory instead of 4 GiB,
        // which keeps slot setup and teardown cheap.
        .memory_reservation(MAX_MEMORY_BYTES_CEILING)
        .memory_guard_size(64 * 1024 * 1024)
        .parallel_compilation(true);
    if options.pooling {
        let mut pool = PoolingAllocationConfig::new();
        pool.total_component_instances(POOL_INSTANCES)
            .total_core_instances(POOL_INSTANCES * 4)
            .total_memories(POOL_INSTANCES * 2)
            .total_tables(POOL_INSTANCES * 4)
            .max_memories_per_component(MAX_MEMORIES_PER_MODULE)
            .max_memories_per_module(MAX_MEMORIES_PER_MODULE)
            .max_tables_per_module(MAX_TABLES_PER_MODULE)
            .max_core_instances_per_component(16)
            .max_memory_size(MAX_MEMORY_BYTES_CEILING as usize)
            // The table bound every host sets; the pool's default (20,000) would
            // refuse growth the JS hosts allow. The limiter enforces it per store.
            .table_elements(guardhouse_core::config::MAX_TABLE_ELEMENTS as usize)
            .table_keep_resident(16 * 1024)
            .max_unused_warm_slots(POOL_INSTANCES / 2);
        if PoolingAllocationConfig::is_pagemap_scan_available() {
            // Linux ≥ 6.7: the kernel names the pages an instance dirtied, and only
            // those are put back (copied from the memory image or zeroed) and stay
            // resident, so the next fresh instance takes no page faults. A guard with
            // a language runtime inside (CPython: 18 MB of memory) then costs what its
            // call touched, not its size.
            pool.pagemap_scan(Enabled::Yes)
                .linear_memory_keep_resident(KEEP_RESIDENT_DIRTY_TRACKED);
        } else {
            // Keep the first pages of a slot resident between instances: resetting
            // them with memset is cheaper than madvise + page faults.
            pool.linear_memory_keep_resident(KEEP_RESIDENT_BLIND);
        }
        config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    }
    let engine = Engine::new(&config)?;
    start_epoch_ticker(&engine);
    Ok(engine)
}

/// Starts (once per engine) a thread that advances the engine's epoch every
/// [`EPOCH_TICK`]; it stops when the engine is dropped.
fn start_epoch_ticker(engine: &Engine) {
    let weak = engine.weak();
    thread::Builder::new()
        .name("guardhouse-epoch".into())
        .spawn(move || {
            while let Some(engine) = weak.upgrade() {
                engine.increment_epoch();
                drop(engine);
                thread::sleep(EPOCH_TICK);
            }
        })
        .expect("spawning the epoch thread");
}

/// The epoch deadline (in ticks) for a wall-clock budget.
pub fn deadline_ticks(timeout_ms: u64) -> u64 {
    let tick_ms = EPOCH_TICK.as_millis().max(1) as u64;
    timeout_ms.div_ceil(tick_ms) + 1
}

/// A process-wide default engine, for callers that do not manage their own.
pub fn shared_engine() -> Result<Engine> {
    static ENGINE: OnceLock<Arc<Engine>> = OnceLock::new();
    if let Some(e) = ENGINE.get() {
        return Ok((**e).clone());
    }
    let engine = new_engine(EngineOptions::default())?;
    Ok((**ENGINE.get_or_init(|| Arc::new(engine))).clone())
}
