//! What the page's buttons do: load files, run, share, import and export.

use leptos::prelude::*;
use leptos::task::spawn_local;

use guardhouse_core::case::{CaseFile, GatewaySource};
use guardhouse_core::config::GatewayConfig;
use guardhouse_core::inspect::sha256_hex;

use crate::exec;
use crate::js;
use crate::loader::{self, Stage};
use crate::model::{Workbench, case_file, size};
use crate::share;
use crate::state::{AppState, RunView, Suite};

/// Runs the edited case through the chain (Ctrl+Enter).
pub fn run_case(state: AppState) {
    if state.busy.get_untracked() {
        return;
    }
    let bench = state.bench.get_untracked();
    let case = match state.editor.with_untracked(|e| e.to_case(&bench)) {
        Ok(c) => c,
        Err(e) => return state.error(format!("cannot run: {e}")),
    };
    state.busy.set(true);
    spawn_local(async move {
        let start = js::now();
        let original = case.payload.clone();
        match exec::run_case(&bench, case).await {
            Ok((result, timings)) => state.run.set(Some(RunView {
                original,
                result,
                timings,
                elapsed_ms: js::now() - start,
            })),
            Err(e) => state.error(format!("cannot run: {e}")),
        }
        state.busy.set(false);
        state.runs.update(|n| *n += 1);
    });
}

/// Loads dropped or picked files: components join the chain, case files are imported,
/// and modules an opened link asked for are checked against its hash.
pub fn load_files(state: AppState, files: Vec<(String, Vec<u8>)>) {
    spawn_local(async move {
        for (name, bytes) in files {
            let lower = name.to_ascii_lowercase();
            if [".yaml", ".yml", ".json"]
                .iter()
                .any(|e| lower.ends_with(e))
            {
                match String::from_utf8(bytes) {
                    Ok(text) => import_case(state, &name, &text),
                    Err(_) => state.error(format!("{name}: not UTF-8 text")),
                }
                continue;
            }
            if let Some(want) = state
                .needed
                .with_untracked(|n| n.iter().find(|m| m.path.ends_with(&name)).cloned())
            {
                let have = sha256_hex(&bytes);
                if have != want.sha256 {
                    state.error(share::hash_mismatch(&name, &have, &want.sha256));
                    continue;
                }
                state.needed.update(|n| n.retain(|m| m.path != want.path));
                add_module(state, &want.path, bytes).await;
                if state.needed.with_untracked(Vec::is_empty) {
                    state.info(LINK_LOADED);
                }
                continue;
            }
            add_module(state, &name, bytes).await;
        }
        state.set_loading(None);
    });
}

/// Loads a module, showing each stage with the time elapsed, then what it took.
async fn add_module(state: AppState, path: &str, bytes: Vec<u8>) {
    let what = format!("{path} ({})", size(bytes.len() as u64));
    // Its own clock: not the time the files took to read.
    state.set_loading(None);
    state.set_loading(Some(format!("loading {what}…")));
    let progress = |stage: Stage| state.set_loading(Some(format!("{what}: {stage}…")));
    match loader::load_module(path, bytes, &progress).await {
        Ok(m) => {
            state.info(format!("loaded {what} in {}", m.timings));
            let id = m.file_name().trim_end_matches(".wasm").to_string();
            state.bench.update(|b| b.add_module(m));
            state.selected.set(Some(id));
            // A chain pinning this guard to another hash refuses it, as at load natively.
            if let Err(e) = state.bench.with_untracked(Workbench::check_pins) {
                state.error(e);
            }
        }
        Err(e) => state.error(e),
    }
    state.set_loading(None);
}

/// Imports a case file: its first case goes to the editor, the file to the suite list,
/// and an inline chain replaces the page's.
pub fn import_case(state: AppState, name: &str, text: &str) {
    let file = match CaseFile::parse(name, text) {
        Ok(f) => f,
        Err(e) => return state.error(e.to_string()),
    };
    if let Some(GatewaySource::Inline(cfg)) = &file.gateway {
        state.bench.update(|b| b.set_chain(cfg.clone(), None));
    }
    state.editor.update(|e| e.load_cases(&file.cases));
    state.suites.update(|s| {
        s.retain(|x| x.name != name);
        s.push(Suite {
            name: name.to_string(),
            file,
            gateway: None,
        });
    });
    state.info(format!("imported {name}"));
}

