//! The request side: a client's POST body → screenings → the body to forward upstream
//! (byte for byte when no guard changed it) or the JSON-RPC errors to answer with.

use serde_json::{Map, Value, json};

use super::jsonrpc::{self, Body, Kind, Message, error_response, id_key};
use super::response::{Expect, Pending};
use super::{DENIED, Note, ProxyConfig, Reply, RequestInfo, Screener, denied};
use crate::chain::{Screening, Verdict};
use crate::contract::Phase;
use crate::payload::Payload;

/// What to do with a client's POST.
#[derive(Debug)]
pub enum PostOutcome {
    /// Answer the client without contacting upstream (a guard denied, or the body is
    /// not JSON-RPC).
    Reply(Reply),
    /// Send `body` upstream, then screen its answer with `pending`.
    Forward { body: Vec<u8>, pending: Pending },
}

/// One message's screening and how its evaluation applies.
struct Job {
    screening: Screening,
    key: String,
    expect: Expect,
}

enum Step {
    Pass,
    Refuse(Message),
    /// Forward unchanged; screen the result when it comes back.
    Remember(String, Expect),
    Screen(Job),
}

/// Screens a client's POST body: `initialize` through `connection` guards, `tools/call`
/// through `tool_invoke` guards; every request with an id is remembered so its answer is
/// screened on the way back (see `response`). A client that skips `initialize` (no
/// `mcp-session-id`, as on a stateless upstream) meets the `connection` guards before
/// any of its requests goes upstream. A batch is forwarded only when nothing in it is
/// denied; otherwise every request in it gets an error.
pub async fn screen_post<S: Screener>(
    config: &ProxyConfig,
    info: &RequestInfo,
    bytes: &[u8],
    screener: &S,
) -> PostOutcome {
    let body = match Body::parse(bytes) {
        Ok(body) => body,
        Err(e) => {
            let error = error_response(Value::Null, e.code(), &e.to_string(), None);
            return PostOutcome::Reply(Reply::json(400, &Body::Single(error)));
        }
    };
    let mut pending = Pending::new(config, info);
    if let Some((at, method)) = unintroduced(info, &body) {
        let meta = json!({ "method": method, "initialize_skipped": true });
        let screening = config.screening(info, Payload::Connection, meta);
        let evaluation = screener.screen(screening).await;
        if let Some(denial) = &evaluation.deny {
            let id = request_id(&body.messages()[at]);
            return refuse(&body, at, denied(id, Phase::Connection, denial));
        }
        pending.note(Note::from_evaluation(Phase::Connection, &evaluation));
    }
    let mut out = Vec::with_capacity(body.messages().len());
    let mut changed = false;
    for (i, message) in body.messages().iter().enumerate() {
        let job = match step(config, info, message, &pending) {
            Step::Pass => {
                out.push(message.clone());
                continue;
            }
            Step::Refuse(error) => return refuse(&body, i, error),
            Step::Remember(key, expect) => {
                pending.expect(key, expect, Vec::new());
                out.push(message.clone());
                continue;
            }
            Step::Screen(job) => job,
        };
        let phase = job.screening.payload.phase();
        let evaluation = screener.screen(job.screening).await;
        let id = request_id(message);
        if let Some(denial) = &evaluation.deny {
            return refuse(&body, i, denied(id, phase, denial));
        }
        let notes = Note::from_evaluation(phase, &evaluation);
        pending.expect(job.key, job.expect, notes);
        match (evaluation.decision, evaluation.payload) {
            (Verdict::Modify, Some(payload)) => match rewrite_call(message, payload) {
                Ok(rewritten) => {
                    changed = true;
                    out.push(rewritten);
                }
                Err(error) => return refuse(&body, i, error),
            },
            _ => out.push(message.clone()),
        }
    }
    let body = if changed {
        body.like(out).to_text().into_bytes()
    } else {
        bytes.to_vec()
    };
    PostOutcome::Forward { body, pending }
}

/// The first request of a body from a client that has not been through `initialize`
/// (no session, and no `initialize` in this body), with its method: such a client has
/// not met the `connection` guards yet.
fn unintroduced<'a>(info: &RequestInfo, body: &'a Body) -> Option<(usize, &'a str)> {
    if info.session_id.is_some() {
        return None;
    }
    let requests = body
        .messages()
        .iter()
        .enumerate()
        .filter_map(|(i, m)| match m.kind() {
            Kind::Request { method, .. } => Some((i, method)),
            _ => None,
        });
    let requests: Vec<(usize, &str)> = requests.collect();
    if requests.iter().any(|(_, method)| *method == "initialize") {
        return None;
    }
    requests.into_iter().next()
}

fn request_id(message: &Message) -> Value {
    message.object().get("id").cloned().unwrap_or(Value::Null)
}

