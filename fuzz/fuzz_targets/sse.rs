//! The SSE push parser: any bytes in any chunking. Events must not depend on where the
//! chunks break, their raw bytes must be the stream's own, and an event the proxy
//! rewrites (`SseEvent::with_data`) must parse back to the same fields.
//!
//! Input: a byte choosing the event size limit, a byte seeding the chunk sizes, then
//! the stream.
#![no_main]

use libfuzzer_sys::fuzz_target;

use guardhouse_core::mcp::sse::{MAX_EVENT_BYTES, SseEvent, SseParser};

/// Limits: the proxy's, and small ones so `EventTooLarge` is reached.
const LIMITS: [usize; 4] = [MAX_EVENT_BYTES, 0, 16, 256];

/// Chunk sizes 0..=32 from a xorshift seeded by `seed`.
fn chunks(stream: &[u8], seed: u8) -> Vec<&[u8]> {
    let mut state = u32::from(seed) | 0x100;
    let mut out = Vec::new();
    let mut rest = stream;
    while !rest.is_empty() {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let n = (state % 33) as usize;
        let (chunk, tail) = rest.split_at(n.min(rest.len()));
        out.push(chunk);
        rest = tail;
    }
    out
}

/// Events of `pieces` fed in order, or `None` when the limit was hit.
fn parse(limit: usize, pieces: &[&[u8]]) -> Option<Vec<SseEvent>> {
    let mut parser = SseParser::new(limit);
    let mut events = Vec::new();
    for piece in pieces {
        events.extend(parser.push(piece).ok()?);
    }
    Some(events)
}

fuzz_target!(init: guardhouse_fuzz::catch_stack_overflow(), |data: &[u8]| {
    let [limit, seed, stream @ ..] = data else {
        return;
    };
    let limit = LIMITS[usize::from(limit % 4)];
    let chunked = parse(limit, &chunks(stream, *seed));
    let whole = parse(limit, &[stream]);
    let (Some(chunked), Some(whole)) = (chunked, whole) else {
        return;
    };
    assert_eq!(chunked, whole, "events depend on the chunking");
    let raw: Vec<u8> = whole.iter().flat_map(|e| e.raw.iter().copied()).collect();
    assert!(stream.starts_with(&raw), "raw bytes are not the stream's");
    for event in &whole {
        let Some(data) = &event.data else { continue };
        let text = event.with_data(data);
        let again = parse(MAX_EVENT_BYTES, &[&text]).expect("within the limit");
        assert_eq!(again.len(), 1, "a rewritten event is one event");
        let again = &again[0];
        assert_eq!(again.data.as_deref(), Some(data.as_str()));
        assert_eq!(again.event, event.event);
        assert_eq!(again.id, event.id);
        assert_eq!(again.retry, event.retry);
    }
});
