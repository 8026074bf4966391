//! The API handlers: the same routes and JSON shapes as `guardhouse serve`, with bodies
//! from `guardhouse_core::host` so both hosts answer alike.

use guardhouse_core::api::{self, Health, MAX_BODY_BYTES};
use guardhouse_core::host;
use guardhouse_core::state::StateScope;
use worker::{Env, Request, Response};

use crate::error::AppError;
use crate::gateway::{EdgeGateway, EdgeScreener, api_gateway, isolate_gateway};
use crate::proxy;
use crate::state::DurableState;

/// The `GATEWAY` var when wrangler.toml sets none.
pub const DEFAULT_GATEWAY: &str = "default";

/// The Worker's configuration generation: a deploy is a new Worker, so it never reloads.
const CONFIG_GENERATION: u64 = 1;

/// The `GATEWAY` var: which registry gateway this Worker serves.
fn gateway_name(env: &Env) -> String {
    env.var("GATEWAY")
        .map(|v| v.to_string())
        .unwrap_or_else(|_| DEFAULT_GATEWAY.to_string())
}

/// The gateway this Worker serves, loaded once per isolate (`/mcp` traffic runs on it).
pub fn gateway(env: &Env) -> Result<std::rc::Rc<EdgeGateway>, AppError> {
    isolate_gateway(&gateway_name(env), DurableState::bound(env)).map_err(AppError::Load)
}

fn json<T: serde::Serialize>(value: &T) -> Result<Response, AppError> {
    Ok(Response::from_json(value)?)
}

/// `GET /health`.
pub fn handle_health(env: &Env) -> Result<Response, AppError> {
    let gateway = gateway(env)?;
    json(&Health {
        status: "ok".into(),
        host: "edge".into(),
        guards: gateway.guards.len(),
        config_generation: CONFIG_GENERATION,
    })
}

/// `GET /v1/guards`.
pub fn handle_guards(env: &Env) -> Result<Response, AppError> {
    json(&host::guard_summaries(&*gateway(env)?))
}

/// A request's body, refused above the API's limit.
async fn body(req: &mut Request) -> Result<Vec<u8>, AppError> {
    let declared = req
        .headers()
        .get("content-length")?
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > MAX_BODY_BYTES) {
        return Err(AppError::TooLarge);
    }
    let body = req.bytes().await?;
    if body.len() > MAX_BODY_BYTES {
        return Err(AppError::TooLarge);
    }
    Ok(body)
}

/// `POST /v1/evaluate`: one case.
pub async fn handle_evaluate(mut req: Request, env: &Env) -> Result<Response, AppError> {
    let body = body(&mut req).await?;
    // The live gateway with instances of its own (native `serve` does the same), and
    // Durable Objects of its own for `state: durable_object` guards (scope `api`).
    let gateway =
        api_gateway(&gateway_name(env), DurableState::bound(env)).map_err(AppError::Load)?;
    let state = DurableState::new(env, StateScope::Api);
    let (gateway, state) = (&*gateway, state.as_ref());
    let evaluate = |screening| gateway.evaluate_with(screening, state);
    json(&host::evaluate_request_with(gateway, &body, evaluate).await?)
}

/// `POST /v1/test`: a suite.
pub async fn handle_test(mut req: Request, env: &Env) -> Result<Response, AppError> {
    let body = body(&mut req).await?;
    // A suite starts from fresh state and leaves none behind.
    let gateway = gateway(env)?.isolated().map_err(AppError::Load)?;
    json(&host::test_request(&gateway, &body)?)
}

/// `POST /v1/eval?guard=ID`: scores guards over a labelled corpus, each on fresh
/// instances.
pub async fn handle_eval(mut req: Request, env: &Env) -> Result<Response, AppError> {
    let guards = api::eval_guards(req.url()?.query())?;
    let body = body(&mut req).await?;
    json(&host::eval_request(&*gateway(env)?, &body, &guards)?)
}

/// `POST|GET|DELETE /mcp`: MCP proxy mode, when the `UPSTREAM` var names a server.
pub async fn handle_mcp(req: Request, env: &Env) -> Result<Response, AppError> {
    let Some(config) = proxy::config(env) else {
        return Err(AppError::ProxyOff);
    };
    let screener = EdgeScreener {
        gateway: gateway(env)?,
        state: DurableState::new(env, StateScope::Live),
    };
    Ok(proxy::handle(req, config, screener).await?)
}
