use serde_json::json;

use super::*;
use crate::chain::{Denial, Warning};

const SUITE: &str = r#"
format: guardhouse.case/v1
name: demo
gateway: ../gateway.yaml
cases:
  - name: benign
    guards: [simple-pattern, {id: other, sha256: ABC}]
    phase: tools_list
    payload:
      tools:
        - {name: read_file, description: Read a file, input_schema: {type: object}}
    context: {server_name: files, server_url: "https://files.example.com", identity: alice}
    config: {simple-pattern: {patterns: [drop]}}
    expect: {decision: allow}
  - name: deny
    phase: tool_invoke
    payload: {tool: drop_table, arguments: {table: users}}
    expect: {decision: deny, code: pattern_blocked, guard: simple-pattern}
"#;

#[test]
fn parses_a_suite() {
    let file = CaseFile::parse("s.yaml", SUITE).unwrap();
    assert_eq!(file.name.as_deref(), Some("demo"));
    assert_eq!(
        file.gateway,
        Some(GatewaySource::Path("../gateway.yaml".into()))
    );
    assert_eq!(file.cases.len(), 2);
    let s = file.cases[0].screening().unwrap();
    assert_eq!(
        s.context.server_url.as_deref(),
        Some("https://files.example.com")
    );
    assert_eq!(s.context.metadata, "{}");
    assert_eq!(
        s.only,
        Some(vec!["simple-pattern".to_string(), "other".to_string()])
    );
    assert_eq!(file.cases[1].screening().unwrap().only, None);
}

#[test]
fn parses_a_single_case_and_round_trips_through_json() {
    let text =
        "format: guardhouse.case/v1\nname: one\nphase: connection\nexpect: {decision: allow}\n";
    let file = CaseFile::parse("c.yaml", text).unwrap();
    assert_eq!(file.cases[0].phase, Phase::Connection);
    let again = CaseFile::parse("c.json", &file.to_json_pretty()).unwrap();
    assert_eq!(again, file);
}

#[test]
fn rejects_a_missing_or_unknown_format() {
    let err = CaseFile::parse("c.yaml", "name: x\nphase: connection\n").unwrap_err();
    assert_eq!(
        err.hint.as_deref(),
        Some("add `format: guardhouse.case/v1`")
    );
    let err = CaseFile::parse(
        "c.yaml",
        "format: guardhouse.case/v9\nname: x\nphase: connection\n",
    )
    .unwrap_err();
    assert_eq!(err.location.map(|l| l.line), Some(1));
}

#[test]
fn bad_payload_is_located() {
    let text = "format: guardhouse.case/v1\ncases:\n  - name: x\n    phase: tools_list\n    payload: {tool: a}\n";
    let err = CaseFile::parse("c.yaml", text).unwrap_err();
    assert_eq!(err.path, "cases[0].payload");
    assert_eq!(err.location.map(|l| l.line), Some(5));
}

#[test]
fn a_payload_is_kept_exactly_in_single_cases_suites_and_steps() {
    // The payload bypasses the path-tracking deserializer (case_at): any JSON, keys that
    // look like case keys included, arrives unchanged in each shape of file.
    let payload = json!({"expct": [1, {"phase": null}], "deep": {"a": {"b": "\u{e9}"}}});
    let single =
        json!({"format": CASE_FORMAT, "name": "s", "phase": "response", "payload": payload});
    let suite = json!({"format": CASE_FORMAT, "cases": [{"name": "s", "phase": "response", "payload": payload}]});
    let steps = json!({"format": CASE_FORMAT, "cases": [{"name": "sc", "steps": [
        {"name": "one", "phase": "response", "payload": payload}]}]});
    for file in [single, suite, steps] {
        let parsed = CaseFile::from_document(&Document::from_value("t", file)).unwrap();
        assert_eq!(parsed.cases[0].payload, payload);
    }
    // The keys beside it are still checked, with the suggestion.
    let typo = json!({"format": CASE_FORMAT, "name": "s", "phase": "response", "payload": payload, "expct": {}});
    let err = CaseFile::from_document(&Document::from_value("t", typo)).unwrap_err();
    assert_eq!(err.hint.as_deref(), Some("did you mean `expect`?"));
}

