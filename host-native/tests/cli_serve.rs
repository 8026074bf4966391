//! The CLI end to end: `serve` (API and live reload), `new` + `build` in each language,
//! exit codes.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use serde_json::Value;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_guardhouse"))
}

/// One HTTP/1.1 request with `Connection: close`; returns (status, JSON body).
fn http(port: u16, method: &str, path: &str, body: &str) -> (u16, Value) {
    http_with(port, method, path, &[], body)
}

/// [`http`] with extra headers (a `host` among them replaces the default).
fn http_with(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, Value) {
    let (status, _, body) = raw(port, method, path, headers, body);
    (status, serde_json::from_str(&body).unwrap_or(Value::Null))
}

/// [`http_with`], returning the status, the response head and the body as text.
fn raw(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, String, String) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let mut head = String::new();
    if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("host")) {
        head.push_str(&format!("host: 127.0.0.1:{port}\r\n"));
    }
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    write!(
        s,
        "{method} {path} HTTP/1.1\r\n{head}connection: close\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    let status = out[9..12].parse().unwrap();
    let (head, body) = out.split_once("\r\n\r\n").unwrap_or((&out, ""));
    (status, head.to_string(), body.to_string())
}

struct Server(Child, u16);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve(config: &std::path::Path) -> Server {
    serve_with(config, &[])
}

fn serve_with(config: &std::path::Path, extra: &[&str]) -> Server {
    serve_custom(config, extra, |_| {})
}

/// [`serve_with`], with the command adjusted by `customize` before it starts.
fn serve_custom(config: &Path, extra: &[&str], customize: impl FnOnce(&mut Command)) -> Server {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut command = bin();
    command
        .args([
            "serve",
            "--no-cache",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "-c",
        ])
        .arg(config)
        .args(extra)
        .env_remove("GUARDHOUSE_TOKEN")
        .stdout(Stdio::null());
    customize(&mut command);
    let child = command.spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "server did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    Server(child, port)
}

fn gateway(patterns: &str) -> String {
    let sp = component("guards/dist/simple-pattern.wasm");
    format!(
        "security_guards:\n  - id: sp\n    module_path: {}\n    config: {{patterns: [{patterns}]}}\n",
        sp.display()
    )
}

const CASE: &str = r#"{"format": "guardhouse.case/v1", "name": "c", "phase": "tools_list",
  "payload": {"tools": [{"name": "frobnicate"}]}, "expect": {"decision": "deny"}}"#;

