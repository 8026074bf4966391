use serde_json::{Map, json};

use super::*;
use crate::chain::{ChainRun, Screening, evaluate_chain};
use crate::config::GatewayConfig;
use crate::contract::{Decision, DenyReason, GuardContext, Phase};
use crate::payload::Payload;
use crate::trace::{GuardFailure, GuardOutcome, LogBuffer};

/// A chain of `ok` (allows), `warns`, `broken` (fails open), `audited` (audit mode,
/// denies) and `blocker` (denies with `code`), run over a tools list.
fn evaluate(code: &str) -> Evaluation {
    let cfg = GatewayConfig::parse(
        "t.yaml",
        "security_guards:\n\
         - {id: ok, module_path: x.wasm, priority: 1}\n\
         - {id: warns, module_path: x.wasm, priority: 2}\n\
         - {id: broken, module_path: x.wasm, priority: 3, failure_mode: fail_open}\n\
         - {id: audited, module_path: x.wasm, priority: 4, mode: audit}\n\
         - {id: blocker, module_path: x.wasm, priority: 5}\n\
         - {id: never, module_path: x.wasm, priority: 6}\n",
    )
    .unwrap();
    let payload = Payload::from_json(Phase::ToolsList, json!({"tools": [{"name": "a"}]})).unwrap();
    let screening = Screening {
        payload,
        context: GuardContext::default(),
        overrides: Map::new(),
        only: None,
    };
    let deny = |code: &str| {
        Ok(Some(Decision::Deny(DenyReason {
            code: code.into(),
            message: "no".into(),
            details: None,
        })))
    };
    evaluate_chain(ChainRun::new(&cfg, screening), |i, _, _, _| {
        let result = match cfg.security_guards[i].id.as_str() {
            "ok" => Ok(Some(Decision::Allow)),
            "warns" => Ok(Some(Decision::Warn(vec!["w1".into(), "w2".into()]))),
            "broken" => Err(GuardFailure::Trap("boom".into())),
            "audited" => deny("would_block"),
            _ => deny(code),
        };
        GuardOutcome {
            result,
            duration_us: 2_500,
            fuel_used: Some(40_000),
            logs: LogBuffer::default(),
        }
    })
}

/// The observations of `metric`, as (labels joined with `|`, value).
fn of(observations: &[Observation], metric: Metric) -> Vec<(String, f64)> {
    observations
        .iter()
        .filter(|o| o.metric == metric)
        .map(|o| (o.labels.join("|"), o.value))
        .collect()
}

fn rows(list: &[(&str, f64)]) -> Vec<(String, f64)> {
    list.iter().map(|(l, v)| (l.to_string(), *v)).collect()
}

#[test]
fn an_evaluation_counts_its_verdict_and_each_guards_decision() {
    let e = evaluate("blocked");
    let obs = evaluation(Source::Proxy, &e);
    assert_eq!(
        of(&obs, Metric::Evaluations),
        rows(&[("proxy|tools_list|deny", 1.0)])
    );
    assert_eq!(
        of(&obs, Metric::GuardEvaluations),
        rows(&[
            ("proxy|ok|tools_list|allow||false", 1.0),
            ("proxy|warns|tools_list|warn||false", 1.0),
            ("proxy|broken|tools_list|allow||false", 1.0),
            ("proxy|audited|tools_list|deny|would_block|true", 1.0),
            ("proxy|blocker|tools_list|deny|blocked|false", 1.0),
        ]),
        "`never` runs after the deny: not counted"
    );
    assert_eq!(
        of(&obs, Metric::GuardFailures),
        rows(&[("proxy|broken|tools_list|trap", 1.0)])
    );
    // Two warnings from `warns`, the fail-open note on `broken`, the audit note.
    assert_eq!(
        of(&obs, Metric::GuardWarnings),
        rows(&[
            ("proxy|warns|tools_list", 1.0),
            ("proxy|warns|tools_list", 1.0),
            ("proxy|broken|tools_list", 1.0),
            ("proxy|audited|tools_list", 1.0),
        ])
    );
}

#[test]
fn durations_are_seconds_and_fuel_is_units_per_called_guard() {
    let e = evaluate("blocked");
    let obs = evaluation(Source::Api, &e);
    let durations = of(&obs, Metric::GuardDuration);
    assert_eq!(durations.len(), 5);
    assert!(durations.iter().all(|(_, v)| *v == 0.0025), "{durations:?}");
    assert_eq!(durations[0].0, "ok|tools_list");
    let fuel = of(&obs, Metric::GuardFuel);
    assert_eq!(fuel[4], ("blocker|tools_list".to_string(), 40_000.0));
}