#[test]
fn misspelled_case_keys_get_suggestions() {
    let text = "format: guardhouse.case/v1\ncases:\n  - name: x\n    phase: connection\n    expct: {decision: allow}\n";
    let err = CaseFile::parse("c.yaml", text).unwrap_err();
    assert_eq!(err.hint.as_deref(), Some("did you mean `expect`?"));
}

fn eval(decision: Verdict) -> Evaluation {
    Evaluation {
        phase: Phase::ToolsList,
        decision,
        deny: None,
        payload: None,
        warnings: vec![],
        trace: vec![],
    }
}

#[test]
fn expectations_check_every_field() {
    let expect = Expect {
        decision: Some(Verdict::Deny),
        code: Some("pattern_blocked".into()),
        guard: Some("g".into()),
        ..Expect::default()
    };
    let mut e = eval(Verdict::Deny);
    e.deny = Some(Denial {
        guard: "g".into(),
        code: "pattern_blocked".into(),
        message: "m".into(),
        details: None,
    });
    assert!(expect.check(&e).is_empty());
    e.deny.as_mut().unwrap().code = "other".into();
    assert_eq!(expect.check(&e).len(), 1);
    assert_eq!(expect.check(&eval(Verdict::Allow)).len(), 3);

    let warn = Expect {
        decision: Some(Verdict::Warn),
        warnings: vec!["hidden".into()],
        ..Expect::default()
    };
    let mut w = eval(Verdict::Warn);
    w.warnings.push(Warning {
        guard: "g".into(),
        message: "hidden unicode".into(),
    });
    assert!(warn.check(&w).is_empty());
    w.warnings[0].message = "other".into();
    assert_eq!(warn.check(&w).len(), 1);

    let modify = Expect {
        decision: Some(Verdict::Modify),
        payload: Some(json!({"a": 1})),
        ..Expect::default()
    };
    let mut m = eval(Verdict::Modify);
    m.payload = Some(json!({"a": 2}));
    assert_eq!(modify.check(&m).len(), 1);
}

#[test]
fn pinned_hashes_are_checked() {
    let file = CaseFile::parse("s.yaml", SUITE).unwrap();
    let mismatches = file.cases[0].guard_mismatches(|id| match id {
        "simple-pattern" => Some("x".into()),
        "other" => Some("abc".into()),
        _ => None,
    });
    assert!(mismatches.is_empty(), "{mismatches:?}");
    let mismatches = file.cases[0].guard_mismatches(|id| (id == "other").then(|| "def".into()));
    assert_eq!(mismatches.len(), 2, "{mismatches:?}");
}

#[test]
fn suite_report_summary() {
    let file = CaseFile::parse("s.yaml", SUITE).unwrap();
    let report = run_suite(
        &file,
        |_| Some("abc".into()),
        |case, _| {
            Ok(eval(if case.name == "benign" {
                Verdict::Allow
            } else {
                Verdict::Warn
            }))
        },
    );
    assert_eq!(report.summary_line(), "1 passed, 1 failed");
    assert!(!report.results[1].passed);
}

#[test]
fn a_suite_name_that_is_not_a_string_is_refused() {
    // Found by schemathesis: `name: {}` was dropped without a word.
    let text = "format: guardhouse.case/v1\nname: {}\ncases:\n  - {name: c, phase: connection}\n";
    let err = CaseFile::parse("s.yaml", text).unwrap_err().to_string();
    assert!(err.contains("`name` must be a string"), "{err}");
    assert!(err.contains("s.yaml:2"), "{err}");
}

#[test]
fn an_empty_suite_is_refused() {
    let err = CaseFile::parse("s.yaml", "format: guardhouse.case/v1\ncases: []\n")
        .unwrap_err()
        .to_string();
    assert!(err.contains("at least one case"), "{err}");
}

