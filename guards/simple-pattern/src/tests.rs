use serde_json::{Value, json};

use super::*;

fn tool<'a>(name: &'a str, description: &'a str) -> ToolRef<'a> {
    ToolRef {
        name,
        description: Some(description),
        input_schema: r#"{"type":"object"}"#,
    }
}

fn config(value: Value) -> impl Fn(&str) -> String {
    move |key| value.get(key).map(Value::to_string).unwrap_or_default()
}

fn code(verdict: &Verdict) -> Option<&str> {
    match verdict {
        Verdict::Deny(reason) => Some(&reason.code),
        Verdict::Allow | Verdict::Modify(_) => None,
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

fn patterns(list: &[&str]) -> Settings {
    Settings {
        patterns: list.iter().map(|p| p.to_string()).collect(),
        ..Settings::default()
    }
}

#[test]
fn name_match_is_case_insensitive_with_details() {
    let tools = [
        tool("read_file", "Read"),
        tool("Delete_User", "Remove a user"),
    ];
    let Verdict::Deny(reason) = evaluate_tools_list(&tools, &patterns(&["delete"])) else {
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
        code(&evaluate_tool_invoke("drop_db", &settings)),
        Some(CODE_NAME)
    );
    assert_eq!(evaluate_tool_invoke("read_file", &settings), Verdict::Allow);
    let names_off = Settings {
        check_names: false,
        ..Settings::default()
    };
    assert_eq!(evaluate_tool_invoke("drop_db", &names_off), Verdict::Allow);
}

#[test]
fn patterns_match_whole_words_only() {
    let settings = patterns(&["eval"]);
    for name in [
        "eval",
        "eval_js",
        "js-eval",
        "evalScript",
        "run_EVAL",
        "py.eval",
    ] {
        assert_eq!(
            code(&evaluate_tool_invoke(name, &settings)),
            Some(CODE_NAME),
            "{name}"
        );
    }
    for name in [
        "retrieval",
        "browser_evaluate",
        "evaluation",
        "medieval_map",
        "evals",
    ] {
        assert_eq!(
            evaluate_tool_invoke(name, &settings),
            Verdict::Allow,
            "{name}"
        );
    }
    let description = [tool("search", "Semantic retrieval over your documents")];
    assert_eq!(evaluate_tools_list(&description, &settings), Verdict::Allow);
}

#[test]
fn a_space_in_a_pattern_stands_for_space_underscore_or_hyphen() {
    let settings = patterns(&["drop db"]);
    for name in ["drop_db", "DROP-DB", "drop db now", "admin_drop_db"] {
        assert_eq!(
            code(&evaluate_tool_invoke(name, &settings)),
            Some(CODE_NAME),
            "{name}"
        );
    }
    assert_eq!(evaluate_tool_invoke("drop_dbs", &settings), Verdict::Allow);
}

#[test]
fn substring_mode_keeps_the_first_behaviour() {
    let settings = Settings {
        match_mode: MatchMode::Substring,
        ..patterns(&["eval"])
    };
    assert_eq!(
        code(&evaluate_tool_invoke("retrieval", &settings)),
        Some(CODE_NAME)
    );
    let from_config = Settings::from_config(config(json!({"match": "substring"}))).unwrap();
    assert_eq!(from_config.match_mode, MatchMode::Substring);
}

#[test]
fn defaults_deny_destructive_tools_not_common_ones() {
    let settings = Settings::default();
    let benign = [
        ("delete_file", "Delete a file."),
        ("delete_branch", "Delete a branch from the repository."),
        ("drop_table", "Drop a table from the database."),
        ("execute_query", "Execute a SQL query and return rows."),
        ("pods_exec", "Execute a command in a Kubernetes pod."),
        ("browser_evaluate", "Evaluate JavaScript on the page."),
        ("kill_process", "Terminate a process by PID."),
        ("write_query", "Run an INSERT, UPDATE or DELETE statement."),
    ];
    for (name, description) in benign {
        assert_eq!(
            evaluate_tools_list(&[tool(name, description)], &settings),
            Verdict::Allow,
            "{name}"
        );
    }
    for name in [
        "drop_database",
        "delete_everything",
        "shutdown_host",
        "format-disk",
    ] {
        assert_eq!(
            code(&evaluate_tools_list(&[tool(name, "x")], &settings)),
            Some(CODE_NAME),
            "{name}"
        );
    }
    let wipe = [tool("cleanup", "Runs `rm -rf /` on the host.")];
    assert_eq!(
        code(&evaluate_tools_list(&wipe, &settings)),
        Some(CODE_DESCRIPTION)
    );
}

#[test]
fn empty_patterns_never_match() {
    let settings = patterns(&[""]);
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
    assert!(Settings::from_config(config(json!({"check_names": "yes"}))).is_err());
    assert!(Settings::from_config(config(json!({"match": "regex"}))).is_err());
    assert!(Settings::from_config(config(json!({"action": "drop"}))).is_err());
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
fn ascii_fast_path_agrees_with_the_unicode_path() {
    for mode in ["word", "substring"] {
        let settings = Settings::from_config(config(json!({
            "patterns": ["DeLeTe", "rm -rf", "ß", "x", "Rm", "drop db"],
            "check_descriptions": true,
            "match": mode,
        })))
        .unwrap();
        let matcher = Matcher::new(&settings);
        // No camelCase here: only the ASCII path splits it into words.
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
            "drop_db",
            "drop-dbx",
            "x_y",
        ] {
            assert_eq!(
                matcher.first_match(text),
                matcher.first_match_unicode(text),
                "{mode}: {text:?}"
            );
        }
    }
}

#[test]
fn filter_removes_every_matching_tool_and_keeps_the_rest_as_sent() {
    let settings = Settings::from_config(config(json!({
        "patterns": ["delete"],
        "action": "filter",
    })))
    .unwrap();
    assert!(settings.filter);
    let odd = ToolRef {
        name: "stat",
        description: None,
        input_schema: "not json",
    };
    let tools = [
        tool("read_file", "Read a file"),
        tool("delete_user", "Remove a user"),
        odd,
        tool("purge", "Delete every record"),
    ];
    let Verdict::Modify(text) = evaluate_tools_list(&tools, &settings) else {
        panic!("expected a modify")
    };
    let payload: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        payload,
        json!({"tools": [
            {"name": "read_file", "description": "Read a file", "input_schema": {"type": "object"}},
            {"name": "stat", "description": null, "input_schema": "not json"},
        ]})
    );
    // Nothing matches: allow; calls are still denied by name.
    assert_eq!(evaluate_tools_list(&tools[..1], &settings), Verdict::Allow);
    assert_eq!(
        code(&evaluate_tool_invoke("delete_user", &settings)),
        Some(CODE_NAME)
    );
    // The default action denies the whole list.
    let deny = Settings {
        filter: false,
        ..settings
    };
    assert_eq!(code(&evaluate_tools_list(&tools, &deny)), Some(CODE_NAME));
}
