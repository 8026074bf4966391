use guard_kit::{MapHost, schema_check};
use serde_json::{Value, json};

use super::*;

fn deny() -> Settings {
    Settings {
        action: Action::Deny,
        ..Settings::default()
    }
}

fn modified(verdict: Verdict) -> Value {
    match verdict {
        Verdict::Modify(text) => serde_json::from_str(&text).unwrap(),
        other => panic!("expected modify, got {other:?}"),
    }
}

#[test]
fn clean_payloads_are_allowed() {
    let args = json!({"path": "/tmp/report.txt", "lines": 20, "query": "SELECT 1"}).to_string();
    assert_eq!(
        evaluate_tool_invoke(&args, &Settings::default()),
        Ok(Verdict::Allow)
    );
}

#[test]
fn mask_mode_rewrites_strings_and_keeps_the_shape() {
    let args = json!({
        "to": "alice@example.com",
        "body": "Card 4111 1111 1111 1111, call +1 555 123 4567",
        "count": 3,
        "nested": [{"api_key": "hunter2"}],
    });
    let masked = modified(evaluate_tool_invoke(&args.to_string(), &Settings::default()).unwrap());
    assert_eq!(
        masked,
        json!({
            "to": "[EMAIL]",
            "body": "Card ****-****-****-1111, call [PHONE]",
            "count": 3,
            "nested": [{"api_key": "[SECRET]"}],
        })
    );
}

#[test]
fn luhn_invalid_numbers_are_left_alone() {
    let args = json!({"note": "ref 4111 1111 1111 1112"}).to_string();
    assert_eq!(
        evaluate_tool_invoke(&args, &Settings::default()),
        Ok(Verdict::Allow)
    );
}

#[test]
fn deny_mode_names_paths_and_categories_but_not_values() {
    let response = json!({"content": [{"type": "text", "text": "token ghp_a1B2c3D4e5a1B2c3D4e5a1B2c3D4e5a1B2c3D4e5 for bob@corp.example"}]});
    let verdict = evaluate_response(&response.to_string(), &deny()).unwrap();
    assert_eq!(verdict.code(), Some(CODE));
    let details = verdict.details().unwrap();
    assert_eq!(details["categories"], json!(["email", "secret"]));
    assert_eq!(
        details["findings"][0],
        json!({"path": "/content/0/text", "category": "email"})
    );
    let Verdict::Deny(reason) = verdict else {
        unreachable!()
    };
    assert!(!reason.details.unwrap().contains("ghp_") && !reason.message.contains("bob@"));
}

#[test]
fn categories_setting_limits_detection() {
    let host = MapHost::new(json!({"categories": ["card"], "action": "deny"}));
    let settings = Settings::from_host(&host).unwrap();
    let args = json!({"to": "alice@example.com"}).to_string();
    assert_eq!(evaluate_tool_invoke(&args, &settings), Ok(Verdict::Allow));
    assert!(Settings::from_host(&MapHost::new(json!({"categories": ["ssn"]}))).is_err());
    assert!(Settings::from_host(&MapHost::new(json!({"action": "redact"}))).is_err());
}

#[test]
fn invalid_json_is_a_guard_error() {
    assert!(evaluate_response("not json", &Settings::default()).is_err());
}

#[test]
fn a_fifteen_kilobyte_response_is_scanned() {
    let text = "Lorem ipsum dolor sit amet, consectetur adipiscing elit. ".repeat(270)
        + "mail carol@example.org";
    let response = json!({"content": [{"type": "text", "text": text}]}).to_string();
    assert!(response.len() > 15_000);
    let masked = modified(evaluate_response(&response, &Settings::default()).unwrap());
    assert!(
        masked["content"][0]["text"]
            .as_str()
            .unwrap()
            .ends_with("mail [EMAIL]")
    );
}

#[test]
fn hooks_read_settings_and_log() {
    let host = MapHost::new(json!({"action": "deny"}));
    let ctx = Context::server("s");
    let verdict = PiiMask::tool_invoke(&host, "send", r#"{"to":"a@example.com"}"#, &ctx).unwrap();
    assert_eq!(verdict.code(), Some(CODE));
    assert_eq!(host.logs()[0].1, "PII detected in tool arguments: email");
}

#[test]
fn schema_and_defaults_follow_the_conventions() {
    schema_check::check_guard::<PiiMask>().unwrap();
    let schema: Value = serde_json::from_str(&Settings::schema()).unwrap();
    schema_check::validate(
        &schema,
        &json!({"action": "deny", "categories": ["card", "email"]}),
    )
    .unwrap();
    assert!(schema_check::validate(&schema, &json!({"categories": ["card", "card"]})).is_err());
}
