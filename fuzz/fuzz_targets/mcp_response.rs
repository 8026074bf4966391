//! MCP response screening: an upstream answer, any bytes in any chunking under any
//! content type, through `Pending::screen_answer` (JSON bodies, event streams, refusals)
//! after the client's request was screened, over core's real chain with scripted guards.
//! Also `mcp::handling` on the same head.
//!
//! Input: parts separated by `0xFF`: the client's POST body, the guards' script, the
//! upstream content type (empty: none), then the upstream body's chunks.
#![no_main]

use libfuzzer_sys::fuzz_target;

use futures_util::StreamExt;
use guardhouse_core::mcp::{
    self, GatewayScreener, Pending, PostOutcome, ProxyConfig, RequestInfo, screen_post,
};
use guardhouse_fuzz::{SEPARATOR, ScriptedGateway, block_on, example_gateway};

fuzz_target!(init: guardhouse_fuzz::catch_stack_overflow(), |data: &[u8]| {
    let mut parts = data.split(|&b| b == SEPARATOR);
    let request = parts.next().unwrap_or_default();
    let script = parts.next().unwrap_or_default();
    let content_type = parts.next().unwrap_or_default();
    let chunks: Vec<Vec<u8>> = parts.map(<[u8]>::to_vec).collect();
    let content_type = String::from_utf8_lossy(content_type);
    let content_type = (!content_type.is_empty()).then_some(content_type.as_ref());

    let config = ProxyConfig::new("http://127.0.0.1:9/mcp", Some("weather".into()));
    let info = RequestInfo {
        session_id: Some("s1".into()),
    };
    let gateway = ScriptedGateway::new(example_gateway(), script);
    let screener = GatewayScreener(&gateway);
    // A POST that was forwarded remembers its requests; otherwise a GET stream's state.
    let pending = match block_on(screen_post(&config, &info, request, &screener)) {
        PostOutcome::Forward { pending, .. } => pending,
        PostOutcome::Reply(_) => Pending::new(&config, &info),
    };

    let whole = chunks.concat();
    let handling = mcp::handling(content_type, &whole);
    let upstream = futures_util::stream::iter(chunks.into_iter().map(Ok::<_, ()>));
    let screener = GatewayScreener(&gateway);
    let screened = block_on(pending.screen_answer(screener, content_type, upstream));
    let out: Vec<Vec<u8>> = block_on(
        screened
            .body
            .map(|c| c.expect("no upstream error"))
            .collect(),
    );
    let out = out.concat();
    match screened.content_type {
        None => assert!(out.is_empty(), "an empty answer grew a body"),
        Some("application/json") if handling != mcp::Handling::Json => {
            serde_json::from_slice::<serde_json::Value>(&out).expect("the proxy's refusal is JSON");
        }
        _ => {}
    }
});
