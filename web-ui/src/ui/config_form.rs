//! A guard's settings: a form generated from its `get-settings-schema`, prefilled from
//! its config (which starts from `get-default-config`), validated as you type by core's
//! settings check, with a raw JSON/YAML fallback.

use leptos::prelude::*;
use serde_json::{Map, Number, Value};

use guardhouse_core::settings::SettingsSchema;

use crate::state::AppState;

/// One field the schema describes, with the form hints guards in the wild give in
/// `x-ui` (`component`, `order`, `group`, `helpText`, `placeholder`).
#[derive(Clone, Debug, PartialEq)]
struct Field {
    key: String,
    kind: &'static str,
    choices: Vec<String>,
    description: String,
    /// `x-ui.helpText`, shown under the input.
    help: String,
    /// `x-ui.placeholder`, else the schema's default, shown while the key is not set.
    placeholder: String,
    /// `x-ui.order` (fields without one keep the schema's order, after those with one).
    order: Option<i64>,
    /// `x-ui.group`: the `x-ui-groups` entry the field is shown in.
    group: Option<String>,
    /// A slider's bounds (`x-ui.component: slider` on a number with minimum and maximum).
    range: Option<(f64, f64)>,
}

/// A group of fields (`x-ui-groups`: a list of `{id, title}`, or a mapping id → `{title}`;
/// `label` is read as a title too).
#[derive(Clone, Debug, PartialEq)]
struct Group {
    id: String,
    title: String,
}

fn fields(schema: &Value) -> Vec<Field> {
    let Some(props) = schema.get("properties").and_then(Value::as_object) else {
        return Vec::new();
    };
    let mut out: Vec<Field> = props
        .iter()
        .map(|(key, p)| {
            let ui = p.get("x-ui").cloned().unwrap_or(Value::Null);
            let text = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(String::from);
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
            let bounds = p
                .get("minimum")
                .and_then(Value::as_f64)
                .zip(p.get("maximum").and_then(Value::as_f64));
            let slider = text(&ui, "component").as_deref() == Some("slider");
            let kind = match (ty, items) {
                ("integer" | "number", _) if slider && bounds.is_some() => "range",
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
                placeholder: text(&ui, "placeholder")
                    .unwrap_or_else(|| shown(kind, p.get("default"))),
                description: text(p, "description").unwrap_or_default(),
                help: text(&ui, "helpText").unwrap_or_default(),
                order: ui.get("order").and_then(Value::as_i64),
                group: text(&ui, "group"),
                range: (kind == "range").then_some(bounds).flatten(),
            }
        })
        .collect();
    // Ordered fields first by their order; the rest keep the schema's order (stable sort).
    out.sort_by_key(|f| f.order.map_or((1, 0), |o| (0, o)));
    out
}

