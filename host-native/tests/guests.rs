//! Guards built by other languages' toolchains (guards/python-guard with componentize-py,
//! guards/js-guard with componentize-js; `scripts/build-guests.sh`) on wasmtime: state
//! across calls, settings hooks, `Err` results, imports. Their per-case behaviour is in
//! guards/suites/{python,js}-guard.yaml.

mod common;

use std::sync::{Mutex, OnceLock};

use common::*;
use guardhouse::cache::ArtifactCache;
use guardhouse::runner::{Runner, RunnerEnv};
use guardhouse_core::{GatewayConfig, Verdict};
use serde_json::Value;

const PYTHON: &str = "guards/dist/python-guard.wasm";
const JS: &str = "guards/dist/js-guard.wasm";

/// A runner over a compiled-artifact cache: these components embed a whole language
/// runtime (12–18 MB) and take seconds to compile, so each is compiled once per run.
fn guest_runner(yaml: &str) -> Runner {
    guest_load(yaml).unwrap_or_else(|e| panic!("{e}"))
}

/// Loads a gateway config over the cache; the error text when it fails.
fn guest_load(yaml: &str) -> Result<Runner, String> {
    static CACHE: OnceLock<ArtifactCache> = OnceLock::new();
    // Loads are serialized: two threads would compile the same 18 MB component twice.
    static LOADING: Mutex<()> = Mutex::new(());
    let _loading = LOADING.lock().unwrap_or_else(|e| e.into_inner());
    let cache =
        CACHE.get_or_init(|| ArtifactCache::open(root().join("target/guests-test-cache")).unwrap());
    let rt = rt();
    let env = RunnerEnv {
        engine: &rt.engine,
        linkers: &rt.linkers,
        cache: Some(cache),
    };
    let config = GatewayConfig::parse("test.yaml", yaml).unwrap_or_else(|e| panic!("{e}"));
    Runner::from_config(&env, config, &root()).map_err(|e| format!("{e:#}"))
}

fn python(instance: &str, config: &str) -> Runner {
    component(PYTHON);
    guest_runner(&format!(
        "security_guards:\n  - {{id: py, module_path: {PYTHON}, instance: {instance}, config: {config}}}\n"
    ))
}

fn connect(r: &Runner) -> guardhouse_core::Evaluation {
    eval(
        r,
        "name: t\nphase: connection\ncontext: {server_name: github, server_url: 'https://api.github.com/mcp'}\n",
    )
}

const V1: &str = "[{name: fetch, description: Fetch a URL, input_schema: {type: object}}]";
const V2: &str =
    "[{name: fetch, description: Fetch a URL and post it elsewhere, input_schema: {type: object}}]";

#[test]
fn python_guard_counts_connections_in_a_persistent_instance() {
    let r = python("persistent", "{max_calls: 2}");
    assert_eq!(connect(&r).decision, Verdict::Allow);
    assert_eq!(connect(&r).decision, Verdict::Allow);
    let third = connect(&r);
    assert_eq!(third.decision, Verdict::Deny, "{third:?}");
    let deny = third.deny.unwrap();
    assert_eq!(deny.code, "too_many_connections");
    assert!(deny.message.contains("connected 3 times"), "{deny:?}");
}

#[test]
fn python_guard_starts_fresh_per_call() {
    let r = python("per_call", "{max_calls: 2}");
    for _ in 0..4 {
        assert_eq!(connect(&r).decision, Verdict::Allow);
    }
}

#[test]
fn python_guard_pins_each_servers_tool_fingerprint() {
    let r = python("persistent", "{on_tools_change: warn}");
    assert_eq!(eval(&r, &tools_case("py", V1)).decision, Verdict::Allow);
    assert_eq!(eval(&r, &tools_case("py", V1)).decision, Verdict::Allow);
    let changed = eval(&r, &tools_case("py", V2));
    assert_eq!(changed.decision, Verdict::Warn, "{changed:?}");
    assert!(
        changed.warnings[0].message.contains("tool set of server"),
        "{:?}",
        changed.warnings
    );
    // Warn re-pins: the same set again is no change.
    assert_eq!(eval(&r, &tools_case("py", V2)).decision, Verdict::Allow);

    let strict = python("persistent", "{on_tools_change: deny}");
    assert_eq!(
        eval(&strict, &tools_case("py", V1)).decision,
        Verdict::Allow
    );
    let denied = eval(&strict, &tools_case("py", V2));
    assert_eq!(denied.deny.unwrap().code, "tools_changed");

    // A fresh instance has never seen V1, so the change goes unnoticed.
    let fresh = python("per_call", "{on_tools_change: deny}");
    assert_eq!(eval(&fresh, &tools_case("py", V1)).decision, Verdict::Allow);
    assert_eq!(eval(&fresh, &tools_case("py", V2)).decision, Verdict::Allow);
}

