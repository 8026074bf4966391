//! The guardhouse Worker: the same guard components as `guardhouse serve`, transpiled by
//! jco (`gh-transpile`) and run through `core/js/guard-runtime.mjs`, with core's config,
//! chain, case format and API shapes. See host-edge/README.md.

mod error;
mod gateway;
mod guard;
mod js;
mod proxy;
mod routes;
mod state;

use worker::{Context, Env, Request, Response, event};

use guardhouse_core::access::{self, AccessPolicy};
use guardhouse_core::{api, openapi};

use crate::error::AppError;

/// Routes a request to its handler; every error becomes a JSON error response.
#[event(fetch)]
pub async fn fetch(req: Request, env: Env, _ctx: Context) -> worker::Result<Response> {
    match route(req, &env).await {
        Ok(response) => Ok(response),
        Err(e) => e.into_response(),
    }
}

/// The edge's access policy: no Host check (the platform routes by name), the token
/// from the `GUARDHOUSE_TOKEN` secret when one is set.
fn policy(env: &Env) -> Result<AccessPolicy, AppError> {
    let token = match env.secret("GUARDHOUSE_TOKEN") {
        Ok(secret) => Some(
            access::parse_token(&secret.to_string())
                .map_err(|e| AppError::Load(format!("the GUARDHOUSE_TOKEN secret: {e}")))?,
        ),
        Err(_) => None,
    };
    Ok(AccessPolicy { hosts: None, token })
}

async fn route(req: Request, env: &Env) -> Result<Response, AppError> {
    gateway::set_log_evaluations(
        env.var("LOG_EVALUATIONS")
            .is_ok_and(|v| v.to_string() == "true"),
    );
    let path = req.path();
    let headers = req.headers();
    let values: Vec<(String, String)> = headers.entries().collect();
    let header = |name: &str| {
        values
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    };
    policy(env)?
        .check(&path, header)
        .map_err(AppError::Refused)?;
    // The method as sent: `worker::Method` maps methods it does not know (e.g. QUERY) to GET.
    let method = req.inner().method();
    if let Some(allowed) = api::route_method(&path)
        && method != allowed
    {
        return Err(AppError::MethodNotAllowed { path, allowed });
    }
    match path.as_str() {
        "/health" => routes::handle_health(env),
        "/v1/guards" => routes::handle_guards(env),
        "/v1/evaluate" => routes::handle_evaluate(req, env).await,
        "/v1/test" => routes::handle_test(req, env).await,
        "/v1/eval" => routes::handle_eval(req, env).await,
        openapi::PATH => Ok(Response::from_json(&openapi::document())?),
        proxy::MCP_PATH => routes::handle_mcp(req, env).await,
        _ => Err(AppError::NotFound { method, path }),
    }
}
