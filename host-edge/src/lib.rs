//! The guardhouse Worker.

use worker::{Context, Env, Request, Response, Result, event};

/// Routes a request.
#[event(fetch)]
pub async fn fetch(req: Request, _env: Env, _ctx: Context) -> Result<Response> {
    match req.path().as_str() {
        "/health" => Response::from_json(&serde_json::json!({"status": "ok", "host": "edge"})),
        _ => Response::error("not found", 404),
    }
}
