use super::*;
use crate::GatewayConfig;
use crate::chain::{ChainRun, Screening, Verdict};
use crate::payload::Payload;

fn guard(yaml_entry: &str) -> GuardConfig {
    let cfg = GatewayConfig::parse(
        "g.yaml",
        &format!("security_guards:\n  - {{id: g, module_path: g.wasm{yaml_entry}}}\n"),
    )
    .unwrap();
    cfg.security_guards[0].clone()
}

fn context() -> GuardContext {
    GuardContext {
        server_name: "github".into(),
        server_url: Some("https://x/mcp".into()),
        identity: None,
        metadata: "{}".into(),
    }
}

#[test]
fn args_use_jco_shapes() {
    let args = HookArgs::ToolsList(vec![
        Tool {
            name: "a".into(),
            description: None,
            input_schema: "{}".into(),
        },
        Tool {
            name: "b".into(),
            description: Some("d".into()),
            input_schema: "{\"type\":\"object\"}".into(),
        },
    ]);
    let v = js_args(&args, &context(), ContractVersion::Canonical);
    assert_eq!(
        v,
        json!([
            [{"name": "a", "inputSchema": "{}"}, {"name": "b", "description": "d", "inputSchema": "{\"type\":\"object\"}"}],
            {"serverName": "github", "serverUrl": "https://x/mcp", "metadata": "{}"}
        ])
    );
    let minimal = js_args(&args, &context(), ContractVersion::Minimal);
    assert_eq!(
        minimal[1],
        json!({"serverName": "github", "metadata": "{}"})
    );
    let invoke = HookArgs::ToolInvoke {
        tool_name: "t".into(),
        arguments: "{\"x\":1}".into(),
    };
    assert_eq!(
        js_args(&invoke, &context(), ContractVersion::Canonical)
            .as_array()
            .unwrap()[..2],
        [json!("t"), json!("{\"x\":1}")]
    );
    let conn = js_args(
        &HookArgs::ServerConnection,
        &context(),
        ContractVersion::Canonical,
    );
    assert_eq!(conn.as_array().unwrap().len(), 1);
    let resp = js_args(
        &HookArgs::Response("[1]".into()),
        &context(),
        ContractVersion::Canonical,
    );
    assert_eq!(resp[0], json!("[1]"));
}

#[test]
fn settings_are_pre_encoded_like_native_get_config() {
    let g = guard(", config: {s: abc, n: 50, f: 1.0, l: [a], o: {z: 1, a: 2}}");
    let s: Map<String, Value> = serde_json::from_str(&js_settings(&g.config)).unwrap();
    for key in ["s", "n", "f", "l", "o"] {
        assert_eq!(
            s[key].as_str().unwrap(),
            GuardConfig::get_config(&g.config, key)
        );
    }
    assert_eq!(s["s"], json!("\"abc\""));
    assert_eq!(s["f"], json!("1.0"));
    assert_eq!(s["o"], json!("{\"a\":2,\"z\":1}"));
}

#[test]
fn edge_fuel_is_the_smaller_of_max_fuel_and_timeout() {
    let g = guard(", timeout_ms: 100");
    let l = js_limits(&g, JsHost::Edge);
    assert_eq!(l.fuel, 100 * FUEL_PER_MS);
    assert_eq!(l.bound, FuelBound::Timeout { limit_ms: 100 });
    assert_eq!(l.memory_bytes, crate::config::DEFAULT_MAX_MEMORY_BYTES);
    let g = guard(", timeout_ms: 100, limits: {max_fuel: 1000, max_memory_bytes: 65536}");
    let l = js_limits(&g, JsHost::Edge);
    assert_eq!(
        (l.fuel, l.bound, l.memory_bytes),
        (1000, FuelBound::MaxFuel, 65536)
    );
    let g = guard(", timeout_ms: 100, limits: {max_execution_time_ms: 10, max_fuel: 50000000000}");
    let l = js_limits(&g, JsHost::Edge);
    assert_eq!(l.bound, FuelBound::Timeout { limit_ms: 10 });
    let sent: Value = serde_json::from_str(&l.to_json()).unwrap();
    assert_eq!(
        (&sent["fuel"], &sent["memory_bytes"]),
        (
            &json!(10 * FUEL_PER_MS),
            &json!(crate::config::DEFAULT_MAX_MEMORY_BYTES)
        )
    );
}

