//! Streamable HTTP on the response side: which upstream answers are screened and how.
//! A JSON answer is read whole (it is one body); an event stream is screened event by
//! event as it arrives, each event forwarded as soon as it is complete.

use std::collections::VecDeque;
use std::pin::Pin;

use futures_core::Stream;
use futures_util::StreamExt;

use super::Screener;
use super::jsonrpc::{Body, Message};
use super::response::Pending;
use super::sse::{SseEvent, SseParser};

/// How the host treats an upstream answer, by its content type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handling {
    /// `application/json`: read the body, then [`Pending::screen_json`].
    Json,
    /// `text/event-stream`: stream it through [`Pending::screen_sse`].
    EventStream,
    /// Anything else (an empty 202, a plain-text error): forward as is.
    Pass,
}

/// The handling for a `content-type` header value.
pub fn handling(content_type: Option<&str>) -> Handling {
    let essence = content_type
        .and_then(|t| t.split(';').next())
        .map(|t| t.trim().to_ascii_lowercase());
    match essence.as_deref() {
        Some("application/json") => Handling::Json,
        Some("text/event-stream") => Handling::EventStream,
        _ => Handling::Pass,
    }
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

impl Pending {
    /// Screens a JSON body from upstream; the original bytes when nothing changed. A body
    /// that is not JSON-RPC becomes errors for the remembered ids (fail closed).
    pub async fn screen_json<S: Screener>(&mut self, screener: &S, bytes: &[u8]) -> Vec<u8> {
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return bytes.to_vec();
        }
        match Body::parse(bytes) {
            Ok(body) => match self.screen_body(screener, &body).await {
                Some(body) => body.to_text().into_bytes(),
                None => bytes.to_vec(),
            },
            Err(e) => self.unscreenable(&e.to_string()).to_text().into_bytes(),
        }
    }

    async fn screen_body<S: Screener>(&mut self, screener: &S, body: &Body) -> Option<Body> {
        let mut out = Vec::with_capacity(body.messages().len());
        let mut changed = false;
        for message in body.messages() {
            match self.screen_message(screener, message).await {
                Some(replaced) => {
                    changed = true;
                    out.push(replaced);
                }
                None => out.push(message.clone()),
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
