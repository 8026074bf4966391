//! Streamable HTTP on the response side: which upstream answers are screened and how.
//! A JSON answer is read whole (it is one body); an event stream is screened event by
//! event as it arrives, each event forwarded as soon as it is complete.

use std::collections::VecDeque;
use std::pin::Pin;

use futures_core::Stream;
use futures_util::StreamExt;

use super::Screener;
use super::jsonrpc::{Body, Message};
use super::response::{MessageOutcome, Pending};
use super::sse::{SseEvent, SseParser};

/// How the proxy screens an upstream answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handling {
    /// One JSON body: read whole, then [`Pending::screen_json`].
    Json,
    /// An event stream: screened event by event through [`Pending::screen_sse`].
    EventStream,
    /// No content (an empty 202, a bare 405): forwarded as is.
    Empty,
    /// Content that is neither: the client never sees it ([`Pending::unscreenable`]).
    Refuse,
}

/// The declared media type of a `content-type` value, lowercased without parameters.
fn essence(content_type: Option<&str>) -> Option<String> {
    content_type
        .and_then(|t| t.split(';').next())
        .map(|t| t.trim().to_ascii_lowercase())
}

/// How much of a body's leading whitespace the proxy reads while deciding its handling.
pub const MAX_PEEK_BYTES: usize = 64 * 1024;

/// The SSE field names a stream's first line can start with (or `:`, a comment).
const SSE_FIELDS: [&[u8]; 5] = [b"data", b"event", b"id", b"retry", b":"];

/// Whether `head` (the start of a body) needs more bytes before [`handling`] can decide.
fn undecided(head: &[u8]) -> bool {
    let rest = significant(head);
    match rest.first() {
        None => true,
        Some(b'{' | b'[') => false,
        Some(_) => !rest.contains(&b'\n') && !rest.contains(&b'\r') && rest.len() < 6,
    }
}

/// `head` without a UTF-8 byte order mark and leading whitespace, as a JSON reader skips them.
fn significant(head: &[u8]) -> &[u8] {
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let start = head.iter().position(|b| !b.is_ascii_whitespace());
    start.map_or(&[], |i| &head[i..])
}

/// The handling of an upstream answer, decided by its **content**, not its label: a
/// client may parse a body whatever its content type says (the MCP SDK parses any type
/// that contains `application/json`, and reads a GET stream whatever its type), so a
/// label is never a reason to forward something unscreened. `head` is the start of the
/// body (all of it when shorter than what [`undecided`] asks for).
///
/// A declared `text/event-stream` is screened as a stream, a declared `application/json`
/// as JSON. Otherwise: JSON when the content starts like a JSON-RPC message (`{`, `[`),
/// an event stream when its first line is an SSE field, nothing to screen when the body
/// is empty or whitespace, and refused when it is anything else.
pub fn handling(content_type: Option<&str>, head: &[u8]) -> Handling {
    match essence(content_type).as_deref() {
        Some("text/event-stream") => return Handling::EventStream,
        Some("application/json") if !significant(head).is_empty() => return Handling::Json,
        _ => {}
    }
    let rest = significant(head);
    match rest.first() {
        None => Handling::Empty,
        Some(b'{' | b'[') => Handling::Json,
        Some(_) if SSE_FIELDS.iter().any(|f| rest.starts_with(f)) => Handling::EventStream,
        Some(_) => Handling::Refuse,
    }
}

/// A chunk of an upstream body: the bytes read to decide its handling, or a later chunk.
enum Chunk<B> {
    Head(Vec<u8>),
    Rest(B),
}

impl<B: AsRef<[u8]>> AsRef<[u8]> for Chunk<B> {
    fn as_ref(&self) -> &[u8] {
        match self {
            Chunk::Head(bytes) => bytes,
            Chunk::Rest(b) => b.as_ref(),
        }
    }
}

/// What the client gets for an upstream answer.
pub struct Screened<St> {
    /// The content type to send: what the body was screened as (`None` for no body).
    pub content_type: Option<&'static str>,
    pub body: St,
}