/// The groups of `schema`'s `x-ui-groups`, in order, plus any group a field names that
/// the list leaves out (titled by its id).
fn groups(schema: &Value, fields: &[Field]) -> Vec<Group> {
    let title = |id: &str, v: &Value| {
        v.get("title")
            .or_else(|| v.get("label"))
            .and_then(Value::as_str)
            .unwrap_or(id)
            .to_string()
    };
    let mut out: Vec<Group> = match schema.get("x-ui-groups") {
        Some(Value::Array(list)) => list
            .iter()
            .filter_map(|g| {
                let id = g.get("id").and_then(Value::as_str)?;
                Some(Group {
                    id: id.into(),
                    title: title(id, g),
                })
            })
            .collect(),
        Some(Value::Object(map)) => map
            .iter()
            .map(|(id, g)| Group {
                id: id.clone(),
                title: title(id, g),
            })
            .collect(),
        _ => Vec::new(),
    };
    for f in fields {
        if let Some(id) = &f.group
            && !out.iter().any(|g| &g.id == id)
        {
            out.push(Group {
                id: id.clone(),
                title: id.clone(),
            });
        }
    }
    out
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
        "lines" | "json" => view! { <textarea rows="3" placeholder=field.placeholder.clone() prop:value=current
                on:input=move |e| on_text(event_target_value(&e))></textarea> }.into_any(),
        "range" => {
            let (min, max) = field.range.unwrap_or_default();
            let shown_value = current.clone();
            let value = move || {
                let v = current();
                if v.is_empty() { field.placeholder.clone() } else { v }
            };
            view! { <span class="range">
                <input type="range" min=min.to_string() max=max.to_string() step="1" prop:value=value
                    on:input=move |e| on_text(event_target_value(&e))/>
                <output data-testid="range-value">{shown_value}</output>
            </span> }.into_any()
        }
        _ => view! { <input type=if matches!(kind, "int" | "number") { "number" } else { "text" }
                placeholder=field.placeholder.clone() prop:value=current
                on:input=move |e| on_text(event_target_value(&e))/> }.into_any(),
    };
    let help = (!field.help.is_empty())
        .then(|| view! { <p class="help" data-testid="config-help">{field.help.clone()}</p> });
    view! {
        <div class="field" data-testid="config-field" data-key=field.key.clone() data-kind=kind>
            <label title=field.description.clone()>{field.key.clone()}
                {if kind == "lines" { " (one per line)" } else { "" }}</label>
            {input}
            {help}
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
    let all = fields(&schema);
    let grouped = groups(&schema, &all);
    let row = |field: Field| view! { <SettingField id=id.clone() field/> };
    let loose = all
        .iter()
        .filter(|f| f.group.is_none())
        .cloned()
        .map(row)
        .collect_view();
    let sets = grouped
        .into_iter()
        .map(|g| {
            let members = all
                .iter()
                .filter(|f| f.group.as_deref() == Some(g.id.as_str()))
                .cloned()
                .map(row)
                .collect_view();
            view! { <fieldset data-testid="config-group" data-group=g.id.clone()><legend>{g.title.clone()}</legend>{members}</fieldset> }
        })
        .collect_view();
    let rows = view! { {loose} {sets} };
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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn schema() -> Value {
        json!({
            "x-ui-groups": [{"id": "policy", "title": "Policy"}, {"id": "servers", "label": "Servers"}],
            "properties": {
                "a_plain": {"type": "string"},
                "distance": {"type": "integer", "minimum": 0, "maximum": 8, "default": 2,
                    "x-ui": {"component": "slider", "group": "policy", "order": 2, "helpText": "how far"}},
                "mode": {"type": "string", "enum": ["warn", "deny"], "x-ui": {"group": "policy", "order": 1}},
                "names": {"type": "array", "items": {"type": "string"},
                    "x-ui": {"group": "servers", "placeholder": "one per line"}},
                "unbounded": {"type": "integer", "minimum": 0, "x-ui": {"component": "slider"}},
                "elsewhere": {"type": "boolean", "x-ui": {"group": "extra"}},
            }
        })
    }

    #[test]
    fn x_ui_orders_groups_and_picks_inputs() {
        let f = fields(&schema());
        let keys: Vec<&str> = f.iter().map(|f| f.key.as_str()).collect();
        // Ordered fields first, then the schema's (serde_json: alphabetical) order.
        assert_eq!(
            keys,
            [
                "mode",
                "distance",
                "a_plain",
                "elsewhere",
                "names",
                "unbounded"
            ]
        );
        let distance = &f[1];
        assert_eq!((distance.kind, distance.range), ("range", Some((0.0, 8.0))));
        assert_eq!(
            (distance.help.as_str(), distance.placeholder.as_str()),
            ("how far", "2")
        );
        // A slider needs both bounds: without them the number stays a number box.
        assert_eq!(f[5].kind, "int");
        assert_eq!(f[4].placeholder, "one per line");
        let g = groups(&schema(), &f);
        let titles: Vec<(&str, &str)> = g
            .iter()
            .map(|g| (g.id.as_str(), g.title.as_str()))
            .collect();
        assert_eq!(
            titles,
            [
                ("policy", "Policy"),
                ("servers", "Servers"),
                ("extra", "extra")
            ]
        );
    }
}