fn expect(yaml: &str) -> Expect {
    let text = format!("format: guardhouse.case/v1\nname: c\nphase: connection\nexpect: {yaml}\n");
    CaseFile::parse("c.yaml", &text).unwrap().cases[0]
        .expect
        .clone()
        .unwrap()
}

fn traced(guard: &str, decision: &str, logs: &[&str]) -> crate::trace::GuardTrace {
    crate::trace::GuardTrace {
        guard: guard.into(),
        hook: "evaluate-tool-invoke".into(),
        decision: decision.into(),
        code: None,
        failure: None,
        duration_us: 1,
        fuel_used: None,
        logs: logs.iter().map(|l| l.to_string()).collect(),
        audit: false,
    }
}

#[test]
fn richer_expectations_check_message_details_logs_trace_and_warnings() {
    let mut e = eval(Verdict::Deny);
    e.deny = Some(Denial {
        guard: "g".into(),
        code: "c".into(),
        message: "tool `drop` matches `drop`".into(),
        details: Some(json!({"pattern": "drop", "hits": [{"at": 0, "len": 4}], "extra": 1})),
    });
    e.trace = vec![
        traced("a", "allow", &["checked 3 tools"]),
        traced("g", "deny", &[]),
    ];
    e.warnings.push(Warning {
        guard: "a".into(),
        message: "unknown server".into(),
    });
    let ok = expect(
        "{decision: deny, message: matches, details: {pattern: drop, hits: [{at: 0}]}, \
         logs: {a: [3 tools]}, trace: {a: allow, g: deny, b: not_run}}",
    );
    assert_eq!(ok.check(&e), Vec::<String>::new());

    let bad = expect(
        "{decision: deny, message: nope, details: {pattern: rm}, logs: {a: [missing], g: [x]}, \
         trace: {a: deny, b: allow}, no_warnings: true}",
    );
    let failures = bad.check(&e);
    assert_eq!(failures.len(), 7, "{failures:#?}");
    assert!(
        failures
            .iter()
            .any(|f| f.contains("deny message containing \"nope\""))
    );
    assert!(
        failures
            .iter()
            .any(|f| f.contains("expected guard `b` to allow in the trace, got not_run"))
    );
    assert!(failures.iter().any(|f| f.contains("expected no warnings")));
    // Arrays must match in length.
    let longer = expect("{decision: deny, details: {hits: [{at: 0}, {at: 1}]}}");
    assert_eq!(longer.check(&e).len(), 1);
}

#[test]
fn load_error_expectations_judge_refused_settings() {
    let want =
        expect("{load_error: {guard: simple-pattern, pointer: /patterns, message: not of type}}");
    let refusal =
        "invalid config for guard `simple-pattern`: at /patterns: \"x\" is not of type \"array\"";
    assert_eq!(want.check_refusal(refusal), Vec::<String>::new());
    assert_eq!(
        want.check_refusal("invalid config for guard `other`: at /x: bad")
            .len(),
        3
    );
    // Settings that load when a refusal was expected fail the case.
    assert_eq!(want.check(&eval(Verdict::Allow)).len(), 1);
    // Without a load_error expectation the refusal is the failure.
    let plain = expect("{decision: allow}");
    assert_eq!(plain.check_refusal(refusal), vec![refusal.to_string()]);
}

#[test]
fn expectations_need_a_decision_or_a_load_error() {
    for (yaml, problem) in [
        ("{code: x}", "needs `decision` or `load_error`"),
        ("{decision: allow, load_error: {message: x}}", "not both"),
        ("{load_error: {}}", "needs `guard`, `pointer` or `message`"),
    ] {
        let text =
            format!("format: guardhouse.case/v1\nname: c\nphase: connection\nexpect: {yaml}\n");
        let err = CaseFile::parse("c.yaml", &text).unwrap_err().to_string();
        assert!(err.contains(problem), "{yaml}: {err}");
        assert!(err.contains("c.yaml:4:"), "{yaml}: {err}");
    }
}

