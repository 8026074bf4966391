//! Hostile guards end as their failure_mode decision with the right code, within their
//! budget, and the process and the next healthy call are fine.

mod common;

use std::time::Instant;

use common::*;
use guardhouse_core::Verdict;

const HOSTILE: &str = "tests/configs/hostile.yaml";

fn hostile() -> guardhouse::runner::Runner {
    component("tests/fixtures/dist/hostile.wasm");
    guardhouse::runner::Runner::from_file(&env(), &root().join(HOSTILE)).unwrap()
}

fn run_one(r: &guardhouse::runner::Runner, id: &str) -> guardhouse_core::Evaluation {
    eval(r, &tools_case(id, "[{name: a}]"))
}

#[test]
fn each_hostile_guard_fails_closed_with_its_code() {
    let r = hostile();
    for (id, code, kind) in [
        ("loop", "guard_timeout", "timeout"),
        ("memory-bomb", "guard_resource_limit", "resource_limit"),
        ("recursion", "guard_resource_limit", "resource_limit"),
        ("fuel", "guard_resource_limit", "resource_limit"),
        ("fill-loop", "guard_timeout", "timeout"),
        ("fill-fuel", "guard_resource_limit", "resource_limit"),
        ("panic", "guard_error", "trap"),
        ("invalid-modify", "guard_error", "invalid_decision"),
        ("err", "guard_error", "guest_error"),
        ("start-loop", "guard_timeout", "timeout"),
        ("table-grow", "guard_timeout", "timeout"),
        (
            "indirect-recursion",
            "guard_resource_limit",
            "resource_limit",
        ),
    ] {
        let e = run_one(&r, id);
        assert_eq!(e.decision, Verdict::Deny, "{id}");
        let deny = e.deny.as_ref().unwrap();
        assert_eq!(deny.code, code, "{id}: {}", deny.message);
        assert_eq!(deny.guard, id);
        assert!(
            deny.message.contains(&format!("`{id}`")),
            "{}",
            deny.message
        );
        assert_eq!(e.trace[0].failure.as_ref().unwrap().kind, kind, "{id}");
        // The process survived; the next call to a healthy guard succeeds.
        assert_eq!(
            run_one(&r, "healthy").decision,
            Verdict::Allow,
            "after {id}"
        );
    }
}

#[test]
fn seed_wording_starts_the_messages() {
    let r = hostile();
    let msg = |id| run_one(&r, id).deny.unwrap().message;
    assert!(msg("loop").starts_with("execution timeout: `loop` ran longer than 100 ms"));
    assert!(msg("invalid-modify").starts_with("invalid decision returned: `invalid-modify`"));
    assert!(msg("memory-bomb").contains("past max_memory_bytes = 16777216"));
}

#[test]
fn an_infinite_loop_stops_within_timeout_plus_50ms() {
    let r = hostile();
    for _ in 0..3 {
        let t = Instant::now();
        let e = run_one(&r, "loop");
        let ms = t.elapsed().as_millis();
        assert_eq!(e.deny.unwrap().code, "guard_timeout");
        assert!(
            (100..150).contains(&ms),
            "loop took {ms} ms for a 100 ms budget"
        );
    }
}

#[test]
fn fail_open_allows_with_a_warning() {
    let r = hostile();
    let e = run_one(&r, "loop-open");
    assert_eq!(e.decision, Verdict::Warn);
    assert!(
        e.warnings[0]
            .message
            .starts_with("failed open: execution timeout"),
        "{:?}",
        e.warnings
    );
    assert_eq!(e.trace[0].decision, "allow");
}

#[test]
fn log_spam_is_bounded_with_a_marker() {
    let r = hostile();
    let e = run_one(&r, "log-spam");
    assert_eq!(e.decision, Verdict::Allow);
    let logs = &e.trace[0].logs;
    assert!(logs.len() <= guardhouse_core::trace::MAX_LOG_LINES + 1);
    assert!(
        logs.last().unwrap().starts_with("[log truncated:"),
        "{:?}",
        logs.last()
    );
    assert!(logs[0].starts_with("WASM[log-spam] "), "{}", logs[0]);
}