#[test]
fn guards_that_were_not_called_have_no_duration() {
    let mut e = evaluate("blocked");
    e.trace[0].decision = "not_applicable".into();
    e.trace[2].failure.as_mut().unwrap().kind = "state_lost".into();
    let obs = evaluation(Source::Test, &e);
    let guards: Vec<String> = of(&obs, Metric::GuardDuration)
        .into_iter()
        .map(|(l, _)| l)
        .collect();
    assert_eq!(
        guards,
        [
            "warns|tools_list",
            "audited|tools_list",
            "blocker|tools_list"
        ]
    );
    assert_eq!(
        of(&obs, Metric::GuardFailures),
        rows(&[("test|broken|tools_list|state_lost", 1.0)]),
        "the refusal still counts as a failure"
    );
}

#[test]
fn every_observation_has_one_value_per_label_name() {
    let e = evaluate("blocked");
    let mut all = evaluation(Source::Api, &e);
    all.push(request("/v1/evaluate", "POST", 200, 0.01));
    all.push(exchange("POST", "tools/call", ExchangeOutcome::Denied));
    all.extend(reload(Some(2)));
    all.extend(reload(None));
    all.extend(startup(1));
    for o in &all {
        assert_eq!(o.labels.len(), o.metric.labels().len(), "{o:?}");
    }
    for metric in Metric::ALL {
        assert!(
            all.iter().any(|o| o.metric == metric),
            "{metric:?} never observed"
        );
        assert!(!metric.help().ends_with('.'), "{metric:?}");
        let counter = metric.kind() == Kind::Counter;
        assert!(
            !(counter && metric.name().ends_with("_total")),
            "{metric:?}"
        );
    }
}

#[test]
fn codes_that_are_not_identifiers_share_one_series() {
    assert_eq!(code_label(None), "");
    assert_eq!(code_label(Some("pattern_blocked")), "pattern_blocked");
    assert_eq!(code_label(Some("pii.email:v2-x")), "pii.email:v2-x");
    assert_eq!(code_label(Some("blocked tool rm -rf /")), "other");
    assert_eq!(code_label(Some(&"x".repeat(65))), "other");
    let e = evaluate("denied: \"secret\"");
    let obs = evaluation(Source::Api, &e);
    assert_eq!(
        of(&obs, Metric::GuardEvaluations)[4].0,
        "api|blocker|tools_list|deny|other|false"
    );
}

#[test]
fn client_supplied_names_map_onto_fixed_lists() {
    assert_eq!(route_label("/v1/evaluate"), "/v1/evaluate");
    assert_eq!(route_label(PATH), "/metrics");
    assert_eq!(route_label("/mcp"), "/mcp");
    assert_eq!(route_label("/v1/evaluate/x"), "other");
    assert_eq!(route_label("/index.html"), "other");
    assert_eq!(http_method_label("POST"), "POST");
    assert_eq!(http_method_label("BREW"), "other");
    let req = request("/wp-login.php", "PROPFIND", 404, 0.5);
    assert_eq!(req.labels.join("|"), "other|other|404");
}

#[test]
fn a_post_body_is_counted_under_its_mcp_method() {
    let label = |body: &str| mcp_method_label(body.as_bytes());
    assert_eq!(
        label(r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"x"}}"#),
        "tools/call"
    );
    assert_eq!(
        label(r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#),
        "notifications/initialized"
    );
    assert_eq!(
        label(r#"{"jsonrpc":"2.0","id":1,"method":"x/made-up"}"#),
        "other"
    );
    assert_eq!(
        label(r#" [{"jsonrpc":"2.0","id":1,"method":"ping"}]"#),
        "batch"
    );
    assert_eq!(label(r#"{"jsonrpc":"2.0","id":1,"result":{}}"#), "response");
    assert_eq!(label("not json"), "invalid");
    assert_eq!(label(r#"{"method": 3}"#), "invalid");
}

#[test]
fn a_denial_anywhere_in_an_exchange_names_its_outcome() {
    let forwarded = ExchangeOutcome::Forwarded;
    assert_eq!(forwarded.denied_if(false), ExchangeOutcome::Forwarded);
    assert_eq!(forwarded.denied_if(true), ExchangeOutcome::Denied);
    assert_eq!(
        ExchangeOutcome::Refused.denied_if(true),
        ExchangeOutcome::Denied
    );
    let obs = exchange("GET", "", ExchangeOutcome::UpstreamTimeout);
    assert_eq!(obs.labels.join("|"), "GET||upstream_timeout");
}

#[test]
fn reloads_count_by_result_and_set_the_generation() {
    let ok = reload(Some(3));
    assert_eq!(of(&ok, Metric::ConfigReloads), rows(&[("success", 1.0)]));
    assert_eq!(of(&ok, Metric::ConfigGeneration), rows(&[("", 3.0)]));
    let failed = reload(None);
    assert_eq!(
        of(&failed, Metric::ConfigReloads),
        rows(&[("failure", 1.0)])
    );
    assert!(of(&failed, Metric::ConfigGeneration).is_empty());
}
