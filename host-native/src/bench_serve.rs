//! The serve part of `guardhouse bench`: a 3-guard chain behind `guardhouse serve`'s
//! router on 127.0.0.1, driven by a bounded keep-alive HTTP/1.1 load from this process.

use std::time::Instant;

use anyhow::{Context, Result, bail};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use wasmtime::Engine;

use crate::bench::{BenchInputs, REQUEST_TIMEOUT, ServeThroughput};
use crate::guard::Linkers;
use crate::runner::{Runner, RunnerEnv};
use crate::server::{Live, router};

/// Concurrent client connections.
pub const CONNECTIONS: usize = 4;

/// The chain: three guards that all screen tools lists.
fn chain_config(inputs: &BenchInputs) -> serde_json::Value {
    let g = |id: &str, prio: i64| {
        json!({"id": id, "priority": prio, "runs_on": ["tools_list"],
               "module_path": inputs.guards_dir.join(format!("{id}.wasm")).display().to_string()})
    };
    json!({"security_guards": [g("simple-pattern", 10), g("tool-poisoning", 20), g("server-spoofing", 30)]})
}

fn request_body() -> String {
    json!({
        "format": "guardhouse.case/v1",
        "name": "bench",
        "phase": "tools_list",
        "context": {"server_name": "files", "server_url": "https://files.example.com"},
        "payload": {"tools": [
            {"name": "read_file", "description": "Read a file from the workspace", "input_schema": {"type": "object"}},
            {"name": "list_dir", "description": "List a directory", "input_schema": {"type": "object"}},
            {"name": "search", "description": "Search files for text", "input_schema": {"type": "object"}},
            {"name": "stat", "description": "File metadata", "input_schema": {"type": "object"}},
            {"name": "write_note", "description": "Append a note", "input_schema": {"type": "object"}}
        ]}
    })
    .to_string()
}

/// Starts the server, runs the load, stops.
pub fn run(inputs: &BenchInputs, engine: &Engine, linkers: &Linkers) -> Result<ServeThroughput> {
    let doc = guardhouse_core::Document::from_value("bench-chain", chain_config(inputs));
    let config = guardhouse_core::GatewayConfig::from_document(&doc, "")?;
    let env = RunnerEnv {
        engine,
        linkers,
        cache: None,
    };
    let runner = Runner::from_config(&env, config, std::path::Path::new(""))?;
    let guards = runner.guards.len();
    let live = Live::new(runner);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let server = tokio::spawn(async move { axum::serve(listener, router(live)).await });
        let per_conn = inputs.serve_requests.div_ceil(CONNECTIONS);
        let body = request_body();
        let start = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..CONNECTIONS {
            let body = body.clone();
            tasks.push(tokio::spawn(
                async move { client(addr, &body, per_conn).await },
            ));
        }
        let mut samples = Vec::new();
        for t in tasks {
            samples.extend(t.await??);
        }
        let seconds = start.elapsed().as_secs_f64();
        server.abort();
        let requests = samples.len();
        samples.sort_by(|a: &f64, b| a.total_cmp(b));
        let pick = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
        Ok(ServeThroughput {
            guards_in_chain: guards,
            connections: CONNECTIONS,
            requests,
            seconds,
            evaluations_per_sec: requests as f64 / seconds,
            p50_us: pick(0.5),
            p99_us: pick(0.99),
        })
    })
}

/// One keep-alive connection sending `n` requests; returns each request's latency (µs).
async fn client(addr: std::net::SocketAddr, body: &str, n: usize) -> Result<Vec<f64>> {
    let mut stream = TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    let request = format!(
        "POST /v1/evaluate HTTP/1.1\r\nhost: {addr}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    );
    let mut buf = Vec::with_capacity(64 * 1024);
    let mut samples = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        stream.write_all(request.as_bytes()).await?;
        buf.clear();
        tokio::time::timeout(REQUEST_TIMEOUT, read_response(&mut stream, &mut buf))
            .await
            .context("bench request timed out")??;
        samples.push(t.elapsed().as_secs_f64() * 1e6);
    }
    Ok(samples)
}

async fn read_response(stream: &mut TcpStream, buf: &mut Vec<u8>) -> Result<()> {
    let mut chunk = [0u8; 16 * 1024];
    loop {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            bail!("server closed the connection");
        }
        buf.extend_from_slice(&chunk[..n]);
        let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else {
            continue;
        };
        let head = std::str::from_utf8(&buf[..end])?;
        if !head.starts_with("HTTP/1.1 200") {
            bail!(
                "bench request failed: {}",
                head.lines().next().unwrap_or("")
            );
        }
        let len: usize = head
            .lines()
            .find_map(|l| {
                l.to_ascii_lowercase()
                    .strip_prefix("content-length:")
                    .map(|v| v.trim().to_string())
            })
            .context("no content-length")?
            .parse()?;
        if buf.len() >= end + 4 + len {
            return Ok(());
        }
    }
}
