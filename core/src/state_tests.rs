//! State loss of persistent guards, through core's chain run as every host drives it.

use serde_json::Map;

use crate::chain::{ChainRun, Evaluation, Screening, Verdict, evaluate_chain};
use crate::config::{GatewayConfig, StateKey, StatePlacement};
use crate::contract::{Decision, GuardContext, Phase};
use crate::payload::Payload;
use crate::state::{
    DURABLE_OBJECT_GRACE_MS, StateLedger, StateScope, durable_object_name, durable_object_wait_ms,
};
use crate::trace::{GuardFailure, GuardOutcome, Resource};

fn gateway(extra: &str) -> GatewayConfig {
    let yaml = format!(
        "security_guards:\n\
         - {{id: pins, module_path: x.wasm, instance: persistent, failure_mode: fail_open{extra}}}\n\
         - {{id: after, module_path: x.wasm}}\n"
    );
    GatewayConfig::parse("t.yaml", &yaml).unwrap()
}

fn screening() -> Screening {
    Screening {
        payload: Payload::from_json(Phase::ToolsList, serde_json::json!({"tools": []})).unwrap(),
        context: GuardContext::default(),
        overrides: Map::new(),
        only: None,
    }
}

/// One evaluation; `pins` answers `first`, `after` allows. Returns it and who was called.
fn evaluate(
    cfg: &GatewayConfig,
    ledger: &StateLedger,
    first: Result<Option<Decision>, GuardFailure>,
) -> (Evaluation, Vec<usize>) {
    let mut called = Vec::new();
    let mut first = Some(first);
    let run = ChainRun::new(cfg, screening()).with_ledger(ledger);
    let evaluation = evaluate_chain(run, |i, _, _, _| {
        called.push(i);
        let result = match i {
            0 => first.take().unwrap(),
            _ => Ok(Some(Decision::Allow)),
        };
        GuardOutcome {
            result,
            ..GuardOutcome::failed(GuardFailure::Host(String::new()), 1)
        }
    });
    (evaluation, called)
}

fn memory_trap() -> GuardFailure {
    GuardFailure::ResourceLimit {
        resource: Resource::Memory,
        detail: "tried to grow its memory past max_memory_bytes".into(),
    }
}

#[test]
fn reset_starts_over_and_says_so_once() {
    let cfg = gateway("");
    let ledger = StateLedger::new(&cfg);
    let (e, _) = evaluate(&cfg, &ledger, Err(memory_trap()));
    assert_eq!(
        e.decision,
        Verdict::Warn,
        "fail_open: the failing call itself allows"
    );
    // The next evaluation runs the guard on a fresh instance and names the loss.
    let (e, called) = evaluate(&cfg, &ledger, Ok(Some(Decision::Allow)));
    assert_eq!(called, [0, 1]);
    assert_eq!(e.decision, Verdict::Warn);
    assert_eq!(e.warnings.len(), 1);
    assert_eq!(e.warnings[0].guard, "pins");
    assert!(
        e.warnings[0]
            .message
            .contains("lost its persistent state and started over"),
        "{}",
        e.warnings[0].message
    );
    assert!(e.warnings[0].message.contains("max_memory_bytes"));
    // Once reported, later evaluations are quiet again.
    let (e, _) = evaluate(&cfg, &ledger, Ok(Some(Decision::Allow)));
    assert_eq!(e.decision, Verdict::Allow);
}

#[test]
fn fail_closed_refuses_every_later_call_whatever_the_failure_mode() {
    let cfg = gateway(", on_state_loss: fail_closed");
    let ledger = StateLedger::new(&cfg);
    evaluate(&cfg, &ledger, Err(GuardFailure::Trap("unreachable".into())));
    for _ in 0..2 {
        let (e, called) = evaluate(&cfg, &ledger, Ok(Some(Decision::Allow)));
        assert!(
            called.is_empty(),
            "the guard is not called, nor anything after it"
        );
        assert_eq!(e.decision, Verdict::Deny);
        let deny = e.deny.unwrap();
        assert_eq!(deny.code, "guard_state_lost");
        assert!(deny.message.contains("unreachable"), "{}", deny.message);
        assert_eq!(e.trace[0].failure.as_ref().unwrap().kind, "state_lost");
    }
}

#[test]
fn errors_the_guard_returns_and_per_call_guards_lose_nothing() {
    let cfg = gateway(", on_state_loss: fail_closed");
    let ledger = StateLedger::new(&cfg);
    evaluate(
        &cfg,
        &ledger,
        Err(GuardFailure::GuestError("bad input".into())),
    );
    let (e, _) = evaluate(&cfg, &ledger, Ok(Some(Decision::Allow)));
    assert_eq!(e.decision, Verdict::Allow);
    // Without a ledger (a run that keeps no state) nothing is tracked either.
    let (e, _) = {
        let run = ChainRun::new(&cfg, screening());
        let e = evaluate_chain(run, |_, _, _, _| GuardOutcome::failed(memory_trap(), 1));
        (e, ())
    };
    assert_eq!(e.decision, Verdict::Deny);
}

