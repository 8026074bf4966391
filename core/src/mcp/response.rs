//! The response side: upstream answers → screenings → what the client gets.
//!
//! Every JSON-RPC response is looked at, whichever stream it arrives on. Which phase
//! screens what (README, "What the proxy screens"):
//! - a `tools/list` result (remembered, or any result with a `tools` array): the
//!   `tools_list` phase; each tool's `title`, `annotations` and `outputSchema`, which the
//!   contract's tool record cannot carry, ride in the context metadata (`mcp.tool_fields`);
//! - every other result — `tools/call`, `initialize` (its `instructions`),
//!   `resources/read`, `prompts/get`, and results of methods the proxy does not know —
//!   the `response` phase, with the request's method in the metadata when it was seen;
//! - every error response: the `response` phase, with `{"error": {code, message, data}}`
//!   as the payload, so instructions in `error.message` or `error.data` meet the guards.
//!
//! An upstream therefore cannot slip text past the guards by answering on another
//! stream, with an id the proxy did not see, or as an error.

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use super::jsonrpc::{self, Body, Kind, Message, error_response, id_key};
use super::{Note, ProxyConfig, RequestInfo, Screener, WARNINGS_META, denied};
use crate::chain::{Evaluation, Verdict};
use crate::contract::Phase;
use crate::payload::{Payload, ToolSpec};

/// How a remembered request's answer is screened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expect {
    /// A tools/list result: the `tools_list` phase.
    ToolsList,
    /// Any other answer: the `response` phase. The request's method (unknown for an id
    /// the proxy did not see), and the tool's name for a tools/call.
    Result {
        method: Option<String>,
        tool: Option<String>,
    },
}

impl Expect {
    /// What a request with `method` (and, for tools/call, `tool`) expects.
    pub fn of(method: &str, tool: Option<String>) -> Self {
        match method {
            "tools/list" => Self::ToolsList,
            _ => Self::Result {
                method: Some(method.to_string()),
                tool,
            },
        }
    }
}

/// What becomes of one message going to the client.
#[derive(Debug, Clone, PartialEq)]
pub enum MessageOutcome {
    /// Forwarded as it is, byte for byte.
    Keep,
    /// Forwarded rewritten (masked, annotated with warnings, or an error instead).
    Replace(Message),
    /// Not forwarded: a server request or notification a guard denied.
    Drop,
}

/// What the proxy remembers about one exchange: which ids to screen how, and the
/// warnings of the request side to attach to their results.
#[derive(Debug, Clone)]
pub struct Pending {
    config: ProxyConfig,
    info: RequestInfo,
    expects: HashMap<String, Expect>,
    notes: HashMap<String, Vec<Note>>,
    request_notes: Vec<Note>,
}

impl Pending {
    /// Nothing remembered yet: a GET stream, or a POST before screening.
    pub fn new(config: &ProxyConfig, info: &RequestInfo) -> Self {
        Self {
            config: config.clone(),
            info: info.clone(),
            expects: HashMap::new(),
            notes: HashMap::new(),
            request_notes: Vec::new(),
        }
    }

    pub(crate) fn expects(&self, key: &str) -> bool {
        self.expects.contains_key(key)
    }

    /// Warnings of the request side that belong to no single request.
    pub(crate) fn note(&mut self, notes: Vec<Note>) {
        self.request_notes.extend(notes);
    }

    pub(crate) fn expect(&mut self, key: String, expect: Expect, notes: Vec<Note>) {
        self.request_notes.extend(notes.iter().cloned());
        if !notes.is_empty() {
            self.notes.insert(key.clone(), notes);
        }
        self.expects.insert(key, expect);
    }

    /// The request side's warnings: `[{phase, guard, message}]` as JSON with every
    /// non-ASCII character escaped (fit for an HTTP header), or `None` without warnings.
    pub fn warnings_header(&self) -> Option<String> {
        if self.request_notes.is_empty() {
            return None;
        }
        let text = serde_json::to_string(&self.request_notes).ok()?;
        Some(ascii_json(&text))
    }

