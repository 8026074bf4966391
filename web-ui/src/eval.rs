//! `guardhouse eval` in the page: scores the chosen guards of the page's chain over the
//! chosen labelled corpora. Core decides everything ([`eval::prepare`],
//! [`EvalReport::score`], [`EvalSummary`]); the page only drives each prepared corpus
//! through the worker, as it drives suites ([`exec::run_file_with`]).

pub mod actions;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use guardhouse_core::case::CaseFile;
use guardhouse_core::eval::{self, EvalError, EvalReport, EvalSummary, Prepared};
use guardhouse_core::source::Document;

use crate::exec;
use crate::model::Workbench;

/// A labelled corpus the page knows: a bundled one (`guards/corpora/*.yaml`, by URL) or
/// a file the user gave (by file name).
#[derive(Debug, Clone, PartialEq)]
pub struct Corpus {
    pub name: String,
    pub file: CaseFile,
    /// Served with the page (a link names it instead of carrying it).
    pub bundled: bool,
}

/// What to score: corpora by name and guard ids (none: core's [`eval::default_guards`]).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EvalPick {
    pub corpora: Vec<String>,
    pub guards: Vec<String>,
}

/// A corpus in a link: a bundled one by name, any other with its cases.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinkedCorpus {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<Value>,
}

/// The eval part of a link: the corpora and the guards picked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvalLink {
    pub corpora: Vec<LinkedCorpus>,
    pub guards: Vec<String>,
}

/// Reads a corpus file the user gave, refusing it as `guardhouse eval` would (a parse
/// error, or `name: case `x` has no `label` …`).
pub fn read_corpus(name: &str, text: &str) -> Result<Corpus, String> {
    let file = CaseFile::parse(name, text).map_err(|e| e.to_string())?;
    eval::check_labels(&file).map_err(|e| format!("{name}: {e}"))?;
    Ok(Corpus {
        name: name.to_string(),
        file,
        bundled: false,
    })
}

/// The link form of the picked corpora.
pub fn link(corpora: &[Corpus], pick: &EvalPick) -> Result<EvalLink, String> {
    let corpora = picked(corpora, pick)?
        .into_iter()
        .map(|c| {
            let file = match c.bundled {
                true => None,
                false => Some(serde_json::to_value(&c.file).map_err(|e| e.to_string())?),
            };
            Ok(LinkedCorpus {
                name: c.name.clone(),
                file,
            })
        })
        .collect::<Result<_, String>>()?;
    Ok(EvalLink {
        corpora,
        guards: pick.guards.clone(),
    })
}

/// A corpus a link carried, read back (checked as one given by the user).
pub fn from_link(name: &str, value: Value) -> Result<Corpus, String> {
    let file =
        CaseFile::from_document(&Document::from_value(name, value)).map_err(|e| e.to_string())?;
    eval::check_labels(&file).map_err(|e| format!("{name}: {e}"))?;
    Ok(Corpus {
        name: name.to_string(),
        file,
        bundled: false,
    })
}

fn picked<'c>(corpora: &'c [Corpus], pick: &EvalPick) -> Result<Vec<&'c Corpus>, String> {
    if pick.corpora.is_empty() {
        return Err("pick a corpus to score".into());
    }
    pick.corpora
        .iter()
        .map(|n| {
            corpora
                .iter()
                .find(|c| &c.name == n)
                .ok_or_else(|| format!("no corpus `{n}` on the page"))
        })
        .collect()
}

/// Every (corpus, guard) pair made ready by core, in the order `guardhouse eval` runs
/// them: corpus by corpus, the guards in the order given (none: every enabled guard that
/// screens the phase of some case, in chain order).
pub fn plan(
    bench: &Workbench,
    corpora: &[Corpus],
    pick: &EvalPick,
) -> Result<Vec<(String, Prepared)>, String> {
    let mut plan = Vec::new();
    for corpus in picked(corpora, pick)? {
        let located = |e: EvalError| format!("{}: {e}", corpus.name);
        eval::check_labels(&corpus.file).map_err(located)?;
        let ids = match pick.guards.as_slice() {
            [] => eval::default_guards(&bench.gateway, &corpus.file),
            named => named.to_vec(),
        };
        if ids.is_empty() {
            return Err(located(EvalError::NothingToScore));
        }
        for id in ids {
            let prepared = eval::prepare(&bench.gateway, &corpus.file, &id).map_err(located)?;
            plan.push((corpus.name.clone(), prepared));
        }
    }
    Ok(plan)
}