/// What `message` needs before it may go upstream.
fn step(config: &ProxyConfig, info: &RequestInfo, message: &Message, pending: &Pending) -> Step {
    let (id, method) = match message.kind() {
        Kind::Request { id, method } => (id, method),
        Kind::Notification { method } if is_screened(method) => {
            let text = format!("`{method}` must be a request (it has no id)");
            return Step::Refuse(error_response(
                Value::Null,
                jsonrpc::INVALID_REQUEST,
                &text,
                None,
            ));
        }
        _ => return Step::Pass,
    };
    let key = id_key(id).filter(|k| !pending.expects(k));
    if !is_screened(method) {
        // Its answer is screened all the same (by its shape); remembering names the
        // method for the guards.
        return match key {
            Some(key) => Step::Remember(key, Expect::of(method, None)),
            None => Step::Pass,
        };
    }
    let Some(key) = key else {
        let text = "a screened request needs a unique string or integer id";
        return Step::Refuse(error_response(
            id.clone(),
            jsonrpc::INVALID_REQUEST,
            text,
            None,
        ));
    };
    let params = message.object().get("params");
    match method {
        "initialize" => {
            let meta = json!({
                "method": method,
                "client_info": params.and_then(|p| p.get("clientInfo")),
                "protocol_version": params.and_then(|p| p.get("protocolVersion")),
            });
            Step::Screen(Job {
                screening: config.screening(info, Payload::Connection, meta),
                key,
                expect: Expect::of(method, None),
            })
        }
        "tools/call" => match tool_call(params) {
            Ok((tool, arguments)) => {
                let meta = json!({ "method": method, "tool": tool });
                let payload = Payload::ToolInvoke {
                    tool: tool.clone(),
                    arguments,
                };
                Step::Screen(Job {
                    screening: config.screening(info, payload, meta),
                    key,
                    expect: Expect::of(method, Some(tool)),
                })
            }
            Err(text) => Step::Refuse(error_response(
                id.clone(),
                jsonrpc::INVALID_PARAMS,
                &text,
                None,
            )),
        },
        // tools/list, resources/read, prompts/get: screened on the way back.
        _ => Step::Remember(key, Expect::of(method, None)),
    }
}

/// Methods whose requests must carry a unique id (their answers are what guards judge).
fn is_screened(method: &str) -> bool {
    matches!(
        method,
        "initialize" | "tools/list" | "tools/call" | "resources/read" | "prompts/get"
    )
}

/// `tools/call` params → (tool name, arguments object).
fn tool_call(params: Option<&Value>) -> Result<(String, Value), String> {
    let name = params
        .and_then(|p| p.get("name"))
        .and_then(Value::as_str)
        .ok_or("tools/call needs params.name, a string")?;
    match params.and_then(|p| p.get("arguments")) {
        None | Some(Value::Null) => Ok((name.to_string(), Value::Object(Map::new()))),
        Some(args @ Value::Object(_)) => Ok((name.to_string(), args.clone())),
        Some(_) => Err("tools/call params.arguments must be an object".into()),
    }
}

/// The `tools/call` request with a guard's rewritten tool name and arguments; every other
/// field (`_meta` with a progress token, unknown params) stays.
fn rewrite_call(message: &Message, payload: Value) -> Result<Message, Message> {
    let id = request_id(message);
    let (tool, arguments) = match Payload::from_json(Phase::ToolInvoke, payload) {
        Ok(Payload::ToolInvoke { tool, arguments }) => (tool, arguments),
        _ => {
            let text = "a guard's rewritten tool call is not {tool, arguments}";
            return Err(error_response(id, jsonrpc::INTERNAL_ERROR, text, None));
        }
    };
    let mut object = message.object().clone();
    let params = object
        .entry("params")
        .or_insert_with(|| Value::Object(Map::new()));
    if let Value::Object(params) = params {
        params.insert("name".into(), Value::String(tool));
        params.insert("arguments".into(), arguments);
    }
    Ok(Message::from_object(object))
}

/// Answers a body of which message `at` was refused: that message gets `error`, every
/// other request of a batch gets a `batch_denied` error, and nothing goes upstream.
fn refuse(body: &Body, at: usize, error: Message) -> PostOutcome {
    let mut answers = Vec::new();
    for (i, message) in body.messages().iter().enumerate() {
        if i == at {
            answers.push(error.clone());
        } else if let Kind::Request { id, .. } = message.kind() {
            let data = json!({ "code": "batch_denied" });
            let text = "batch_denied: not forwarded, another message in this batch was denied";
            answers.push(error_response(id.clone(), DENIED, text, Some(data)));
        }
    }
    // 200, as an MCP server answers a request it refuses: clients read the JSON-RPC
    // error only from a successful HTTP response.
    PostOutcome::Reply(Reply::json(200, &body.like(answers)))
}
