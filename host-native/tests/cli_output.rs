//! Every printing command ends quietly, with its usual exit code, when its stdout reader
//! is gone (`guardhouse test --json | head`).

mod common;

use std::process::{Command, Output, Stdio};

use common::*;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_guardhouse"))
}

/// Runs `args` twice: reading stdout, and with a stdout pipe whose read end is already
/// closed (every write fails with a broken pipe).
fn normal_and_closed(args: &[&str]) -> (Output, Output) {
    let normal = bin().current_dir(root()).args(args).output().unwrap();
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let closed = bin()
        .current_dir(root())
        .args(args)
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    (normal, closed)
}

fn assert_quiet(args: &[&str]) {
    let (normal, closed) = normal_and_closed(args);
    assert!(
        !normal.stdout.is_empty(),
        "{args:?} printed nothing: {}",
        String::from_utf8_lossy(&normal.stderr)
    );
    let stderr = String::from_utf8_lossy(&closed.stderr);
    assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    assert!(!stderr.contains("Broken pipe"), "{args:?}: {stderr}");
    assert_eq!(
        closed.status.code(),
        normal.status.code(),
        "{args:?}: {stderr}"
    );
}

#[test]
fn test_and_run_end_quietly_on_a_closed_stdout() {
    component("guards/dist/simple-pattern.wasm");
    assert_quiet(&["test", "--json", "guards/suites/simple-pattern.yaml"]);
    assert_quiet(&[
        "test",
        "guards/suites/simple-pattern.yaml",
        "guards/suites/pii-mask.yaml",
    ]);
    let dir = root().join(format!("target/test-out-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let case = dir.join("deny.yaml");
    std::fs::write(&case, "format: guardhouse.case/v1\nname: deny\nphase: tools_list\npayload: {tools: [{name: delete_everything}]}\n").unwrap();
    let case = case.to_str().unwrap();
    let guard = "--guard=guards/dist/simple-pattern.wasm";
    assert_quiet(&["run", case, guard]);
    assert_quiet(&["run", case, guard, "--json"]);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn inspect_ends_quietly_on_a_closed_stdout() {
    let wasm = component("guards/dist/simple-pattern.wasm");
    let wasm = wasm.to_str().unwrap();
    assert_quiet(&["inspect", wasm]);
    assert_quiet(&["inspect", wasm, "--json"]);
}
