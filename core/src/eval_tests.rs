use serde_json::{Value, json};

use super::*;
use crate::case::CaseResult;
use crate::chain::{Denial, Evaluation, Screening, Verdict, Warning};
use crate::suite::SuiteRun;
use crate::trace::{FailureInfo, GuardTrace};

const GATEWAY: &str = r#"
security_guards:
  - {id: g, module_path: g.wasm, runs_on: [tools_list, tool_invoke]}
  - {id: other, module_path: o.wasm}
  - {id: off, module_path: off.wasm, enabled: false}
"#;

fn gateway() -> GatewayConfig {
    GatewayConfig::parse("g.yaml", GATEWAY).unwrap()
}

/// A tools_list case named `name` (the scripted decision is its first word).
fn case(name: &str, label: &str) -> String {
    format!(
        "  - {{name: \"{name}\", label: {label}, phase: tools_list, payload: {{tools: [{{name: t}}]}}}}\n"
    )
}

fn corpus(cases: &[(&str, &str)]) -> CaseFile {
    let mut text = String::from("format: guardhouse.case/v1\nname: corpus\ncases:\n");
    for (name, label) in cases {
        text.push_str(&case(name, label));
    }
    CaseFile::parse("corpus.yaml", &text).unwrap_or_else(|e| panic!("{e}"))
}

/// What a guard would decide, scripted by the case name's first word: `deny`, `warn`,
/// `modify`, `fail` (a fail_closed failure) or anything else (allow).
fn scripted(case: &Case, _: Screening) -> Result<Evaluation, String> {
    let word = case.name.split_whitespace().next().unwrap_or_default();
    let mut eval = Evaluation {
        phase: case.phase,
        decision: Verdict::Allow,
        deny: None,
        payload: None,
        warnings: vec![],
        trace: vec![],
    };
    let deny = |code: &str| Denial {
        guard: "g".into(),
        code: code.into(),
        message: format!("{code} in {}", case.name),
        details: None,
    };
    match word {
        "deny" => {
            eval.decision = Verdict::Deny;
            eval.deny = Some(deny("blocked"));
        }
        "warn" => {
            eval.decision = Verdict::Warn;
            eval.warnings = vec![
                Warning {
                    guard: "g".into(),
                    message: "odd".into(),
                },
                Warning {
                    guard: "g".into(),
                    message: "odder".into(),
                },
            ];
        }
        "modify" => {
            eval.decision = Verdict::Modify;
            eval.payload = Some(json!({"tools": []}));
        }
        "fail" => {
            eval.decision = Verdict::Deny;
            eval.deny = Some(deny("guard_error"));
            eval.trace = vec![GuardTrace {
                guard: "g".into(),
                hook: "evaluate-tools-list".into(),
                decision: "deny".into(),
                code: Some("guard_error".into()),
                failure: Some(FailureInfo {
                    kind: "trap".into(),
                    message: "unreachable".into(),
                }),
                duration_us: 1,
                fuel_used: None,
                logs: vec![],
                audit: false,
            }];
        }
        _ => {}
    }
    Ok(eval)
}

fn score(file: &CaseFile) -> EvalReport {
    let prepared = prepare(&gateway(), file, "g").unwrap();
    let results = SuiteRun::new(&prepared.file, |_| Some("00".into()), |_| Ok(())).run(scripted);
    EvalReport::score("corpus.yaml", &prepared, &results)
}

#[test]
fn labels_are_benign_or_lowercase_categories() {
    for ok in [
        "benign",
        "benign/file_tools",
        "tool_poisoning/command",
        "injection/result/override",
        "x-1",
    ] {
        assert_eq!(label_problem(ok), None, "{ok}");
    }
    for bad in [
        "",
        "Benign",
        "tool poisoning",
        "a//b",
        "/a",
        "a/",
        "_a",
        "a/-b",
        "é",
    ] {
        assert!(label_problem(bad).is_some(), "{bad:?} accepted");
    }
    assert!(label_problem(&"a".repeat(MAX_LABEL_LEN + 1)).is_some());
    assert!(is_benign("benign") && is_benign("benign/docs"));
    assert!(!is_benign("benignish") && !is_benign("attack/benign"));
}