#[test]
fn python_guard_err_becomes_the_failure_mode() {
    // An invalid regular expression makes the hook return `Err`; fail_closed denies.
    let r = python("per_call", "{patterns: ['(']}");
    let e = eval(
        &r,
        "name: t\nphase: tool_invoke\npayload: {tool: q, arguments: {}}\n",
    );
    let deny = e.deny.unwrap();
    assert_eq!(deny.code, "guard_error");
    assert!(
        deny.message.contains("invalid pattern in config"),
        "{deny:?}"
    );
    // The guard's log lines reach the trace.
    let ok = eval(
        &python("per_call", "{}"),
        "name: t\nphase: connection\ncontext: {server_name: s}\n",
    );
    assert!(
        ok.trace[0]
            .logs
            .iter()
            .any(|l| l.contains("connection 1 to s")),
        "{:?}",
        ok.trace[0].logs
    );
}

#[test]
fn guest_guards_publish_settings_and_reject_bad_config() {
    let r = python("per_call", "{}");
    let g = &r.guards[0];
    assert!(g.info.wasi, "componentize-py components import WASI");
    let defaults: Value = serde_json::from_str(g.default_config.as_deref().unwrap()).unwrap();
    assert_eq!(defaults["max_calls"], 100);
    let schema: Value = serde_json::from_str(g.settings_schema.as_deref().unwrap()).unwrap();
    assert_eq!(schema["properties"]["on_tools_change"]["enum"][2], "deny");

    component(JS);
    let js = guest_runner(&format!(
        "security_guards:\n  - {{id: js, module_path: {JS}}}\n"
    ));
    let g = &js.guards[0];
    assert!(
        !g.info.wasi,
        "js-guard is built with every WASI feature disabled: {:?}",
        g.info.imports
    );
    let defaults: Value = serde_json::from_str(g.default_config.as_deref().unwrap()).unwrap();
    assert_eq!(defaults["max_tools"], 100);
    let e = eval(
        &js,
        "name: t\nphase: tool_invoke\npayload: {tool: eval_js, arguments: {}}\n",
    );
    assert_eq!(e.deny.unwrap().code, "tool_blocked");

    let err = guest_load(&format!(
        "security_guards:\n  - {{id: js, module_path: {JS}, config: {{max_tools: -1}}}}\n"
    ))
    .err()
    .expect("a config against the schema should fail to load");
    assert!(err.contains("/max_tools"), "{err}");
}

/// `inspect` names who made a guard (its producers sections) and the WASI version it
/// imports, so a user can tell a componentize-js guard from a Rust one before running it.
#[test]
fn inspection_names_the_toolchain_and_the_wasi_version() {
    let info = |rel: &str| {
        let bytes = std::fs::read(component(rel)).unwrap();
        guardhouse_core::inspect::inspect(&bytes).unwrap()
    };
    let has = |i: &guardhouse_core::inspect::ComponentInfo, field: &str, name: &str| {
        i.producers
            .iter()
            .any(|p| p.field == field && p.name == name)
    };
    let js = info(JS);
    assert!(has(&js, "language", "JavaScript"), "{:?}", js.producers);
    assert!(
        has(&js, "processed-by", "ComponentizeJS"),
        "{:?}",
        js.producers
    );
    let wasip1 = info("guards/dist/rust-wasip1.wasm");
    assert!(has(&wasip1, "language", "Rust"), "{:?}", wasip1.producers);
    assert!(
        has(&wasip1, "processed-by", "wit-component"),
        "{:?}",
        wasip1.producers
    );
    assert_eq!(wasip1.wasi_version.as_deref(), Some("0.2.12"));
    assert_eq!(
        info("guards/dist/rust-wasip2.wasm").wasi_version.as_deref(),
        Some("0.2.6")
    );
    let python = info(PYTHON);
    assert!(python.wasi_version.is_some());
    assert!(!python.producers.is_empty());
    let plain = info("guards/dist/simple-pattern.wasm");
    assert_eq!(plain.wasi_version, None);
    // The `guard` profile strips rustc's own entry; wit-bindgen's stays.
    assert!(
        has(&plain, "processed-by", "wit-bindgen-rust"),
        "{:?}",
        plain.producers
    );
}
