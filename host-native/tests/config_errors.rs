//! Every bad-config case gets a precise message (file:line:column, a hint where one helps).

mod common;

use std::process::Command;

use common::*;

const NOOP: &str = "../fixtures/dist/noop.wasm";

/// Writes `yaml` into tests/configs-tmp/<name>.yaml (so module paths resolve like in
/// tests/configs) and runs `guardhouse test` against it; returns (exit code, stderr).
fn cli(name: &str, yaml: &str) -> (i32, String) {
    component("tests/fixtures/dist/noop.wasm");
    let dir = root().join("target/test-configs");
    std::fs::create_dir_all(&dir).unwrap();
    let cfg = dir.join(format!("{name}.yaml"));
    std::fs::write(
        &cfg,
        yaml.replace(
            "NOOP",
            &root()
                .join("tests/fixtures/dist/noop.wasm")
                .display()
                .to_string(),
        ),
    )
    .unwrap();
    let case = dir.join(format!("{name}-case.yaml"));
    std::fs::write(
        &case,
        "format: guardhouse.case/v1\nname: c\nphase: connection\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_guardhouse"))
        .args(["test", "--no-cache", "-c"])
        .arg(&cfg)
        .arg(&case)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let rel = format!("{}:", cfg.display());
    (out.status.code().unwrap(), stderr.replace(&rel, "CFG:"))
}

#[test]
fn malformed_yaml_has_line_and_column() {
    let (code, err) = cli(
        "malformed",
        "security_guards:\n  - id: a\n    module_path: [x\n",
    );
    assert_eq!(code, 2);
    assert!(
        err.starts_with("error: CFG:4:1: malformed YAML/JSON"),
        "{err}"
    );
}

#[test]
fn duplicate_ids() {
    let (code, err) = cli(
        "dup",
        "security_guards:\n  - {id: a, module_path: NOOP}\n  - {id: a, module_path: NOOP}\n",
    );
    assert_eq!(code, 2);
    assert!(
        err.contains(
            "CFG:3:6: security_guards[1].id: duplicate guard id `a` (first defined on line 2)"
        ),
        "{err}"
    );
}

#[test]
fn unknown_failure_mode_and_phase() {
    let (_, err) = cli(
        "fm",
        "security_guards:\n  - id: a\n    module_path: NOOP\n    failure_mode: fail_soft\n",
    );
    assert!(err.contains("CFG:4:5: security_guards[0].failure_mode: unknown variant `fail_soft`, expected `fail_closed` or `fail_open`"), "{err}");
    let (_, err) = cli(
        "phase",
        "security_guards:\n  - id: a\n    module_path: NOOP\n    runs_on: [tools_list, tool_call]\n",
    );
    assert!(
        err.contains("security_guards[0].runs_on[1]: unknown variant `tool_call`"),
        "{err}"
    );
}

#[test]
fn zero_timeout() {
    let (_, err) = cli(
        "zero",
        "security_guards:\n  - id: a\n    module_path: NOOP\n    timeout_ms: 0\n",
    );
    assert!(
        err.contains("CFG:4:5: security_guards[0].timeout_ms: timeout_ms must be greater than 0"),
        "{err}"
    );
}

#[test]
fn unknown_key_suggests_the_right_one() {
    let (_, err) = cli(
        "typo",
        "security_guards:\n  - id: a\n    module_path: NOOP\n    failure_mod: fail_open\n",
    );
    assert!(err.contains("unknown field `failure_mod`"), "{err}");
    assert!(
        err.contains("(hint: did you mean `failure_mode`?)"),
        "{err}"
    );
}