/// Reads a whole body up to [`super::MAX_JSON_BYTES`]: `Ok(Err(why))` when it is
/// larger (answer with [`Pending::unscreenable`]), `Err` when the stream fails.
pub async fn read_limited<St, B, E>(stream: St) -> Result<Result<Vec<u8>, String>, E>
where
    St: Stream<Item = Result<B, E>>,
    B: AsRef<[u8]>,
{
    let mut stream = std::pin::pin!(stream);
    let mut bytes = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk?;
        let chunk = chunk.as_ref();
        if bytes.len() + chunk.len() > super::MAX_JSON_BYTES {
            let limit = super::MAX_JSON_BYTES;
            return Ok(Err(format!("the JSON answer is larger than {limit} bytes")));
        }
        bytes.extend_from_slice(chunk);
    }
    Ok(Ok(bytes))
}

/// Replaced event data that was not JSON-RPC: the proxy cannot screen it, so the client
/// does not get it.
pub const DROPPED_EVENT: &[u8] = b": guardhouse dropped an event whose data is not JSON-RPC\n\n";

/// Replaced event data that was a server request or notification a guard denied.
pub const DENIED_EVENT: &[u8] = b": guardhouse dropped a server message a guard denied\n\n";

impl Pending {
    /// Screens an upstream answer, whatever its content type claims: the host passes the
    /// upstream's `content-type` and body stream and sends the client what comes back.
    /// JSON is read whole (bounded) and screened; an event stream is screened event by
    /// event as it arrives; content that is neither becomes JSON-RPC errors for the
    /// remembered requests (fail closed), and so does a body that fails to arrive.
    pub async fn screen_answer<S, St, B, E>(
        mut self,
        screener: S,
        content_type: Option<&str>,
        upstream: St,
    ) -> Screened<impl Stream<Item = Result<Vec<u8>, E>> + use<S, St, B, E>>
    where
        S: Screener,
        St: Stream<Item = Result<B, E>>,
        B: AsRef<[u8]>,
    {
        let mut upstream = Box::pin(upstream);
        let mut head = Vec::new();
        let mut failed = None;
        if essence(content_type).as_deref() != Some("text/event-stream") {
            while undecided(&head) {
                if head.len() > MAX_PEEK_BYTES {
                    failed = Some(format!("no content in its first {MAX_PEEK_BYTES} bytes"));
                    break;
                }
                match upstream.next().await {
                    Some(Ok(chunk)) => head.extend_from_slice(chunk.as_ref()),
                    Some(Err(_)) => {
                        failed = Some("the upstream body broke off".to_string());
                        break;
                    }
                    None => break,
                }
            }
        }
        let whole = |body: Vec<u8>| futures_util::stream::iter([Ok(body)]).left_stream();
        let handling = match failed {
            Some(_) => Handling::Refuse,
            None => handling(content_type, &head),
        };
        let rest = futures_util::stream::iter([Ok(Chunk::Head(head))])
            .chain(upstream.map(|c| c.map(Chunk::Rest)));
        match handling {
            Handling::EventStream => Screened {
                content_type: Some("text/event-stream"),
                body: self.screen_sse(screener, rest).right_stream(),
            },
            Handling::Json => {
                let body = match read_limited(rest).await {
                    Ok(Ok(bytes)) => self.screen_json(&screener, &bytes).await,
                    Ok(Err(why)) => self.unscreenable(&why).to_text().into_bytes(),
                    Err(_) => {
                        let why = "the upstream body broke off";
                        self.unscreenable(why).to_text().into_bytes()
                    }
                };
                Screened {
                    content_type: Some("application/json"),
                    body: whole(body),
                }
            }
            Handling::Empty => Screened {
                content_type: None,
                body: whole(Vec::new()),
            },
            Handling::Refuse => {
                let why = failed.unwrap_or_else(|| {
                    let label = content_type.unwrap_or("no content type");
                    format!("its content ({label}) is neither JSON nor an event stream")
                });
                Screened {
                    content_type: Some("application/json"),
                    body: whole(self.unscreenable(&why).to_text().into_bytes()),
                }
            }
        }
    }