#[test]
fn serve_answers_the_api_and_reloads_without_failing_requests() {
    let dir = root().join(format!("target/test-serve-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cfg = dir.join("gateway.yaml");
    std::fs::write(&cfg, gateway("frobnicate")).unwrap();
    let server = serve(&cfg);
    let port = server.1;

    let (s, health) = http(port, "GET", "/health", "");
    assert_eq!(
        (s, health["status"].as_str(), health["guards"].as_u64()),
        (200, Some("ok"), Some(1))
    );
    let (_, guards) = http(port, "GET", "/v1/guards", "");
    assert_eq!(guards[0]["id"], "sp");
    assert_eq!(guards[0]["contract"], "canonical");
    assert_eq!(guards[0]["sha256"].as_str().unwrap().len(), 64);

    let (s, r) = http(port, "POST", "/v1/evaluate", CASE);
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["evaluation"]["decision"], "deny");
    assert_eq!(r["evaluation"]["deny"]["code"], "pattern_blocked");
    assert_eq!(r["passed"], true);

    let suite = "format: guardhouse.case/v1\ncases:\n  - {name: a, guards: [sp], phase: tools_list, payload: {tools: [{name: frobnicate}]}, expect: {decision: deny, code: pattern_blocked}}\n  - {name: b, phase: tools_list, payload: {tools: [{name: read}]}, expect: {decision: deny}}\n";
    let (s, report) = http(port, "POST", "/v1/test", suite);
    assert_eq!(s, 200, "{report}");
    assert_eq!(
        (report["passed"].as_u64(), report["failed"].as_u64()),
        (Some(1), Some(1)),
        "{report}"
    );

    let (s, err) = http(port, "POST", "/v1/evaluate", "{\"format\": ");
    assert_eq!(s, 400);
    assert!(
        err["error"].as_str().unwrap().contains("malformed JSON"),
        "{err}"
    );

    // Reload under load: every request gets an answer while the config changes.
    let load = std::thread::spawn(move || {
        (0..200)
            .map(|_| http(port, "POST", "/v1/evaluate", CASE).0)
            .collect::<Vec<_>>()
    });
    std::thread::sleep(Duration::from_millis(100));
    std::fs::write(&cfg, gateway("something-else")).unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (_, h) = http(port, "GET", "/health", "");
        if h["config_generation"].as_u64() == Some(2) {
            break;
        }
        assert!(Instant::now() < deadline, "config was not reloaded");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(load.join().unwrap().iter().all(|&s| s == 200));
    let (_, r) = http(port, "POST", "/v1/evaluate", CASE);
    assert_eq!(
        r["evaluation"]["decision"], "allow",
        "new patterns are live"
    );

    // A broken config is reported and the running one stays.
    std::fs::write(&cfg, "security_guards: [").unwrap();
    std::thread::sleep(Duration::from_millis(700));
    let (s, h) = http(port, "GET", "/health", "");
    assert_eq!((s, h["config_generation"].as_u64()), (200, Some(2)));

    // A config naming a module that is not built yet fails to load; when the module
    // appears, the reload happens without touching the config again.
    let later = dir.join("later.wasm");
    std::fs::write(
        &cfg,
        format!("security_guards:\n  - id: sp\n    module_path: {}\n    config: {{patterns: [frobnicate]}}\n", later.display()),
    )
    .unwrap();
    std::thread::sleep(Duration::from_millis(700));
    let (_, h) = http(port, "GET", "/health", "");
    assert_eq!(h["config_generation"].as_u64(), Some(2));
    std::fs::copy(component("guards/dist/simple-pattern.wasm"), &later).unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (_, h) = http(port, "GET", "/health", "");
        if h["config_generation"].as_u64() == Some(3) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the new module did not trigger a reload"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Regression: a 10 KB YAML body nested 5,000 levels deep overflowed a worker thread's
/// stack and aborted the whole server. Deep bodies (block YAML and JSON, up to 10^5
/// levels) now get a 400 naming the limit, and the server keeps answering.
#[test]
fn serve_refuses_deeply_nested_bodies_and_keeps_serving() {
    let dir = root().join(format!("target/test-serve-deep-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cfg = dir.join("gateway.yaml");
    std::fs::write(&cfg, gateway("frobnicate")).unwrap();
    let server = serve(&cfg);
    let port = server.1;
    let block = format!(
        "format: guardhouse.case/v1\nname: n\nphase: response\npayload:\n  {}x\n",
        "- ".repeat(5000)
    );
    let deep = 100_000;
    let json = format!(
        r#"{{"format": "guardhouse.case/v1", "name": "n", "phase": "response", "payload": {}1{}}}"#,
        "[".repeat(deep),
        "]".repeat(deep)
    );
    let suite = format!(
        "format: guardhouse.case/v1\ncases:\n  - name: n\n    phase: response\n    payload:\n      {}x\n",
        "- ".repeat(deep)
    );
    for (path, body) in [
        ("/v1/evaluate", &block),
        ("/v1/evaluate", &json),
        ("/v1/test", &suite),
    ] {
        let (status, answer) = http(port, "POST", path, body);
        assert_eq!(status, 400, "{path}: {answer}");
        let error = answer["error"].as_str().unwrap_or_default();
        assert!(
            error.contains("nested deeper than 128 levels"),
            "{path}: {answer}"
        );
    }
    let (status, health) = http(port, "GET", "/health", "");
    assert_eq!(
        (status, &health["status"]),
        (200, &Value::from("ok")),
        "{health}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Reads from `s` until the peer closes (Ok: what was read) or `limit` passes (Err).
fn until_closed(s: &mut TcpStream, limit: Duration) -> Result<String, String> {
    s.set_read_timeout(Some(limit)).unwrap();
    let mut out = Vec::new();
    match s.read_to_end(&mut out) {
        Ok(_) => Ok(String::from_utf8_lossy(&out).into_owned()),
        // A reset is a close too.
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {
            Ok(String::from_utf8_lossy(&out).into_owned())
        }
        Err(e) => Err(format!("still open after {limit:?} ({e}); read {out:?}")),
    }
}

#[test]
fn serve_closes_slow_and_idle_connections_and_caps_how_many_it_holds() {
    let dir = root().join(format!("target/test-serve-limits-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cfg = dir.join("gateway.yaml");
    std::fs::write(&cfg, gateway("frobnicate")).unwrap();
    let args = ["--header-timeout-ms", "300", "--max-connections", "4"];
    let server = serve_with(&cfg, &args);
    let port = server.1;
    let connect = || TcpStream::connect(("127.0.0.1", port)).unwrap();
    // Slowloris: headers that never end are cut off.
    let mut slow = connect();
    write!(
        slow,
        "POST /v1/evaluate HTTP/1.1\r\nhost: 127.0.0.1\r\nx-slow: "
    )
    .unwrap();
    until_closed(&mut slow, Duration::from_secs(5)).unwrap();
    // A kept-alive connection that goes quiet after its request is closed too.
    let mut idle = connect();
    let request = format!(
        "POST /v1/evaluate HTTP/1.1\r\nhost: 127.0.0.1:{port}\r\ncontent-length: {}\r\n\r\n{CASE}",
        CASE.len()
    );
    idle.write_all(request.as_bytes()).unwrap();
    let answered = until_closed(&mut idle, Duration::from_secs(5)).unwrap();
    assert!(answered.starts_with("HTTP/1.1 200"), "{answered}");
    // The cap: four silent connections are held; a fifth is told why and closed.
    let held: Vec<TcpStream> = (0..4).map(|_| connect()).collect();
    std::thread::sleep(Duration::from_millis(100));
    let mut fifth = connect();
    let refused = until_closed(&mut fifth, Duration::from_secs(5)).unwrap();
    assert!(refused.starts_with("HTTP/1.1 503"), "{refused}");
    assert!(refused.contains("too many connections"), "{refused}");
    // Once the silent ones time out, the server serves again.
    std::thread::sleep(Duration::from_millis(800));
    drop(held);
    let (status, answer) = http(port, "POST", "/v1/evaluate", CASE);
    assert_eq!(status, 200, "{answer}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn three_hundred_concurrent_slow_calls_each_end_as_the_guards_failure_mode() {
    // loop-open spins until its 50 ms timeout and fails open: every answer must say so
    // (a warning naming the failure), none may come back as a plain allow or an error.
    let cfg = root().join("tests/configs/hostile.yaml");
    component("tests/fixtures/dist/hostile.wasm");
    let server = serve(&cfg);
    let port = server.1;
    let case = r#"{"format": "guardhouse.case/v1", "name": "c", "guards": ["loop-open"],
      "phase": "tools_list", "payload": {"tools": [{"name": "a"}]}}"#;
    let calls: Vec<_> = (0..300)
        .map(|_| std::thread::spawn(move || http(port, "POST", "/v1/evaluate", case)))
        .collect();
    for (i, call) in calls.into_iter().enumerate() {
        let (status, answer) = call.join().unwrap();
        assert_eq!(status, 200, "call {i}: {answer}");
        let evaluation = &answer["evaluation"];
        assert_eq!(evaluation["decision"], "warn", "call {i}: {answer}");
        let warning = evaluation["warnings"][0]["message"]
            .as_str()
            .unwrap_or_default();
        assert!(
            warning.starts_with("failed open: execution timeout"),
            "call {i}: {warning}"
        );
        assert_eq!(
            evaluation["trace"][0]["failure"]["kind"], "timeout",
            "call {i}"
        );
    }
}

/// DNS rebinding, cross-site browser requests and the bearer token, end to end.
#[test]
fn serve_answers_only_its_own_names_same_site_requests_and_its_token() {
    let dir = root().join(format!("target/test-serve-access-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cfg = dir.join("gateway.yaml");
    std::fs::write(&cfg, gateway("frobnicate")).unwrap();
    let token = "s3cret-token-0123456789";
    let token_file = dir.join("token");
    std::fs::write(&token_file, format!("{token}\n")).unwrap();
    let server = serve_with(&cfg, &["--token-file", token_file.to_str().unwrap()]);
    let port = server.1;
    let bearer = format!("Bearer {token}");
    let auth = ("authorization", bearer.as_str());

    let (s, _) = http(port, "POST", "/v1/evaluate", CASE);
    assert_eq!(s, 401, "no token");
    let (s, _) = http_with(
        port,
        "POST",
        "/v1/evaluate",
        &[("authorization", "Bearer wrong-token-0123456789")],
        CASE,
    );
    assert_eq!(s, 401, "wrong token");
    let (s, r) = http_with(port, "POST", "/v1/evaluate", &[auth], CASE);
    assert_eq!(
        (s, &r["evaluation"]["decision"]),
        (200, &Value::from("deny")),
        "{r}"
    );
    let (s, _) = http_with(
        port,
        "GET",
        "/v1/guards",
        &[("x-guardhouse-token", token)],
        "",
    );
    assert_eq!(s, 200);
    let (s, _) = http(port, "GET", "/health", "");
    assert_eq!(s, 200, "health stays open");

    // A rebound name, a foreign origin, a cross-site fetch: refused even with the token.
    for headers in [
        vec![auth, ("host", "evil.example:8787")],
        vec![auth, ("origin", "https://evil.example")],
        vec![auth, ("sec-fetch-site", "cross-site")],
    ] {
        let (s, r) = http_with(port, "POST", "/v1/evaluate", &headers, CASE);
        assert_eq!(s, 403, "{headers:?}: {r}");
        assert!(
            r["error"].as_str().unwrap().contains("refused")
                || r["error"].as_str().unwrap().contains("DNS rebinding"),
            "{r}"
        );
    }
    let origin = format!("http://127.0.0.1:{port}");
    let (s, _) = http_with(
        port,
        "POST",
        "/v1/evaluate",
        &[auth, ("origin", &origin), ("sec-fetch-site", "same-origin")],
        CASE,
    );
    assert_eq!(s, 200, "a same-origin page may call the API");
    drop(server);

    // Beyond loopback, a token is required.
    let out = bin()
        .args([
            "serve",
            "--no-cache",
            "--allow-remote",
            "--listen",
            "0.0.0.0:0",
            "-c",
        ])
        .arg(&cfg)
        .env_remove("GUARDHOUSE_TOKEN")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("needs a token"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// `GET /metrics`, checked to be Prometheus text every line of which a scraper reads.
fn scrape(port: u16, auth: (&str, &str)) -> prometheus_parse::Scrape {
    use prometheus_parse::LineInfo;
    let (status, head, text) = raw(port, "GET", "/metrics", &[auth], "");
    assert_eq!(status, 200, "{head}\n{text}");
    assert!(
        head.to_ascii_lowercase()
            .contains("content-type: text/plain; version=0.0.4; charset=utf-8"),
        "{head}"
    );
    for line in text.lines() {
        let parsed = LineInfo::parse(line);
        assert!(!matches!(parsed, LineInfo::Ignored), "unparsed: {line}");
    }
    prometheus_parse::Scrape::parse(text.lines().map(|l| Ok(l.to_string()))).unwrap()
}

/// The value of the sample `name` whose labels include `labels`: a counter's or
/// gauge's value, a histogram's count; `None` when there is no such sample.
fn sample(scrape: &prometheus_parse::Scrape, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    use prometheus_parse::Value;
    let found = scrape
        .samples
        .iter()
        .find(|s| s.metric == name && labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v)))?;
    match &found.value {
        Value::Counter(v) | Value::Gauge(v) | Value::Untyped(v) => Some(*v),
        Value::Histogram(buckets) => buckets
            .iter()
            .find(|b| b.less_than == f64::INFINITY)
            .map(|b| b.count),
        Value::Summary(_) => None,
    }
}

/// Polls `/metrics` until `name{labels}` is `want` (e.g. after a reload).
fn await_sample(port: u16, auth: (&str, &str), name: &str, labels: &[(&str, &str)], want: f64) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while sample(&scrape(port, auth), name, labels) != Some(want) {
        assert!(
            Instant::now() < deadline,
            "{name}{labels:?} never reached {want}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn serve_metrics_count_evaluations_exchanges_requests_and_reloads() {
    let dir = root().join(format!("target/test-serve-metrics-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (sp, hostile) = (
        component("guards/dist/simple-pattern.wasm"),
        component("tests/fixtures/dist/hostile.wasm"),
    );
    let cfg = dir.join("gateway.yaml");
    let gateway = format!(
        "security_guards:
  - {{id: sp, module_path: {sp}, runs_on: [tools_list], config: {{patterns: [frobnicate]}}}}
  - {{id: healthy, module_path: {hostile}, config: {{mode: allow}}}}
  - {{id: panic, module_path: {hostile}, runs_on: [tool_invoke], config: {{mode: panic}}}}
  - {{id: err-open, module_path: {hostile}, runs_on: [tools_list], failure_mode: fail_open, config: {{mode: err}}}}
",
        sp = sp.display(),
        hostile = hostile.display()
    );
    std::fs::write(&cfg, &gateway).unwrap();
    let token = "metrics-token-0123456789";
    let token_file = dir.join("token");
    std::fs::write(&token_file, token).unwrap();
    let upstream = format!("http://127.0.0.1:{}/mcp", fake_upstream());
    let args = [
        "--token-file",
        token_file.to_str().unwrap(),
        "--upstream",
        &upstream,
    ];
    let server = serve_with(&cfg, &args);
    let port = server.1;
    let auth = ("x-guardhouse-token", token);

    // The API: allow (twice), a guard's deny, a trap (fail closed), an error (fail open).
    let case = |guards: &str, phase: &str, payload: &str| {
        format!(
            r#"{{"format": "guardhouse.case/v1", "name": "c", "guards": [{guards}], "phase": "{phase}", "payload": {payload}}}"#
        )
    };
    let read = r#"{"tools": [{"name": "read"}]}"#;
    let evaluations = [
        (case(r#""sp", "healthy""#, "tools_list", read), "allow"),
        (case(r#""sp", "healthy""#, "tools_list", read), "allow"),
        (
            case(
                r#""sp""#,
                "tools_list",
                r#"{"tools": [{"name": "frobnicate"}]}"#,
            ),
            "deny",
        ),
        (
            case(
                r#""panic""#,
                "tool_invoke",
                r#"{"tool": "t", "arguments": {}}"#,
            ),
            "deny",
        ),
        (case(r#""err-open""#, "tools_list", read), "warn"),
    ];
    for (body, decision) in &evaluations {
        let (s, r) = http_with(port, "POST", "/v1/evaluate", &[auth], body);
        assert_eq!(
            (s, &r["evaluation"]["decision"]),
            (200, &Value::from(*decision)),
            "{r}"
        );
    }
    let suite = "format: guardhouse.case/v1\ncases:\n  - {name: a, guards: [sp], phase: tools_list, payload: {tools: [{name: frobnicate}]}}\n  - {name: b, guards: [healthy], phase: tools_list, payload: {tools: [{name: read}]}}\n";
    assert_eq!(http_with(port, "POST", "/v1/test", &[auth], suite).0, 200);
    assert_eq!(http_with(port, "GET", "/nope", &[auth], "").0, 404);

    // The proxy: forwarded, denied on the way in, denied on the way back, refused, and
    // an upstream that hangs up.
    let session = ("mcp-session-id", "s-1");
    let rpc = |id: u32, method: &str, params: &str| {
        format!(r#"{{"jsonrpc": "2.0", "id": {id}, "method": "{method}", "params": {params}}}"#)
    };
    let exchanges = [
        (rpc(1, "initialize", "{}"), 200, r#""serverInfo""#),
        (rpc(2, "tools/call", r#"{"name": "t"}"#), 200, "guard_error"),
        (rpc(3, "tools/list", "{}"), 200, "pattern_blocked"),
        ("not json".to_string(), 400, "-32700"),
        (rpc(4, "ping", "{}"), 502, "unreachable"),
    ];
    for (body, status, says) in &exchanges {
        let headers = [
            auth,
            session,
            ("accept", "application/json, text/event-stream"),
        ];
        let (s, head, answer) = raw(port, "POST", "/mcp", &headers, body);
        assert_eq!(s, *status, "{body}: {head}\n{answer}");
        assert!(answer.contains(says), "{body}: {answer}");
    }

    // Without the token, no metrics.
    assert_eq!(http(port, "GET", "/metrics", "").0, 401);
    let m = scrape(port, auth);
    let get = |name: &str, labels: &[(&str, &str)]| sample(&m, name, labels);
    let evaluations = "guardhouse_evaluations_total";
    let verdict = |source, phase, decision| {
        get(
            evaluations,
            &[("source", source), ("phase", phase), ("decision", decision)],
        )
    };
    assert_eq!(verdict("api", "tools_list", "allow"), Some(2.0));
    assert_eq!(verdict("api", "tools_list", "deny"), Some(1.0));
    assert_eq!(verdict("api", "tool_invoke", "deny"), Some(1.0));
    assert_eq!(verdict("api", "tools_list", "warn"), Some(1.0));
    assert_eq!(verdict("test", "tools_list", "deny"), Some(1.0));
    assert_eq!(verdict("test", "tools_list", "allow"), Some(1.0));
    assert_eq!(verdict("proxy", "connection", "allow"), Some(1.0));
    assert_eq!(verdict("proxy", "response", "allow"), Some(1.0));
    assert_eq!(verdict("proxy", "tool_invoke", "deny"), Some(1.0));
    assert_eq!(verdict("proxy", "tools_list", "deny"), Some(1.0));

    let guard = |source, guard, decision, code| {
        let labels = [
            ("source", source),
            ("guard", guard),
            ("decision", decision),
            ("code", code),
            ("audit", "false"),
        ];
        get("guardhouse_guard_evaluations_total", &labels)
    };
    assert_eq!(guard("api", "sp", "allow", ""), Some(2.0));
    assert_eq!(guard("api", "sp", "deny", "pattern_blocked"), Some(1.0));
    assert_eq!(guard("api", "panic", "deny", "guard_error"), Some(1.0));
    assert_eq!(guard("api", "err-open", "allow", ""), Some(1.0));
    assert_eq!(guard("proxy", "panic", "deny", "guard_error"), Some(1.0));
    let failures = |source, guard, kind| {
        let labels = [("source", source), ("guard", guard), ("kind", kind)];
        get("guardhouse_guard_failures_total", &labels)
    };
    assert_eq!(failures("api", "panic", "trap"), Some(1.0));
    assert_eq!(failures("api", "err-open", "guest_error"), Some(1.0));
    assert_eq!(failures("proxy", "panic", "trap"), Some(1.0));
    let warned = [("source", "api"), ("guard", "err-open")];
    assert_eq!(get("guardhouse_guard_warnings_total", &warned), Some(1.0));

    // sp ran three times for the API, once for the suite, once on the proxy's tools list.
    let sp_calls = [("guard", "sp"), ("phase", "tools_list")];
    assert_eq!(
        get("guardhouse_guard_duration_seconds", &sp_calls),
        Some(5.0)
    );
    assert_eq!(get("guardhouse_guard_fuel_used", &sp_calls), Some(5.0));
    let fuel = get("guardhouse_guard_fuel_used_sum", &sp_calls).unwrap();
    assert!(fuel > 1000.0, "simple-pattern burns fuel: {fuel}");

    let exchange = |mcp_method, outcome| {
        let labels = [
            ("http_method", "POST"),
            ("mcp_method", mcp_method),
            ("outcome", outcome),
        ];
        get("guardhouse_proxy_exchanges_total", &labels)
    };
    assert_eq!(exchange("initialize", "forwarded"), Some(1.0));
    assert_eq!(exchange("tools/call", "denied"), Some(1.0));
    assert_eq!(exchange("tools/list", "denied"), Some(1.0));
    assert_eq!(exchange("invalid", "refused"), Some(1.0));
    assert_eq!(exchange("ping", "upstream_error"), Some(1.0));

    let requests = |route, method, status| {
        let labels = [("route", route), ("method", method), ("status", status)];
        get("guardhouse_http_request_duration_seconds", &labels)
    };
    assert_eq!(requests("/v1/evaluate", "POST", "200"), Some(5.0));
    assert_eq!(requests("/v1/test", "POST", "200"), Some(1.0));
    assert_eq!(requests("other", "GET", "404"), Some(1.0));
    assert_eq!(requests("/mcp", "POST", "200"), Some(3.0));
    assert_eq!(requests("/mcp", "POST", "502"), Some(1.0));
    assert_eq!(requests("/metrics", "GET", "401"), Some(1.0));

    let reloads = "guardhouse_config_reloads_total";
    assert_eq!(get(reloads, &[("result", "success")]), Some(0.0));
    assert_eq!(get(reloads, &[("result", "failure")]), Some(0.0));
    assert_eq!(get("guardhouse_config_generation", &[]), Some(1.0));

    // A reload, then a config that fails to load.
    std::fs::write(&cfg, format!("{gateway}# touched\n")).unwrap();
    await_sample(port, auth, "guardhouse_config_generation", &[], 2.0);
    let m = scrape(port, auth);
    assert_eq!(sample(&m, reloads, &[("result", "success")]), Some(1.0));
    std::fs::write(&cfg, "security_guards: [").unwrap();
    await_sample(port, auth, reloads, &[("result", "failure")], 1.0);
    let m = scrape(port, auth);
    assert_eq!(sample(&m, "guardhouse_config_generation", &[]), Some(2.0));
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn serve_writes_json_log_lines() {
    let dir = root().join(format!("target/test-serve-json-log-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cfg = dir.join("gateway.yaml");
    std::fs::write(&cfg, gateway("frobnicate")).unwrap();
    let log = dir.join("stderr.log");
    let stderr = std::fs::File::create(&log).unwrap();
    let server = serve_custom(&cfg, &["--log-format", "json"], |command| {
        command.env("RUST_LOG", "info").stderr(stderr);
    });
    std::fs::write(&cfg, "security_guards: [").unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while !std::fs::read_to_string(&log)
        .unwrap()
        .contains("keeping the running config")
    {
        assert!(Instant::now() < deadline, "no reload failure logged");
        std::thread::sleep(Duration::from_millis(50));
    }
    drop(server);
    let text = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let message = |level: &str, part: &str| {
        lines.iter().any(|l| {
            l["level"] == level
                && l["fields"]["message"]
                    .as_str()
                    .is_some_and(|m| m.contains(part))
        })
    };
    assert!(message("INFO", "listening on http://127.0.0.1:"), "{text}");
    assert!(message("ERROR", "keeping the running config"), "{text}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn serve_refuses_a_bad_config_before_listening() {
    let out = bin()
        .args(["serve", "-c", "/nonexistent/gateway.yaml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read gateway config"));
}

#[test]
fn a_pinned_module_with_another_hash_is_refused_before_it_is_compiled() {
    let dir = root().join(format!("target/test-pin-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let sp = component("guards/dist/simple-pattern.wasm");
    let actual = guardhouse_core::inspect::sha256_hex(&std::fs::read(&sp).unwrap());
    let case = dir.join("case.yaml");
    let text = "format: guardhouse.case/v1\nname: c\nphase: tools_list\npayload: {tools: [{name: read_file}]}\n";
    std::fs::write(&case, text).unwrap();
    let with_pin = |pin: &str| {
        let cfg = dir.join("gateway.yaml");
        std::fs::write(
            &cfg,
            format!(
                "security_guards:\n  - id: sp\n    module_path: {}\n    sha256: {pin}\n",
                sp.display()
            ),
        )
        .unwrap();
        bin()
            .args(["run", "--no-cache"])
            .arg(&case)
            .arg("-c")
            .arg(&cfg)
            .output()
            .unwrap()
    };
    let wrong = "f".repeat(64);
    let refused = with_pin(&wrong);
    assert_eq!(refused.status.code(), Some(3), "module failed to load");
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("gateway.yaml:4:"),
        "located at the sha256 line: {stderr}"
    );
    assert!(stderr.contains("module failed to load"), "{stderr}");
    assert!(
        stderr.contains(&wrong) && stderr.contains(&actual),
        "names both hashes: {stderr}"
    );
    // The right pin (any letter case) loads.
    assert_eq!(with_pin(&actual.to_uppercase()).status.code(), Some(0));
    // A pin that is not a sha256 is a config error.
    assert_eq!(with_pin("abc").status.code(), Some(2));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn run_exit_codes_follow_the_decision() {
    let dir = root().join(format!("target/test-run-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let sp = component("guards/dist/simple-pattern.wasm");
    let case = |name: &str, tool: &str| {
        let p = dir.join(format!("{name}.yaml"));
        std::fs::write(&p, format!("format: guardhouse.case/v1\nname: {name}\nphase: tools_list\npayload: {{tools: [{{name: {tool}}}]}}\n")).unwrap();
        p
    };
    let run = |p: &std::path::Path| {
        bin()
            .arg("run")
            .arg(p)
            .arg("--guard")
            .arg(&sp)
            .arg("--json")
            .output()
            .unwrap()
    };
    let ok = run(&case("ok", "read_file"));
    assert_eq!(ok.status.code(), Some(0));
    let v: Value = serde_json::from_slice(&ok.stdout).unwrap();
    assert_eq!(v[0]["evaluation"]["decision"], "allow");
    assert_eq!(
        run(&case("bad", "delete_everything")).status.code(),
        Some(1)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn new_scaffolds_a_guard_that_builds_and_runs() {
    let (dir, wasm) = scaffold(
        "rust",
        &[("CARGO_TARGET_DIR", root().join("target/scaffold"))],
    );
    assert!(
        bin()
            .arg("new")
            .arg(dir.join("my-guard"))
            .output()
            .unwrap()
            .status
            .code()
            == Some(2),
        "refuses to overwrite"
    );
    let info = inspect(&wasm);
    assert!(
        info["settings_schema"]["properties"]["patterns"].is_object(),
        "{info}"
    );
    let (code, _) = run_tools_list(&dir, &wasm, "[{name: drop_db}]");
    assert_eq!(code, Some(1), "the template denies drop_db");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn new_scaffolds_a_python_guard_that_builds_and_runs() {
    let tool = componentizer("target/venv-componentize/bin/componentize-py");
    let (dir, wasm) = scaffold("python", &[("GUARDHOUSE_COMPONENTIZE_PY", tool)]);
    assert!(dir.join("my-guard/app.py").is_file());
    check_blocked_tools_template(&dir, &wasm);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn new_scaffolds_a_js_guard_that_builds_and_runs() {
    let tool = componentizer("node_modules/.bin/componentize-js");
    let (dir, wasm) = scaffold("js", &[("GUARDHOUSE_COMPONENTIZE_JS", tool)]);
    assert!(dir.join("my-guard/guard.js").is_file());
    check_blocked_tools_template(&dir, &wasm);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn build_names_how_to_install_a_missing_componentizer() {
    let dir = root().join(format!("target/test-missing-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let empty = dir.join("empty-path");
    std::fs::create_dir_all(&empty).unwrap();
    for (lang, hint) in [
        ("python", "`pip install componentize-py==0.25.1`"),
        (
            "js",
            "`npm install @bytecodealliance/componentize-js@0.23.0`",
        ),
    ] {
        let guard = dir.join(lang);
        assert!(
            bin()
                .args(["new", "--lang", lang])
                .arg(&guard)
                .status()
                .unwrap()
                .success()
        );
        let out = bin()
            .arg("build")
            .arg(&guard)
            .env("PATH", &empty)
            .env_remove("GUARDHOUSE_COMPONENTIZE_PY")
            .env_remove("GUARDHOUSE_COMPONENTIZE_JS")
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains(" not found (looked in "), "{err}");
        assert!(err.contains(hint), "{err}");
        let out = bin()
            .arg("build")
            .arg(&guard)
            .env("GUARDHOUSE_COMPONENTIZE_PY", dir.join("nonexistent"))
            .env("GUARDHOUSE_COMPONENTIZE_JS", dir.join("nonexistent"))
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains("nonexistent does not exist (hint: "), "{err}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// A componentizer installed in the repository (by scripts/build-guests.sh); the tests fail,
/// not skip, when it is missing.
fn componentizer(rel: &str) -> PathBuf {
    let p = root().join(rel);
    assert!(
        p.exists(),
        "{} is missing: run scripts/build-guests.sh first",
        p.display()
    );
    p
}

/// `guardhouse new DIR/my-guard --lang LANG`, then `guardhouse build --json` of it with
/// `env`, in a fresh DIR under target/; returns DIR and the component.
fn scaffold(lang: &str, env: &[(&str, PathBuf)]) -> (PathBuf, PathBuf) {
    let dir = root().join(format!("target/test-new-{lang}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let guard = dir.join("my-guard");
    assert!(
        bin()
            .args(["new", "--lang", lang])
            .arg(&guard)
            .status()
            .unwrap()
            .success()
    );
    assert!(guard.join("wit/guard.wit").is_file());
    let out = bin()
        .args(["build", "--json"])
        .arg(&guard)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["language"], lang);
    assert_eq!(report["package"], "my-guard");
    assert_eq!(report["sha256"].as_str().unwrap().len(), 64);
    let wasm = PathBuf::from(report["component"].as_str().unwrap());
    assert_eq!(wasm, guard.join("my-guard.wasm"));
    (dir, wasm)
}

/// `guardhouse inspect --json` of a component; it must implement the canonical contract.
fn inspect(wasm: &Path) -> Value {
    let out = bin()
        .arg("inspect")
        .arg(wasm)
        .arg("--json")
        .output()
        .unwrap();
    let info: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(info["contract"], "canonical", "{info}");
    info
}

/// `guardhouse run --json` of a tools_list case announcing `tools` (YAML) against `wasm`.
fn run_tools_list(dir: &Path, wasm: &Path, tools: &str) -> (Option<i32>, Value) {
    let case = dir.join("case.yaml");
    std::fs::write(
        &case,
        format!(
            "format: guardhouse.case/v1\nname: c\nphase: tools_list\npayload: {{tools: {tools}}}\n"
        ),
    )
    .unwrap();
    let out = bin()
        .arg("run")
        .arg(&case)
        .arg("--guard")
        .arg(wasm)
        .arg("--json")
        .output()
        .unwrap();
    let result: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    (out.status.code(), result[0]["evaluation"].clone())
}

/// The Python and JavaScript templates: `blocked_tools` denies, tools without a
/// description are warned about, the rest is allowed.
fn check_blocked_tools_template(dir: &Path, wasm: &Path) {
    let info = inspect(wasm);
    assert!(
        info["settings_schema"]["properties"]["blocked_tools"].is_object(),
        "{info}"
    );
    assert_eq!(
        info["default_config"]["blocked_tools"],
        serde_json::json!(["drop_db", "shell_exec"]),
        "{info}"
    );
    let (code, eval) = run_tools_list(dir, wasm, "[{name: read, description: r}, {name: drop_db}]");
    assert_eq!(code, Some(1), "{eval}");
    assert_eq!(eval["decision"], "deny", "{eval}");
    assert_eq!(eval["deny"]["code"], "tool_blocked", "{eval}");
    let (code, eval) = run_tools_list(dir, wasm, "[{name: read}]");
    assert_eq!(code, Some(0), "{eval}");
    assert_eq!(eval["decision"], "warn", "{eval}");
    let (code, eval) = run_tools_list(dir, wasm, "[{name: read, description: r}]");
    assert_eq!(code, Some(0), "{eval}");
    assert_eq!(eval["decision"], "allow", "{eval}");
}
