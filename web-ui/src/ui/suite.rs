//! The suite runner: pick a case file, run every case, see a pass/fail table.

use leptos::prelude::*;

use guardhouse_core::case::Case;

use crate::actions;
use crate::state::AppState;

/// Suite selection and results.
#[component]
pub fn SuiteRunner() -> impl IntoView {
    let state = expect_context::<AppState>();
    let chosen = RwSignal::new(String::new());
    let names = move || {
        state
            .suites
            .with(|s| s.iter().map(|x| x.name.clone()).collect::<Vec<_>>())
    };
    let current = move || {
        let c = chosen.get();
        if c.is_empty() {
            names().into_iter().next().unwrap_or_default()
        } else {
            c
        }
    };
    let open_case = move |i: usize| {
        let name = current();
        state.suites.with_untracked(|s| {
            let Some(cases) = s.iter().find(|x| x.name == name).map(|x| &x.file.cases) else {
                return;
            };
            let Some(case) = cases.get(i) else { return };
            if case.scenario.is_none() {
                return state
                    .editor
                    .update(|e| e.load_cases(std::slice::from_ref(case)));
            }
            // A scenario's step opens the whole scenario, from its first step.
            let mut start = i;
            while !Case::starts_scenario(cases, start) {
                start -= 1;
            }
            state.editor.update(|e| e.load_cases(&cases[start..]));
        });
    };
    view! {
        <div class="panel">
            <h2>"Suites"</h2>
            <div class="suite-bar">
                <select data-testid="suite-select" prop:value=current on:change=move |e| chosen.set(event_target_value(&e))>
                    {move || names().into_iter().map(|n| view! { <option value=n.clone()>{n.clone()}</option> }).collect_view()}
                </select>
                <button data-testid="run-suite" disabled=move || state.busy.get()
                    on:click=move |_| actions::run_suite(state, current())>"Run suite"</button>
            </div>
            {move || state.suite_report.get().map(|rep| view! {
                <p class="summary" data-testid="suite-summary">{format!("{}: {}", rep.name.clone().unwrap_or_default(), rep.summary_line())}</p>
                <table class="suite" data-testid="suite-table">
                    <thead><tr><th></th><th>"case"</th><th>"decision"</th><th>"code"</th></tr></thead>
                    <tbody>{rep.results.into_iter().enumerate().map(|(i, r)| {
                        let ev = r.evaluation.clone();
                        let decision = ev.as_ref().map(|e| serde_json::to_value(e.decision).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default()).unwrap_or_else(|| "error".into());
                        let code = ev.and_then(|e| e.deny.map(|d| d.code)).unwrap_or_default();
                        let (d2, c2) = (decision.clone(), code.clone());
                        view! {
                            <tr data-testid="suite-row" class=if r.passed { "pass" } else { "fail" }
                                data-case=r.name.clone() data-decision=d2 data-code=c2
                                title=r.failures.join("\n")>
                                <td>{if r.passed { "PASS" } else { "FAIL" }}</td>
                                <td><a href="#" on:click=move |e| { e.prevent_default(); open_case(i) }>{r.name.clone()}</a></td>
                                <td>{decision}</td>
                                <td class="mono">{code}</td>
                            </tr>
                        }
                    }).collect_view()}</tbody>
                </table>
            })}
        </div>
    }
}
