//! The chain: every guard's place and policy, editable in place.

use leptos::prelude::*;

use guardhouse_core::config::{FailureMode, GuardConfig, InstanceMode};
use guardhouse_core::contract::RunsOn;

use crate::actions;
use crate::state::AppState;

const PHASES: [(RunsOn, &str); 4] = [
    (RunsOn::Connection, "conn"),
    (RunsOn::ToolsList, "list"),
    (RunsOn::ToolInvoke, "invoke"),
    (RunsOn::Response, "resp"),
];

/// Updates guard `id` in the page's gateway.
fn edit(state: AppState, id: &str, f: impl FnOnce(&mut GuardConfig)) {
    state.bench.update(|b| {
        if let Some(g) = b.gateway.security_guards.iter_mut().find(|g| g.id == id) {
            f(g);
        }
    });
}

/// The chain table, in run order.
#[component]
pub fn ChainView() -> impl IntoView {
    let state = expect_context::<AppState>();
    let rows = move || {
        state.bench.with(|b| {
            let mut ids: Vec<(i64, usize, String)> = b
                .gateway
                .security_guards
                .iter()
                .enumerate()
                .map(|(i, g)| (g.priority, i, g.id.clone()))
                .collect();
            ids.sort();
            ids.into_iter().map(|(_, _, id)| id).collect::<Vec<_>>()
        })
    };
    view! {
        <div class="panel">
            <h2>"Chain"
                <button class="small" data-testid="reset-instances" title="drop every persistent instance: state starts fresh, as in a new process"
                    on:click=move |_| actions::reset_instances(state)>"Reset state"</button>
            </h2>
            <p class="hint" data-testid="chain-source">{move || state.bench.with(|b| b.source.clone())
                .map_or_else(|| "from a link or an imported case".to_string(), |s| format!("loaded from {s}"))}</p>
            <div class="scroll">
            <table class="chain" data-testid="chain">
                <thead><tr>
                    <th>"on"</th><th>"guard"</th><th>"prio"</th><th>"failure"</th>
                    <th>"runs on"</th><th>"timeout ms"</th><th>"instance"</th>
                </tr></thead>
                <tbody>
                    <For each=rows key=|id| id.clone() children=move |id| view! { <ChainRow id/> }/>
                </tbody>
            </table>
            </div>
        </div>
    }
}

#[component]
fn ChainRow(id: String) -> impl IntoView {
    let state = expect_context::<AppState>();
    // A Copy handle, so every cell's closures can share it.
    let key = StoredValue::new(id.clone());
    let get = move || {
        state.bench.with(|b| {
            key.with_value(|id| {
                b.gateway
                    .security_guards
                    .iter()
                    .find(|g| &g.id == id)
                    .cloned()
            })
        })
    };
    let set = move |f: &dyn Fn(&mut GuardConfig)| key.with_value(|id| edit(state, id, f));
    let phases = PHASES.map(|(phase, label)| {
        view! {
            <label class="phase"><input type="checkbox"
                prop:checked=move || get().is_some_and(|g| g.runs_on.contains(&phase))
                on:change=move |e| {
                    let on = event_target_checked(&e);
                    set(&|g| {
                        g.runs_on.retain(|r| *r != phase);
                        if on { g.runs_on.push(phase); }
                    })
                }/>{label}</label>
        }
    });
    view! {
        <tr data-testid="chain-row" data-guard=id.clone()>
            <td><input type="checkbox" data-testid="enabled" prop:checked=move || get().is_some_and(|g| g.enabled)
                on:change=move |e| set(&|g| g.enabled = event_target_checked(&e))/></td>
            <td class="gid">{id.clone()}</td>
            <td><input type="number" class="num" data-testid="priority" prop:value=move || get().map(|g| g.priority).unwrap_or_default()
                on:change={move |e| { if let Ok(p) = event_target_value(&e).parse() { set(&|g| g.priority = p) } }}/></td>
            <td><select data-testid="failure-mode"
                prop:value=move || if get().is_some_and(|g| g.failure_mode == FailureMode::FailOpen) { "fail_open" } else { "fail_closed" }
                on:change=move |e| { let v = event_target_value(&e); set(&|g| g.failure_mode = if v == "fail_open" { FailureMode::FailOpen } else { FailureMode::FailClosed }) }>
                <option value="fail_closed">"closed"</option>
                <option value="fail_open">"open"</option>
            </select></td>
            <td class="phases">{phases}</td>
            <td><input type="number" class="num" min="1" data-testid="timeout" prop:value=move || get().map(|g| g.timeout_ms).unwrap_or_default()
                on:change={move |e| { let t: u64 = event_target_value(&e).parse().unwrap_or(0); if t > 0 { set(&|g| g.timeout_ms = t) } }}/></td>
            <td><select data-testid="instance"
                prop:value=move || if get().is_some_and(|g| g.instance == InstanceMode::Persistent) { "persistent" } else { "per_call" }
                on:change=move |e| { let v = event_target_value(&e); set(&|g| g.instance = if v == "persistent" { InstanceMode::Persistent } else { InstanceMode::PerCall }) }>
                <option value="per_call">"per call"</option>
                <option value="persistent">"persistent"</option>
            </select></td>
        </tr>
    }
}
