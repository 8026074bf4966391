//! The case being edited: phase tabs, payload text, context, overrides, examples.

use leptos::prelude::*;

use guardhouse_core::Phase;

use crate::actions;
use crate::examples::EXAMPLES;
use crate::model::{PHASES, phase_index};
use crate::state::AppState;

fn phase_name(p: Phase) -> &'static str {
    match p {
        Phase::Connection => "connection",
        Phase::ToolsList => "tools_list",
        Phase::ToolInvoke => "tool_invoke",
        Phase::Response => "response",
    }
}

/// Phase tabs, examples and the payload text.
#[component]
pub fn PayloadEditor() -> impl IntoView {
    let state = expect_context::<AppState>();
    let ed = state.editor;
    let phase = move || ed.with(|e| e.phase);
    let tabs = PHASES.map(|p| {
        view! {
            <button role="tab" data-testid=format!("phase-{}", phase_name(p))
                class:active=move || phase() == p aria-selected=move || (phase() == p).to_string()
                on:click=move |_| ed.update(|e| e.phase = p)>{phase_name(p)}</button>
        }
    });
    let examples = move || {
        EXAMPLES
            .iter()
            .enumerate()
            .filter(|(_, x)| x.phase == phase())
            .map(|(i, x)| {
                view! {
                    <button class=if x.malicious { "example bad" } else { "example good" }
                        data-testid=format!("example-{i}")
                        on:click=move |_| ed.update(|e| {
                            let x = &EXAMPLES[i];
                            e.payloads[phase_index(x.phase)] = x.payload.to_string();
                            e.context = x.context();
                            // An example runs against the whole chain as configured.
                            e.expect = None;
                            e.only.clear();
                            e.overrides = "{}".into();
                        })>{x.label}</button>
                }
            })
            .collect_view()
    };
    view! {
        <div class="panel">
            <h2>"Payload"</h2>
            <div class="tabs" role="tablist">{tabs}</div>
            <div class="examples">"examples: " {examples}</div>
            <textarea class="mono payload" rows="12" spellcheck="false" data-testid="payload"
                aria-label="payload (JSON or YAML)"
                prop:value=move || ed.with(|e| e.payload_text().to_string())
                on:input=move |e| { let v = event_target_value(&e); ed.update(|x| { let i = phase_index(x.phase); x.payloads[i] = v; }) }>
            </textarea>
            <ContextForm/>
            <ScenarioSteps/>
        </div>
    }
}

/// The scenario being built: steps added from the editor, run in order on fresh guard
/// instances; a link or an exported file carries all of them.
#[component]
fn ScenarioSteps() -> impl IntoView {
    let state = expect_context::<AppState>();
    let ed = state.editor;
    let steps = move || {
        ed.with(|e| e.steps.iter().map(|s| s.name.clone()).collect::<Vec<_>>())
            .into_iter()
            .enumerate()
            .map(|(i, name)| {
                view! {
                    <li data-testid="scenario-step" data-step=name.clone()>
                        <button class="link" title="edit this step: load it into the editor"
                            on:click=move |_| ed.update(|e| { let s = e.steps[i].clone(); e.load_case(&s); })>{name.clone()}</button>
                        <button class="small" title="remove this step" data-testid="remove-step"
                            on:click=move |_| ed.update(|e| { e.steps.remove(i); })>"×"</button>
                    </li>
                }
            })
            .collect_view()
    };
    let count = move || ed.with(|e| e.steps.len());
    view! {
        <div class="scenario" data-testid="scenario">
            <label>"scenario " <input data-testid="scenario-name" prop:value=move || ed.with(|e| e.scenario.clone())
                on:input=move |e| { let v = event_target_value(&e); ed.update(|x| x.scenario = v) }/></label>
            <label>"step name " <input data-testid="step-name" prop:value=move || ed.with(|e| e.name.clone())
                on:input=move |e| { let v = event_target_value(&e); ed.update(|x| x.name = v) }/></label>
            <button data-testid="add-step" title="append the case above to the scenario"
                on:click=move |_| actions::add_step(state)>"Add as step"</button>
            <button data-testid="run-scenario" disabled=move || count() == 0 || state.busy.get()
                title="run every step in order on fresh guard instances"
                on:click=move |_| actions::run_scenario(state)>"Run scenario"</button>
            <button class="small" data-testid="clear-scenario" disabled=move || count() == 0
                on:click=move |_| ed.update(|e| e.steps.clear())>"Clear"</button>
            <ol class="steps">{steps}</ol>
            <p class="hint">{move || if count() == 0 {
                "no steps: links and exports carry the case above".to_string()
            } else {
                format!("{} step(s): links and exports carry the scenario", count())
            }}</p>
        </div>
    }
}

/// Server name, URL, identity and per-guard overrides.
#[component]
fn ContextForm() -> impl IntoView {
    let state = expect_context::<AppState>();
    let ed = state.editor;
    let only = move || ed.with(|e| e.only.join(", "));
    view! {
        <div class="context">
            <label>"server_name " <input data-testid="server-name" prop:value=move || ed.with(|e| e.context.server_name.clone())
                on:input=move |e| { let v = event_target_value(&e); ed.update(|x| x.context.server_name = v) }/></label>
            <label>"server_url " <input data-testid="server-url" prop:value=move || ed.with(|e| e.context.server_url.clone().unwrap_or_default())
                on:input=move |e| { let v = event_target_value(&e); ed.update(|x| x.context.server_url = (!v.is_empty()).then_some(v)) }/></label>
            <label>"identity " <input prop:value=move || ed.with(|e| e.context.identity.clone().unwrap_or_default())
                on:input=move |e| { let v = event_target_value(&e); ed.update(|x| x.context.identity = (!v.is_empty()).then_some(v)) }/></label>
            <label>"only guards " <input data-testid="only" placeholder="all" prop:value=only
                on:change=move |e| { let v = event_target_value(&e); ed.update(|x| x.only = v.split(',').map(str::trim).filter(|s| !s.is_empty()).map(String::from).collect()) }/></label>
            <label class="wide">"per-guard overrides (JSON/YAML) "
                <textarea class="mono" rows="2" data-testid="overrides" prop:value=move || ed.with(|e| e.overrides.clone())
                    on:input=move |e| { let v = event_target_value(&e); ed.update(|x| x.overrides = v) }></textarea></label>
            <p class="hint">{move || ed.with(|e| e.expect.as_ref().map(|x| format!("expects: {}", serde_json::to_string(x).unwrap_or_default())).unwrap_or_default())}</p>
        </div>
    }
}