#[test]
fn on_state_loss_needs_a_persistent_instance() {
    let yaml = "security_guards:\n - {id: g, module_path: x.wasm, on_state_loss: reset}\n";
    let e = GatewayConfig::parse("t.yaml", yaml)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("on_state_loss applies only to instance: persistent"),
        "{e}"
    );
    assert!(e.contains("t.yaml:2"), "located: {e}");
}

#[test]
fn state_placement_needs_a_persistent_instance_and_state_key_a_durable_object() {
    let refused = |entry: &str| {
        let yaml = format!("security_guards:\n  - id: g\n    module_path: x.wasm\n{entry}");
        GatewayConfig::parse("gateway.yaml", &yaml)
            .unwrap_err()
            .to_string()
    };
    assert_eq!(
        refused("    state: durable_object\n"),
        "gateway.yaml:4:5: security_guards[0].state: state applies only to instance: persistent (a per_call guard keeps no state to place) (hint: set instance: persistent, or remove state)"
    );
    assert_eq!(
        refused("    instance: persistent\n    state_key: session\n"),
        "gateway.yaml:5:5: security_guards[0].state_key: state_key applies only to state: durable_object (it chooses the Durable Object that holds the state) (hint: set state: durable_object, or remove state_key)"
    );
    assert_eq!(
        refused("    instance: persistent\n    state: global\n"),
        "gateway.yaml:5:5: security_guards[0].state: unknown variant `global`, expected `isolate` or `durable_object`"
    );
}

#[test]
fn state_placement_defaults_to_the_isolate() {
    let yaml = "security_guards:\n  - {id: a, module_path: x.wasm, instance: persistent}\n  - {id: b, module_path: x.wasm, instance: persistent, state: durable_object, state_key: session}\n";
    let cfg = GatewayConfig::parse("t.yaml", yaml).unwrap();
    let [a, b] = &cfg.security_guards[..] else {
        panic!("two guards")
    };
    assert_eq!(a.state_placement(), StatePlacement::Isolate);
    assert_eq!(b.state_placement(), StatePlacement::DurableObject);
    assert_eq!(b.state_key, Some(StateKey::Session));
    // Written back only when set, so configs without it serialize as before.
    assert!(!serde_json::to_string(a).unwrap().contains("state"));
    let info = crate::inspect::ComponentInfo {
        sha256: String::new(),
        size: 0,
        contract: crate::contract::ContractVersion::Canonical,
        exports: Vec::new(),
        imports: Vec::new(),
        wasi: false,
        wasi_version: None,
        producers: Vec::new(),
    };
    let summary = crate::api::GuardSummary::new(b, &info);
    assert_eq!(
        serde_json::to_value(&summary).unwrap()["state"],
        "durable_object"
    );
}

#[test]
fn durable_object_names_carry_scope_guard_server_and_session() {
    let yaml = "security_guards:\n  - {id: pins, module_path: x.wasm, instance: persistent, state: durable_object}\n  - {id: \"per/session\", module_path: x.wasm, instance: persistent, state: durable_object, state_key: session}\n";
    let cfg = GatewayConfig::parse("t.yaml", yaml).unwrap();
    let [server, session] = &cfg.security_guards[..] else {
        panic!("two guards")
    };
    let context = |metadata: &str| GuardContext {
        server_name: "files".into(),
        metadata: metadata.into(),
        ..GuardContext::default()
    };
    let with_session = context(r#"{"mcp": {"session_id": "s-1"}}"#);
    assert_eq!(
        durable_object_name(StateScope::Live, server, &with_session),
        r#"["live","pins","files"]"#
    );
    assert_eq!(
        durable_object_name(StateScope::Api, server, &with_session),
        r#"["api","pins","files"]"#
    );
    assert_eq!(
        durable_object_name(StateScope::Live, session, &with_session),
        r#"["live","per/session","files","s-1"]"#
    );
    assert_eq!(
        durable_object_name(StateScope::Live, session, &context("{}")),
        r#"["live","per/session","files",null]"#
    );
    assert_eq!(
        durable_object_wait_ms(server),
        100 + DURABLE_OBJECT_GRACE_MS
    );
}

#[test]
fn an_unreachable_durable_object_is_the_guards_failure_mode() {
    let cfg = gateway("");
    let ledger = StateLedger::new(&cfg);
    let cause = r#"Worker "guardhouse-edge" not found."#;
    let (e, _) = evaluate(&cfg, &ledger, Err(GuardFailure::Unreachable(cause.into())));
    assert_eq!(e.decision, Verdict::Warn, "fail_open");
    assert_eq!(e.trace[0].failure.as_ref().unwrap().kind, "unreachable");
    assert_eq!(
        e.warnings[0].message,
        format!(
            "failed open: guard unreachable: `pins` keeps its state in a Durable Object, which did not answer the call: {cause} (hint: check the Worker's Durable Object binding and the object's logs)"
        )
    );
    // Not a state loss: the object's instance was never touched.
    let (e, _) = evaluate(&cfg, &ledger, Ok(Some(Decision::Allow)));
    assert_eq!(e.decision, Verdict::Allow);
}