/// The edited case (or scenario) with the chain inline, as a case file.
fn current_file(state: AppState) -> Result<CaseFile, String> {
    let bench = state.bench.get_untracked();
    let cases = state.editor.with_untracked(|e| e.to_cases(&bench))?;
    Ok(case_file(&bench, cases))
}

/// Appends the edited case to the scenario as its next step.
pub fn add_step(state: AppState) {
    let bench = state.bench.get_untracked();
    let mut result = Ok(());
    state.editor.update(|e| result = e.add_step(&bench));
    if let Err(e) = result {
        state.error(format!("cannot add the step: {e}"));
    }
}

/// Runs the scenario's steps in order on fresh guard instances, as `guardhouse test`
/// does; the results show as a suite report, one row per step.
pub fn run_scenario(state: AppState) {
    if state.busy.get_untracked() {
        return;
    }
    let file = match current_file(state) {
        Ok(f) => f,
        Err(e) => return state.error(format!("cannot run: {e}")),
    };
    let bench = state.bench.get_untracked();
    state.busy.set(true);
    spawn_local(async move {
        match exec::run_file(&bench, &file).await {
            Ok(mut report) => {
                report.name = file.name.clone().map(|n| format!("scenario: {n}"));
                state.suite_report.set(Some(report));
            }
            Err(e) => state.error(format!("cannot run: {e}")),
        }
        state.busy.set(false);
        state.runs.update(|n| *n += 1);
    });
}

/// Saves the edited case as YAML `guardhouse test` runs unchanged.
pub fn export_case(state: AppState) {
    match current_file(state) {
        Ok(file) => {
            let value = serde_json::to_value(&file).unwrap_or_default();
            js::download("case.yaml", &crate::yaml::to_yaml(&value));
        }
        Err(e) => state.error(format!("cannot export: {e}")),
    }
}

/// Puts a link to the edited case in the address bar and the clipboard.
pub fn copy_link(state: AppState) {
    let bench = state.bench.get_untracked();
    let query = window().location().search().unwrap_or_default();
    let limit = share::embed_limit(&query);
    let link = current_file(state).and_then(|file| share::encode(&bench, &file, limit));
    match link {
        Ok(fragment) => show_link(state, &fragment),
        Err(e) => state.error(format!("cannot make a link: {e}")),
    }
}

/// Puts the page's URL with `fragment` in the address bar, the link row and the
/// clipboard.
pub fn show_link(state: AppState, fragment: &str) {
    let location = window().location();
    let base = format!(
        "{}{}{}",
        location.origin().unwrap_or_default(),
        location.pathname().unwrap_or_default(),
        location.search().unwrap_or_default()
    );
    let url = format!("{base}{fragment}");
    let _ = window()
        .history()
        .and_then(|h| h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url)));
    state.link.set(url.clone());
    spawn_local(async move {
        let _ = js::await_promise(js::copy_text(&url)).await;
    });
}

/// What the page says once a shared link's case and modules are loaded.
pub const LINK_LOADED: &str = "shared case loaded: check it, then press Run";

/// Opens a shared link: loads its modules, chain and case, and shows them. It does not
/// run them: a link is anyone's input, and what it runs is decided by a click.
pub async fn open_link(state: AppState, fragment: &str) {
    let shared = match share::decode(fragment) {
        Ok(s) => s,
        Err(e) => return state.error(e),
    };
    let mut needed = Vec::new();
    for (m, bytes) in shared.modules {
        match bytes {
            Some(b) => add_module(state, &m.path, b).await,
            None => needed.push(m),
        }
    }
    if let Some(GatewaySource::Inline(cfg)) = &shared.file.gateway {
        state.bench.update(|b| b.set_chain(cfg.clone(), None));
    }
    let complete = needed.is_empty();
    state.needed.set(needed);
    if let Some(link) = shared.eval {
        return crate::eval::actions::open_link(state, link, complete).await;
    }
    state.editor.update(|e| e.load_cases(&shared.file.cases));
    if complete {
        state.info(LINK_LOADED);
    } else {
        state.info("this link names modules larger than the embedding limit: drop them here");
    }
}

