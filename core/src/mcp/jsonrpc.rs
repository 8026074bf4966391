//! JSON-RPC 2.0 messages as MCP sends them: one message or a batch per HTTP body, each
//! kept with its exact text so untouched messages are forwarded byte for byte.

use serde_json::value::RawValue;
use serde_json::{Map, Value, json};

/// JSON-RPC: the body is not JSON.
pub const PARSE_ERROR: i64 = -32700;
/// JSON-RPC: the body is JSON but not a valid request.
pub const INVALID_REQUEST: i64 = -32600;
/// JSON-RPC: invalid method parameters.
pub const INVALID_PARAMS: i64 = -32602;
/// JSON-RPC: internal error (here: an upstream answer the proxy cannot screen).
pub const INTERNAL_ERROR: i64 = -32603;

/// One JSON-RPC message: its text as received and its parsed object.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    raw: String,
    object: Map<String, Value>,
}

/// What a message is, by JSON-RPC 2.0's rules.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind<'a> {
    /// `method` and `id`.
    Request { id: &'a Value, method: &'a str },
    /// `method`, no `id`.
    Notification { method: &'a str },
    /// `result` or `error`, with `id`.
    Response { id: &'a Value },
    /// None of the above.
    Invalid,
}

impl Message {
    /// Parses one message; it must be a JSON object.
    pub fn parse(raw: &str) -> Result<Self, BodyError> {
        distinct_keys(raw)?;
        match serde_json::from_str::<Value>(raw) {
            Ok(Value::Object(object)) => Ok(Self {
                raw: raw.to_string(),
                object,
            }),
            Ok(_) => Err(BodyError::NotObject),
            Err(e) => Err(BodyError::NotJson(e.to_string())),
        }
    }

    /// A message built by the proxy (its text is the object serialized).
    pub fn from_object(object: Map<String, Value>) -> Self {
        let raw = Value::Object(object.clone()).to_string();
        Self { raw, object }
    }

    /// The exact text.
    pub fn raw(&self) -> &str {
        &self.raw
    }

    /// The parsed object.
    pub fn object(&self) -> &Map<String, Value> {
        &self.object
    }

    /// Takes the parsed object.
    pub fn into_object(self) -> Map<String, Value> {
        self.object
    }

    /// JSON-RPC's classification.
    pub fn kind(&self) -> Kind<'_> {
        let o = &self.object;
        let method = o.get("method").and_then(Value::as_str);
        match (method, o.get("id")) {
            (Some(method), Some(id)) => Kind::Request { id, method },
            (Some(method), None) => Kind::Notification { method },
            (None, Some(id)) if o.contains_key("result") || o.contains_key("error") => {
                Kind::Response { id }
            }
            _ => Kind::Invalid,
        }
    }
}

/// Refuses JSON in which an object repeats a key, exactly (`"name"` twice) or in another
/// letter case (`"Name"` beside `"name"`): parsers disagree on which one wins, so a guard
/// and the peer behind the proxy could read different values. Any depth is checked.
fn distinct_keys(raw: &str) -> Result<(), BodyError> {
    use serde::de::DeserializeSeed;
    let mut de = serde_json::Deserializer::from_str(raw);
    match KeyCheck.deserialize(&mut de) {
        Ok(()) => Ok(()),
        Err(e) if e.is_data() => Err(BodyError::DuplicateKey(e.to_string())),
        // Syntax errors are reported by the parse proper.
        Err(_) => Ok(()),
    }
}

/// Walks a JSON value, failing on an object with repeated (case-folded) keys.
struct KeyCheck;

impl<'de> serde::de::DeserializeSeed<'de> for KeyCheck {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for KeyCheck {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("JSON")
    }
    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(KeyCheck)?.is_some() {}
        Ok(())
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen = std::collections::HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            let folded = key.to_lowercase();
            if !seen.insert(folded) {
                return Err(serde::de::Error::custom(format!(
                    "an object repeats the key `{key}` (exactly or in another letter case)"
                )));
            }
            map.next_value_seed(KeyCheck)?;
        }
        Ok(())
    }
}

