//! MCP proxy mode on the edge: `POST`, `GET` and `DELETE` on [`MCP_PATH`] go to the
//! `UPSTREAM` var's URL through the Worker's `fetch`. `guardhouse_core::mcp` decides what
//! is screened and how (the same code as `guardhouse serve --upstream`); this module
//! only moves bytes, and the router supplies the [`Screener`] that runs the chain.

use futures_util::StreamExt;
use guardhouse_core::mcp::{self, Pending, PostOutcome, ProxyConfig, Reply, RequestInfo, Screener};
use worker::js_sys::Uint8Array;
use worker::{Env, Fetch, Headers, Method, Request, RequestInit, Response, Result};

/// Where the Worker serves MCP.
pub const MCP_PATH: &str = "/mcp";

/// The upstream named by the Worker's vars: `UPSTREAM` (the MCP endpoint URL) and,
/// optionally, `SERVER_NAME` (default: the URL's host) and `FORWARD_AUTHORIZATION`
/// (`true`: the client's `Authorization` goes to the upstream). `None` when `UPSTREAM` is unset
/// or empty: proxy mode is off.
pub fn config(env: &Env) -> Option<ProxyConfig> {
    let var = |name| {
        env.var(name)
            .ok()
            .map(|v| v.to_string())
            .filter(|v| !v.trim().is_empty())
    };
    let upstream = var("UPSTREAM")?;
    let mut config = ProxyConfig::new(&upstream, var("SERVER_NAME"));
    config.forward_authorization = var("FORWARD_AUTHORIZATION").is_some_and(|v| v == "true");
    Some(config)
}

/// Proxies one request to the upstream, screening it with `screener`.
pub async fn handle<S: Screener + 'static>(
    mut req: Request,
    config: ProxyConfig,
    screener: S,
) -> Result<Response> {
    let info = RequestInfo {
        session_id: req.headers().get("mcp-session-id")?,
    };
    // The method as sent: `worker::Method` maps methods it does not know to GET.
    let method = match req.inner().method().as_str() {
        "POST" => Method::Post,
        "GET" => Method::Get,
        "DELETE" => Method::Delete,
        _ => return Response::error("method not allowed (MCP takes POST, GET and DELETE)", 405),
    };
    match method {
        Method::Post => {
            let body = req.bytes().await?;
            match mcp::screen_post(&config, &info, &body, &screener).await {
                PostOutcome::Reply(reply) => answer(reply),
                PostOutcome::Forward { body, pending } => {
                    let warnings = pending.warnings_header();
                    let sent = send(&config, Method::Post, req.headers(), Some(body)).await;
                    relay(sent, pending, screener, warnings).await
                }
            }
        }
        method => {
            let pending = Pending::new(&config, &info);
            let sent = send(&config, method, req.headers(), None).await;
            relay(sent, pending, screener, None).await
        }
    }
}

async fn send(
    config: &ProxyConfig,
    method: Method,
    incoming: &Headers,
    body: Option<Vec<u8>>,
) -> Result<Response> {
    let headers = Headers::new();
    for name in config.forwarded_headers() {
        if let Some(value) = incoming.get(name)? {
            headers.set(name, &value)?;
        }
    }
    let mut init = RequestInit::new();
    init.with_method(method).with_headers(headers);
    if let Some(body) = body {
        init.with_body(Some(Uint8Array::from(body.as_slice()).into()));
    }
    let request = Request::new_with_init(&config.server_url, &init)?;
    Fetch::Request(request).send().await
}

async fn relay<S: Screener + 'static>(
    sent: Result<Response>,
    pending: Pending,
    screener: S,
    warnings: Option<String>,
) -> Result<Response> {
    let mut upstream = match sent {
        Ok(r) => r,
        Err(e) => {
            let body =
                serde_json::json!({ "error": format!("upstream MCP server unreachable: {e}") });
            return Ok(Response::from_json(&body)?.with_status(502));
        }
    };
    let headers = Headers::new();
    for name in mcp::FORWARD_RESPONSE_HEADERS {
        if let Some(value) = upstream.headers().get(name)? {
            headers.set(name, &value)?;
        }
    }
    if let Some(warnings) = warnings {
        headers.set(mcp::WARNINGS_HEADER, &warnings)?;
    }
    let status = upstream.status_code();
    let content_type = upstream.headers().get("content-type")?;
    // No body at all (an empty 202) is an empty stream.
    let body = futures_util::stream::iter(upstream.stream().ok()).flatten();
    let screened = pending
        .screen_answer(screener, content_type.as_deref(), body)
        .await;
    let response = match screened.content_type {
        Some(label) => {
            headers.set("content-type", label)?;
            Response::from_stream(screened.body)?
        }
        // Nothing to send (a 204 must not even have an empty stream).
        None => Response::empty()?,
    };
    Ok(response.with_status(status).with_headers(headers))
}

fn answer(reply: Reply) -> Result<Response> {
    let headers = Headers::new();
    headers.set("content-type", reply.content_type)?;
    Ok(Response::from_bytes(reply.body)?
        .with_status(reply.status)
        .with_headers(headers))
}
