//! The eval view: pick corpora and guards, run, see `guardhouse eval`'s table, a chart
//! of recall and false alarms per guard, and the misses and false alarms.

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::HtmlInputElement;

use guardhouse_core::eval::{EvalReport, EvalSummary, Finding, GuardTotal, Scores};

use crate::eval::actions;
use crate::eval::percent;
use crate::state::AppState;

/// Misses and false alarms listed per guard and corpus (as `guardhouse eval --list`).
const LISTED: usize = 10;

/// Corpus and guard pickers, the buttons, and the report.
#[component]
pub fn EvalPanel() -> impl IntoView {
    let state = expect_context::<AppState>();
    let corpora = move || {
        state
            .corpora
            .with(|c| c.iter().map(|x| x.name.clone()).collect::<Vec<_>>())
    };
    let guards = move || {
        state.bench.with(|b| {
            let order = b.gateway.chain_order();
            order
                .into_iter()
                .map(|i| &b.gateway.security_guards[i])
                .filter(|g| g.enabled)
                .map(|g| g.id.clone())
                .collect::<Vec<_>>()
        })
    };
    view! {
        <section class="panel eval" data-testid="eval-panel">
            <h2>"Eval: score guards on labelled corpora"</h2>
            <div class="eval-pick">
                <fieldset>
                    <legend>"corpora"</legend>
                    {move || corpora().into_iter().map(|name| view! { <Pick name kind=Kind::Corpus/> }).collect_view()}
                    <label class="hint">"add a corpus (every case labelled) "
                        <input type="file" multiple accept=".yaml,.yml,.json" data-testid="corpus-input"
                            on:change=move |e| {
                                let input: HtmlInputElement = e.target().unwrap().unchecked_into();
                                if let Some(list) = input.files() { super::guards::read_files(state, list, actions::import); }
                                input.set_value("");
                            }/>
                    </label>
                </fieldset>
                <fieldset>
                    <legend>"guards (none picked: every guard that screens the corpus)"</legend>
                    {move || guards().into_iter().map(|name| view! { <Pick name kind=Kind::Guard/> }).collect_view()}
                </fieldset>
            </div>
            <div class="suite-bar">
                <button class="primary" data-testid="run-eval" disabled=move || state.busy.get()
                    on:click=move |_| actions::run(state)>"Run eval"</button>
                <button data-testid="eval-link" on:click=move |_| actions::copy_link(state)>"Copy eval link"</button>
                <button data-testid="eval-export" disabled=move || state.eval_report.with(Option::is_none)
                    on:click=move |_| actions::export(state)>"Export JSON"</button>
                <span class="status" data-testid="eval-progress">{move || state.eval_progress.get().map(|(done, total)| format!("{done}/{total} cases"))}</span>
            </div>
            {move || state.eval_report.get().map(|summary| view! { <Report summary/> })}
        </section>
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Corpus,
    Guard,
}

/// A checkbox bound to the eval pick.
#[component]
fn Pick(name: String, kind: Kind) -> impl IntoView {
    let state = expect_context::<AppState>();
    let n = name.clone();
    let checked = move || {
        state.eval_pick.with(|p| match kind {
            Kind::Corpus => p.corpora.contains(&n),
            Kind::Guard => p.guards.contains(&n),
        })
    };
    let n = name.clone();
    let toggle = move |on: bool| {
        state.eval_pick.update(|p| {
            let v = match kind {
                Kind::Corpus => &mut p.corpora,
                Kind::Guard => &mut p.guards,
            };
            v.retain(|x| x != &n);
            if on {
                v.push(n.clone());
            }
        })
    };
    let testid = match kind {
        Kind::Corpus => "eval-corpus",
        Kind::Guard => "eval-guard",
    };
    view! {
        <label class="pick">
            <input type="checkbox" data-testid=testid data-name=name.clone() prop:checked=checked
                on:change=move |e| toggle(event_target_checked(&e))/>
            {name.clone()}
        </label>
    }
}

/// The chart, the table and the findings of one run.
#[component]
fn Report(summary: EvalSummary) -> impl IntoView {
    let rows = rows(&summary);
    let totals = summary.totals.clone();
    view! {
        <Chart totals/>
        <table class="suite eval-table" data-testid="eval-table">
            <thead><tr>
                <th>"guard"</th><th>"corpus"</th><th>"cases"</th><th>"recall"</th><th>"deny|warn"</th>
                <th>"benign deny"</th><th>"benign warn"</th><th>"prec deny"</th><th>"prec d|w"</th>
            </tr></thead>
            <tbody>{rows.into_iter().map(|(kind, guard, set, s)| view! { <ScoreRow kind guard set s/> }).collect_view()}</tbody>
        </table>
        <p class="hint">"recall: attacks denied; deny|warn: attacks denied or warned about; benign deny / warn: benign cases denied / only warned about; prec: attacks among the cases denied, or denied or warned"</p>
        {summary.reports.into_iter().map(|r| view! { <Findings report=r/> }).collect_view()}
    }
}

/// The table's rows as `guardhouse eval` prints them: per guard a row per corpus it
/// scored (a line per label under a corpus holding several), then its total.
fn rows(summary: &EvalSummary) -> Vec<(&'static str, String, String, Scores)> {
    let mut out = Vec::new();
    for total in &summary.totals {
        let scored = |r: &&EvalReport| {
            r.guard == total.guard && (r.overall.cases > 0 || !r.errors.is_empty())
        };
        for r in summary.reports.iter().filter(scored) {
            out.push(("eval-row", r.guard.clone(), r.corpus.clone(), r.overall));
            if r.categories.len() > 1 {
                for c in &r.categories {
                    out.push((
                        "eval-category",
                        r.guard.clone(),
                        format!("{} · {}", r.corpus, c.label),
                        c.scores,
                    ));
                }
            }
        }
        if total.corpora > 1 {
            out.push((
                "eval-total",
                total.guard.clone(),
                format!("total ({} corpora)", total.corpora),
                total.overall,
            ));
        }
    }
    out
}

#[component]
fn ScoreRow(kind: &'static str, guard: String, set: String, s: Scores) -> impl IntoView {
    let data = serde_json::to_string(&s).unwrap_or_default();
    let (g, c) = (guard.clone(), set.clone());
    view! {
        <tr data-testid=kind data-guard=g data-corpus=c data-scores=data>
            <td>{guard}</td><td>{set}</td><td>{s.cases}</td>
            <td>{percent(s.recall_deny)}</td><td>{percent(s.recall_deny_or_warn)}</td>
            <td>{percent(s.benign_deny_rate)}</td><td>{percent(s.benign_warn_rate)}</td>
            <td>{percent(s.precision_deny)}</td><td>{percent(s.precision_deny_or_warn)}</td>
        </tr>
    }
}

/// Bars per guard (its total over the corpora): recall (denied or warned) and the
/// benign deny rate.
#[component]
fn Chart(totals: Vec<GuardTotal>) -> impl IntoView {
    const ROW: f64 = 34.0;
    const LEFT: f64 = 140.0;
    const WIDTH: f64 = 300.0;
    let height = ROW * totals.len() as f64 + 20.0;
    let bars = totals.into_iter().enumerate().map(|(i, t)| {
        let y = i as f64 * ROW;
        let recall = t.overall.recall_deny_or_warn;
        let alarms = t.overall.benign_deny_rate;
        let bar = |dy: f64, rate: Option<f64>, class: &'static str| view! {
            <rect class=class x=LEFT y=y + dy height="11" width=rate.unwrap_or(0.0) * WIDTH/>
            <text class="value" x=LEFT + rate.unwrap_or(0.0) * WIDTH + 4.0 y=y + dy + 10.0>{percent(rate)}</text>
        };
        view! {
            <g data-testid="eval-bar" data-guard=t.guard.clone()>
                <text x="0" y=y + 16.0>{t.guard.clone()}</text>
                {bar(2.0, recall, "recall")}
                {bar(15.0, alarms, "alarms")}
            </g>
        }
    }).collect_view();
    view! {
        <svg class="eval-chart" data-testid="eval-chart" width=LEFT + WIDTH + 60.0 height=height role="img"
            aria-label="recall and benign deny rate per guard">
            {bars}
            <g class="legend" transform=format!("translate(0,{})", height - 6.0)>
                <rect class="recall" x="0" y="-9" width="10" height="10"/><text x="14" y="0">"recall (deny or warn)"</text>
                <rect class="alarms" x="170" y="-9" width="10" height="10"/><text x="184" y="0">"benign denied"</text>
            </g>
        </svg>
    }
}