/// An HTTP body: one message or a batch (a JSON array of messages).
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    Single(Message),
    Batch(Vec<Message>),
}

/// Why a body is not JSON-RPC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyError {
    NotUtf8,
    NotJson(String),
    NotObject,
    EmptyBatch,
    /// An object repeats a key, exactly or in another letter case.
    DuplicateKey(String),
}

impl BodyError {
    /// The JSON-RPC error code for this failure.
    pub fn code(&self) -> i64 {
        match self {
            BodyError::NotUtf8 | BodyError::NotJson(_) => PARSE_ERROR,
            BodyError::NotObject | BodyError::EmptyBatch | BodyError::DuplicateKey(_) => {
                INVALID_REQUEST
            }
        }
    }
}

impl std::fmt::Display for BodyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BodyError::NotUtf8 => f.write_str("body is not UTF-8"),
            BodyError::NotJson(e) => write!(f, "body is not JSON: {e}"),
            BodyError::NotObject => f.write_str("a JSON-RPC message must be a JSON object"),
            BodyError::EmptyBatch => f.write_str("a JSON-RPC batch must not be empty"),
            BodyError::DuplicateKey(e) => f.write_str(e),
        }
    }
}

impl Body {
    /// Parses a body; a batch keeps each message's exact text.
    pub fn parse(bytes: &[u8]) -> Result<Self, BodyError> {
        let text = std::str::from_utf8(bytes).map_err(|_| BodyError::NotUtf8)?;
        if !text.trim_start().starts_with('[') {
            return Message::parse(text).map(Body::Single);
        }
        let items: Vec<Box<RawValue>> =
            serde_json::from_str(text).map_err(|e| BodyError::NotJson(e.to_string()))?;
        if items.is_empty() {
            return Err(BodyError::EmptyBatch);
        }
        items
            .iter()
            .map(|raw| Message::parse(raw.get()))
            .collect::<Result<_, _>>()
            .map(Body::Batch)
    }

    /// The messages, in order.
    pub fn messages(&self) -> &[Message] {
        match self {
            Body::Single(m) => std::slice::from_ref(m),
            Body::Batch(list) => list,
        }
    }

    /// Builds a body of the same form (single or batch) from `messages`.
    pub fn like(&self, mut messages: Vec<Message>) -> Body {
        match self {
            Body::Single(_) if messages.len() == 1 => Body::Single(messages.remove(0)),
            _ => Body::Batch(messages),
        }
    }

    /// The body's text: each message's own text, batches joined with commas.
    pub fn to_text(&self) -> String {
        match self {
            Body::Single(m) => m.raw.clone(),
            Body::Batch(list) => {
                let parts: Vec<&str> = list.iter().map(|m| m.raw.as_str()).collect();
                format!("[{}]", parts.join(","))
            }
        }
    }
}

/// A key that matches a request id with the id of its response: strings and integers,
/// with `1` and `1.0` the same (a JavaScript server answers `1.0` with `1`).
pub fn id_key(id: &Value) -> Option<String> {
    match id {
        Value::String(s) => Some(format!("s:{s}")),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                return Some(format!("n:{i}"));
            }
            if let Some(u) = n.as_u64() {
                return Some(format!("n:{u}"));
            }
            let f = n.as_f64()?;
            if f.fract() == 0.0 && f.abs() < 9.0e15 {
                Some(format!("n:{}", f as i64))
            } else {
                Some(format!("f:{f}"))
            }
        }
        _ => None,
    }
}

/// A JSON-RPC error response.
pub fn error_response(id: Value, code: i64, message: &str, data: Option<Value>) -> Message {
    let mut error = json!({ "code": code, "message": message });
    if let Some(data) = data {
        error["data"] = data;
    }
    let mut object = Map::new();
    object.insert("jsonrpc".into(), "2.0".into());
    object.insert("id".into(), id);
    object.insert("error".into(), error);
    Message::from_object(object)
}

#[cfg(test)]
#[path = "jsonrpc_tests.rs"]
mod tests;