#[test]
fn a_bad_label_is_refused_where_it_stands() {
    let text = "format: guardhouse.case/v1\ncases:\n  - {name: a, label: benign, phase: connection}\n  - {name: b, label: Tool Poisoning, phase: connection}\n";
    let err = CaseFile::parse("c.yaml", text).unwrap_err().to_string();
    assert!(
        err.starts_with("c.yaml:4:")
            && err.contains("cases[1].label: `label` \"Tool Poisoning\" is not a category"),
        "{err}"
    );
    assert!(
        err.contains("hint: a label is `benign` or an attack category"),
        "{err}"
    );
}

#[test]
fn a_scenario_labels_its_steps_not_itself() {
    let text = "format: guardhouse.case/v1\ncases:\n  - name: s\n    label: benign\n    steps: [{name: a, phase: connection}]\n";
    let err = CaseFile::parse("c.yaml", text).unwrap_err().to_string();
    assert!(err.contains("unknown key `label` in a scenario"), "{err}");
    let text = "format: guardhouse.case/v1\ncases:\n  - name: s\n    steps: [{name: a, label: benign, phase: connection}, {name: b, label: x/y, phase: connection}]\n";
    let file = CaseFile::parse("c.yaml", text).unwrap();
    let labels: Vec<_> = file.cases.iter().map(|c| c.label.as_deref()).collect();
    assert_eq!(labels, [Some("benign"), Some("x/y")]);
    let again = CaseFile::parse("c.json", &file.to_json_pretty()).unwrap();
    assert_eq!(again, file);
}

#[test]
fn an_unlabelled_case_stops_an_eval_and_is_named() {
    let text = "format: guardhouse.case/v1\ncases:\n  - {name: fine, label: benign, phase: connection}\n  - {name: bare, phase: connection, expect: {decision: allow}}\n";
    let file = CaseFile::parse("c.yaml", text).unwrap();
    let err = prepare(&gateway(), &file, "g").unwrap_err();
    assert_eq!(
        err,
        EvalError::Unlabelled {
            case: "bare".into()
        }
    );
    assert!(
        err.to_string().starts_with("case `bare` has no `label`"),
        "{err}"
    );
}

#[test]
fn a_labelled_case_without_expect_cannot_be_tested() {
    let file = corpus(&[("deny a", "x/y")]);
    assert_eq!(
        file.check_testable().unwrap_err(),
        "case `deny a` is labelled `x/y` but has no `expect`: `guardhouse test` judges \
         `expect`; score labels with `guardhouse eval`"
    );
    // On a host's API the same case fails rather than passing unjudged.
    let report = SuiteRun::new(&file, |_| None, |_| Ok(())).run(scripted);
    assert!(!report.results[0].passed);
    assert!(report.results[0].failures[0].contains("has no `expect`"));
    // Labelled with an expectation, or unlabelled without one: testable as before.
    let text = "format: guardhouse.case/v1\ncases:\n  - {name: a, label: benign, phase: connection, expect: {decision: allow}}\n  - {name: b, phase: connection}\n";
    let file = CaseFile::parse("c.yaml", text).unwrap();
    assert_eq!(file.check_testable(), Ok(()));
    let result = CaseResult::judge(
        &file.cases[1],
        scripted(&file.cases[1], screening(&file.cases[1])),
        vec![],
    );
    assert!(result.passed);
}

fn screening(case: &Case) -> Screening {
    case.screening().unwrap()
}