#[test]
fn missing_and_unreadable_modules() {
    let (code, err) = cli(
        "missing",
        "security_guards:\n  - id: a\n    module_path: nope.wasm\n",
    );
    assert_eq!(code, 3);
    assert!(
        err.contains("CFG:3:5: security_guards[0].module_path: module failed to load: cannot read"),
        "{err}"
    );
    assert!(err.contains("No such file"), "{err}");
    // A directory cannot be read as a file (permissions don't stop root, this does).
    let (code, err) = cli("dir", "security_guards:\n  - id: a\n    module_path: .\n");
    assert_eq!(code, 3);
    assert!(err.contains("module failed to load: cannot read"), "{err}");
}

#[test]
fn non_component_files() {
    let dir = root().join("target/test-configs");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("text.wasm"), "not wasm at all").unwrap();
    std::fs::write(dir.join("core.wasm"), wat::parse_str("(module)").unwrap()).unwrap();
    let (code, err) = cli(
        "text",
        "security_guards:\n  - {id: a, module_path: text.wasm}\n",
    );
    assert_eq!(code, 3);
    assert!(
        err.contains("module failed to load") && err.contains("not a WebAssembly file"),
        "{err}"
    );
    let (_, err) = cli(
        "core",
        "security_guards:\n  - {id: a, module_path: core.wasm}\n",
    );
    assert!(err.contains("not a component: this is a core WebAssembly module (hint: turn it into a component with `guardhouse build`"), "{err}");
}

#[test]
fn wrong_contract_and_foreign_imports() {
    let dir = root().join("target/test-configs");
    std::fs::create_dir_all(&dir).unwrap();
    // A component exporting some other interface.
    let other = wat::parse_str(
        r#"(component
        (core module $m (func (export "f") (result i32) i32.const 0))
        (core instance $i (instantiate $m))
        (func $f (result u32) (canon lift (core func $i "f")))
        (instance $e (export "run" (func $f)))
        (export "example:other/api@1.0.0" (instance $e)))"#,
    )
    .unwrap();
    std::fs::write(dir.join("other.wasm"), other).unwrap();
    let (code, err) = cli(
        "other",
        "security_guards:\n  - {id: a, module_path: other.wasm}\n",
    );
    assert_eq!(code, 3);
    assert!(err.contains("wrong contract: the component does not export mcp:security-guard/guard@0.1.0 (it exports: example:other/api@1.0.0)"), "{err}");
    // A component importing something no host provides.
    let foreign = wat::parse_str(
        r#"(component
        (import "example:net/socket@1.0.0" (instance $n (export "open" (func (result u32)))))
    )"#,
    )
    .unwrap();
    std::fs::write(dir.join("foreign.wasm"), foreign).unwrap();
    let (_, err) = cli(
        "foreign",
        "security_guards:\n  - {id: a, module_path: foreign.wasm}\n",
    );
    assert!(
        err.contains("unsupported import `example:net/socket@1.0.0`"),
        "{err}"
    );
}

#[test]
fn settings_are_validated_against_the_guards_schema() {
    component("guards/dist/simple-pattern.wasm");
    let sp = root()
        .join("guards/dist/simple-pattern.wasm")
        .display()
        .to_string();
    let yaml = format!(
        "security_guards:\n  - id: sp\n    module_path: {sp}\n    config:\n      patterns: [ok, 42]\n"
    );
    let (code, err) = cli("settings", &yaml);
    assert_eq!(code, 3);
    assert!(
        err.contains(
            "CFG:4:5: security_guards[0].config: invalid config for guard `sp`: at /patterns/1:"
        ),
        "{err}"
    );
}

#[test]
fn bad_case_overrides_fail_the_case_not_the_run() {
    let r =
        runner("security_guards:\n  - {id: sp, module_path: guards/dist/simple-pattern.wasm}\n");
    let file = guardhouse_core::case::CaseFile::parse(
        "c.yaml",
        "format: guardhouse.case/v1\nname: c\nphase: connection\nconfig: {sp: {patterns: 3}}\nexpect: {decision: allow}\n",
    )
    .unwrap();
    let report = r.run_cases(&file);
    assert_eq!(report.failed, 1);
    assert!(
        report.results[0].failures[0].contains("invalid config for guard `sp`: at /patterns"),
        "{:?}",
        report.results[0]
    );
}