const SCENARIO: &str = r#"format: guardhouse.case/v1
cases:
  - {name: before, phase: connection}
  - name: drift
    guards: [rug-pull]
    context: {server_name: files}
    steps:
      - {name: pin, phase: tools_list, payload: {tools: []}, expect: {decision: allow}}
      - {name: change, phase: tools_list, payload: {tools: []}, context: {server_name: other}}
  - {name: after, phase: connection}
"#;

#[test]
fn a_scenario_becomes_its_steps_in_order() {
    let file = CaseFile::parse("s.yaml", SCENARIO).unwrap();
    let names: Vec<&str> = file.cases.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["before", "drift / pin", "drift / change", "after"]);
    let (pin, change) = (&file.cases[1], &file.cases[2]);
    assert_eq!(pin.scenario.as_deref(), Some("drift"));
    assert_eq!(pin.guards, vec![GuardRef::Id("rug-pull".into())]);
    assert_eq!(pin.context.server_name, "files");
    // A step's own context replaces the scenario's.
    assert_eq!(change.context.server_name, "other");
    assert_eq!(file.cases[3].scenario, None);
    // Round trip: the flat form (as the page exports it) reads back the same.
    let again = CaseFile::parse("s.json", &file.to_json_pretty()).unwrap();
    assert_eq!(again, file);
}

#[test]
fn fresh_state_starts_every_scenario_and_follows_it() {
    let file = CaseFile::parse("s.yaml", SCENARIO).unwrap();
    let run = crate::suite::SuiteRun::new(&file, |_| None, |_| Ok(()));
    let fresh: Vec<bool> = (0..4).map(|i| run.needs_fresh_state(i)).collect();
    assert_eq!(fresh, [false, true, false, true]);
    // Two scenarios back to back: each starts fresh.
    let mut two = file.clone();
    two.cases[3].scenario = Some("other".into());
    let run = crate::suite::SuiteRun::new(&two, |_| None, |_| Ok(()));
    assert!(run.needs_fresh_state(3));
}

#[test]
fn bad_scenarios_are_located() {
    for (yaml, at, problem) in [
        (
            "{name: s, phase: connection, steps: [{name: a, phase: connection}]}",
            "c.yaml:3:",
            "unknown key `phase` in a scenario",
        ),
        ("{name: s, steps: []}", "c.yaml:3:", "at least one step"),
        (
            "{steps: [{name: a, phase: connection}]}",
            "c.yaml:3:",
            "needs a `name`",
        ),
        (
            "{name: s, steps: [{phase: connection}]}",
            "c.yaml:3:",
            "a step needs a `name`",
        ),
        (
            "{name: s, steps: [{name: a, phase: nope}]}",
            "c.yaml:3:",
            "nope",
        ),
    ] {
        let text = format!("format: guardhouse.case/v1\ncases:\n  - {yaml}\n");
        let err = CaseFile::parse("c.yaml", &text).unwrap_err().to_string();
        assert!(err.contains(problem), "{yaml}: {err}");
        assert!(err.contains(at), "{yaml}: {err}");
    }
}

#[test]
fn a_context_or_expect_that_is_a_list_is_refused() {
    // Found by schemathesis: serde read `context: []` as a struct with every field default.
    for (yaml, key) in [
        ("{name: c, phase: connection, context: []}", "context"),
        ("{name: c, phase: connection, expect: [allow]}", "expect"),
        (
            "{name: s, steps: [{name: a, phase: connection, context: [x]}]}",
            "context",
        ),
    ] {
        let text = format!("format: guardhouse.case/v1\ncases:\n  - {yaml}\n");
        let err = CaseFile::parse("c.yaml", &text).unwrap_err().to_string();
        assert!(
            err.contains(&format!("`{key}` must be a mapping")),
            "{yaml}: {err}"
        );
    }
}
