//! What the page's buttons do: load files, run, share, import and export.

use leptos::prelude::*;
use leptos::task::spawn_local;

use guardhouse_core::case::{CaseFile, GatewaySource};
use guardhouse_core::config::GatewayConfig;
use guardhouse_core::inspect::sha256_hex;

use crate::exec;
use crate::js;
use crate::loader;
use crate::model::case_file;
use crate::share;
use crate::state::{AppState, RunView};

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
        let (result, timings) = exec::run_case(&bench, case).await;
        state.run.set(Some(RunView {
            original,
            result,
            timings,
            elapsed_ms: js::now() - start,
        }));
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
    });
}

async fn add_module(state: AppState, path: &str, bytes: Vec<u8>) {
    state.loading.set(Some(format!("loading {path}…")));
    match loader::load_module(path, bytes).await {
        Ok(m) => {
            let id = m.file_name().trim_end_matches(".wasm").to_string();
            state.bench.update(|b| b.add_module(m));
            state.selected.set(Some(id));
        }
        Err(e) => state.error(e),
    }
    state.loading.set(None);
}

/// Imports a case file: its first case goes to the editor, the file to the suite list,
/// and an inline chain replaces the page's.
pub fn import_case(state: AppState, name: &str, text: &str) {
    let file = match CaseFile::parse(name, text) {
        Ok(f) => f,
        Err(e) => return state.error(e.to_string()),
    };
    if let Some(GatewaySource::Inline(cfg)) = &file.gateway {
        state.bench.update(|b| b.gateway = cfg.clone());
    }
    if let Some(first) = file.cases.first() {
        state.editor.update(|e| e.load_case(first));
    }
    state.suites.update(|s| {
        s.retain(|(n, _)| n != name);
        s.push((name.to_string(), file));
    });
    state.info(format!("imported {name}"));
}

/// The edited case with the chain inline, as a case file.
fn current_file(state: AppState) -> Result<CaseFile, String> {
    let bench = state.bench.get_untracked();
    let case = state.editor.with_untracked(|e| e.to_case(&bench))?;
    Ok(case_file(&bench, case))
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
        Ok(fragment) => {
            let location = window().location();
            let base = format!(
                "{}{}{}",
                location.origin().unwrap_or_default(),
                location.pathname().unwrap_or_default(),
                location.search().unwrap_or_default()
            );
            let url = format!("{base}{fragment}");
            let _ = window().history().and_then(|h| {
                h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url))
            });
            state.link.set(url.clone());
            spawn_local(async move {
                let _ = js::await_promise(js::copy_text(&url)).await;
            });
        }
        Err(e) => state.error(format!("cannot make a link: {e}")),
    }
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
        state.bench.update(|b| b.gateway = cfg.clone());
    }
    if let Some(first) = shared.file.cases.first() {
        state.editor.update(|e| e.load_case(first));
    }
    let complete = needed.is_empty();
    state.needed.set(needed);
    if complete {
        state.info(LINK_LOADED);
    } else {
        state.info("this link names modules larger than the embedding limit: drop them here");
    }
}

/// Loads the demo: the example chain, its guards and suites.
pub async fn preload_demo(state: AppState) {
    let (index, text) = match loader::load_demo().await {
        Ok(x) => x,
        Err(e) => return state.error(format!("demo: {e}")),
    };
    let gateway = match GatewayConfig::parse(&index.gateway, &text) {
        Ok(g) => g,
        Err(e) => return state.error(e.to_string()),
    };
    state.bench.update(|b| b.gateway = gateway.clone());
    let mut seen = Vec::new();
    for g in &gateway.security_guards {
        if seen.contains(&g.module_path) {
            continue;
        }
        seen.push(g.module_path.clone());
        let url = loader::module_url(&index.gateway, &g.module_path);
        match js::fetch(&url).await {
            Ok(bytes) => add_module(state, g.module_path.trim_start_matches("./"), bytes).await,
            Err(e) => state.error(e),
        }
    }
    for url in &index.suites {
        match js::fetch_text(url).await {
            Ok(text) => match CaseFile::parse(url, &text) {
                Ok(file) => state.suites.update(|s| s.push((url.clone(), file))),
                Err(e) => state.error(e.to_string()),
            },
            Err(e) => state.error(e),
        }
    }
    state.selected.set(None);
}

/// Runs suite `name` and shows its table.
pub fn run_suite(state: AppState, name: String) {
    if state.busy.get_untracked() {
        return;
    }
    let Some(file) = state
        .suites
        .with_untracked(|s| s.iter().find(|(n, _)| *n == name).map(|(_, f)| f.clone()))
    else {
        return;
    };
    state.busy.set(true);
    let bench = state.bench.get_untracked();
    spawn_local(async move {
        let mut report = exec::run_file(&bench, &file).await;
        report.name = Some(name);
        state.suite_report.set(Some(report));
        state.busy.set(false);
        state.runs.update(|n| *n += 1);
    });
}

/// Drops every persistent instance, so guard state starts fresh.
pub fn reset_instances(state: AppState) {
    spawn_local(async move {
        match js::await_promise(js::reset_instances()).await {
            Ok(_) => state.info("persistent instances reset"),
            Err(e) => state.error(e),
        }
    });
}
