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
    assert_eq!(
        l.to_json(),
        format!(
            "{{\"fuel\":{},\"memory_bytes\":{}}}",
            10 * FUEL_PER_MS,
            64 * 1024 * 1024
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
    let mem = r(
        r#"{"status":"memory_limit","message":"tried to grow"}"#,
        &edge,
    )
    .unwrap_err();
    assert_eq!(
        mem,
        GuardFailure::ResourceLimit {
            resource: Resource::Memory,
            detail: "tried to grow".into()
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
