//! What the eval view's buttons do: load corpora, run, export, share.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{Corpus, EvalLink, EvalPick};
use crate::state::AppState;
use crate::{actions, js, loader, model, share};

/// What the page says once a shared eval's corpora and modules are loaded.
pub const EVAL_LINK_LOADED: &str = "shared eval loaded: check it, then press Run eval";

/// Loads the bundled corpora at `urls` (the demo's `guards/corpora`).
pub async fn load_bundled(state: AppState, urls: &[String]) {
    for url in urls {
        match bundled(url).await {
            Ok(corpus) => state.corpora.update(|c| c.push(corpus)),
            Err(e) => state.error(e),
        }
    }
}

async fn bundled(url: &str) -> Result<Corpus, String> {
    let text = js::fetch_text(url).await?;
    let mut corpus = super::read_corpus(url, &text)?;
    corpus.bundled = true;
    Ok(corpus)
}

/// Adds corpus files the user gave; an unlabelled or malformed one is refused with
/// core's words.
pub fn import(state: AppState, files: Vec<(String, Vec<u8>)>) {
    state.set_loading(None);
    for (name, bytes) in files {
        let Ok(text) = String::from_utf8(bytes) else {
            state.error(format!("{name}: not UTF-8 text"));
            continue;
        };
        match super::read_corpus(&name, &text) {
            Ok(corpus) => {
                state.corpora.update(|c| {
                    c.retain(|x| x.name != name);
                    c.push(corpus);
                });
                state.eval_pick.update(|p| {
                    if !p.corpora.contains(&name) {
                        p.corpora.push(name.clone());
                    }
                });
                state.info(format!("corpus {name} added"));
            }
            Err(e) => state.error(e),
        }
    }
}

/// Scores the picked guards over the picked corpora and shows the report.
pub fn run(state: AppState) {
    if state.busy.get_untracked() {
        return;
    }
    let bench = state.bench.get_untracked();
    let pick = state.eval_pick.get_untracked();
    let plan = state
        .corpora
        .with_untracked(|c| super::plan(&bench, c, &pick));
    let plan = match plan {
        Ok(p) => p,
        Err(e) => return state.error(format!("cannot run the eval: {e}")),
    };
    state.busy.set(true);
    state.eval_progress.set(Some((0, 0)));
    spawn_local(async move {
        let progress = |done, total| state.eval_progress.set(Some((done, total)));
        match super::run(&bench, plan, &progress).await {
            Ok(summary) => state.eval_report.set(Some(summary)),
            Err(e) => state.error(format!("cannot run the eval: {e}")),
        }
        state.eval_progress.set(None);
        state.busy.set(false);
        state.runs.update(|n| *n += 1);
    });
}

/// Saves the report as `guardhouse eval --json` prints it.
pub fn export(state: AppState) {
    let Some(summary) = state.eval_report.get_untracked() else {
        return state.error("cannot export: run an eval first");
    };
    match serde_json::to_string_pretty(&summary) {
        Ok(text) => js::download("eval.json", &text),
        Err(e) => state.error(format!("cannot export: {e}")),
    }
}

/// Puts a link to the picked eval (the chain, its modules, the corpora and guards) in
/// the address bar and the clipboard.
pub fn copy_link(state: AppState) {
    let bench = state.bench.get_untracked();
    let pick = state.eval_pick.get_untracked();
    let made = state.corpora.with_untracked(|c| {
        let link = super::link(c, &pick)?;
        let file = model::case_file(&bench, vec![chain_case(c, &pick)?]);
        let query = window().location().search().unwrap_or_default();
        share::encode_with(&bench, &file, Some(link), share::embed_limit(&query))
    });
    match made {
        Ok(fragment) => actions::show_link(state, &fragment),
        Err(e) => state.error(format!("cannot make a link: {e}")),
    }
}

/// The one case the link's case file holds to carry the chain (a case file has at
/// least one): the first picked corpus's first case, plain.
fn chain_case(corpora: &[Corpus], pick: &EvalPick) -> Result<guardhouse_core::case::Case, String> {
    let first = super::picked(corpora, pick)?[0];
    let mut case = first.file.cases[0].clone();
    case.label = None;
    case.scenario = None;
    case.expect = None;
    Ok(case)
}

/// Opens the eval part of a shared link: its corpora (bundled ones from the page's
/// own, the others from the link) and guards. Like a case link, it runs on a click.
pub async fn open_link(state: AppState, link: EvalLink, complete: bool) {
    let served = match loader::load_demo().await {
        Ok(index) => index.corpora,
        Err(e) => return state.error(e),
    };
    let mut corpora = Vec::new();
    for c in link.corpora.iter().cloned() {
        let corpus = match c.file {
            Some(value) => super::from_link(&c.name, value),
            None if served.contains(&c.name) => bundled(&c.name).await,
            None => Err(format!("this page has no bundled corpus `{}`", c.name)),
        };
        match corpus {
            Ok(corpus) => corpora.push(corpus),
            Err(e) => return state.error(e),
        }
    }
    state.corpora.set(corpora);
    state.eval_pick.set(EvalPick {
        corpora: link.corpora.into_iter().map(|c| c.name).collect(),
        guards: link.guards,
    });
    if complete {
        state.info(EVAL_LINK_LOADED);
    } else {
        state.info("this link names modules larger than the embedding limit: drop them here");
    }
}