    /// Screens a JSON body from upstream; the original bytes when nothing changed. A body
    /// that is not JSON-RPC becomes errors for the remembered ids (fail closed).
    pub async fn screen_json<S: Screener>(&mut self, screener: &S, bytes: &[u8]) -> Vec<u8> {
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return bytes.to_vec();
        }
        match Body::parse(bytes) {
            Ok(body) => match self.screen_body(screener, &body).await {
                // Every message dropped (server requests or notifications a guard denied).
                Some(body) if body.messages().is_empty() => Vec::new(),
                Some(body) => body.to_text().into_bytes(),
                None => bytes.to_vec(),
            },
            Err(e) => self.unscreenable(&e.to_string()).to_text().into_bytes(),
        }
    }

    /// Screens every message of a body; `None` when nothing changed, an empty body when
    /// every message was dropped.
    async fn screen_body<S: Screener>(&mut self, screener: &S, body: &Body) -> Option<Body> {
        let mut out = Vec::with_capacity(body.messages().len());
        let mut changed = false;
        for message in body.messages() {
            match self.screen_message(screener, message).await {
                MessageOutcome::Keep => out.push(message.clone()),
                MessageOutcome::Replace(replaced) => {
                    changed = true;
                    out.push(replaced);
                }
                MessageOutcome::Drop => changed = true,
            }
        }
        changed.then(|| body.like(out))
    }

    /// One event's bytes for the client: its raw bytes when nothing changed.
    pub async fn screen_event<S: Screener>(&mut self, screener: &S, event: &SseEvent) -> Vec<u8> {
        let data = match &event.data {
            Some(data) if !data.trim().is_empty() => data,
            _ => return event.raw.clone(),
        };
        match Body::parse(data.as_bytes()) {
            Ok(body) => match self.screen_body(screener, &body).await {
                Some(body) if body.messages().is_empty() => DENIED_EVENT.to_vec(),
                Some(body) => event.with_data(&body.to_text()),
                None => event.raw.clone(),
            },
            Err(_) => DROPPED_EVENT.to_vec(),
        }
    }

    /// Screens an upstream event stream as it arrives; the output stream yields the
    /// client's bytes. Chunks flow through unbuffered except for the event in progress.
    pub fn screen_sse<S, St, B, E>(
        self,
        screener: S,
        upstream: St,
    ) -> impl Stream<Item = Result<Vec<u8>, E>>
    where
        S: Screener,
        St: Stream<Item = Result<B, E>>,
        B: AsRef<[u8]>,
    {
        let state = SseState {
            pending: self,
            screener,
            upstream: Box::pin(upstream),
            parser: SseParser::default(),
            out: VecDeque::new(),
            done: false,
        };
        futures_util::stream::unfold(state, |mut st| async move {
            loop {
                if let Some(bytes) = st.out.pop_front() {
                    return Some((Ok(bytes), st));
                }
                if st.done {
                    return None;
                }
                match st.upstream.next().await {
                    Some(Ok(chunk)) => st.take(chunk.as_ref()).await,
                    Some(Err(e)) => {
                        st.done = true;
                        return Some((Err(e), st));
                    }
                    // An unterminated last event is discarded, as a client would.
                    None => st.done = true,
                }
            }
        })
    }
}

struct SseState<S, St> {
    pending: Pending,
    screener: S,
    upstream: Pin<Box<St>>,
    parser: SseParser,
    out: VecDeque<Vec<u8>>,
    done: bool,
}

impl<S: Screener, St> SseState<S, St> {
    async fn take(&mut self, chunk: &[u8]) {
        match self.parser.push(chunk) {
            Ok(events) => {
                let mut bytes = Vec::new();
                for event in &events {
                    bytes.extend(self.pending.screen_event(&self.screener, event).await);
                }
                if !bytes.is_empty() {
                    self.out.push_back(bytes);
                }
            }
            Err(e) => {
                // Fail closed: the remembered requests get errors, and the stream ends.
                let body = self.pending.unscreenable(&e.to_string());
                let errors: Vec<Message> = body.messages().to_vec();
                let mut bytes = Vec::new();
                for error in errors {
                    bytes.extend(super::sse::serialize(None, None, None, error.raw()).into_bytes());
                }
                self.out.push_back(bytes);
                self.done = true;
            }
        }
    }
}
