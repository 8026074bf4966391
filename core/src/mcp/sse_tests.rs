//! The event-stream parser against the WHATWG rules, at every chunk split.

use super::*;

fn parse_all(text: &[u8]) -> Vec<SseEvent> {
    SseParser::default().push(text).unwrap()
}

/// Parses `text` split at every position; all splits must agree with the whole.
fn parse_split(text: &[u8]) -> Vec<SseEvent> {
    let whole = parse_all(text);
    for at in 0..=text.len() {
        let mut p = SseParser::default();
        let mut events = p.push(&text[..at]).unwrap();
        events.extend(p.push(&text[at..]).unwrap());
        assert_eq!(events, whole, "split at {at}");
    }
    whole
}

#[test]
fn fields_data_lines_and_raw_bytes() {
    let text = b"event: message\nid: 42\nretry: 1000\ndata: {\"a\":\ndata:1}\n\n";
    let events = parse_split(text);
    assert_eq!(events.len(), 1);
    let e = &events[0];
    assert_eq!(e.event.as_deref(), Some("message"));
    assert_eq!(e.id.as_deref(), Some("42"));
    assert_eq!(e.retry.as_deref(), Some("1000"));
    assert_eq!(e.data.as_deref(), Some("{\"a\":\n1}"));
    assert_eq!(e.raw, text);
}

#[test]
fn line_endings_crlf_cr_lf_are_all_line_ends() {
    for text in [
        &b"data: x\r\n\r\ndata: y\r\n\r\n"[..],
        b"data: x\r\rdata: y\r\r\n",
        b"data: x\n\ndata: y\n\n",
    ] {
        let events = parse_all(text);
        let data: Vec<_> = events.iter().filter_map(|e| e.data.clone()).collect();
        assert_eq!(data, ["x", "y"], "{:?}", String::from_utf8_lossy(text));
        let raw: Vec<u8> = events.iter().flat_map(|e| e.raw.clone()).collect();
        assert!(text.starts_with(&raw));
    }
    assert_eq!(
        parse_split(b"data: x\r\n\r\n")[0].data.as_deref(),
        Some("x")
    );
}

#[test]
fn comments_blank_blocks_and_field_edge_cases() {
    let text = b": keep-alive\n\n\nid\ndata\ndata:  two spaces\nunknown: z\n: note\n\n";
    let events = parse_split(text);
    assert_eq!(events.len(), 3);
    assert_eq!(events[0].data, None);
    assert_eq!(events[0].raw, b": keep-alive\n\n");
    assert_eq!(events[1].raw, b"\n");
    assert_eq!(events[2].id.as_deref(), Some(""));
    assert_eq!(events[2].data.as_deref(), Some("\n two spaces"));
    let id_with_nul = parse_all(b"id: a\0b\ndata: x\n\n");
    assert_eq!(id_with_nul[0].id, None);
}

#[test]
fn a_leading_bom_is_skipped_but_kept_in_raw() {
    let text = b"\xEF\xBB\xBFdata: x\n\n";
    let events = parse_split(text);
    assert_eq!(events[0].data.as_deref(), Some("x"));
    assert_eq!(events[0].raw, text);
}

#[test]
fn unterminated_events_are_held_and_oversized_ones_refused() {
    let mut p = SseParser::default();
    assert!(p.push(b"data: x\n").unwrap().is_empty());
    let mut small = SseParser::new(16);
    assert!(small.push(b"data: 0123").unwrap().is_empty());
    assert_eq!(
        small.push(b"456789abcdef").unwrap_err(),
        EventTooLarge { limit: 16 }
    );
}

#[test]
fn serialize_round_trips_through_the_parser() {
    let text = serialize(Some("message"), Some("7\nx"), None, "a\nb");
    assert_eq!(text, "event: message\nid: 7 x\ndata: a\ndata: b\n\n");
    let e = &parse_all(text.as_bytes())[0];
    assert_eq!(e.data.as_deref(), Some("a\nb"));
    let again = e.with_data("{}");
    assert_eq!(again, b"event: message\nid: 7 x\ndata: {}\n\n");
}