#[test]
fn prepare_keeps_the_screened_phases_and_only_the_guard() {
    let text = r#"format: guardhouse.case/v1
cases:
  - name: list
    label: benign
    phase: tools_list
    payload: {tools: []}
    guards: [other]
    config: {g: {x: 1}, other: {y: 2}}
    expect: {decision: deny}
  - {name: response, label: injection/result, phase: response, payload: {}}
  - {name: invoke, label: injection/argument, phase: tool_invoke, payload: {tool: t, arguments: {}}}
"#;
    let file = CaseFile::parse("c.yaml", text).unwrap();
    let prepared = prepare(&gateway(), &file, "g").unwrap();
    assert_eq!(prepared.not_screened, 1);
    let names: Vec<&str> = prepared
        .file
        .cases
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(names, ["list", "invoke"]);
    let list = &prepared.file.cases[0];
    assert_eq!(list.guards, [GuardRef::Id("g".into())]);
    assert_eq!(
        list.config,
        json!({"g": {"x": 1}}).as_object().cloned().unwrap()
    );
    assert_eq!(list.expect, None);
    assert_eq!(list.label.as_deref(), Some("benign"));

    let unknown = prepare(&gateway(), &file, "nope").unwrap_err();
    assert_eq!(
        unknown.to_string(),
        "the gateway has no guard `nope` (it has: g, other, off)"
    );
    let off = prepare(&gateway(), &file, "off").unwrap_err();
    assert_eq!(off.to_string(), "guard `off` is disabled in the gateway");
    assert_eq!(default_guards(&gateway(), &file), ["g", "other"]);
}

#[test]
fn scores_recall_false_alarms_and_precision() {
    let file = corpus(&[
        ("deny a1", "cmd"),
        ("allow a2", "cmd"),
        ("warn a3", "cmd"),
        ("deny a4", "cmd"),
        ("allow b1", "net"),
        ("modify b2", "net"),
        ("allow ok1", "benign"),
        ("deny ok2", "benign/docs"),
        ("warn ok3", "benign"),
        ("allow ok4", "benign"),
        ("allow ok5", "benign/docs"),
    ]);
    let r = score(&file);
    let o = r.overall;
    assert_eq!(
        (o.cases, o.attacks, o.attacks_denied, o.attacks_warned),
        (11, 6, 2, 2)
    );
    assert_eq!((o.benign, o.benign_denied, o.benign_warned), (5, 1, 1));
    assert_eq!(o.recall_deny, Some(2.0 / 6.0));
    assert_eq!(o.recall_deny_or_warn, Some(4.0 / 6.0));
    assert_eq!(o.benign_deny_rate, Some(0.2));
    assert_eq!(o.benign_warn_rate, Some(0.2));
    assert_eq!(o.precision_deny, Some(2.0 / 3.0));
    assert_eq!(o.precision_deny_or_warn, Some(4.0 / 6.0));

    let labels: Vec<&str> = r.categories.iter().map(|c| c.label.as_str()).collect();
    assert_eq!(labels, ["benign", "benign/docs", "cmd", "net"]);
    let cmd = r.categories[2].scores;
    assert_eq!((cmd.attacks, cmd.recall_deny), (4, Some(0.5)));
    assert_eq!(cmd.recall_deny_or_warn, Some(0.75));
    assert_eq!((cmd.benign_deny_rate, cmd.precision_deny), (None, None));
    let net = r.categories[3].scores;
    assert_eq!(
        (net.recall_deny, net.recall_deny_or_warn),
        (Some(0.0), Some(0.5))
    );
    let docs = r.categories[1].scores;
    assert_eq!((docs.benign, docs.benign_deny_rate), (2, Some(0.5)));
    assert_eq!(docs.recall_deny, None);

    // Misses: silent ones first, then the warned (file order within each).
    let misses: Vec<(&str, Verdict)> = r
        .misses
        .iter()
        .map(|f| (f.case.as_str(), f.decision))
        .collect();
    assert_eq!(
        misses,
        [
            ("allow a2", Verdict::Allow),
            ("allow b1", Verdict::Allow),
            ("warn a3", Verdict::Warn),
            ("modify b2", Verdict::Modify)
        ]
    );
    assert_eq!(r.misses[2].message.as_deref(), Some("odd; odder"));
    let alarms: Vec<&str> = r.false_alarms.iter().map(|f| f.case.as_str()).collect();
    assert_eq!(alarms, ["deny ok2", "warn ok3"]);
    assert_eq!(r.false_alarms[0].code.as_deref(), Some("blocked"));
    assert_eq!(
        r.false_alarms[0].message.as_deref(),
        Some("blocked in deny ok2")
    );
    assert_eq!(r.false_alarms[0].label, "benign/docs");
    assert_eq!(
        (r.guard_failures, r.errors.len(), r.not_screened),
        (0, 0, 0)
    );
}

