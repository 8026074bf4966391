//! `guardhouse serve --otlp-endpoint`: the spans an OTLP/HTTP receiver gets, decoded with
//! opentelemetry-proto's types, for API requests and MCP exchanges through the proxy.

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::any_value::Value as Any;
use opentelemetry_proto::tonic::trace::v1::Span;
use prost::Message;

/// The caller's trace context, as an MCP client puts it in `params._meta`.
const TRACE_ID: &str = "0af7651916cd43dd8448eb211c80319c";
const PARENT_ID: &str = "b7ad6b7169203331";

/// A local OTLP/HTTP receiver: every span POSTed to /v1/traces lands in the vector.
fn receiver() -> (u16, Arc<Mutex<Vec<Span>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let spans = Arc::new(Mutex::new(Vec::new()));
    let got = spans.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { continue };
            let (line, head, body) = read_request(&mut s);
            assert_eq!(line, "post /v1/traces http/1.1");
            assert!(
                head.contains("content-type: application/x-protobuf"),
                "{head}"
            );
            let request = ExportTraceServiceRequest::decode(body.as_slice()).unwrap();
            for resource in request.resource_spans {
                for scope in resource.scope_spans {
                    got.lock().unwrap().extend(scope.spans);
                }
            }
            let _ = write!(
                s,
                "HTTP/1.1 200 OK\r\ncontent-type: application/x-protobuf\r\nconnection: close\r\ncontent-length: 0\r\n\r\n"
            );
        }
    });
    (port, spans)
}

/// One request with `connection: close`; returns the status and the body.
fn post(port: u16, path: &str, headers: &[(&str, &str)], body: &str) -> (u16, String) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let extra: String = headers
        .iter()
        .map(|(k, v)| format!("{k}: {v}\r\n"))
        .collect();
    write!(
        s,
        "POST {path} HTTP/1.1\r\nhost: 127.0.0.1:{port}\r\n{extra}connection: close\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    let body = out
        .split_once("\r\n\r\n")
        .map_or("", |(_, b)| b)
        .to_string();
    (out[9..12].parse().unwrap(), body)
}

fn attribute(span: &Span, key: &str) -> Option<Any> {
    let kv = span.attributes.iter().find(|kv| kv.key == key)?;
    kv.value.as_ref()?.value.clone()
}

fn text(span: &Span, key: &str) -> Option<String> {
    match attribute(span, key)? {
        Any::StringValue(s) => Some(s),
        other => panic!("{key}: not a string: {other:?}"),
    }
}

fn int(span: &Span, key: &str) -> Option<i64> {
    match attribute(span, key)? {
        Any::IntValue(i) => Some(i),
        other => panic!("{key}: not an int: {other:?}"),
    }
}