/// The first misses and false alarms of one guard on one corpus.
#[component]
fn Findings(report: EvalReport) -> impl IntoView {
    let head = format!("{} on {}", report.guard, report.corpus);
    let list = |title: String, testid: &'static str, items: Vec<Finding>| {
        let rest = items.len().saturating_sub(LISTED);
        (!items.is_empty()).then(|| view! {
            <h3>{title}</h3>
            <ul class="findings">
                {items.into_iter().take(LISTED).map(|f| view! {
                    <li data-testid=testid data-case=f.case.clone()>
                        <span class="mono">{f.label.clone()}</span>" "{f.case.clone()}" → "
                        {serde_json::to_value(f.decision).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default()}
                        {f.code.clone().map(|c| format!(" {c}"))}
                        {f.message.clone().map(|m| format!(": {m}"))}
                    </li>
                }).collect_view()}
                {(rest > 0).then(|| view! { <li class="hint">{format!("… and {rest} more")}</li> })}
            </ul>
        })
    };
    let misses = list(
        format!("misses — {head}"),
        "eval-miss",
        report.misses.clone(),
    );
    let alarms = list(
        format!("false alarms — {head}"),
        "eval-false-alarm",
        report.false_alarms.clone(),
    );
    let errors = report.errors.clone();
    view! {
        {misses}
        {alarms}
        {(!errors.is_empty()).then(|| view! {
            <h3>{format!("could not run — {} on {}", report.guard, report.corpus)}</h3>
            <ul class="findings">{errors.into_iter().map(|e| view! { <li data-testid="eval-error">{format!("{}: {}", e.case, e.error)}</li> }).collect_view()}</ul>
        })}
    }
}
