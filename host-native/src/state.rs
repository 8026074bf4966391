//! What a guard's `Store` holds: its settings, its log, its memory budget and, for
//! WASI guards, an empty WASI context.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value};
use wasmtime::ResourceLimiter;
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{ResourceTable, WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

use guardhouse_core::{GuardConfig, LogBuffer};

use crate::bindings::Host;

/// Bytes of stdout/stderr a WASI guard may write per instance before writes fail.
pub const WASI_OUTPUT_CAPACITY: usize = 1024 * 1024;

/// The error a guard's memory growth past its budget traps with.
#[derive(Debug)]
pub struct MemoryLimitExceeded {
    pub desired: usize,
    pub limit: usize,
}

impl std::fmt::Display for MemoryLimitExceeded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&guardhouse_core::trace::memory_limit_detail(
            self.desired as u64,
            self.limit as u64,
        ))
    }
}

impl std::error::Error for MemoryLimitExceeded {}

/// Per-store data.
pub struct HostState {
    pub guard_id: Arc<str>,
    pub settings: Arc<Map<String, Value>>,
    pub logs: LogBuffer,
    pub memory_limit: usize,
    /// Set when the guard tried to grow past its memory budget.
    pub memory_hit: Option<String>,
    pub wasi: Option<WasiState>,
}

impl HostState {
    pub fn new(
        guard_id: Arc<str>,
        settings: Arc<Map<String, Value>>,
        memory_limit: u64,
        wasi: bool,
    ) -> Self {
        Self {
            guard_id,
            settings,
            logs: LogBuffer::default(),
            memory_limit: usize::try_from(memory_limit).unwrap_or(usize::MAX),
            memory_hit: None,
            wasi: wasi.then(WasiState::sealed),
        }
    }

    /// Moves what a WASI guard wrote to stdout/stderr since the last call into its log.
    pub fn collect_wasi_output(&mut self) {
        let Some(wasi) = &mut self.wasi else { return };
        for (pipe, seen, level) in [
            (&wasi.stdout, &mut wasi.stdout_seen, 2u8),
            (&wasi.stderr, &mut wasi.stderr_seen, 3u8),
        ] {
            let bytes = pipe.contents();
            if bytes.len() > *seen {
                let text = String::from_utf8_lossy(&bytes[*seen..]).into_owned();
                *seen = bytes.len();
                for line in text.lines().filter(|l| !l.is_empty()) {
                    forward(&mut self.logs, &self.guard_id, level, line);
                }
            }
        }
    }
}

/// Records a log line and, when it was kept, emits it through `tracing`.
fn forward(logs: &mut LogBuffer, guard: &str, level: u8, message: &str) {
    if let Some(line) = logs.push(guard, level, message) {
        match level {
            0 => tracing::trace!(target: "guardhouse::wasm", "{line}"),
            1 => tracing::debug!(target: "guardhouse::wasm", "{line}"),
            2 => tracing::info!(target: "guardhouse::wasm", "{line}"),
            3 => tracing::warn!(target: "guardhouse::wasm", "{line}"),
            _ => tracing::error!(target: "guardhouse::wasm", "{line}"),
        }
    }
}

impl Host for HostState {
    fn log(&mut self, level: u8, message: String) {
        forward(&mut self.logs, &self.guard_id, level, &message);
    }

    fn get_time(&mut self) -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64)
    }

    fn get_config(&mut self, key: String) -> String {
        GuardConfig::get_config(&self.settings, &key)
    }
}

impl ResourceLimiter for HostState {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.memory_limit {
            let err = MemoryLimitExceeded {
                desired,
                limit: self.memory_limit,
            };
            self.memory_hit = Some(err.to_string());
            return Err(wasmtime::Error::new(err));
        }
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= guardhouse_core::config::MAX_TABLE_ELEMENTS as usize)
    }
}

/// A WASI context with nothing granted: no preopened directories, no environment, no
/// arguments, no network; stdout and stderr go to the guard's log.
pub struct WasiState {
    ctx: WasiCtx,
    table: ResourceTable,
    stdout: MemoryOutputPipe,
    stderr: MemoryOutputPipe,
    stdout_seen: usize,
    stderr_seen: usize,
}

impl WasiState {
    fn sealed() -> Self {
        let stdout = MemoryOutputPipe::new(WASI_OUTPUT_CAPACITY);
        let stderr = MemoryOutputPipe::new(WASI_OUTPUT_CAPACITY);
        let ctx = WasiCtxBuilder::new()
            .stdout(stdout.clone())
            .stderr(stderr.clone())
            .allow_tcp(false)
            .allow_udp(false)
            .allow_ip_name_lookup(false)
            .socket_addr_check(|_, _| Box::pin(async { false }))
            .build();
        Self {
            ctx,
            table: ResourceTable::new(),
            stdout,
            stderr,
            stdout_seen: 0,
            stderr_seen: 0,
        }
    }
}

impl WasiView for HostState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        // Only components that import WASI are linked with WASI, and their stores are
        // always created with a WASI state (see `HostState::new`).
        let wasi = self
            .wasi
            .as_mut()
            .expect("WASI imports are linked only for stores with a WASI state");
        WasiCtxView {
            ctx: &mut wasi.ctx,
            table: &mut wasi.table,
        }
    }
}
