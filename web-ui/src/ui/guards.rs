//! Loading guards (drop zone, file picker) and the per-guard inspector.

use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;
use web_sys::{DragEvent, FileList, HtmlInputElement};

use crate::actions;
use crate::model::{LoadedModule, size};
use crate::state::AppState;

use super::config_form::ConfigForm;

/// Reads every file of a list, then hands them to `then` ([`actions::load_files`] for
/// the drop zone).
pub(super) fn read_files(
    state: AppState,
    list: FileList,
    then: fn(AppState, Vec<(String, Vec<u8>)>),
) {
    let files: Vec<web_sys::File> = (0..list.length()).filter_map(|i| list.get(i)).collect();
    // Shown until the last file is loaded (`then` clears it).
    state.set_loading(Some(format!("reading {} file(s)…", files.len())));
    spawn_local(async move {
        let mut out = Vec::new();
        for f in files {
            match crate::js::await_promise(f.array_buffer()).await {
                Ok(buf) => out.push((f.name(), js_sys::Uint8Array::new(&buf).to_vec())),
                Err(e) => state.error(format!("{}: {e}", f.name())),
            }
        }
        then(state, out);
    });
}

/// Drop or pick `.wasm` guards (and case files).
#[component]
pub fn DropZone() -> impl IntoView {
    let state = expect_context::<AppState>();
    let over = RwSignal::new(false);
    view! {
        <label class="drop" class:over=move || over.get() data-testid="drop-zone"
            on:dragover=move |e: DragEvent| { e.prevent_default(); over.set(true); }
            on:dragleave=move |_| over.set(false)
            on:drop=move |e: DragEvent| {
                e.prevent_default();
                over.set(false);
                if let Some(list) = e.data_transfer().and_then(|d| d.files()) { read_files(state, list, actions::load_files); }
            }>
            <strong>"Drop guard components (.wasm) or case files here"</strong>
            <span class="hint">" or click to pick"</span>
            <input type="file" multiple accept=".wasm,.yaml,.yml,.json" data-testid="file-input"
                on:change=move |e| {
                    let input: HtmlInputElement = e.target().unwrap().unchecked_into();
                    if let Some(list) = input.files() { read_files(state, list, actions::load_files); }
                    input.set_value("");
                }/>
        </label>
    }
}

/// Every loaded module with the guards that run it.
#[component]
pub fn GuardList() -> impl IntoView {
    let state = expect_context::<AppState>();
    let ids = move || {
        state.bench.with(|b| {
            b.gateway
                .security_guards
                .iter()
                .map(|g| g.id.clone())
                .collect::<Vec<_>>()
        })
    };
    view! {
        <div class="panel">
            <h2>"Guards"</h2>
            <ul class="guards" data-testid="guard-list">
                <For each=ids key=|id| id.clone() children=move |id| view! { <GuardCard id/> }/>
            </ul>
        </div>
    }
}

/// One guard: a summary line; click for the inspector and config form.
#[component]
fn GuardCard(id: String) -> impl IntoView {
    let state = expect_context::<AppState>();
    let id2 = id.clone();
    let module = {
        let id = id.clone();
        move || {
            state.bench.with(|b| {
                b.gateway
                    .security_guards
                    .iter()
                    .find(|g| g.id == id)
                    .and_then(|g| b.module_for(g).cloned())
            })
        }
    };
    let open = {
        let id = id.clone();
        move || state.selected.get().as_deref() == Some(id.as_str())
    };
    let toggle = {
        let id = id.clone();
        move |_| {
            state.selected.update(|s| {
                *s = if s.as_deref() == Some(&id) {
                    None
                } else {
                    Some(id.clone())
                }
            })
        }
    };
    let summary = module.clone();
    let open2 = open.clone();
    view! {
        <li class="guard" data-testid="guard-card" data-guard=id.clone()>
            <button class="guard-head" on:click=toggle aria-expanded=move || open2().to_string()>
                <span class="gid">{id.clone()}</span>
                <span class="meta">{move || summary().map_or("module missing".to_string(), |m| format!("{} · {}", size(m.info.size), &m.info.sha256[..12]))}</span>
            </button>
            <Show when=open.clone()>
                {
                    let id = id2.clone();
                    let module = module.clone();
                    move || module().map(|m| view! { <Inspector module=m/> <ConfigForm id=id.clone()/> })
                }
            </Show>
        </li>
    }
}

/// What core's inspection says about a module, and what loading it cost.
#[component]
fn Inspector(module: LoadedModule) -> impl IntoView {
    let info = module.info.clone();
    view! {
        <dl class="inspector" data-testid="inspector">
            <dt>"file"</dt><dd>{module.path.clone()}</dd>
            <dt>"contract"</dt><dd data-testid="contract">{info.contract.to_string()}</dd>
            <dt>"exports"</dt><dd>{info.exports.join(", ")}</dd>
            <dt>"imports"</dt><dd>{if info.imports.is_empty() { "none".to_string() } else { info.imports.join(", ") }}</dd>
            <dt>"WASI"</dt><dd data-testid="wasi-version">{info.wasi_version.clone().unwrap_or_else(|| "none".to_string())}</dd>
            <dt>"producers"</dt><dd data-testid="producers">{if info.producers.is_empty() { "not recorded".to_string() } else { info.producers.iter().map(|p| p.label()).collect::<Vec<_>>().join("; ") }}</dd>
            <dt>"size"</dt><dd>{format!("{} bytes", info.size)}</dd>
            <dt>"sha256"</dt><dd class="mono" data-testid="sha256">{info.sha256.clone()}</dd>
            <dt>"load"</dt><dd data-testid="load-time" data-total-ms=format!("{:.0}", module.timings.total_ms)>{module.timings.to_string()}</dd>
        </dl>
    }
}