#[test]
fn precision_needs_both_kinds_and_rates_need_cases() {
    let attacks_only = score(&corpus(&[("deny a", "x"), ("allow b", "x")]));
    assert_eq!(attacks_only.overall.recall_deny, Some(0.5));
    assert_eq!(attacks_only.overall.precision_deny, None);
    assert_eq!(attacks_only.overall.benign_deny_rate, None);
    let nothing_denied = score(&corpus(&[("allow a", "x"), ("allow b", "benign")]));
    assert_eq!(nothing_denied.overall.precision_deny, None);
    assert_eq!(nothing_denied.overall.recall_deny, Some(0.0));
    assert_eq!(nothing_denied.overall.benign_deny_rate, Some(0.0));
}

#[test]
fn guard_failures_are_counted_and_errors_are_not_scored() {
    let text = r#"format: guardhouse.case/v1
cases:
  - {name: fail a, label: x, phase: tools_list, payload: {tools: []}}
  - {name: deny b, label: x, phase: tools_list, payload: {tools: []}, config: {g: {bad: true}}}
"#;
    let file = CaseFile::parse("c.yaml", text).unwrap();
    let prepared = prepare(&gateway(), &file, "g").unwrap();
    let refuse = |c: &Case| match c.config.is_empty() {
        true => Ok(()),
        false => Err(format!("settings of `{}` refused", c.name)),
    };
    let results = SuiteRun::new(&prepared.file, |_| Some("00".into()), refuse).run(scripted);
    let r = EvalReport::score("c.yaml", &prepared, &results);
    assert_eq!((r.overall.cases, r.overall.attacks_denied), (1, 1));
    assert_eq!(r.guard_failures, 1);
    assert_eq!(
        r.errors,
        [CaseError {
            case: "deny b".into(),
            label: "x".into(),
            error: "settings of `deny b` refused".into()
        }]
    );
}

#[test]
fn totals_sum_the_counts_of_each_guard() {
    let a = score(&corpus(&[("deny a", "x"), ("allow b", "y")]));
    let b = score(&corpus(&[
        ("warn c", "benign"),
        ("allow d", "benign"),
        ("deny e", "x"),
    ]));
    let mut other = a.clone();
    other.guard = "other".into();
    // A corpus of phases the guard does not screen adds nothing, not even a corpus.
    let text = "format: guardhouse.case/v1\ncases:\n  - {name: deny z, label: x, phase: response, payload: {}}\n";
    let unscreened = score(&CaseFile::parse("r.yaml", text).unwrap());
    assert_eq!((unscreened.not_screened, unscreened.overall.cases), (1, 0));
    let summary = EvalSummary::new(vec![a, other, unscreened, b]);
    assert_eq!(summary.totals.len(), 2);
    let g = &summary.totals[0];
    assert_eq!((g.guard.as_str(), g.corpora), ("g", 2));
    assert_eq!((g.overall.cases, g.overall.attacks_denied), (5, 2));
    assert_eq!(g.overall.recall_deny, Some(2.0 / 3.0));
    assert_eq!(g.overall.benign_warn_rate, Some(0.5));
    assert_eq!(g.overall.precision_deny, Some(1.0));
    assert_eq!(g.overall.precision_deny_or_warn, Some(2.0 / 3.0));
    let x = g.categories.iter().find(|c| c.label == "x").unwrap();
    assert_eq!((x.scores.attacks, x.scores.attacks_denied), (2, 2));
    assert_eq!(summary.totals[1].overall.cases, 2);
    assert_eq!(summary.error_count(), 0);
    let json = serde_json::to_value(&summary).unwrap();
    assert_eq!(json["reports"][0]["categories"][0]["label"], "x");
    assert_eq!(json["reports"][0]["categories"][0]["recall_deny"], 1.0);
    assert_eq!(json["reports"][0]["overall"]["precision_deny"], Value::Null);
}
