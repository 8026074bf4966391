//! State loss of persistent guards, through core's chain run as every host drives it.

use serde_json::Map;

use crate::chain::{ChainRun, Evaluation, Screening, Verdict, evaluate_chain};
use crate::config::GatewayConfig;
use crate::contract::{Decision, GuardContext, Phase};
use crate::payload::Payload;
use crate::state::StateLedger;
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
