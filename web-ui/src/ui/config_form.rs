//! A guard's settings: a form generated from its `get-settings-schema`, prefilled from
//! its config (which starts from `get-default-config`), validated as you type by core's
//! settings check, with a raw JSON/YAML fallback.

use leptos::prelude::*;
use serde_json::{Map, Number, Value};

use guardhouse_core::settings::SettingsSchema;

use crate::state::AppState;

/// One field the schema describes.
#[derive(Clone)]
struct Field {
    key: String,
    kind: &'static str,
    choices: Vec<String>,
    description: String,
    /// The schema's default, shown while the key is not set.
    default: String,
}

fn fields(schema: &Value) -> Vec<Field> {
    let Some(props) = schema.get("properties").and_then(Value::as_object) else {
        return Vec::new();
    };
    props
        .iter()
        .map(|(key, p)| {
            let ty = p.get("type").and_then(Value::as_str).unwrap_or("");
            let items = p.pointer("/items/type").and_then(Value::as_str);
            let choices: Vec<String> = p
                .get("enum")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|v| v.as_str().map(String::from))
                        .collect()
                })
                .unwrap_or_default();
            let kind = match (ty, items) {
                ("boolean", _) => "bool",
                ("integer", _) => "int",
                ("number", _) => "number",
                ("string", _) if !choices.is_empty() => "enum",
                ("string", _) => "string",
                ("array", Some("string")) => "lines",
                _ => "json",
            };
            Field {
                key: key.clone(),
                kind,
                choices,
                default: shown(kind, p.get("default")),
                description: p
                    .get("description")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
            }
        })
        .collect()
}

/// The text a field shows for `value`.
fn shown(kind: &str, value: Option<&Value>) -> String {
    match (kind, value) {
        (_, None) => String::new(),
        ("lines", Some(Value::Array(a))) => a
            .iter()
            .map(|v| v.as_str().map_or(v.to_string(), String::from))
            .collect::<Vec<_>>()
            .join("\n"),
        (_, Some(Value::String(s))) => s.clone(),
        (_, Some(v)) => v.to_string(),
    }
}

/// The value typed text stands for; `None` removes the key.
fn parsed(kind: &str, text: &str) -> Option<Value> {
    let t = text.trim();
    match kind {
        _ if t.is_empty() && kind != "lines" && kind != "string" => None,
        "bool" => Some(Value::Bool(text == "true")),
        "int" => Some(
            t.parse::<i64>()
                .map_or(Value::String(t.into()), Value::from),
        ),
        "number" => Some(
            t.parse::<f64>()
                .ok()
                .and_then(Number::from_f64)
                .map_or(Value::String(t.into()), Value::Number),
        ),
        "lines" => Some(Value::Array(
            text.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(|l| Value::String(l.into()))
                .collect(),
        )),
        "json" => Some(serde_json::from_str(t).unwrap_or(Value::String(t.into()))),
        _ => Some(Value::String(text.into())),
    }
}

/// Guard `id`'s configured settings (tracked).
fn guard_config(state: AppState, id: &str) -> Map<String, Value> {
    state.bench.with(|b| {
        b.gateway
            .security_guards
            .iter()
            .find(|g| g.id == id)
            .map(|g| g.config.clone())
            .unwrap_or_default()
    })
}

/// Replaces guard `id`'s settings.
fn set_guard_config(state: AppState, id: &str, m: Map<String, Value>) {
    state.bench.update(|b| {
        if let Some(g) = b.gateway.security_guards.iter_mut().find(|g| g.id == id) {
            g.config = m;
        }
    })
}

