use serde_json::json;

use super::*;
use crate::contract::DenyReason;
use crate::trace::{LogBuffer, Resource};

fn config(yaml: &str) -> GatewayConfig {
    GatewayConfig::parse("t.yaml", yaml).unwrap()
}

fn three_guards() -> GatewayConfig {
    config(
        "security_guards:\n\
         - {id: late, module_path: x.wasm, priority: 30}\n\
         - {id: early, module_path: x.wasm, priority: 10, runs_on: [tools_list]}\n\
         - {id: open, module_path: x.wasm, priority: 20, failure_mode: fail_open, runs_on: [response]}\n\
         - {id: off, module_path: x.wasm, priority: 0, enabled: false}\n",
    )
}

fn screening(payload: Payload) -> Screening {
    Screening {
        payload,
        context: GuardContext::default(),
        overrides: Map::new(),
        only: None,
    }
}

fn tools(names: &[&str]) -> Payload {
    let tools: Vec<_> = names.iter().map(|n| json!({"name": n})).collect();
    Payload::from_json(Phase::ToolsList, json!({ "tools": tools })).unwrap()
}

fn outcome(result: Result<Option<Decision>, GuardFailure>) -> GuardOutcome {
    GuardOutcome {
        result,
        duration_us: 7,
        fuel_used: Some(11),
        logs: LogBuffer::default(),
    }
}

/// Runs the chain, answering each guard from `answer(guard id)`, and records call order.
fn run(
    cfg: &GatewayConfig,
    s: Screening,
    answer: impl Fn(&str, &HookArgs) -> Result<Option<Decision>, GuardFailure>,
) -> (Evaluation, Vec<String>) {
    let mut called = Vec::new();
    let eval = evaluate_chain(ChainRun::new(cfg, s), |i, _, args, _| {
        let id = cfg.security_guards[i].id.clone();
        called.push(id.clone());
        outcome(answer(&id, args))
    });
    (eval, called)
}

#[test]
fn order_by_priority_and_phase_filter() {
    let cfg = three_guards();
    let (eval, called) = run(&cfg, screening(tools(&["a"])), |_, _| {
        Ok(Some(Decision::Allow))
    });
    // `open` runs on `response`, which also covers tools_list payloads.
    assert_eq!(called, ["early", "open", "late"]);
    assert_eq!(eval.decision, Verdict::Allow);
    assert_eq!(eval.trace.len(), 3);
    assert_eq!(eval.trace[0].fuel_used, Some(11));
}

