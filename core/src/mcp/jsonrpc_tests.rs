//! JSON-RPC bodies: kinds, batches with exact text, ids.

use serde_json::json;

use super::*;

#[test]
fn kinds() {
    let kind = |t: &str| format!("{:?}", Message::parse(t).unwrap().kind());
    assert!(kind(r#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#).starts_with("Request"));
    assert!(kind(r#"{"jsonrpc":"2.0","method":"n"}"#).starts_with("Notification"));
    assert!(kind(r#"{"jsonrpc":"2.0","id":1,"result":{}}"#).starts_with("Response"));
    assert!(kind(r#"{"jsonrpc":"2.0","id":1,"error":{}}"#).starts_with("Response"));
    assert_eq!(kind(r#"{"id":1}"#), "Invalid");
    assert_eq!(kind(r#"{"method":5,"id":1}"#), "Invalid");
}

#[test]
fn batches_keep_each_message_text() {
    let text = br#" [ {"jsonrpc":"2.0", "method":"a"} , {"id":1,"result":{}} ] "#;
    let body = Body::parse(text).unwrap();
    let Body::Batch(list) = &body else { panic!() };
    assert_eq!(list[0].raw(), r#"{"jsonrpc":"2.0", "method":"a"}"#);
    assert_eq!(
        body.to_text(),
        r#"[{"jsonrpc":"2.0", "method":"a"},{"id":1,"result":{}}]"#
    );
    assert_eq!(Body::parse(b"[]"), Err(BodyError::EmptyBatch));
    assert_eq!(Body::parse(b"[1]"), Err(BodyError::NotObject));
    assert_eq!(Body::parse(b"\xff"), Err(BodyError::NotUtf8));
    assert!(matches!(Body::parse(b"{"), Err(BodyError::NotJson(_))));
    let single = Body::parse(b"{\"id\":1}").unwrap();
    assert_eq!(
        single.like(vec![list[1].clone()]),
        Body::Single(list[1].clone())
    );
}

#[test]
fn ids_match_across_integer_spellings_but_not_types() {
    assert_eq!(id_key(&json!(1)), id_key(&json!(1.0)));
    assert_ne!(id_key(&json!(1)), id_key(&json!("1")));
    assert_ne!(id_key(&json!(1.5)), id_key(&json!(1)));
    assert_eq!(id_key(&json!(null)), None);
    assert_eq!(id_key(&json!([1])), None);
}

#[test]
fn error_responses() {
    let e = error_response(json!("x"), -1, "m", Some(json!({"a": 1})));
    let v: serde_json::Value = serde_json::from_str(e.raw()).unwrap();
    assert_eq!(
        v,
        json!({"jsonrpc": "2.0", "id": "x", "error": {"code": -1, "message": "m", "data": {"a": 1}}})
    );
}
