//! The response side: upstream answers → screenings → what the client gets.
//!
//! Every JSON-RPC response is looked at, whichever stream it arrives on: a response to a
//! remembered `tools/list` or `tools/call` id is screened as that, and any other response
//! whose result has a `tools` array (a tools/list result) or a `content` array (a
//! tools/call result) is screened by its shape, so an upstream cannot slip a result past
//! the guards by answering on another stream.

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use super::jsonrpc::{self, Body, Kind, Message, error_response, id_key};
use super::{Note, ProxyConfig, RequestInfo, Screener, WARNINGS_META, denied};
use crate::chain::{Evaluation, Verdict};
use crate::contract::Phase;
use crate::payload::{Payload, ToolSpec};

/// What a remembered request's result is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expect {
    Initialize,
    ToolsList,
    /// A tools/call result; the tool's name when the request was seen.
    ToolCall {
        tool: Option<String>,
    },
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

    /// Screens one message going to the client; `Some` when it must be replaced.
    pub async fn screen_message<S: Screener>(
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
        let result = message.object().get("result")?;
        let (phase, payload, tool) = match remembered.or_else(|| shape(result))? {
            Expect::Initialize => return annotate(message, result.clone(), notes),
            Expect::ToolsList => match tools(result) {
                Ok(specs) => (Phase::ToolsList, Payload::ToolsList(specs), None),
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
            Expect::ToolCall { tool } => (Phase::Response, Payload::Response(result.clone()), tool),
        };
        let meta = json!({ "method": phase_method(phase), "tool": tool });
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

fn phase_method(phase: Phase) -> &'static str {
    match phase {
        Phase::ToolsList => "tools/list",
        _ => "tools/call",
    }
}

/// A result's phase by its shape, for responses to ids the proxy did not see.
fn shape(result: &Value) -> Option<Expect> {
    if result.get("tools").is_some_and(Value::is_array) {
        Some(Expect::ToolsList)
    } else if result.get("content").is_some_and(Value::is_array) {
        Some(Expect::ToolCall { tool: None })
    } else {
        None
    }
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
                let list = meta
                    .entry(WARNINGS_META)
                    .or_insert_with(|| Value::Array(Vec::new()));
                if let Value::Array(list) = list {
                    list.extend(notes.iter().map(|n| json!(n)));
                }
            }
        }
    } else if unchanged {
        return None;
    }
    let mut object = message.object().clone();
    object.insert("result".into(), result);
    Some(Message::from_object(object))
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