/// Loads the demo: the example chain, its guards, suites and corpora. The guards of the other
/// gateways the demo serves load when a suite that names one runs.
pub async fn preload_demo(state: AppState) {
    let index = match loader::load_demo().await {
        Ok(x) => x,
        Err(e) => return state.error(format!("demo: {e}")),
    };
    if let Err(e) = load_gateway(state, &index.gateway).await {
        return state.error(e);
    }
    for url in &index.suites {
        match js::fetch_text(url).await {
            Ok(text) => match CaseFile::parse(url, &text) {
                Ok(file) => {
                    let gateway = index.suite_gateway(url, &file);
                    state.suites.update(|s| {
                        s.push(Suite {
                            name: url.clone(),
                            file,
                            gateway,
                        })
                    });
                }
                Err(e) => state.error(e.to_string()),
            },
            Err(e) => state.error(e),
        }
    }
    crate::eval::actions::load_bundled(state, &index.corpora).await;
}

/// Puts the gateway file at `url` on the page as the chain and loads the modules it
/// names that the page does not have yet (relative to the file, as natively).
async fn load_gateway(state: AppState, url: &str) -> Result<(), String> {
    let text = js::fetch_text(url).await?;
    let gateway = GatewayConfig::parse(url, &text).map_err(|e| e.to_string())?;
    state
        .bench
        .update(|b| b.set_chain(gateway.clone(), Some(url.to_string())));
    let mut seen = Vec::new();
    for g in &gateway.security_guards {
        let loaded = state.bench.with_untracked(|b| b.module_for(g).is_some());
        if loaded || seen.contains(&g.module_path) {
            continue;
        }
        seen.push(g.module_path.clone());
        let path = g.module_path.trim_start_matches("./");
        state.set_loading(Some(format!("fetching {path}…")));
        match js::fetch(&loader::module_url(url, &g.module_path)).await {
            Ok(bytes) => add_module(state, path, bytes).await,
            Err(e) => state.error(e),
        }
        state.set_loading(None);
    }
    state.selected.set(None);
    Ok(())
}

/// Runs suite `name` and shows its table. A suite naming a served gateway file runs on
/// that chain, which stays on the page (so a case opened from the table runs alike).
pub fn run_suite(state: AppState, name: String) {
    if state.busy.get_untracked() {
        return;
    }
    let Some(suite) = state
        .suites
        .with_untracked(|s| s.iter().find(|x| x.name == name).cloned())
    else {
        return;
    };
    state.busy.set(true);
    spawn_local(async move {
        if let Some(url) = &suite.gateway
            && state
                .bench
                .with_untracked(|b| b.source.as_deref() != Some(url.as_str()))
        {
            match load_gateway(state, url).await {
                Ok(()) => state.info(format!("chain: {url} (named by {name})")),
                Err(e) => state.error(e),
            }
        }
        let bench = state.bench.get_untracked();
        match exec::run_file(&bench, &suite.file).await {
            Ok(mut report) => {
                report.name = Some(name);
                state.suite_report.set(Some(report));
            }
            Err(e) => state.error(format!("cannot run {name}: {e}")),
        }
        state.busy.set(false);
        state.runs.update(|n| *n += 1);
    });
}

/// Drops every persistent instance, so guard state starts fresh.
pub fn reset_instances(state: AppState) {
    spawn_local(async move {
        match js::await_promise(js::reset_instances()).await {
            Ok(_) => {
                crate::exec::forget_losses();
                state.info("persistent instances reset")
            }
            Err(e) => state.error(e),
        }
    });
}
