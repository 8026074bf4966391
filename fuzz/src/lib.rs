//! What the fuzz targets share: a scripted gateway that runs core's real chain
//! ([`guardhouse_core::ChainRun`]) with guard outcomes read from the fuzz input, a
//! `block_on` for core's futures (they never wait here), and the input splitting.
//!
//! Inputs that carry a script put it after their last `0xFF` byte: text seeds (YAML,
//! JSON, JSON-RPC) contain no `0xFF`, so they run as they are with an empty script
//! (every guard allows).

use std::cell::Cell;
use std::future::Future;
use std::sync::OnceLock;
use std::task::{Context, Poll, Waker};

use serde_json::{Map, Value, json};

use guardhouse_core::chain::evaluate_chain;
use guardhouse_core::contract::DenyReason;
use guardhouse_core::host::{GatewayInfo, GuardSettings, LoadedGateway};
use guardhouse_core::inspect::ComponentInfo;
use guardhouse_core::trace::Resource;
use guardhouse_core::{
    ChainRun, ContractVersion, Decision, Evaluation, GatewayConfig, GuardFailure, GuardOutcome,
    HookArgs, Phase, Screening, StateLedger,
};

/// The byte that separates an input's parts (never valid in UTF-8 text).
pub const SEPARATOR: u8 = 0xFF;

/// The example gateway (`guards/gateway.yaml`): its ids are the ones the example suites
/// name, and it mixes enforce/audit, fail_open/fail_closed and persistent guards.
pub const EXAMPLE_GATEWAY: &str = include_str!("../../guards/gateway.yaml");

/// Polls a future that never waits (every screener here answers at once).
pub fn block_on<F: Future>(f: F) -> F::Output {
    let mut f = std::pin::pin!(f);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
    }
}

/// Makes a stack overflow a crash libFuzzer reports with its input (call it from
/// `fuzz_target!(init: …)`).
///
/// libFuzzer's `main` is C++, so Rust's runtime never installs its stack overflow handler
/// and the main thread has no alternate signal stack: a SIGSEGV from an exhausted stack
/// cannot run any handler and the process dies without saying which input did it. This
/// gives the main thread an alternate stack and a SIGSEGV handler on it (libFuzzer keeps
/// it as its "upstream" handler) that aborts, which libFuzzer reports as a crash.
pub fn catch_stack_overflow() {
    const ALT_STACK_BYTES: usize = 256 * 1024;
    let stack: &'static mut [u8] = Box::leak(vec![0u8; ALT_STACK_BYTES].into_boxed_slice());
    let alt = libc::stack_t {
        ss_sp: stack.as_mut_ptr().cast(),
        ss_flags: 0,
        ss_size: ALT_STACK_BYTES,
    };
    // SAFETY: the alternate stack is leaked, so it outlives the thread; the action is
    // fully initialized (zeroed, then the handler and its flags set).
    unsafe {
        assert_eq!(libc::sigaltstack(&alt, std::ptr::null_mut()), 0);
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = on_segv as *const () as usize;
        action.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK;
        libc::sigemptyset(&mut action.sa_mask);
        assert_eq!(
            libc::sigaction(libc::SIGSEGV, &action, std::ptr::null_mut()),
            0
        );
    }
}

extern "C" fn on_segv(_: libc::c_int, _: *mut libc::siginfo_t, _: *mut libc::c_void) {
    const MESSAGE: &[u8] = b"==guardhouse-fuzz== SIGSEGV: stack overflow (or a bad access)\n";
    // SAFETY: write(2) and abort(3) are async-signal-safe.
    unsafe {
        libc::write(2, MESSAGE.as_ptr().cast(), MESSAGE.len());
        libc::abort();
    }
}

/// `data` split at its last [`SEPARATOR`]: (text, script). No separator: an empty script.
pub fn split_script(data: &[u8]) -> (&[u8], &[u8]) {
    match data.iter().rposition(|&b| b == SEPARATOR) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[]),
    }
}

/// The example gateway, parsed once.
pub fn example_gateway() -> GatewayConfig {
    static PARSED: OnceLock<GatewayConfig> = OnceLock::new();
    PARSED
        .get_or_init(|| {
            GatewayConfig::parse("guards/gateway.yaml", EXAMPLE_GATEWAY).expect("it parses")
        })
        .clone()
}

/// Bytes read in a cycle: the guards' outcomes. Empty: every guard allows.
pub struct Script<'a> {
    bytes: &'a [u8],
    at: Cell<usize>,
}

impl<'a> Script<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        Self {
            bytes,
            at: Cell::new(0),
        }
    }

    /// The next byte (0 when the script is empty), wrapping around at the end.
    pub fn byte(&self) -> u8 {
        if self.bytes.is_empty() {
            return 0;
        }
        let at = self.at.get() % self.bytes.len();
        self.at.set(at + 1);
        self.bytes[at]
    }

    /// Up to 63 following bytes as text (what a guard may write is any string).
    pub fn text(&self) -> String {
        let n = usize::from(self.byte() % 64);
        let bytes: Vec<u8> = (0..n).map(|_| self.byte()).collect();
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

/// A loaded gateway whose guards are the script: core's chain run, ledger and suite code
/// are the real ones, only the wasm calls are replaced.
pub struct ScriptedGateway<'a> {
    config: GatewayConfig,
    ledger: StateLedger,
    settings: Vec<GuardSettings>,
    info: ComponentInfo,
    script: Script<'a>,
}