    /// Screens one message going to the client.
    pub async fn screen_message<S: Screener>(
        &mut self,
        screener: &S,
        message: &Message,
    ) -> MessageOutcome {
        match message.kind() {
            Kind::Response { .. } => match self.screen_response(screener, message).await {
                Some(replaced) => MessageOutcome::Replace(replaced),
                None => MessageOutcome::Keep,
            },
            Kind::Request { method, .. } | Kind::Notification { method } => {
                let method = method.to_string();
                self.screen_from_server(screener, message, &method).await
            }
            Kind::Invalid => MessageOutcome::Keep,
        }
    }

    /// Screens a request or notification the server sends the client (e.g.
    /// `sampling/createMessage`, whose messages go to the client's model, or a log
    /// message) in the `response` phase, its `params` being the payload. A deny drops it:
    /// the client never sees it (a dropped request gets no answer from the client; the
    /// server's own timeout ends it). A modify replaces `params` (it must stay an object);
    /// warnings go to `params._meta["guardhouse/warnings"]`.
    async fn screen_from_server<S: Screener>(
        &mut self,
        screener: &S,
        message: &Message,
        method: &str,
    ) -> MessageOutcome {
        let Some(params) = message.object().get("params") else {
            return MessageOutcome::Keep;
        };
        if is_empty_object(params) {
            return MessageOutcome::Keep;
        }
        let kind = if message.object().contains_key("id") {
            "request"
        } else {
            "notification"
        };
        let meta = json!({ "method": method, "from_server": kind });
        let payload = Payload::Response(params.clone());
        let evaluation = screener
            .screen(self.config.screening(&self.info, payload, meta))
            .await;
        if evaluation.deny.is_some() {
            return MessageOutcome::Drop;
        }
        let mut params = match (evaluation.decision, &evaluation.payload) {
            (Verdict::Modify, Some(Value::Object(rewritten))) => Value::Object(rewritten.clone()),
            // A rewrite that is not an object cannot be params: fail closed.
            (Verdict::Modify, _) => return MessageOutcome::Drop,
            _ => params.clone(),
        };
        let notes = Note::from_evaluation(Phase::Response, &evaluation);
        if !notes.is_empty()
            && let Value::Object(object) = &mut params
            && let Value::Object(meta) = object
                .entry("_meta")
                .or_insert_with(|| Value::Object(Map::new()))
        {
            add_warnings(meta, &notes);
        }
        if message.object().get("params") == Some(&params) {
            return MessageOutcome::Keep;
        }
        let mut object = message.object().clone();
        object.insert("params".into(), params);
        MessageOutcome::Replace(Message::from_object(object))
    }

    /// Screens a response (a result or an error); `Some` when it must be replaced.
    async fn screen_response<S: Screener>(
        &mut self,
        screener: &S,
        message: &Message,
    ) -> Option<Message> {
        let Kind::Response { id } = message.kind() else {
            return None;
        };
        let key = id_key(id);
        let remembered = key.as_ref().and_then(|k| self.expects.remove(k));
        let notes = key.and_then(|k| self.notes.remove(&k)).unwrap_or_default();
        let object = message.object();
        if let Some(error) = object.get("error") {
            return self
                .screen_error(screener, message, error, remembered, notes)
                .await;
        }
        let result = object.get("result")?;
        let (phase, payload, meta) = match remembered.unwrap_or_else(|| shape(result)) {
            Expect::ToolsList => match tools(result) {
                Ok(specs) => {
                    let meta =
                        json!({ "method": "tools/list", "tool_fields": tool_fields(result) });
                    (Phase::ToolsList, Payload::ToolsList(specs), meta)
                }
                Err(e) => {
                    let text = format!("guardhouse cannot screen this tools/list result: {e}");
                    return Some(error_response(
                        id.clone(),
                        jsonrpc::INTERNAL_ERROR,
                        &text,
                        None,
                    ));
                }
            },
            // Nothing in it can carry text.
            Expect::Result { .. } if is_empty_object(result) => {
                return annotate(message, result.clone(), notes);
            }
            Expect::Result { method, tool } => {
                let meta = json!({ "method": method, "tool": tool });
                (Phase::Response, Payload::Response(result.clone()), meta)
            }
        };
        let before = payload.clone();
        let evaluation = screener
            .screen(self.config.screening(&self.info, payload, meta))
            .await;
        if let Some(denial) = &evaluation.deny {
            return Some(denied(id.clone(), phase, denial));
        }
        let mut notes = notes;
        notes.extend(Note::from_evaluation(phase, &evaluation));
        let result = rewritten(result, &before, &evaluation).unwrap_or_else(|| result.clone());
        annotate(message, result, notes)
    }