#[test]
fn load_errors_through_the_library_are_located_too() {
    let err = load_error(&format!(
        "security_guards:\n  - {{id: a, module_path: {NOOP}x}}\n"
    ));
    assert!(
        err.contains(":2:") && err.contains("module failed to load"),
        "{err}"
    );
}

/// `guardhouse build` on a hand-written .wat that is not valid text, or not a guard:
/// an error naming the file (and, for text, the line), never a crash.
#[test]
fn malformed_wat_guards_are_refused_with_their_location() {
    let dir = root().join("target/test-wat");
    std::fs::create_dir_all(&dir).unwrap();
    let wit = dir.join("wit");
    if !wit.exists() {
        std::os::unix::fs::symlink(root().join("guards/legacy-tool-count/wit"), &wit).unwrap();
    }
    let build = |name: &str, text: &str| {
        let file = dir.join(name);
        std::fs::write(&file, text).unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_guardhouse"))
            .args(["build"])
            .arg(&file)
            .args(["--out"])
            .arg(dir.join("out.wasm"))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(!stderr.contains("panicked"), "{stderr}");
        (out.status.code().unwrap(), stderr)
    };
    let (code, err) = build("typo.wat", "(module\n  (func $f\n    i32.bogus))\n");
    assert_ne!(code, 0, "{err}");
    assert!(err.contains("typo.wat:3:"), "no line: {err}");
    let (code, err) = build(
        "invalid.wat",
        "(module\n  (func $f (result i32)\n    i32.add))\n",
    );
    assert_ne!(code, 0, "{err}");
    assert!(
        err.contains("invalid.wat is not valid WebAssembly"),
        "{err}"
    );
    let (code, err) = build("unclosed.wat", &"(module ".repeat(100_000));
    assert_ne!(code, 0, "{err}");
    assert!(err.contains("unclosed.wat"), "{err}");
    let (code, err) = build("empty.wat", "(module)\n");
    assert_ne!(code, 0, "{err}");
    assert!(
        err.contains("empty.wat does not implement the guard world"),
        "{err}"
    );
}

#[test]
fn an_inline_gateway_refused_at_load_names_the_case_file_line_and_column() {
    let module = component("guards/dist/simple-pattern.wasm");
    let dir = root().join("target/test-configs");
    std::fs::create_dir_all(&dir).unwrap();
    let case = dir.join("inline-gateway-case.yaml");
    let text = format!(
        "format: guardhouse.case/v1\nname: inline\ngateway:\n  security_guards:\n    - id: sp\n      module_path: {}\n      config: {{patterns: 5}}\n    - id: gone\n      module_path: missing.wasm\ncases:\n  - {{name: a, phase: connection, expect: {{decision: allow}}}}\n",
        module.display()
    );
    std::fs::write(&case, &text).unwrap();
    for command in ["test", "run"] {
        let out = Command::new(env!("CARGO_BIN_EXE_guardhouse"))
            .args([command, "--no-cache"])
            .arg(&case)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        // 3: a module or its settings failed to load, as with a gateway file.
        assert_eq!(out.status.code(), Some(3), "{command}: {err}");
        let want = format!(
            "error: {}:7:7: gateway.security_guards[0].config: invalid config for guard `sp`: at /patterns:",
            case.display()
        );
        assert!(err.starts_with(&want), "{command}: {err}");
    }
    // A module that cannot load points at its module_path line.
    let text = text.replace("config: {patterns: 5}", "config: {}");
    std::fs::write(&case, &text).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_guardhouse"))
        .args(["test", "--no-cache"])
        .arg(&case)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    let want = format!(
        "error: {}:9:7: gateway.security_guards[1].module_path:",
        case.display()
    );
    assert!(err.starts_with(&want), "{err}");
}
