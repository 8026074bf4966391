//! The JS meter on wasm-smith modules: `meter::meter` must instrument every valid module
//! with the features wasmtime 48 enables by default (WebAssembly 3.0: bulk memory,
//! reference types, multi-value, SIMD and relaxed SIMD, tail calls, extended const,
//! multi-memory, and optionally memory64, GC, exceptions and threads) into a module that
//! validates with the same features, or refuse it with a clean `Err`; a metered module
//! must be refused a second time.
//!
//! Input: wasm-smith's choices (limits, optional features, then the module).
#![no_main]

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;

use guardhouse_transpile::meter::meter;

static MODULES: AtomicU64 = AtomicU64::new(0);
/// Why the meter refused valid modules (the error's last cause), and how often.
static REFUSED: Mutex<BTreeMap<String, u64>> = Mutex::new(BTreeMap::new());

/// Prints `meter: N valid modules, M refused {reason: count}` at every power of two.
fn report(modules: u64) {
    if !modules.is_power_of_two() {
        return;
    }
    let refused = REFUSED.lock().unwrap_or_else(|p| p.into_inner());
    let total: u64 = refused.values().sum();
    eprintln!("meter: {modules} valid modules, {total} refused {refused:?}");
}

/// A module from `u`, and the features it validates with.
fn module(u: &mut Unstructured<'_>) -> Result<(Vec<u8>, wasmparser::WasmFeatures)> {
    let config = wasm_smith::Config {
        simd_enabled: true,
        relaxed_simd_enabled: true,
        tail_call_enabled: true,
        multi_value_enabled: true,
        bulk_memory_enabled: true,
        reference_types_enabled: true,
        extended_const_enabled: true,
        saturating_float_to_int_enabled: true,
        sign_extension_ops_enabled: true,
        memory64_enabled: u.arbitrary()?,
        gc_enabled: u.arbitrary()?,
        exceptions_enabled: u.arbitrary()?,
        threads_enabled: u.arbitrary()?,
        custom_page_sizes_enabled: false,
        wide_arithmetic_enabled: false,
        shared_everything_threads_enabled: false,
        max_memories: u.int_in_range(0..=4)?,
        max_tables: u.int_in_range(0..=4)?,
        max_funcs: u.int_in_range(0..=40)?,
        max_instructions: u.int_in_range(0..=400)?,
        max_imports: u.int_in_range(0..=8)?,
        max_globals: u.int_in_range(0..=16)?,
        max_memory32_bytes: 1 << 24,
        max_memory64_bytes: 1 << 24,
        max_table_elements: 10_000,
        allow_start_export: u.arbitrary()?,
        export_everything: u.arbitrary()?,
        ..wasm_smith::Config::default()
    };
    let features = config.features();
    let module = wasm_smith::Module::new(config, u)?;
    Ok((module.to_bytes(), features))
}

fuzz_target!(init: guardhouse_fuzz::catch_stack_overflow(), |data: &[u8]| {
    let mut u = Unstructured::new(data);
    let Ok((wasm, features)) = module(&mut u) else {
        return;
    };
    let mut validator = wasmparser::Validator::new_with_features(features);
    if validator.validate_all(&wasm).is_err() {
        // wasm-smith's own bug, not the meter's.
        return;
    }
    let modules = MODULES.fetch_add(1, Ordering::Relaxed) + 1;
    let result = meter(&wasm);
    if let Err(e) = &result {
        let why = e.root_cause().to_string();
        let mut refused = REFUSED.lock().unwrap_or_else(|p| p.into_inner());
        *refused.entry(why).or_default() += 1;
    }
    report(modules);
    let Ok(metered) = result else {
        return;
    };
    let mut validator = wasmparser::Validator::new_with_features(features);
    if let Err(e) = validator.validate_all(&metered) {
        panic!("the metered module does not validate: {e}");
    }
    assert!(
        meter(&metered).is_err(),
        "a metered module was metered again"
    );
});
