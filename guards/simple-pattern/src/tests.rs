use serde_json::{Value, json};

use super::*;

fn tool<'a>(name: &'a str, description: &'a str) -> ToolRef<'a> {
    ToolRef {
        name,
        description: Some(description),
    }
}

fn config(value: Value) -> impl Fn(&str) -> String {
    move |key| value.get(key).map(Value::to_string).unwrap_or_default()
}

fn code(verdict: &Verdict) -> Option<&str> {
    match verdict {
        Verdict::Deny(reason) => Some(&reason.code),
        Verdict::Allow => None,
    }
}

#[test]
fn benign_tools_pass() {
    let tools = [
        tool("read_file", "Read a file"),
        tool("list_dir", "List a directory"),
    ];
    assert_eq!(
        evaluate_tools_list(&tools, &Settings::default()),
        Verdict::Allow
    );
}

#[test]
fn fifty_benign_tools_pass() {
    let names: Vec<String> = (0..50).map(|i| format!("get_record_{i}")).collect();
    let tools: Vec<ToolRef<'_>> = names
        .iter()
        .map(|n| tool(n, "Fetch one record by id"))
        .collect();
    assert_eq!(
        evaluate_tools_list(&tools, &Settings::default()),
        Verdict::Allow
    );
}

#[test]
fn name_match_is_case_insensitive_with_details() {
    let tools = [
        tool("read_file", "Read"),
        tool("Delete_User", "Remove a user"),
    ];
    let Verdict::Deny(reason) = evaluate_tools_list(&tools, &Settings::default()) else {
        panic!("expected deny");
    };
    assert_eq!(reason.code, CODE_NAME);
    let details: Value = serde_json::from_str(reason.details.as_deref().unwrap()).unwrap();
    assert_eq!(details, json!({"tool": "Delete_User", "pattern": "delete"}));
}

#[test]
fn description_match_has_its_own_code_and_can_be_disabled() {
    let tools = [tool("cleanup", "Runs rm -rf on the temp dir")];
    assert_eq!(
        code(&evaluate_tools_list(&tools, &Settings::default())),
        Some(CODE_DESCRIPTION)
    );
    let settings = Settings {
        check_descriptions: false,
        ..Settings::default()
    };
    assert_eq!(evaluate_tools_list(&tools, &settings), Verdict::Allow);
}

#[test]
fn configured_patterns_replace_the_defaults() {
    let settings = Settings::from_config(config(json!({"patterns": ["drop"]}))).unwrap();
    assert_eq!(
        code(&evaluate_tools_list(&[tool("DROP_table", "x")], &settings)),
        Some(CODE_NAME)
    );
    assert_eq!(
        evaluate_tools_list(&[tool("delete_row", "x")], &settings),
        Verdict::Allow
    );
}

#[test]
fn tool_invoke_checks_the_name() {
    let settings = Settings::default();
    assert_eq!(
        code(&evaluate_tool_invoke("shell_exec", &settings)),
        Some(CODE_NAME)
    );
    assert_eq!(evaluate_tool_invoke("read_file", &settings), Verdict::Allow);
}

#[test]
fn empty_patterns_never_match() {
    let settings = Settings {
        patterns: vec![String::new()],
        check_descriptions: true,
    };
    assert_eq!(
        evaluate_tools_list(&[tool("anything", "at all")], &settings),
        Verdict::Allow
    );
}

#[test]
fn bad_settings_are_errors_and_missing_ones_default() {
    assert_eq!(
        Settings::from_config(config(json!({}))),
        Ok(Settings::default())
    );
    assert!(Settings::from_config(config(json!({"patterns": "delete"}))).is_err());
    assert!(Settings::from_config(config(json!({"check_descriptions": 1}))).is_err());
    assert!(Settings::from_config(|_| "{not json".to_string()).is_err());
}

#[test]
fn default_config_fits_the_schema() {
    let schema: Value = serde_json::from_str(&Settings::schema()).unwrap();
    let defaults: Value = serde_json::from_str(&Settings::default().to_json()).unwrap();
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    assert_eq!(schema["additionalProperties"], false);
    let properties = schema["properties"].as_object().unwrap();
    for (key, value) in defaults.as_object().unwrap() {
        let property = &properties[key];
        assert!(property["description"].is_string(), "{key} undocumented");
        assert_eq!(&property["default"], value, "{key} default differs");
    }
    assert_eq!(properties.len(), defaults.as_object().unwrap().len());
}

#[test]
fn ascii_fast_path_agrees_with_unicode_lowercasing() {
    let settings = Settings::from_config(config(json!({
        "patterns": ["DeLeTe", "rm -rf", "ß", "x", "Rm"],
        "check_descriptions": true
    })))
    .unwrap();
    let matcher = Matcher::new(&settings);
    for text in [
        "",
        "x",
        "safe_delet",
        "DELETE_all",
        "please RM -RF /",
        "Straße",
        "STRASSE",
        "a\u{212A}b",
        "ends with delete",
        "deletedelete",
    ] {
        let slow = {
            let lower = text.to_lowercase();
            matcher
                .patterns
                .iter()
                .find(|(l, _)| lower.contains(l.as_str()))
                .map(|(_, p)| *p)
        };
        assert_eq!(matcher.first_match(text), slow, "text {text:?}");
    }
}
