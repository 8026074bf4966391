use guard_kit::{MapHost, schema_check};
use serde_json::{Value, json};

use super::*;

fn settings() -> Settings {
    let host = MapHost::new(json!({
        "allowed_servers": ["github", "filesystem", {"name": "files", "url": "https://files.example.com/mcp"}, "jira"],
        "unknown_server": "deny",
    }));
    Settings::from_host(&host).unwrap()
}

fn code(name: &str, url: Option<&str>) -> Option<String> {
    evaluate_server(name, url, &settings())
        .code()
        .map(str::to_string)
}

#[test]
fn allowlisted_names_pass() {
    assert_eq!(evaluate_server("github", None, &settings()), Verdict::Allow);
    assert_eq!(evaluate_server("GitHub", None, &settings()), Verdict::Allow);
    assert_eq!(
        evaluate_server(
            "files",
            Some("https://FILES.example.com:443/other"),
            &settings()
        ),
        Verdict::Allow
    );
}

#[test]
fn typosquats_are_denied_with_the_nearest_name() {
    assert_eq!(code("githbu", None).as_deref(), Some(CODE_TYPOSQUAT));
    assert_eq!(code("git-hub", None).as_deref(), Some(CODE_TYPOSQUAT));
    assert_eq!(code("filesystems", None).as_deref(), Some(CODE_TYPOSQUAT));
    let details = evaluate_server("filesytem", None, &settings())
        .details()
        .unwrap();
    assert_eq!(
        details,
        json!({"server": "filesytem", "similar_to": "filesystem", "distance": 1})
    );
}

#[test]
fn short_names_do_not_typosquat_at_distance_two() {
    // "jira" (4 chars) allows one edit: "jirra" is a typosquat, "jora2" is just unknown.
    assert_eq!(code("jirra", None).as_deref(), Some(CODE_TYPOSQUAT));
    assert_eq!(code("jora2", None).as_deref(), Some(CODE_UNKNOWN));
}

#[test]
fn homoglyphs_are_denied() {
    assert_eq!(code("gіthub", None).as_deref(), Some(CODE_HOMOGLYPH)); // Cyrillic і
    assert_eq!(code("githuЬ", None).as_deref(), Some(CODE_HOMOGLYPH)); // Cyrillic capital soft sign
    assert_eq!(code("fіlеs", None).as_deref(), Some(CODE_HOMOGLYPH)); // Cyrillic і and е
    assert_eq!(code("GΙTHUB", None).as_deref(), Some(CODE_HOMOGLYPH)); // Greek capital iota
    assert_eq!(code("fi1esystem", None).as_deref(), Some(CODE_HOMOGLYPH)); // digit one for l
    let details = evaluate_server("gіthub", None, &settings())
        .details()
        .unwrap();
    assert_eq!(details["looks_like"], "github");
    assert_eq!(details["mixed_script"], true);
}

#[test]
fn pinned_urls_must_match() {
    assert_eq!(
        code("files", Some("https://files.evil.example/mcp")).as_deref(),
        Some(CODE_URL_MISMATCH)
    );
    let details = evaluate_server("files", Some("https://evil.example"), &settings())
        .details()
        .unwrap();
    assert_eq!(details["expected_hosts"], json!(["files.example.com"]));
    assert_eq!(details["actual_host"], "evil.example");
    assert!(matches!(
        evaluate_server("files", None, &settings()),
        Verdict::Warn(_)
    ));
}

#[test]
fn unknown_server_policy() {
    assert_eq!(code("weather", None).as_deref(), Some(CODE_UNKNOWN));
    let warn = Settings::default();
    assert_eq!(
        evaluate_server("weather", None, &warn),
        Verdict::Warn(vec!["server 'weather' is not in allowed_servers".into()])
    );
    let allow = Settings {
        unknown_server: UnknownPolicy::Allow,
        ..settings()
    };
    assert_eq!(evaluate_server("weather", None, &allow), Verdict::Allow);
}

#[test]
fn max_edit_distance_zero_disables_typosquatting() {
    let strict = Settings {
        max_edit_distance: 0,
        ..settings()
    };
    assert_eq!(
        evaluate_server("githbu", None, &strict).code(),
        Some(CODE_UNKNOWN)
    );
}

#[test]
fn bad_settings_are_errors() {
    for bad in [
        json!({"allowed_servers": [1]}),
        json!({"allowed_servers": [{"url": "x"}]}),
        json!({"unknown_server": "maybe"}),
    ] {
        assert!(Settings::from_host(&MapHost::new(bad)).is_err());
    }
}

#[test]
fn hooks_use_the_context() {
    let host = MapHost::new(json!({"allowed_servers": ["github"]}));
    let mut ctx = Context::server("githuv");
    assert_eq!(
        ServerSpoofing::server_connection(&host, &ctx)
            .unwrap()
            .code(),
        Some(CODE_TYPOSQUAT)
    );
    ctx.server_name = "github".into();
    assert_eq!(
        ServerSpoofing::tools_list(&host, &[], &ctx),
        Ok(Verdict::Allow)
    );
    assert_eq!(
        host.logs()[0].1,
        "server 'githuv' refused: server_typosquat"
    );
}

#[test]
fn schema_and_defaults_follow_the_conventions() {
    schema_check::check_guard::<ServerSpoofing>().unwrap();
    let schema: Value = serde_json::from_str(&Settings::schema()).unwrap();
    let example: Value = serde_json::from_str(&settings().to_json()).unwrap();
    schema_check::validate(&schema, &example).unwrap();
    assert_eq!(
        example["allowed_servers"][2],
        json!({"name": "files", "url": "https://files.example.com/mcp"})
    );
}