impl<'a> ScriptedGateway<'a> {
    pub fn new(config: GatewayConfig, script: &'a [u8]) -> Self {
        let ledger = StateLedger::new(&config);
        let settings = config
            .security_guards
            .iter()
            .map(|g| GuardSettings::unchecked(&g.id))
            .collect();
        let info = ComponentInfo {
            sha256: String::new(),
            size: 0,
            contract: ContractVersion::Canonical,
            exports: Phase::ALL.iter().map(|p| p.hook().to_string()).collect(),
            imports: Vec::new(),
            wasi: false,
            wasi_version: None,
            producers: Vec::new(),
        };
        Self {
            config,
            ledger,
            settings,
            info,
            script: Script::new(script),
        }
    }

    /// What the scripted guard `id` does with `args`.
    fn call(&self, id: &str, args: &HookArgs) -> GuardOutcome {
        let s = &self.script;
        let result = match s.byte() % 16 {
            0 => return GuardOutcome::not_applicable(),
            1..=3 => Ok(Decision::Allow),
            4 => Ok(Decision::Deny(DenyReason {
                code: ["blocked", "", " "][usize::from(s.byte() % 3)].to_string(),
                message: s.text(),
                details: [None, Some(r#"{"why":1}"#.into()), Some(s.text())]
                    [usize::from(s.byte() % 3)]
                .clone(),
            })),
            5 | 6 => Ok(Decision::Modify(echo(args))),
            7 => Ok(Decision::Modify(reshaped(args, s.byte()))),
            8 => Ok(Decision::Modify(s.text())),
            9 => Ok(Decision::Warn(vec![s.text()])),
            10 => Ok(Decision::Warn(Vec::new())),
            11 => Err(GuardFailure::Trap(s.text())),
            12 => Err(GuardFailure::Timeout { limit_ms: 100 }),
            13 => Err(GuardFailure::ResourceLimit {
                resource: Resource::Memory,
                detail: s.text(),
            }),
            14 => Err(GuardFailure::GuestError(s.text())),
            _ => Err(GuardFailure::Host(s.text())),
        };
        let mut outcome = GuardOutcome {
            result: result.map(Some),
            duration_us: u64::from(s.byte()),
            fuel_used: Some(u64::from(s.byte())),
            logs: Default::default(),
        };
        if s.byte().is_multiple_of(4) {
            outcome.logs.push(id, s.byte() % 6, &s.text());
        }
        outcome
    }
}

/// The hook arguments as the JSON text a guard returning them unchanged would write.
fn echo(args: &HookArgs) -> String {
    match args {
        HookArgs::ServerConnection => "{}".into(),
        HookArgs::ToolsList(tools) => {
            let tools: Vec<Value> = tools
                .iter()
                .map(|t| {
                    let schema = serde_json::from_str(&t.input_schema).unwrap_or(Value::Null);
                    json!({"name": t.name, "description": t.description, "input_schema": schema})
                })
                .collect();
            json!({ "tools": tools }).to_string()
        }
        HookArgs::ToolInvoke { arguments, .. } => arguments.clone(),
        HookArgs::Response(text) => text.clone(),
    }
}

/// A plausible rewrite of the hook arguments: fewer tools, other arguments, a masked
/// response, or the list form of a tools list.
fn reshaped(args: &HookArgs, how: u8) -> String {
    match args {
        HookArgs::ToolsList(tools) => {
            let keep = tools.len().saturating_sub(1 + usize::from(how % 2));
            let list: Vec<Value> = tools[..keep]
                .iter()
                .map(|t| json!({"name": t.name, "description": "cleaned"}))
                .collect();
            match how % 3 {
                0 => Value::Array(list).to_string(),
                _ => json!({ "tools": list }).to_string(),
            }
        }
        HookArgs::ToolInvoke { tool_name, .. } => match how % 3 {
            0 => json!({"tool": format!("{tool_name}-2"), "arguments": {"x": 1}}).to_string(),
            1 => json!({"masked": true}).to_string(),
            _ => json!({"tool": tool_name}).to_string(),
        },
        HookArgs::Response(text) => {
            let inner: Value = serde_json::from_str(text).unwrap_or(Value::Null);
            match how % 3 {
                0 => json!({"content": [{"type": "text", "text": "[MASKED]"}]}).to_string(),
                1 => json!({ "error": {"code": -1, "message": "m"}, "was": inner }).to_string(),
                _ => json!({ "wrapped": inner }).to_string(),
            }
        }
        HookArgs::ServerConnection => "null".into(),
    }
}

impl GatewayInfo for ScriptedGateway<'_> {
    fn config(&self) -> &GatewayConfig {
        &self.config
    }

    fn guard_sha256(&self, index: usize) -> &str {
        // Some guards have a module hash, some none (then pinned cases mismatch).
        match index % 2 {
            0 => "0000000000000000000000000000000000000000000000000000000000000000",
            _ => "",
        }
    }

    fn guard_info(&self, _index: usize) -> &ComponentInfo {
        &self.info
    }

    fn guard_settings(&self, index: usize) -> &GuardSettings {
        &self.settings[index]
    }
}

impl LoadedGateway for ScriptedGateway<'_> {
    fn evaluate(&self, screening: Screening) -> Evaluation {
        let run = ChainRun::new(&self.config, screening).with_ledger(&self.ledger);
        evaluate_chain(run, |index, settings, args, _context| {
            let _: &Map<String, Value> = settings;
            self.call(&self.config.security_guards[index].id, args)
        })
    }

    /// New instances (a new ledger) reading on in the same script; sometimes they fail
    /// to load, as a host's may.
    fn fresh(&self) -> Result<Self, String> {
        if self.script.byte() % 16 == 15 {
            return Err(self.script.text());
        }
        let fresh = Self::new(self.config.clone(), self.script.bytes);
        fresh.script.at.set(self.script.at.get());
        Ok(fresh)
    }
}