#[test]
fn deny_stops_the_chain() {
    let cfg = three_guards();
    let (eval, called) = run(&cfg, screening(tools(&["a"])), |id, _| {
        Ok(Some(if id == "open" {
            Decision::Deny(DenyReason {
                code: "nope".into(),
                message: "m".into(),
                details: Some(r#"{"k": 1}"#.into()),
            })
        } else {
            Decision::Allow
        }))
    });
    assert_eq!(called, ["early", "open"]);
    assert_eq!(eval.decision, Verdict::Deny);
    let deny = eval.deny.unwrap();
    assert_eq!((deny.guard.as_str(), deny.code.as_str()), ("open", "nope"));
    assert_eq!(deny.details, Some(json!({"k": 1})));
}

#[test]
fn modify_feeds_later_guards_and_the_caller() {
    let cfg = three_guards();
    let (eval, _) = run(&cfg, screening(tools(&["a", "b"])), |id, args| {
        let HookArgs::ToolsList(list) = args else {
            panic!()
        };
        match id {
            "early" => Ok(Some(Decision::Modify(r#"[{"name": "a"}]"#.into()))),
            _ => {
                assert_eq!(list.len(), 1, "later guards see the modified payload");
                Ok(Some(Decision::Allow))
            }
        }
    });
    assert_eq!(eval.decision, Verdict::Modify);
    assert_eq!(eval.payload.unwrap()["tools"][0]["name"], "a");
}

#[test]
fn warnings_accumulate() {
    let cfg = three_guards();
    let (eval, called) = run(&cfg, screening(tools(&["a"])), |id, _| {
        Ok(Some(Decision::Warn(vec![format!("w-{id}")])))
    });
    assert_eq!(called.len(), 3);
    assert_eq!(eval.decision, Verdict::Warn);
    let msgs: Vec<_> = eval.warnings.iter().map(|w| w.message.as_str()).collect();
    assert_eq!(msgs, ["w-early", "w-open", "w-late"]);
}

#[test]
fn failures_follow_failure_mode() {
    let cfg = three_guards();
    let (eval, called) = run(&cfg, screening(tools(&["a"])), |id, _| match id {
        "open" => Err(GuardFailure::Timeout { limit_ms: 100 }),
        "late" => Err(GuardFailure::ResourceLimit {
            resource: Resource::Memory,
            detail: "grew past 1 MiB".into(),
        }),
        _ => Ok(Some(Decision::Allow)),
    });
    assert_eq!(called, ["early", "open", "late"]);
    assert_eq!(eval.decision, Verdict::Deny);
    let deny = eval.deny.unwrap();
    assert_eq!(deny.code, "guard_resource_limit");
    assert_eq!(deny.guard, "late");
    assert!(
        eval.warnings[0]
            .message
            .starts_with("failed open: execution timeout: `open`")
    );
    assert_eq!(eval.trace[1].decision, "allow");
    assert_eq!(eval.trace[1].failure.as_ref().unwrap().kind, "timeout");
}

#[test]
fn invalid_decisions_are_failures() {
    let cfg = config("security_guards:\n- {id: g, module_path: x.wasm}\n");
    for bad in [
        Decision::Modify("not json".into()),
        Decision::Modify(r#"{"tools": "x"}"#.into()),
        Decision::Deny(DenyReason {
            code: "".into(),
            message: "m".into(),
            details: None,
        }),
        Decision::Deny(DenyReason {
            code: "c".into(),
            message: "m".into(),
            details: Some("{oops".into()),
        }),
    ] {
        let (eval, _) = run(&cfg, screening(tools(&["a"])), |_, _| Ok(Some(bad.clone())));
        let deny = eval.deny.unwrap();
        assert_eq!(deny.code, "guard_error", "{bad:?}");
        assert!(
            deny.message.starts_with("invalid decision returned"),
            "{}",
            deny.message
        );
    }
}

#[test]
fn missing_hooks_are_not_applicable() {
    let cfg = config("security_guards:\n- {id: g, module_path: x.wasm}\n");
    let (eval, _) = run(&cfg, screening(Payload::Connection), |_, _| Ok(None));
    assert_eq!(eval.decision, Verdict::Allow);
    assert_eq!(eval.trace[0].decision, "not_applicable");
}

#[test]
fn overrides_and_subsets() {
    let cfg = config(
        "security_guards:\n- {id: a, module_path: x.wasm, config: {k: 1, j: 2}}\n- {id: b, module_path: x.wasm}\n",
    );
    let mut s = screening(Payload::Response(json!({})));
    s.overrides.insert("a".into(), json!({"k": 5}));
    s.only = Some(vec!["a".into()]);
    let mut seen = Vec::new();
    evaluate_chain(ChainRun::new(&cfg, s), |i, settings, _, _| {
        seen.push((i, settings.clone()));
        outcome(Ok(Some(Decision::Allow)))
    });
    assert_eq!(seen.len(), 1);
    assert_eq!(
        serde_json::Value::Object(seen[0].1.clone()),
        json!({"k": 5, "j": 2})
    );
}

#[test]
fn audit_mode_records_deny_modify_and_failures_as_warnings_and_passes_the_payload() {
    let cfg = config(
        "security_guards:\n\
         - {id: deny, module_path: x.wasm, priority: 1, mode: audit}\n\
         - {id: modify, module_path: x.wasm, priority: 2, mode: audit}\n\
         - {id: broken, module_path: x.wasm, priority: 3, mode: audit}\n\
         - {id: enforced, module_path: x.wasm, priority: 4}\n",
    );
    let (eval, called) = run(&cfg, screening(tools(&["a"])), |id, _| match id {
        "deny" => Ok(Some(Decision::Deny(DenyReason {
            code: "pattern_blocked".into(),
            message: "no".into(),
            details: None,
        }))),
        "modify" => Ok(Some(Decision::Modify(r#"{"tools": []}"#.into()))),
        "broken" => Err(GuardFailure::Trap("unreachable".into())),
        _ => Ok(Some(Decision::Allow)),
    });
    assert_eq!(
        called,
        ["deny", "modify", "broken", "enforced"],
        "the chain went on"
    );
    assert_eq!(eval.decision, Verdict::Warn);
    assert!(eval.deny.is_none());
    assert!(eval.payload.is_none(), "the payload passes unchanged");
    let audit: Vec<(&str, &str, bool)> = eval
        .trace
        .iter()
        .map(|t| (t.guard.as_str(), t.decision.as_str(), t.audit))
        .collect();
    assert_eq!(
        audit,
        [
            ("deny", "deny", true),
            ("modify", "modify", true),
            ("broken", "deny", true),
            ("enforced", "allow", false)
        ]
    );
    let messages: Vec<&str> = eval.warnings.iter().map(|w| w.message.as_str()).collect();
    assert_eq!(messages[0], "audit: would deny pattern_blocked: no");
    assert_eq!(messages[1], "audit: would modify the payload");
    assert!(
        messages[2].starts_with("audit: would deny guard_error: guard error: `broken` trapped"),
        "{}",
        messages[2]
    );
    assert_eq!(eval.trace[0].code.as_deref(), Some("pattern_blocked"));
    // The trace says so in JSON; an enforced entry has no `audit` key.
    let json = serde_json::to_value(&eval.trace).unwrap();
    assert_eq!(json[0]["audit"], true);
    assert!(json[3].get("audit").is_none());
}

#[test]
fn an_unknown_mode_is_a_config_error() {
    let e = GatewayConfig::parse(
        "t.yaml",
        "security_guards:\n - {id: g, module_path: x.wasm, mode: shadow}\n",
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("mode"), "{e}");
}