/// Runs a [`plan`] guard by guard on fresh instances and scores each run;
/// `progress(done, total)` after every case.
pub async fn run(
    bench: &Workbench,
    plan: Vec<(String, Prepared)>,
    progress: &dyn Fn(usize, usize),
) -> Result<EvalSummary, String> {
    let total: usize = plan.iter().map(|(_, p)| p.file.cases.len()).sum();
    let mut reports = Vec::new();
    let mut before = 0;
    for (corpus, prepared) in plan {
        let results =
            exec::run_file_with(bench, &prepared.file, &|n| progress(before + n, total)).await?;
        before += prepared.file.cases.len();
        reports.push(EvalReport::score(&corpus, &prepared, &results));
    }
    Ok(EvalSummary::new(reports))
}

/// A rate as the CLI's table prints it (`-` when there is none).
pub fn percent(rate: Option<f64>) -> String {
    rate.map_or_else(|| "-".into(), |r| format!("{:.1}%", r * 100.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    const GATEWAY: &str = "security_guards:\n  - {id: g, module_path: dist/g.wasm, runs_on: [tools_list]}\n  - {id: h, module_path: dist/h.wasm, runs_on: [connection]}\n";
    const CORPUS: &str = "format: guardhouse.case/v1\ncases:\n  - {name: a, label: x/y, phase: tools_list, payload: {tools: []}}\n  - {name: b, label: benign, phase: tools_list, payload: {tools: []}}\n";

    fn bench() -> Workbench {
        Workbench {
            modules: Vec::new(),
            gateway: guardhouse_core::GatewayConfig::parse("t", GATEWAY).unwrap(),
            source: None,
        }
    }

    fn corpus() -> Corpus {
        read_corpus("c.yaml", CORPUS).unwrap()
    }

    #[test]
    fn an_unlabelled_corpus_is_refused_with_cores_words() {
        let text = CORPUS.replace("label: benign, ", "");
        let err = read_corpus("c.yaml", &text).unwrap_err();
        let want = EvalError::Unlabelled { case: "b".into() }.to_string();
        assert_eq!(err, format!("c.yaml: {want}"));
        assert!(read_corpus("bad.yaml", "cases: [").is_err());
    }

    #[test]
    fn the_plan_scores_default_guards_or_the_named_ones() {
        let corpora = [corpus()];
        let pick = |guards: &[&str]| EvalPick {
            corpora: vec!["c.yaml".into()],
            guards: guards.iter().map(|g| g.to_string()).collect(),
        };
        let plan = plan(&bench(), &corpora, &pick(&[])).unwrap();
        let ids: Vec<_> = plan.iter().map(|(_, p)| p.guard.as_str()).collect();
        assert_eq!(ids, ["g"]);
        // A named guard that screens none of the phases is scored over nothing.
        let named = super::plan(&bench(), &corpora, &pick(&["h"])).unwrap();
        assert_eq!(named[0].1.not_screened, 2);
        let err = super::plan(&bench(), &corpora, &pick(&["zz"])).unwrap_err();
        assert!(
            err.starts_with("c.yaml: the gateway has no guard `zz`"),
            "{err}"
        );
    }

    #[test]
    fn a_link_names_bundled_corpora_and_carries_the_others() {
        let mut bundled = corpus();
        bundled.name = "guards/corpora/x.yaml".into();
        bundled.bundled = true;
        let corpora = [bundled, corpus()];
        let pick = EvalPick {
            corpora: vec!["guards/corpora/x.yaml".into(), "c.yaml".into()],
            guards: vec!["g".into()],
        };
        let link = link(&corpora, &pick).unwrap();
        assert_eq!(link.corpora[0].file, None);
        let back = from_link("c.yaml", link.corpora[1].file.clone().unwrap()).unwrap();
        assert_eq!(back, corpora[1]);
    }
}