    /// Screens an error response in the `response` phase, the payload being
    /// `{"error": …}`: a deny replaces it with the denial, a modify with the guard's
    /// error (which must still be `{"error": {code, message, …}}`), and warnings go to
    /// `error.data["guardhouse/warnings"]`.
    async fn screen_error<S: Screener>(
        &mut self,
        screener: &S,
        message: &Message,
        error: &Value,
        remembered: Option<Expect>,
        notes: Vec<Note>,
    ) -> Option<Message> {
        let id = message.object().get("id").cloned().unwrap_or(Value::Null);
        let (method, tool) = match remembered {
            Some(Expect::ToolsList) => (Some("tools/list".to_string()), None),
            Some(Expect::Result { method, tool }) => (method, tool),
            None => (None, None),
        };
        let meta = json!({ "method": method, "tool": tool, "error": true });
        let payload = json!({ "error": error });
        let evaluation = screener
            .screen(
                self.config
                    .screening(&self.info, Payload::Response(payload), meta),
            )
            .await;
        if let Some(denial) = &evaluation.deny {
            return Some(denied(id, Phase::Response, denial));
        }
        let mut error = error.clone();
        if evaluation.decision == Verdict::Modify {
            match evaluation.payload.as_ref().and_then(rewritten_error) {
                Some(rewritten) => error = rewritten,
                None => {
                    let text = "a guard's rewritten error is not {\"error\": {code, message}}";
                    return Some(error_response(id, jsonrpc::INTERNAL_ERROR, text, None));
                }
            }
        }
        let mut notes = notes;
        notes.extend(Note::from_evaluation(Phase::Response, &evaluation));
        if !notes.is_empty() {
            let data = error
                .as_object_mut()
                .map(|e| e.entry("data").or_insert_with(|| Value::Object(Map::new())));
            if let Some(Value::Object(data)) = data {
                add_warnings(data, &notes);
            }
        }
        if message.object().get("error") == Some(&error) {
            return None;
        }
        let mut object = message.object().clone();
        object.insert("error".into(), error);
        Some(Message::from_object(object))
    }

    /// Errors for every remembered id, for an upstream answer that cannot be screened.
    pub fn unscreenable(&mut self, why: &str) -> Body {
        let text = format!("guardhouse cannot screen the upstream answer: {why}");
        let mut ids: Vec<String> = self.expects.drain().map(|(k, _)| k).collect();
        ids.sort();
        let mut errors: Vec<Message> = ids
            .iter()
            .map(|k| error_response(key_id(k), jsonrpc::INTERNAL_ERROR, &text, None))
            .collect();
        if errors.is_empty() {
            errors.push(error_response(
                Value::Null,
                jsonrpc::INTERNAL_ERROR,
                &text,
                None,
            ));
        }
        match errors.len() {
            1 => Body::Single(errors.remove(0)),
            _ => Body::Batch(errors),
        }
    }
}

/// The id a key was made from.
fn key_id(key: &str) -> Value {
    match key.split_once(':') {
        Some(("n", n)) => n.parse::<i64>().map(Value::from).unwrap_or(Value::Null),
        Some((_, s)) => Value::String(s.to_string()),
        None => Value::Null,
    }
}

/// A result's phase by its shape, for responses to ids the proxy did not see.
fn shape(result: &Value) -> Expect {
    if result.get("tools").is_some_and(Value::is_array) {
        Expect::ToolsList
    } else {
        Expect::Result {
            method: None,
            tool: None,
        }
    }
}

fn is_empty_object(value: &Value) -> bool {
    value.as_object().is_some_and(Map::is_empty)
}

