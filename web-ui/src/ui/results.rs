//! The last run: final decision, per-guard trace with timings, logs, payload diff.

use leptos::prelude::*;
use serde_json::Value;

use guardhouse_core::case::Expect;

use crate::exec::CallTiming;
use crate::state::{AppState, RunView};

fn verdict(v: guardhouse_core::Verdict) -> &'static str {
    match v {
        guardhouse_core::Verdict::Allow => "allow",
        guardhouse_core::Verdict::Deny => "deny",
        guardhouse_core::Verdict::Modify => "modify",
        guardhouse_core::Verdict::Warn => "warn",
    }
}

fn us(v: Option<f64>) -> String {
    v.map_or("–".into(), |v| format!("{v:.0}"))
}

/// A line diff (longest common subsequence) of two texts: (`' '|'-'|'+'`, line).
pub fn line_diff(a: &str, b: &str) -> Vec<(char, String)> {
    let (a, b): (Vec<&str>, Vec<&str>) = (a.lines().collect(), b.lines().collect());
    let mut lcs = vec![vec![0u32; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j, mut out) = (0, 0, Vec::new());
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            out.push((' ', a[i].to_string()));
            (i, j) = (i + 1, j + 1);
        } else if j < b.len() && (i == a.len() || lcs[i][j + 1] >= lcs[i + 1][j]) {
            out.push(('+', b[j].to_string()));
            j += 1;
        } else {
            out.push(('-', a[i].to_string()));
            i += 1;
        }
    }
    out
}

/// The results panel.
#[component]
pub fn Results() -> impl IntoView {
    let state = expect_context::<AppState>();
    view! {
        <div class="panel results" data-testid="results">
            <h2>"Result"</h2>
            {move || match state.run.get() {
                None => view! { <p class="hint">"Run the case (Ctrl+Enter) to see the chain's decision."</p> }.into_any(),
                Some(run) => view! { <RunResult run/> }.into_any(),
            }}
        </div>
    }
}

#[component]
fn RunResult(run: RunView) -> impl IntoView {
    let r = run.result.clone();
    let Some(eval) = r.evaluation.clone() else {
        return view! {
            <div class="decision deny" data-testid="decision">"error"</div>
            <ul class="errors">{r.failures.into_iter().map(|f| view! { <li>{f}</li> }).collect_view()}</ul>
        }
        .into_any();
    };
    let state = expect_context::<AppState>();
    let expect = Expect {
        decision: Some(eval.decision),
        code: eval.deny.as_ref().map(|d| d.code.clone()),
        guard: eval.deny.as_ref().map(|d| d.guard.clone()),
        payload: eval.payload.clone(),
        ..Expect::default()
    };
    let decision = verdict(eval.decision);
    let deny = eval.deny.clone();
    let timing_of = |g: &str| -> CallTiming {
        run.timings
            .iter()
            .find(|t| t.guard == g)
            .cloned()
            .unwrap_or_default()
    };
    let rows = eval
        .trace
        .iter()
        .map(|t| {
            let tm = timing_of(&t.guard);
            view! {
                <tr data-testid="trace-row" data-guard=t.guard.clone() class=t.decision.clone()>
                    <td>{t.guard.clone()}</td>
                    <td>{t.decision.clone()}</td>
                    <td class="mono">{t.code.clone().unwrap_or_default()}</td>
                    <td class="num">{us(tm.instantiate_us)}</td>
                    <td class="num">{us(tm.call_us)}</td>
                    <td class="num">{t.duration_us}</td>
                    <td class="num">{t.fuel_used.map(|f| f.to_string()).unwrap_or_default()}</td>
                </tr>
            }
        })
        .collect_view();
    let logs: Vec<String> = eval
        .trace
        .iter()
        .flat_map(|t| {
            t.logs.iter().cloned().chain(
                t.failure
                    .iter()
                    .map(|f| format!("[{}] {}", t.guard, f.message)),
            )
        })
        .collect();
    let diff = eval.payload.as_ref().map(|after| {
        let pretty = |v: &Value| serde_json::to_string_pretty(v).unwrap_or_default();
        line_diff(&pretty(&run.original), &pretty(after))
    });
    view! {
        <div class=format!("decision {decision}") data-testid="decision">{decision}</div>
        {deny.map(|d| view! {
            <p class="deny"><code data-testid="deny-code">{d.code}</code>" by "<b data-testid="deny-guard">{d.guard}</b>": "{d.message}</p>
        })}
        <ul class="warnings">{eval.warnings.iter().map(|w| view! { <li data-testid="warning">{format!("{}: {}", w.guard, w.message)}</li> }).collect_view()}</ul>
        <button data-testid="expect-this" title="make this result the case's expected outcome"
            on:click=move |_| state.editor.update(|e| e.expect = Some(expect.clone()))>"Expect this"</button>
        <p class="hint" data-testid="elapsed">{format!("chain {:.1} ms in the page", run.elapsed_ms)}</p>
        {(!r.failures.is_empty()).then(|| view! {
            <ul class="errors" data-testid="expect-failures">{r.failures.iter().map(|f| view! { <li>{f.clone()}</li> }).collect_view()}</ul>
        })}
        <table class="trace" data-testid="trace">
            <thead><tr><th>"guard"</th><th>"decision"</th><th>"code"</th><th>"inst µs"</th><th>"call µs"</th><th>"total µs"</th><th>"fuel"</th></tr></thead>
            <tbody>{rows}</tbody>
        </table>
        <h3>"Logs"</h3>
        <pre class="logs" data-testid="logs">{logs.join("\n")}</pre>
        {diff.map(|d| view! {
            <h3>"Modified payload"</h3>
            <pre class="diff" data-testid="diff">{d.into_iter().map(|(k, line)| view! {
                <div class=match k { '+' => "add", '-' => "del", _ => "same" }>{format!("{k} {line}")}</div>
            }).collect_view()}</pre>
        })}
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::line_diff;

    #[test]
    fn line_diff_marks_changed_lines() {
        let d = line_diff("a\nb\nc", "a\nB\nc\nd");
        let want: Vec<(char, String)> =
            [(' ', "a"), ('+', "B"), ('-', "b"), (' ', "c"), ('+', "d")]
                .into_iter()
                .map(|(k, l)| (k, l.to_string()))
                .collect();
        assert_eq!(d, want);
    }
}
