//! Shared setup for the integration tests: built components, runners and cases.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use guardhouse::engine::{EngineOptions, new_engine};
use guardhouse::guard::Linkers;
use guardhouse::runner::{Runner, RunnerEnv};
use guardhouse_core::case::CaseFile;
use guardhouse_core::{Evaluation, GatewayConfig};

/// The repository root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// A built component; tests fail (not skip) when it is missing.
pub fn component(rel: &str) -> PathBuf {
    let p = root().join(rel);
    assert!(
        p.exists(),
        "{} is missing: run scripts/build-guards.sh first",
        p.display()
    );
    p
}

pub struct Rt {
    pub engine: wasmtime::Engine,
    pub linkers: Linkers,
}

/// One engine for the whole test binary, as a host would have.
pub fn rt() -> &'static Rt {
    static RT: OnceLock<Rt> = OnceLock::new();
    RT.get_or_init(|| {
        let engine = new_engine(EngineOptions::default()).unwrap();
        let linkers = Linkers::new(&engine).unwrap();
        Rt { engine, linkers }
    })
}

pub fn env() -> RunnerEnv<'static> {
    let rt = rt();
    RunnerEnv {
        engine: &rt.engine,
        linkers: &rt.linkers,
        cache: None,
    }
}

/// A runner from inline gateway YAML whose module paths are relative to the repo root.
pub fn runner(yaml: &str) -> Runner {
    let config = GatewayConfig::parse("test.yaml", yaml).unwrap_or_else(|e| panic!("{e}"));
    Runner::from_config(&env(), config, &root()).unwrap_or_else(|e| panic!("{e:#}"))
}

/// Loads a gateway YAML and returns the error message.
pub fn load_error(yaml: &str) -> String {
    let path = std::env::temp_dir().join(format!(
        "gh-test-{}-{}.yaml",
        std::process::id(),
        rand_suffix()
    ));
    std::fs::write(&path, yaml).unwrap();
    let err = Runner::from_file(&env(), &path)
        .err()
        .expect("config should fail to load");
    let _ = std::fs::remove_file(&path);
    format!("{err:#}")
}

fn rand_suffix() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::SeqCst)
}

/// Evaluates a single-case YAML (`format` is added).
pub fn eval(runner: &Runner, case_yaml: &str) -> Evaluation {
    let text = format!("format: guardhouse.case/v1\n{case_yaml}");
    let file = CaseFile::parse("case.yaml", &text).unwrap_or_else(|e| panic!("{e}"));
    let case = &file.cases[0];
    runner.check_overrides(case).unwrap();
    runner.evaluate(case.screening().unwrap())
}

/// A tools-list case for the given guards.
pub fn tools_case(guards: &str, tools: &str) -> String {
    format!("name: t\nguards: [{guards}]\nphase: tools_list\npayload: {{tools: {tools}}}\n")
}

/// Reads one HTTP request: (request line, headers lowercased, body by `content-length`).
pub fn read_request(s: &mut std::net::TcpStream) -> (String, String, Vec<u8>) {
    use std::io::Read;
    let mut data = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        if let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&data[..end]).to_ascii_lowercase();
            let length: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .map_or(0, |v| v.trim().parse().unwrap());
            if data.len() >= end + 4 + length {
                let line = head.lines().next().unwrap_or("").to_string();
                return (line, head, data[end + 4..end + 4 + length].to_vec());
            }
        }
        let n = s.read(&mut chunk).unwrap();
        assert!(n > 0, "connection closed mid-request");
        data.extend_from_slice(&chunk[..n]);
    }
}

/// A stand-in MCP server on loopback for the proxy's tests: answers `initialize`,
/// `tools/list` with one tool (`frobnicate`) and `tools/call` with the text `sunny`, and
/// hangs up on anything else without a word. Returns its port.
pub fn fake_upstream() -> u16 {
    use std::io::Write;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { continue };
            let message: serde_json::Value =
                serde_json::from_slice(&read_request(&mut s).2).unwrap();
            let result = match message["method"].as_str() {
                Some("initialize") => serde_json::json!({"protocolVersion": "2025-06-18",
                    "capabilities": {}, "serverInfo": {"name": "fake", "version": "1"}}),
                Some("tools/list") => serde_json::json!({"tools": [
                    {"name": "frobnicate", "inputSchema": {"type": "object"}}]}),
                Some("tools/call") => {
                    serde_json::json!({"content": [{"type": "text", "text": "sunny"}]})
                }
                _ => continue,
            };
            let answer =
                serde_json::json!({"jsonrpc": "2.0", "id": message["id"], "result": result})
                    .to_string();
            let _ = write!(
                s,
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: close\r\ncontent-length: {}\r\n\r\n{answer}",
                answer.len()
            );
        }
    });
    port
}
