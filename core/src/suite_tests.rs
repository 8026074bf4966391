use super::*;
use crate::chain::Verdict;
use crate::contract::Phase;

const SUITE: &str = r#"
format: guardhouse.case/v1
name: driver
cases:
  - name: first
    guards: [{id: g, sha256: "00"}]
    phase: connection
    expect: {decision: allow}
  - name: bad-override
    phase: connection
    config: {g: {strict: true}}
    expect: {decision: allow}
  - name: third
    phase: connection
    expect: {decision: deny}
"#;

fn file() -> CaseFile {
    CaseFile::parse("s.yaml", SUITE).unwrap()
}

fn eval(decision: Verdict) -> Evaluation {
    Evaluation {
        phase: Phase::Connection,
        decision,
        deny: None,
        payload: None,
        warnings: vec![],
        trace: vec![],
    }
}

/// Overrides are rejected for any case that has some, as a schema check would.
fn no_overrides(case: &Case) -> Result<(), String> {
    match case.config.is_empty() {
        true => Ok(()),
        false => Err(format!("overrides rejected in `{}`", case.name)),
    }
}

fn driver(file: &CaseFile) -> SuiteRun<'_> {
    SuiteRun::new(file, |id| (id == "g").then(|| "00".into()), no_overrides)
}

#[test]
fn hands_out_only_runnable_cases_in_order() {
    let file = file();
    let mut run = driver(&file);
    let handed: Vec<usize> = std::iter::from_fn(|| run.next_case().map(|(i, _)| i)).collect();
    assert_eq!(handed, vec![0, 2]);
    assert_eq!(run.case(2).name, "third");
    assert!(run.next_case().is_none());
}

#[test]
fn judges_records_taken_out_of_order_in_file_order() {
    let file = file();
    let mut run = driver(&file);
    let (a, _) = run.next_case().unwrap();
    let (b, screening) = run.next_case().unwrap();
    assert_eq!(screening.payload.phase(), Phase::Connection);
    run.record(b, Ok(eval(Verdict::Deny)));
    run.record(a, Ok(eval(Verdict::Warn)));
    let report = run.finish();
    let names: Vec<&str> = report.results.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["first", "bad-override", "third"]);
    assert_eq!(report.summary_line(), "1 passed, 2 failed");
    assert_eq!(report.results[0].failures, ["expected allow, got warn"]);
    assert_eq!(
        report.results[1].failures,
        ["overrides rejected in `bad-override`"]
    );
    assert!(report.results[1].evaluation.is_none());
    assert!(report.results[2].passed);
}

#[test]
fn a_case_never_recorded_fails_and_stray_records_are_ignored() {
    let file = file();
    let mut run = driver(&file);
    let (a, _) = run.next_case().unwrap();
    run.record(a, Ok(eval(Verdict::Allow)));
    run.record(a, Ok(eval(Verdict::Deny)));
    run.record(1, Ok(eval(Verdict::Allow)));
    run.record(99, Ok(eval(Verdict::Allow)));
    let report = run.finish();
    assert!(report.results[0].passed, "{:?}", report.results[0]);
    assert_eq!(
        report.results[1].failures,
        ["overrides rejected in `bad-override`"]
    );
    assert_eq!(report.results[2].failures, [NOT_RECORDED]);
}

#[test]
fn pin_mismatches_and_host_errors_join_the_judgement() {
    let file = file();
    let report = SuiteRun::new(&file, |_| Some("ff".into()), |_| Ok(())).run(|case, _| match case
        .name
        .as_str()
    {
        "third" => Err("host failed".into()),
        _ => Ok(eval(Verdict::Allow)),
    });
    assert_eq!(report.results[0].failures.len(), 1);
    assert!(report.results[0].failures[0].contains("sha256 ff"));
    assert!(report.results[0].evaluation.is_some());
    assert!(report.results[1].passed, "no override check: it runs");
    assert_eq!(report.results[2].failures, ["host failed"]);
}

#[test]
fn the_sync_run_matches_a_step_by_step_drive() {
    let file = file();
    let verdicts = [Verdict::Allow, Verdict::Allow, Verdict::Warn];
    let synced = driver(&file).run(|case, _| {
        let i = file.cases.iter().position(|c| c.name == case.name).unwrap();
        Ok(eval(verdicts[i]))
    });
    let mut run = driver(&file);
    while let Some((i, _)) = run.next_case() {
        run.record(i, Ok(eval(verdicts[i])));
    }
    assert_eq!(run.finish(), synced);
}
