//! The bench runs end to end on the built guards and reports every scenario it promises.
//! Its numbers are measured, never asserted; this checks the report's shape.

use std::path::PathBuf;
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

#[test]
fn a_short_run_reports_every_scenario() {
    let out = std::env::temp_dir().join(format!("guardhouse-bench-{}.json", std::process::id()));
    let run = Command::new(env!("CARGO_BIN_EXE_guardhouse-bench"))
        .current_dir(root())
        // The guests (CPython, SpiderMonkey) take tens of seconds to compile: left out.
        .args([
            "--iterations=3",
            "--serve-requests=0",
            "--guests=/nonexistent.yaml",
            "--out",
        ])
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    let _ = std::fs::remove_file(&out);
    let scenarios: Vec<&str> = report["latencies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["scenario"].as_str().unwrap())
        .collect();
    for want in [
        "simple-pattern/50 tools: (a) fresh instance",
        "simple-pattern/50 tools: (c) upstream-style baseline",
        "simple-pattern/50 tools: (d) native Rust",
        "prompt-injection/15KB: (b) persistent instance",
        "simple-pattern/50 tools: persistent, epoch only",
        "store + instantiate (noop)",
    ] {
        assert!(
            scenarios.contains(&want),
            "{want} missing from {scenarios:?}"
        );
    }
    for l in report["latencies"].as_array().unwrap() {
        let p50 = l["p50_us"].as_f64().unwrap();
        assert!(p50 > 0.0 && p50.is_finite(), "{l}");
    }
    assert_eq!(report["breakdown"].as_array().unwrap().len(), 4);
    assert!(report["serve"].is_null());
}