/// One schema property of guard `id`, as the input its type calls for.
#[component]
fn SettingField(id: String, field: Field) -> impl IntoView {
    let state = expect_context::<AppState>();
    let kind = field.kind;
    let current = {
        let (id, key) = (id.clone(), field.key.clone());
        move || shown(kind, guard_config(state, &id).get(&key))
    };
    let on_text = {
        let key = field.key.clone();
        move |text: String| {
            let mut m = state.bench.with_untracked(|b| {
                b.gateway
                    .security_guards
                    .iter()
                    .find(|g| g.id == id)
                    .map(|g| g.config.clone())
                    .unwrap_or_default()
            });
            match parsed(kind, &text) {
                Some(v) => m.insert(key.clone(), v),
                None => m.remove(&key),
            };
            set_guard_config(state, &id, m);
        }
    };
    let input = match kind {
        "bool" => view! { <input type="checkbox" prop:checked=move || current() == "true"
                on:change=move |e| on_text(event_target_checked(&e).to_string())/> }.into_any(),
        "enum" => view! { <select prop:value=current on:change=move |e| on_text(event_target_value(&e))>
                {field.choices.iter().map(|c| view! { <option value=c.clone()>{c.clone()}</option> }).collect_view()}
            </select> }.into_any(),
        "lines" | "json" => view! { <textarea rows="3" placeholder=field.default.clone() prop:value=current
                on:input=move |e| on_text(event_target_value(&e))></textarea> }.into_any(),
        _ => view! { <input type=if matches!(kind, "int" | "number") { "number" } else { "text" }
                placeholder=field.default.clone() prop:value=current
                on:input=move |e| on_text(event_target_value(&e))/> }.into_any(),
    };
    view! {
        <div class="field" data-testid="config-field" data-key=field.key.clone()>
            <label title=field.description.clone()>{field.key.clone()}
                {if kind == "lines" { " (one per line)" } else { "" }}</label>
            {input}
        </div>
    }
}

/// The settings form of guard `id`: schema fields, live errors, raw fallback.
#[component]
pub fn ConfigForm(id: String) -> impl IntoView {
    let state = expect_context::<AppState>();
    let schema_text = state.bench.with_untracked(|b| {
        let g = b.gateway.security_guards.iter().find(|g| g.id == id);
        g.and_then(|g| b.module_for(g))
            .and_then(|m| m.schema.clone())
    });
    let schema: Value = schema_text
        .as_deref()
        .and_then(|t| serde_json::from_str(t).ok())
        .unwrap_or(Value::Null);
    let compiled = schema_text.as_deref().map(SettingsSchema::compile);
    let no_schema = compiled.is_none();
    let errors = {
        let id = id.clone();
        move || match &compiled {
            None => Vec::new(),
            Some(Err(e)) => vec![e.clone()],
            Some(Ok(s)) => s
                .validate(&guard_config(state, &id))
                .iter()
                .map(ToString::to_string)
                .collect(),
        }
    };
    let rows = fields(&schema)
        .into_iter()
        .map(|field| view! { <SettingField id=id.clone() field/> })
        .collect_view();
    view! {
        <form class="config" data-testid="config-form" on:submit=|e| e.prevent_default()>
            {no_schema.then(|| view! { <p class="hint">"This guard has no settings schema (minimal contract): its config is passed through unchecked."</p> })}
            {rows}
            <ul class="errors" data-testid="config-errors">
                {move || errors().into_iter().map(|e| view! { <li>{e}</li> }).collect_view()}
            </ul>
            <RawConfig id/>
        </form>
    }
}

/// The raw JSON/YAML fallback for guard `id`'s settings.
#[component]
fn RawConfig(id: String) -> impl IntoView {
    let state = expect_context::<AppState>();
    let raw_error = RwSignal::new(String::new());
    let raw = {
        let id = id.clone();
        move || {
            serde_json::to_string_pretty(&Value::Object(guard_config(state, &id)))
                .unwrap_or_default()
        }
    };
    view! {
        <details>
            <summary>"raw JSON / YAML"</summary>
            <textarea class="mono" rows="6" data-testid="config-raw" prop:value=raw
                on:change=move |e| match crate::yaml::parse_value("config", &event_target_value(&e)) {
                    Ok(Value::Object(m)) => { raw_error.set(String::new()); set_guard_config(state, &id, m) }
                    Ok(_) => raw_error.set("the config must be a mapping".into()),
                    Err(err) => raw_error.set(err),
                }></textarea>
            <p class="error-text">{move || raw_error.get()}</p>
        </details>
    }
}