#[test]
fn spans_per_exchange_and_guard_call_reach_an_otlp_receiver_in_the_callers_trace() {
    let dir = root().join(format!("target/test-otlp-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (sp, hostile) = (
        component("guards/dist/simple-pattern.wasm"),
        component("tests/fixtures/dist/hostile.wasm"),
    );
    let cfg = dir.join("gateway.yaml");
    let gateway = format!(
        "security_guards:
  - {{id: sp, module_path: {sp}, config: {{patterns: [frobnicate]}}}}
  - {{id: panic, module_path: {hostile}, runs_on: [connection], config: {{mode: panic}}}}
",
        sp = sp.display(),
        hostile = hostile.display()
    );
    std::fs::write(&cfg, gateway).unwrap();
    let (collector, spans) = receiver();
    let server_port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = Command::new(env!("CARGO_BIN_EXE_guardhouse"))
        .args(["serve", "--no-cache", "--no-reload", "-c"])
        .arg(&cfg)
        .args(["--listen", &format!("127.0.0.1:{server_port}")])
        .args([
            "--upstream",
            &format!("http://127.0.0.1:{}/mcp", fake_upstream()),
        ])
        .args(["--otlp-endpoint", &format!("http://127.0.0.1:{collector}")])
        .env_remove("GUARDHOUSE_TOKEN")
        .env_remove("OTEL_EXPORTER_OTLP_ENDPOINT")
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect(("127.0.0.1", server_port)).is_err() {
        assert!(Instant::now() < deadline, "server did not start");
        std::thread::sleep(Duration::from_millis(50));
    }

    let mcp = [
        ("mcp-session-id", "s-1"),
        ("accept", "application/json, text/event-stream"),
        ("content-type", "application/json"),
    ];
    let call = format!(
        r#"{{"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {{"name": "get_weather",
          "arguments": {{}}, "_meta": {{"traceparent": "00-{TRACE_ID}-{PARENT_ID}-01"}}}}}}"#
    );
    let (status, answer) = post(server_port, "/mcp", &mcp, &call);
    assert_eq!(status, 200, "{answer}");
    assert!(answer.contains("sunny"), "{answer}");
    let list = r#"{"jsonrpc": "2.0", "id": 2, "method": "tools/list", "params": {}}"#;
    let (_, answer) = post(server_port, "/mcp", &mcp, list);
    assert!(answer.contains("pattern_blocked"), "{answer}");
    let case = r#"{"format": "guardhouse.case/v1", "name": "c", "guards": ["panic"],
        "phase": "connection", "payload": {}}"#;
    let traceparent = format!("00-{TRACE_ID}-{PARENT_ID}-01");
    let (status, answer) = post(
        server_port,
        "/v1/evaluate",
        &[("traceparent", &traceparent)],
        case,
    );
    assert_eq!(status, 200, "{answer}");

    // SIGTERM: the server stops cleanly and sends what it still holds.
    let stopped = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(stopped.success());
    let exit = server.wait().unwrap();
    assert!(exit.success(), "{exit}");
    let spans = spans.lock().unwrap().clone();
    let named = |name: &str| -> Vec<&Span> { spans.iter().filter(|s| s.name == name).collect() };
    let names: Vec<&str> = spans.iter().map(|s| s.name.as_str()).collect();
    let children = |parent: &Span| -> Vec<&Span> {
        let found: Vec<&Span> = spans
            .iter()
            .filter(|s| s.parent_span_id == parent.span_id && s.trace_id == parent.trace_id)
            .collect();
        assert!(found.iter().all(|s| s.name.starts_with("guard ")));
        found
    };

    // tools/call: in the caller's trace, under its span, one guard span per screening.
    let [exchange] = named("tools/call get_weather")[..] else {
        panic!("no tools/call span: {names:?}")
    };
    assert_eq!(hex::encode(&exchange.trace_id), TRACE_ID);
    assert_eq!(hex::encode(&exchange.parent_span_id), PARENT_ID);
    assert_eq!(
        text(exchange, "mcp.method.name").as_deref(),
        Some("tools/call")
    );
    assert_eq!(
        text(exchange, "gen_ai.tool.name").as_deref(),
        Some("get_weather")
    );
    assert_eq!(text(exchange, "mcp.session.id").as_deref(), Some("s-1"));
    assert_eq!(text(exchange, "jsonrpc.request.id").as_deref(), Some("1"));
    assert_eq!(
        text(exchange, "guardhouse.decision").as_deref(),
        Some("allow")
    );
    let outcome = text(exchange, "guardhouse.proxy.outcome");
    assert_eq!(outcome.as_deref(), Some("forwarded"));
    let guards = children(exchange);
    let phases: Vec<_> = guards
        .iter()
        .map(|g| text(g, "guardhouse.phase").unwrap())
        .collect();
    assert_eq!(phases, ["tool_invoke", "response"], "{guards:?}");
    for g in &guards {
        assert_eq!(g.name, "guard sp");
        assert_eq!(text(g, "guardhouse.guard.id").as_deref(), Some("sp"));
        assert_eq!(text(g, "guardhouse.decision").as_deref(), Some("allow"));
        assert!(int(g, "guardhouse.fuel.used").unwrap() > 0);
        let micros = int(g, "guardhouse.duration_us").unwrap();
        let spanned = (g.end_time_unix_nano - g.start_time_unix_nano) / 1_000;
        assert_eq!(spanned as i64, micros);
        assert!(g.start_time_unix_nano >= exchange.start_time_unix_nano);
    }

    // tools/list without trace context: a trace of its own, denied on the way back.
    let [listed] = named("tools/list")[..] else {
        panic!("no tools/list span: {names:?}")
    };
    assert!(listed.parent_span_id.is_empty());
    assert_ne!(hex::encode(&listed.trace_id), TRACE_ID);
    assert_eq!(text(listed, "guardhouse.decision").as_deref(), Some("deny"));
    let code = text(listed, "guardhouse.deny.code");
    assert_eq!(code.as_deref(), Some("pattern_blocked"));
    assert_eq!(
        text(listed, "guardhouse.proxy.outcome").as_deref(),
        Some("denied")
    );
    let [guard] = children(listed)[..] else {
        panic!("one guard call: {names:?}")
    };
    assert_eq!(
        text(guard, "guardhouse.phase").as_deref(),
        Some("tools_list")
    );
    assert_eq!(text(guard, "guardhouse.deny.code"), code);

    // The API: the traceparent header; a trapping guard's span says so.
    let [request] = named("POST /v1/evaluate")[..] else {
        panic!("no API span: {names:?}")
    };
    assert_eq!(hex::encode(&request.trace_id), TRACE_ID);
    assert_eq!(int(request, "http.response.status_code"), Some(200));
    assert_eq!(
        text(request, "guardhouse.decision").as_deref(),
        Some("deny")
    );
    let [trapped] = children(request)[..] else {
        panic!("one guard call: {names:?}")
    };
    assert_eq!(trapped.name, "guard panic");
    assert_eq!(
        text(trapped, "guardhouse.failure.kind").as_deref(),
        Some("trap")
    );
    let status = trapped.status.as_ref().unwrap();
    assert_eq!(status.message, "trap");
}

/// What tracing costs when it is off: the one check an evaluation makes. Printed
/// (`--nocapture`), not asserted beyond "off is off": timings on a shared machine are
/// too noisy to gate on.
#[test]
fn without_an_endpoint_an_evaluation_pays_one_task_local_read() {
    assert!(
        guardhouse::telemetry::Telemetry::new(None)
            .unwrap()
            .is_none()
            || {
                // The standard variables turn it on; this test's environment must not.
                std::env::var("OTEL_EXPORTER_OTLP_ENDPOINT").is_ok()
                    || std::env::var("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT").is_ok()
            }
    );
    let n = 10_000_000u32;
    let start = Instant::now();
    let mut spans = 0u32;
    for _ in 0..n {
        spans += u32::from(std::hint::black_box(guardhouse::telemetry::current()).is_some());
    }
    let ns = start.elapsed().as_secs_f64() * 1e9 / f64::from(n);
    assert_eq!(spans, 0);
    println!("tracing off: {ns:.2} ns per evaluation (the span check)");
}
