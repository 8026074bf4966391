//! simple-pattern stays standalone (`guardhouse new` copies it as the template), so its
//! `action: filter` cannot call guard-kit's `filter` module, which tool-poisoning and
//! rug-pull use. These tests hold it to that module: the same setting, wording and
//! filtered payload.

use guard_kit::{Action, Tool, Verdict as KitVerdict, filter};
use serde_json::{Value, json};
use simple_pattern::{Settings, ToolRef, Verdict, evaluate_tools_list};

#[test]
fn the_setting_is_documented_in_guard_kit_words() {
    let schema: Value = serde_json::from_str(&Settings::schema()).unwrap();
    assert_eq!(
        schema["properties"]["action"],
        Action::schema(
            "a tool matching a pattern",
            "pattern_blocked, description_pattern_blocked"
        )
    );
    let defaults: Value = serde_json::from_str(&Settings::default().to_json()).unwrap();
    assert_eq!(defaults["action"], Action::default().name());
}

#[test]
fn the_filtered_list_is_guard_kit_s() {
    let tools = [
        Tool::new("read_file", "Read a file"),
        Tool::new("drop_db", "Drop the database"),
        Tool {
            name: "stat".into(),
            description: None,
            input_schema: "not json".into(),
        },
        Tool::new("wipe", "Wipe disk and drop db"),
    ];
    let refs: Vec<ToolRef<'_>> = tools
        .iter()
        .map(|t| ToolRef {
            name: &t.name,
            description: t.description.as_deref(),
            input_schema: &t.input_schema,
        })
        .collect();
    let settings = Settings::from_config(|key| match key {
        "action" => json!("filter").to_string(),
        _ => String::new(),
    })
    .unwrap();
    let Verdict::Modify(ours) = evaluate_tools_list(&refs, &settings) else {
        panic!("expected a modify")
    };
    let Some(KitVerdict::Modify(kit)) = filter::without(&tools, |i| i == 1 || i == 3) else {
        panic!("expected a modify")
    };
    assert_eq!(ours, kit);
}