#[test]
fn fuel_used_is_reported_and_reset_per_call() {
    let r = hostile();
    let a = run_one(&r, "healthy").trace[0].fuel_used.unwrap();
    let b = run_one(&r, "healthy").trace[0].fuel_used.unwrap();
    assert!(a > 0);
    assert_eq!(a, b, "same call, same fuel: the budget is reset every call");
    let f = run_one(&r, "fuel").trace[0].fuel_used.unwrap();
    assert_eq!(f, 1_000_000, "the fuel guard used its whole budget");
}

#[test]
fn concurrent_calls_run_in_parallel_and_a_hang_does_not_block_others() {
    let r = std::sync::Arc::new(hostile());
    fn assert_send_sync<T: Send + Sync>(_: &T) {}
    assert_send_sync(&*r);
    let slow = {
        let r = r.clone();
        std::thread::spawn(move || run_one(&r, "loop"))
    };
    std::thread::sleep(std::time::Duration::from_millis(10));
    let t = Instant::now();
    for _ in 0..20 {
        assert_eq!(run_one(&r, "healthy").decision, Verdict::Allow);
    }
    assert!(
        t.elapsed().as_millis() < 80,
        "healthy calls waited for the looping guard"
    );
    assert_eq!(slow.join().unwrap().deny.unwrap().code, "guard_timeout");
}

/// A tools-list case for `guard` with its `mode` overridden.
fn mode_case(guard: &str, mode: &str) -> String {
    format!(
        "{}config: {{{guard}: {{mode: {mode}}}}}\n",
        tools_case(guard, "[{name: a}]")
    )
}

#[test]
fn a_persistent_guard_that_lost_its_state_warns_or_refuses_as_configured() {
    let r = hostile();
    // reset (the default): the trap itself fails open; the next call starts over and says so.
    assert_eq!(
        eval(&r, &mode_case("state-reset", "panic")).decision,
        Verdict::Warn
    );
    let e = run_one(&r, "state-reset");
    assert_eq!(e.decision, Verdict::Warn);
    assert!(
        e.warnings[0]
            .message
            .contains("lost its persistent state and started over"),
        "{:?}",
        e.warnings
    );
    assert_eq!(
        run_one(&r, "state-reset").decision,
        Verdict::Allow,
        "reported once"
    );
    // fail_closed: every later call is refused without running the guard.
    assert_eq!(run_one(&r, "state-closed").decision, Verdict::Allow);
    let trapped = eval(&r, &mode_case("state-closed", "memory_bomb"));
    assert_eq!(trapped.deny.unwrap().code, "guard_resource_limit");
    for _ in 0..2 {
        let e = run_one(&r, "state-closed");
        let deny = e.deny.as_ref().unwrap();
        assert_eq!(deny.code, "guard_state_lost", "{}", deny.message);
        assert!(
            deny.message.starts_with("state lost: `state-closed`"),
            "{}",
            deny.message
        );
        assert!(e.trace[0].logs.is_empty(), "the guard was not called");
    }
    // An error the guard returns leaves its instance, and its state, alone.
    let r = hostile();
    assert_eq!(
        eval(&r, &mode_case("state-closed", "err"))
            .deny
            .unwrap()
            .code,
        "guard_error"
    );
    assert_eq!(run_one(&r, "state-closed").decision, Verdict::Allow);
}

#[test]
fn an_audit_mode_guard_that_fails_closed_only_warns() {
    let r = hostile();
    let e = run_one(&r, "audit-panic");
    assert_eq!(e.decision, Verdict::Warn);
    assert!(e.deny.is_none());
    assert!(
        e.warnings[0]
            .message
            .starts_with("audit: would deny guard_error: guard error: `audit-panic` trapped"),
        "{:?}",
        e.warnings
    );
    assert!(e.trace[0].audit);
    assert_eq!(e.trace[0].failure.as_ref().unwrap().kind, "trap");
}
