//! The serve part of the bench: `guardhouse serve` with a 3-guard chain in its own
//! process on 127.0.0.1, under a bounded keep-alive load from `oha` (a third process).
//! Neither process is this one, so the bench measures what an operator's load
//! generator would see.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// What to run and how hard.
pub struct ServeLoad<'a> {
    /// The built example guards.
    pub guards_dir: &'a Path,
    /// The `guardhouse` binary to serve with.
    pub guardhouse: PathBuf,
    /// The `oha` binary (`cargo install oha`).
    pub oha: PathBuf,
    pub requests: usize,
    pub connections: usize,
}

/// Serve throughput under the load.
#[derive(Debug, Clone, Serialize)]
pub struct ServeThroughput {
    pub guards_in_chain: usize,
    pub connections: usize,
    pub requests: usize,
    pub seconds: f64,
    pub evaluations_per_sec: f64,
    pub p50_us: f64,
    pub p99_us: f64,
}

/// The chain: three guards that all screen tools lists, each on a fresh instance per
/// call (the default).
const CHAIN: [&str; 3] = ["simple-pattern", "tool-poisoning", "server-spoofing"];

pub(crate) fn chain_config(guards_dir: &Path) -> Result<String> {
    let dir = std::path::absolute(guards_dir)?;
    let guards: Vec<_> = CHAIN
        .iter()
        .zip([10, 20, 30])
        .map(|(id, priority)| {
            json!({"id": id, "priority": priority, "runs_on": ["tools_list"],
                   "module_path": dir.join(format!("{id}.wasm")).display().to_string()})
        })
        .collect();
    Ok(serde_json::to_string(&json!({"security_guards": guards}))?)
}

/// One evaluation request: a 5-tool list.
pub(crate) fn request_body() -> String {
    let tool = |name: &str, description: &str| json!({"name": name, "description": description, "input_schema": {"type": "object"}});
    json!({
        "format": "guardhouse.case/v1",
        "name": "bench",
        "phase": "tools_list",
        "context": {"server_name": "files", "server_url": "https://files.example.com"},
        "payload": {"tools": [
            tool("read_file", "Read a file from the workspace"),
            tool("list_dir", "List a directory"),
            tool("search", "Search files for text"),
            tool("stat", "File metadata"),
            tool("write_note", "Append a note"),
        ]}
    })
    .to_string()
}

/// A child process killed when dropped, so an error never leaves a server running.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `guardhouse serve` on an ephemeral port; returns it and its base URL.
fn start_serve(guardhouse: &Path, config: &Path) -> Result<(Killed, String)> {
    let mut child = Command::new(guardhouse)
        .args([
            "serve",
            "--no-reload",
            "--listen",
            "127.0.0.1:0",
            "--config",
        ])
        .arg(config)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .with_context(|| format!("starting {}", guardhouse.display()))?;
    let stdout = child.stdout.take().context("serve's stdout")?;
    let child = Killed(child);
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line)?;
    let Some(url) = line.trim().strip_prefix("guardhouse serving on ") else {
        bail!("guardhouse serve did not start: {line:?}");
    };
    Ok((child, url.to_string()))
}

/// The part of oha's `--output-format json` report the bench reads.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct OhaReport {
    summary: OhaSummary,
    latency_percentiles: OhaPercentiles,
    status_code_distribution: std::collections::BTreeMap<String, usize>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct OhaSummary {
    total: f64,
    requests_per_sec: f64,
}

#[derive(Debug, Deserialize)]
struct OhaPercentiles {
    p50: Option<f64>,
    p99: Option<f64>,
}

/// Runs oha: `requests` POSTs of `body` over `connections` keep-alive connections.
fn oha(load: &ServeLoad<'_>, url: &str, body: &Path, requests: usize) -> Result<OhaReport> {
    let out = Command::new(&load.oha)
        .args(["--no-tui", "--output-format", "json", "-m", "POST"])
        .args(["-H", "content-type: application/json", "-D"])
        .arg(body)
        .args(["-n", &requests.to_string()])
        .args(["-c", &load.connections.to_string()])
        .arg(url)
        .output()
        .with_context(|| {
            format!(
                "running {} (install it with `cargo install oha`)",
                load.oha.display()
            )
        })?;
    if !out.status.success() {
        bail!("oha failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    let report: OhaReport = serde_json::from_slice(&out.stdout).context("oha's JSON report")?;
    let ok = report
        .status_code_distribution
        .get("200")
        .copied()
        .unwrap_or(0);
    if ok != requests {
        bail!(
            "{} of {requests} requests answered 200: {:?}",
            ok,
            report.status_code_distribution
        );
    }
    Ok(report)
}

/// Starts the server, warms it up, runs the load, stops.
pub fn run(load: &ServeLoad<'_>) -> Result<ServeThroughput> {
    let dir = std::env::temp_dir().join(format!("guardhouse-bench-serve-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let config = dir.join("chain.yaml");
    let body = dir.join("body.json");
    std::fs::write(&config, chain_config(load.guards_dir)?)?;
    std::fs::write(&body, request_body())?;
    let result = (|| {
        let (_serve, base) = start_serve(&load.guardhouse, &config)?;
        let url = format!("{base}/v1/evaluate");
        oha(load, &url, &body, load.requests.min(1000))?;
        let r = oha(load, &url, &body, load.requests)?;
        let us = |s: Option<f64>| s.unwrap_or(f64::NAN) * 1e6;
        Ok(ServeThroughput {
            guards_in_chain: CHAIN.len(),
            connections: load.connections,
            requests: load.requests,
            seconds: r.summary.total,
            evaluations_per_sec: r.summary.requests_per_sec,
            p50_us: us(r.latency_percentiles.p50),
            p99_us: us(r.latency_percentiles.p99),
        })
    })();
    let _ = std::fs::remove_dir_all(&dir);
    result
}