#[test]
fn browser_fuel_is_max_fuel_or_the_backstop() {
    let l = js_limits(&guard(""), JsHost::Browser);
    assert_eq!(l.fuel, BROWSER_BACKSTOP_FUEL);
    assert_eq!(l.bound, FuelBound::Timeout { limit_ms: 100 });
    let l = js_limits(&guard(", limits: {max_fuel: 7}"), JsHost::Browser);
    assert_eq!((l.fuel, l.bound), (7, FuelBound::MaxFuel));
}

fn outcome(status_json: &str, limits: &JsLimits) -> GuardOutcome {
    outcome_from_js(status_json, limits, "g")
}

#[test]
fn every_status_maps_like_native() {
    let edge = js_limits(&guard(", timeout_ms: 100"), JsHost::Edge);
    let fuel = js_limits(&guard(", limits: {max_fuel: 1000}"), JsHost::Edge);
    let ok = outcome(
        r#"{"status":"ok","value":{"kind":"deny","value":{"code":"c","message":"m"}},"logs":[[2,"hi"]],"fuel_used":12,"timings_us":{"instantiate":3,"call":4}}"#,
        &edge,
    );
    assert_eq!(
        ok.result,
        Ok(Some(Decision::Deny(crate::DenyReason {
            code: "c".into(),
            message: "m".into(),
            details: None
        })))
    );
    assert_eq!((ok.duration_us, ok.fuel_used), (7, Some(12)));
    assert_eq!(ok.logs.lines, vec!["WASM[g] info: hi".to_string()]);
    let r = |s: &str, l: &JsLimits| outcome(s, l).result;
    assert_eq!(r(r#"{"status":"not_exported"}"#, &edge), Ok(None));
    assert_eq!(
        r(r#"{"status":"guest_error","message":"bad"}"#, &edge),
        Err(GuardFailure::GuestError("bad".into()))
    );
    assert_eq!(
        r(
            r#"{"status":"trap","message":"wasm trap: unreachable"}"#,
            &edge
        ),
        Err(GuardFailure::Trap(
            "wasm trap: wasm `unreachable` instruction executed".into()
        ))
    );
    let timeout = r(r#"{"status":"fuel_exhausted"}"#, &edge).unwrap_err();
    assert_eq!(timeout, GuardFailure::Timeout { limit_ms: 100 });
    assert_eq!(timeout.code(), "guard_timeout");
    let out_of_fuel = r(r#"{"status":"fuel_exhausted"}"#, &fuel).unwrap_err();
    assert_eq!(out_of_fuel.code(), "guard_resource_limit");
    assert!(
        out_of_fuel
            .message("g")
            .contains("ran out of fuel (max_fuel = 1000)")
    );
    let mem = r(r#"{"status":"memory_limit","wanted_bytes":131072}"#, &edge).unwrap_err();
    assert_eq!(
        mem,
        GuardFailure::ResourceLimit {
            resource: Resource::Memory,
            detail: crate::trace::memory_limit_detail(131072, 64 << 20)
        }
    );
    let stack = r(r#"{"status":"stack_overflow","message":"x"}"#, &edge).unwrap_err();
    assert_eq!(stack.code(), "guard_resource_limit");
    assert!(matches!(
        r(r#"{"status":"host_error","message":"x"}"#, &edge),
        Err(GuardFailure::Host(_))
    ));
    assert!(matches!(r("not json", &edge), Err(GuardFailure::Host(_))));
    assert!(matches!(
        r(r#"{"status":"ok","value":{"kind":"maybe"}}"#, &edge),
        Err(GuardFailure::Host(_))
    ));
}

#[test]
fn dropped_logs_are_counted_in_the_buffer() {
    let l = js_limits(&guard(""), JsHost::Edge);
    let o = outcome(
        r#"{"status":"ok","value":{"kind":"allow"},"logs":[[4,"x"]],"logs_dropped":{"lines":5,"bytes":50}}"#,
        &l,
    );
    assert_eq!(o.logs.dropped_lines, 5);
    let lines = o.logs.into_lines();
    assert!(lines[1].starts_with("[log truncated: 5 more lines (50 bytes)"));
}

#[test]
fn invalid_decisions_fail_in_the_chain_like_native() {
    let cfg = GatewayConfig::parse(
        "g.yaml",
        "security_guards:\n  - {id: g, module_path: g.wasm}\n",
    )
    .unwrap();
    let l = js_limits(&cfg.security_guards[0], JsHost::Edge);
    let screening = Screening {
        payload: Payload::from_json(crate::Phase::ToolsList, json!({"tools": []})).unwrap(),
        context: context(),
        overrides: Map::new(),
        only: None,
    };
    let mut run = ChainRun::new(&cfg, screening);
    let i = run.next_guard().unwrap();
    run.record(
        i,
        outcome(
            r#"{"status":"ok","value":{"kind":"modify","value":"not json"}}"#,
            &l,
        ),
    );
    let e = run.finish();
    assert_eq!(e.decision, Verdict::Deny);
    assert_eq!(
        e.trace[0].failure.as_ref().unwrap().kind,
        "invalid_decision"
    );
}

#[test]
fn timings_are_split() {
    assert_eq!(
        timings_from_js(r#"{"status":"ok","timings_us":{"instantiate":3,"call":4}}"#),
        Timings {
            instantiate: 3,
            call: 4
        }
    );
}

#[test]
fn settings_hooks_return_text() {
    let l = js_limits(&guard(""), JsHost::Browser);
    assert_eq!(
        text_from_js(r#"{"status":"ok","value":"{}"}"#, &l),
        Ok(Some("{}".into()))
    );
    assert_eq!(text_from_js(r#"{"status":"not_exported"}"#, &l), Ok(None));
    assert!(matches!(
        text_from_js(r#"{"status":"trap","message":"x"}"#, &l),
        Err(GuardFailure::Trap(_))
    ));
    assert!(text_from_js(r#"{"status":"ok","value":{"kind":"allow"}}"#, &l).is_err());
}

fn info(exports: &[&str]) -> ComponentInfo {
    ComponentInfo {
        sha256: "ab".repeat(32),
        size: 1,
        contract: ContractVersion::Canonical,
        exports: exports.iter().map(|e| e.to_string()).collect(),
        imports: Vec::new(),
        wasi: false,
        wasi_version: None,
        producers: Vec::new(),
    }
}

#[test]
fn a_guard_builds_calls_only_for_hooks_it_exports() {
    let g = JsGuard::new(
        guard(", instance: persistent, timeout_ms: 40, config: {n: 5}"),
        info(&["evaluate-tool-invoke", "get-settings-schema"]),
        JsHost::Edge,
    );
    let mut text = ArgsText::default();
    let invoke = HookArgs::ToolInvoke {
        tool_name: "t".into(),
        arguments: "{}".into(),
    };
    let call = g
        .call(&g.config.config, &invoke, &context(), &mut text)
        .unwrap();
    assert_eq!(
        (call.guard, call.mode, call.hook, call.timeout_ms),
        ("g", "persistent", "evaluate-tool-invoke", 40)
    );
    assert_eq!(call.settings, r#"{"n":"5"}"#);
    assert_eq!(call.limits, g.limits().to_json());
    let list = HookArgs::ToolsList(Vec::new());
    assert!(g.call(&Map::new(), &list, &context(), &mut text).is_none());
    // Settings hooks run with the configured settings, in an instance of their own.
    let schema = g.settings_call("get-settings-schema").unwrap();
    assert_eq!((schema.mode, schema.args), ("per_call", "[]"));
    assert_eq!(schema.settings, r#"{"n":"5"}"#);
    assert!(g.settings_call("get-default-config").is_none());
}

#[test]
fn replies_end_like_native_failures() {
    let g = JsGuard::new(guard(", timeout_ms: 40"), info(&[]), JsHost::Browser);
    let timed_out = g.finish(JsReply::TimedOut, 41_000);
    assert_eq!(
        timed_out.result,
        Err(GuardFailure::Timeout { limit_ms: 40 })
    );
    assert_eq!(timed_out.duration_us, 41_000);
    let thrown = g.finish(Err::<String, _>("worker died".to_string()).into(), 5);
    assert_eq!(thrown.result, Err(GuardFailure::Host("worker died".into())));
    // The runtime's own timings win over the host's wall clock.
    let ok = g.finish(
        JsReply::Result(
            r#"{"status":"ok","value":{"kind":"allow"},"timings_us":{"instantiate":1,"call":2}}"#
                .into(),
        ),
        900,
    );
    assert_eq!((ok.result, ok.duration_us), (Ok(Some(Decision::Allow)), 3));
    let untimed = g.finish(JsReply::Result(r#"{"status":"not_exported"}"#.into()), 900);
    assert_eq!(untimed.duration_us, 900);
    let err = g
        .settings_text("get-settings-schema", JsReply::TimedOut)
        .unwrap_err();
    assert!(
        err.starts_with(
            "`get-settings-schema` failed: execution timeout: `g` ran longer than 40 ms"
        ),
        "{err}"
    );
    assert_eq!(
        g.settings_text(
            "get-settings-schema",
            JsReply::Result(r#"{"status":"ok","value":"{}"}"#.into())
        ),
        Ok(Some("{}".into()))
    );
}

#[test]
fn a_page_inspection_has_no_settings_and_a_longer_budget() {
    let g = JsGuard::inspecting(info(&["get-settings-schema"]), JsHost::Browser);
    let call = g.settings_call("get-settings-schema").unwrap();
    assert_eq!(
        (call.settings.as_str(), call.timeout_ms),
        ("{}", INSPECT_TIMEOUT_MS)
    );
}

#[test]
fn argument_text_is_shared_until_a_guard_modifies_the_payload() {
    let mut text = ArgsText::default();
    let first = HookArgs::Response("[1]".into());
    let a = text
        .get(&first, &context(), ContractVersion::Canonical)
        .to_string();
    let other = HookArgs::Response("[2]".into());
    // Same run, same payload: the text is reused (the argument is ignored).
    assert_eq!(text.get(&other, &context(), ContractVersion::Canonical), a);
    text.after(&GuardOutcome::not_applicable());
    assert_eq!(text.get(&other, &context(), ContractVersion::Canonical), a);
    text.after(&GuardOutcome {
        result: Ok(Some(Decision::Modify("[2]".into()))),
        duration_us: 0,
        fuel_used: None,
        logs: LogBuffer::default(),
    });
    assert!(
        text.get(&other, &context(), ContractVersion::Canonical)
            .contains("[2]")
    );
}

#[test]
fn fuel_is_capped_below_the_meters_counter() {
    let g = guard(", limits: {max_fuel: 18446744073709551615}");
    assert_eq!(js_limits(&g, JsHost::Browser).fuel, BROWSER_BACKSTOP_FUEL);
    assert_eq!(
        JsLimits::new(u64::MAX, 0, FuelBound::MaxFuel).fuel,
        MAX_FUEL
    );
    let limits: Value =
        serde_json::from_str(&JsLimits::new(5, 6, FuelBound::MaxFuel).to_json()).unwrap();
    assert_eq!(limits["log_lines"], json!(crate::trace::MAX_LOG_LINES));
}
