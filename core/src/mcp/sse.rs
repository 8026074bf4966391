//! Server-sent events (the WHATWG `text/event-stream` format): a push parser that keeps
//! each event's exact bytes, and a serializer for events the proxy rewrites.
//!
//! Lines end with CRLF, LF or CR; a blank line ends an event; `:` starts a comment;
//! `field: value` drops one space after the colon; `data` lines join with `\n`. Every
//! block ending in a blank line is returned, including comment-only keep-alives and
//! `id`-only priming events, so a stream passes through unchanged. An unterminated block
//! at the end of a stream is discarded, as the standard says a client must.

/// The largest event (raw bytes) the parser holds before giving up.
pub const MAX_EVENT_BYTES: usize = 16 * 1024 * 1024;

/// One event: its raw bytes (terminating blank line included) and its fields.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SseEvent {
    pub raw: Vec<u8>,
    /// The `event` field (`None`: the default type, `message`).
    pub event: Option<String>,
    /// The `data` lines joined with `\n`; `None` when the block had no `data` line.
    pub data: Option<String>,
    /// The `id` field.
    pub id: Option<String>,
    /// The `retry` field, as written.
    pub retry: Option<String>,
}

impl SseEvent {
    /// This event with other data, serialized (event type, id and retry kept; comments
    /// dropped).
    pub fn with_data(&self, data: &str) -> Vec<u8> {
        serialize(
            self.event.as_deref(),
            self.id.as_deref(),
            self.retry.as_deref(),
            data,
        )
        .into_bytes()
    }
}

/// Serializes one event. `data` is split on line breaks into `data:` lines.
pub fn serialize(event: Option<&str>, id: Option<&str>, retry: Option<&str>, data: &str) -> String {
    let mut out = String::new();
    if let Some(event) = event {
        out.push_str(&format!("event: {}\n", one_line(event)));
    }
    if let Some(id) = id {
        out.push_str(&format!("id: {}\n", one_line(id)));
    }
    if let Some(retry) = retry {
        out.push_str(&format!("retry: {}\n", one_line(retry)));
    }
    for line in data.split(['\n', '\r']) {
        out.push_str("data: ");
        out.push_str(line);
        out.push('\n');
    }
    out.push('\n');
    out
}

fn one_line(s: &str) -> String {
    s.replace(['\r', '\n'], " ")
}

/// The stream broke the parser's bound.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventTooLarge {
    pub limit: usize,
}

impl std::fmt::Display for EventTooLarge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "an event is larger than {} bytes", self.limit)
    }
}

/// A push parser: feed chunks as they arrive, get the events they complete.
#[derive(Debug)]
pub struct SseParser {
    buf: Vec<u8>,
    current: SseEvent,
    started: bool,
    limit: usize,
}

impl Default for SseParser {
    fn default() -> Self {
        Self::new(MAX_EVENT_BYTES)
    }
}

impl SseParser {
    /// A parser that refuses events larger than `limit` bytes.
    pub fn new(limit: usize) -> Self {
        Self {
            buf: Vec::new(),
            current: SseEvent::default(),
            started: false,
            limit,
        }
    }

    /// Feeds a chunk; returns the events it completes, in order.
    pub fn push(&mut self, chunk: &[u8]) -> Result<Vec<SseEvent>, EventTooLarge> {
        self.buf.extend_from_slice(chunk);
        let mut events = Vec::new();
        let mut pos = 0;
        if !self.started {
            if self.buf.len() < 3 && b"\xEF\xBB\xBF".starts_with(&self.buf) {
                return Ok(events);
            }
            self.started = true;
            if self.buf.starts_with(b"\xEF\xBB\xBF") {
                self.current.raw.extend_from_slice(&self.buf[..3]);
                pos = 3;
            }
        }
        while let Some((end, next)) = line_end(&self.buf[pos..]) {
            let line = &self.buf[pos..pos + end];
            self.current
                .raw
                .extend_from_slice(&self.buf[pos..pos + next]);
            if line.is_empty() {
                events.push(finish(std::mem::take(&mut self.current)));
            } else {
                field(&mut self.current, line);
            }
            pos += next;
        }
        self.buf.drain(..pos);
        if self.current.raw.len() + self.buf.len() > self.limit {
            return Err(EventTooLarge { limit: self.limit });
        }
        Ok(events)
    }
}

/// The end of the first line in `buf` and where the next one starts; `None` until the
/// terminator is known (a CR at the very end may be the first half of a CRLF).
fn line_end(buf: &[u8]) -> Option<(usize, usize)> {
    let i = buf.iter().position(|&b| b == b'\n' || b == b'\r')?;
    match (buf[i], buf.get(i + 1)) {
        (b'\n', _) => Some((i, i + 1)),
        (_, Some(b'\n')) => Some((i, i + 2)),
        (_, Some(_)) => Some((i, i + 1)),
        (_, None) => None,
    }
}

fn field(event: &mut SseEvent, line: &[u8]) {
    if line.starts_with(b":") {
        return;
    }
    let line = String::from_utf8_lossy(line);
    let (name, value) = match line.split_once(':') {
        Some((name, value)) => (name, value.strip_prefix(' ').unwrap_or(value)),
        None => (line.as_ref(), ""),
    };
    match name {
        "data" => {
            let data = event.data.get_or_insert_with(String::new);
            data.push_str(value);
            data.push('\n');
        }
        "event" => event.event = Some(value.to_string()),
        "id" if !value.contains('\0') => event.id = Some(value.to_string()),
        "retry" => event.retry = Some(value.to_string()),
        _ => {}
    }
}

fn finish(mut event: SseEvent) -> SseEvent {
    if let Some(data) = event.data.as_mut() {
        data.pop();
    }
    event
}

#[cfg(test)]
#[path = "sse_tests.rs"]
mod tests;