/// What guards cannot see in the contract's tool record, per tool in list order:
/// `{title, annotations, outputSchema}` (absent fields left out).
fn tool_fields(result: &Value) -> Value {
    let list = result["tools"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    let fields = list.iter().map(|tool| {
        let mut fields = Map::new();
        for key in ["title", "annotations", "outputSchema"] {
            if let Some(value) = tool.get(key) {
                fields.insert(key.into(), value.clone());
            }
        }
        Value::Object(fields)
    });
    Value::Array(fields.collect())
}

/// A guard's rewritten error payload → the error object, when it still is one.
fn rewritten_error(payload: &Value) -> Option<Value> {
    let error = payload.get("error")?;
    let fine = error.get("code").is_some_and(Value::is_i64)
        && error.get("message").is_some_and(Value::is_string);
    fine.then(|| error.clone())
}

fn tools(result: &Value) -> Result<Vec<ToolSpec>, String> {
    let list = result.get("tools").ok_or("it has no `tools`")?;
    serde_json::from_value(list.clone()).map_err(|e| e.to_string())
}

/// The result a modify produced, keeping what guards do not see: for a tools/list the
/// result's other fields (`nextCursor`, `_meta`) and each tool's other fields
/// (`annotations`, `title`, `outputSchema`); a response guard sees the whole result.
fn rewritten(result: &Value, before: &Payload, evaluation: &Evaluation) -> Option<Value> {
    if evaluation.decision != Verdict::Modify {
        return None;
    }
    let payload = evaluation.payload.as_ref()?;
    match (before, Payload::from_json(before.phase(), payload.clone())) {
        (Payload::ToolsList(old), Ok(Payload::ToolsList(new))) => {
            let originals = result["tools"].as_array().cloned().unwrap_or_default();
            let mut result = result.clone();
            result["tools"] = Value::Array(merge_tools(&originals, old, &new));
            Some(result)
        }
        _ => Some(payload.clone()),
    }
}

/// Rewritten tools over their originals (matched by name, in order): only the fields a
/// guard changed are replaced.
pub(crate) fn merge_tools(originals: &[Value], old: &[ToolSpec], new: &[ToolSpec]) -> Vec<Value> {
    let mut used = vec![false; old.len()];
    new.iter()
        .map(|tool| {
            let found = (0..old.len()).find(|&i| !used[i] && old[i].name == tool.name);
            let Some(i) = found else {
                return json!({
                    "name": tool.name,
                    "description": tool.description,
                    "inputSchema": tool.input_schema,
                });
            };
            used[i] = true;
            let mut object = originals[i].as_object().cloned().unwrap_or_default();
            if old[i].description != tool.description {
                match &tool.description {
                    Some(d) => object.insert("description".into(), Value::String(d.clone())),
                    None => object.remove("description"),
                };
            }
            if old[i].input_schema != tool.input_schema {
                object.remove("input_schema");
                object.insert("inputSchema".into(), tool.input_schema.clone());
            }
            Value::Object(object)
        })
        .collect()
}

/// `message` with `result` and the warnings in `result._meta["guardhouse/warnings"]`;
/// `None` when nothing changed.
fn annotate(message: &Message, mut result: Value, notes: Vec<Note>) -> Option<Message> {
    let unchanged = message.object().get("result") == Some(&result);
    if !notes.is_empty() {
        if let Value::Object(object) = &mut result {
            let meta = object
                .entry("_meta")
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(meta) = meta {
                add_warnings(meta, &notes);
            }
        }
    } else if unchanged {
        return None;
    }
    let mut object = message.object().clone();
    object.insert("result".into(), result);
    Some(Message::from_object(object))
}

/// Appends `notes` to `object[WARNINGS_META]` (created when missing).
fn add_warnings(object: &mut Map<String, Value>, notes: &[Note]) {
    let list = object
        .entry(WARNINGS_META)
        .or_insert_with(|| Value::Array(Vec::new()));
    if let Value::Array(list) = list {
        list.extend(notes.iter().map(|n| json!(n)));
    }
}

/// JSON text with every non-ASCII character as a `\u` escape.
pub(crate) fn ascii_json(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        }
    }
    out
}

#[cfg(test)]
#[path = "response_tests.rs"]
mod tests;
