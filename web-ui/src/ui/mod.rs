//! The page's components. Each is small and reads [`AppState`] from context.

mod chain;
mod config_form;
mod eval;
mod guards;
mod payload;
mod results;
mod suite;

use leptos::ev;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::actions;
use crate::state::{AppState, Notice};

/// The whole page.
#[component]
pub fn App() -> impl IntoView {
    let state = AppState::new();
    provide_context(state);
    crate::bench::register(state);
    let handle = window_event_listener(ev::keydown, move |e| {
        if (e.ctrl_key() || e.meta_key()) && e.key() == "Enter" {
            e.prevent_default();
            actions::run_case(state);
        }
    });
    // The status line's elapsed time ticks while something loads (the transpiler runs
    // in its own worker, so it ticks through that stage too).
    let ticker = set_interval_with_handle(
        move || {
            if state.loading.with_untracked(Option::is_some) {
                state.clock.set(crate::js::now());
            }
        },
        std::time::Duration::from_millis(100),
    );
    on_cleanup(move || {
        handle.remove();
        if let Ok(t) = ticker {
            t.clear();
        }
    });
    spawn_local(async move {
        let hash = window().location().hash().unwrap_or_default();
        if hash.starts_with(crate::share::PREFIX) {
            actions::open_link(state, &hash).await;
        } else {
            actions::preload_demo(state).await;
        }
        state.ready.set(true);
    });
    view! {
        <header class="top">
            <h1>"guardhouse" <span class="sub">" · guards in the browser"</span></h1>
            <Toolbar/>
        </header>
        <Notices/>
        <main class="workspace" data-testid="workspace" data-runs=move || state.runs.get().to_string()>
            <section class="col">
                <guards::DropZone/>
                <guards::GuardList/>
            </section>
            <section class="col">
                <chain::ChainView/>
                <payload::PayloadEditor/>
            </section>
            <section class="col">
                <results::Results/>
                <suite::SuiteRunner/>
            </section>
        </main>
        <eval::EvalPanel/>
    }
}

/// Run, share, import and export.
#[component]
fn Toolbar() -> impl IntoView {
    let state = expect_context::<AppState>();
    view! {
        <nav class="toolbar">
            <button class="primary" data-testid="run" title="Ctrl+Enter"
                disabled=move || state.busy.get()
                on:click=move |_| actions::run_case(state)>
                {move || if state.busy.get() { "Running…" } else { "Run ⏎" }}
            </button>
            <button data-testid="copy-link" on:click=move |_| actions::copy_link(state)>"Copy link"</button>
            <button data-testid="export-case" on:click=move |_| actions::export_case(state)>"Export case"</button>
            <span class="status" data-testid="loading">{move || state.loading_status()}</span>
            <Show when=move || state.ready.get()><span data-testid="ready" hidden></span></Show>
        </nav>
        <Show when=move || !state.link.get().is_empty()>
            <div class="link-row">
                <label>"link " <input readonly data-testid="share-link" prop:value=move || state.link.get()/></label>
                <span class="hint">{move || format!("{} characters; modules up to {} KiB travel inside", state.link.get().len(), crate::share::embed_limit(&window().location().search().unwrap_or_default()) / 1024)}</span>
            </div>
        </Show>
    }
}

/// Errors and messages, dismissable.
#[component]
fn Notices() -> impl IntoView {
    let state = expect_context::<AppState>();
    view! {
        <div class="notices" data-testid="notices">
            <For each={move || state.notices.get().into_iter().enumerate().collect::<Vec<(usize, Notice)>>()}
                key=|(i, n)| (*i, n.text.clone())
                children=move |(i, n)| view! {
                    <div class={if n.error { "notice error" } else { "notice" }} data-testid={if n.error { "error" } else { "info" }}>
                        <span>{n.text.clone()}</span>
                        <button class="x" aria-label="dismiss" on:click=move |_| state.notices.update(|v| { if i < v.len() { v.remove(i); } })>"×"</button>
                    </div>
                }/>
            <For each=move || state.needed.get() key=|m| m.sha256.clone()
                children=move |m| view! {
                    <div class="notice error" data-testid="needed-module">
                        {format!("this link needs {} ({} bytes, sha256 {}): drop it on the page", m.path, m.size, m.sha256)}
                    </div>
                }/>
        </div>
    }
}
