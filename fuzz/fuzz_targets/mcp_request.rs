//! MCP request screening: a client's POST body, any bytes, through `mcp::screen_post`
//! over core's real chain with scripted guards. What the proxy answers itself must be
//! JSON, and its warnings header ASCII.
//!
//! Input: the body, then optionally `0xFF` and the guards' script (its first byte also
//! says whether the client has a session).
#![no_main]

use libfuzzer_sys::fuzz_target;

use guardhouse_core::mcp::{GatewayScreener, PostOutcome, ProxyConfig, RequestInfo, screen_post};
use guardhouse_fuzz::{ScriptedGateway, block_on, example_gateway, split_script};

fuzz_target!(init: guardhouse_fuzz::catch_stack_overflow(), |data: &[u8]| {
    let (body, script) = split_script(data);
    let config = ProxyConfig::new("http://127.0.0.1:9/mcp", None);
    let info = RequestInfo {
        session_id: (script.first().is_some_and(|b| b % 2 == 1)).then(|| "s1".to_string()),
    };
    let gateway = ScriptedGateway::new(example_gateway(), script);
    let screener = GatewayScreener(&gateway);
    match block_on(screen_post(&config, &info, body, &screener)) {
        PostOutcome::Reply(reply) => {
            if let Err(e) = serde_json::from_slice::<serde_json::Value>(&reply.body) {
                panic!("the proxy's own reply is not JSON: {e}");
            }
        }
        PostOutcome::Forward {
            body: forwarded,
            pending,
        } => {
            if forwarded != body {
                serde_json::from_slice::<serde_json::Value>(&forwarded)
                    .expect("a rewritten body is JSON");
            }
            if let Some(header) = pending.warnings_header() {
                assert!(header.is_ascii(), "warnings header is not ASCII: {header}");
            }
        }
    }
});
