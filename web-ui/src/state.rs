//! The page's signals, bundled in one `Copy` struct passed through context.

use leptos::prelude::*;
use serde_json::Value;

use guardhouse_core::Phase;
use guardhouse_core::case::{CaseFile, CaseResult, SuiteReport};

use guardhouse_core::eval::EvalSummary;

use crate::eval::{Corpus, EvalPick};
use crate::exec::CallTiming;
use crate::model::{Editor, Workbench};
use crate::share::LinkedModule;

/// The last single run, as the results panel shows it.
#[derive(Clone)]
pub struct RunView {
    pub result: CaseResult,
    pub timings: Vec<CallTiming>,
    /// The payload as it went in (for the diff of a modified payload).
    pub original: Value,
    pub elapsed_ms: f64,
}

/// A message shown above the workspace.
#[derive(Clone, PartialEq)]
pub struct Notice {
    pub error: bool,
    pub text: String,
}

/// A suite file the page knows.
#[derive(Clone)]
pub struct Suite {
    /// Its URL (demo suites) or file name (imported).
    pub name: String,
    pub file: CaseFile,
    /// The served gateway file (URL) its `gateway:` path names, when the page serves it:
    /// running the suite puts that chain on the page first, as `guardhouse test` runs a
    /// suite on its own gateway. `None`: the suite runs on the page's chain.
    pub gateway: Option<String>,
}

/// What the page is loading, for the status line.
#[derive(Clone, PartialEq)]
pub struct Loading {
    pub text: String,
    /// When it started ([`crate::js::now`]), for the elapsed time.
    pub since_ms: f64,
}

/// Every piece of page state.
#[derive(Clone, Copy)]
pub struct AppState {
    pub bench: RwSignal<Workbench>,
    pub editor: RwSignal<Editor>,
    pub run: RwSignal<Option<RunView>>,
    /// Suite files the page knows (demo suites and imported files), by name.
    pub suites: RwSignal<Vec<Suite>>,
    pub suite_report: RwSignal<Option<SuiteReport>>,
    pub busy: RwSignal<bool>,
    pub loading: RwSignal<Option<Loading>>,
    /// The time ([`crate::js::now`]) while something loads, ticking for the status line.
    pub clock: RwSignal<f64>,
    pub notices: RwSignal<Vec<Notice>>,
    /// The last copied link.
    pub link: RwSignal<String>,
    /// Modules an opened link needs but did not carry.
    pub needed: RwSignal<Vec<LinkedModule>>,
    /// Bumped after every finished run and suite run (tests wait on it).
    pub runs: RwSignal<u32>,
    /// Set once the demo or a link finished loading.
    pub ready: RwSignal<bool>,
    /// The guard whose details are open.
    pub selected: RwSignal<Option<String>>,
    /// Labelled corpora the page knows (bundled and given), for the eval view.
    pub corpora: RwSignal<Vec<Corpus>>,
    /// The corpora and guards picked for the next eval.
    pub eval_pick: RwSignal<EvalPick>,
    pub eval_report: RwSignal<Option<EvalSummary>>,
    /// Cases run and to run while an eval runs.
    pub eval_progress: RwSignal<Option<(usize, usize)>>,
}

impl AppState {
    pub fn new() -> Self {
        Self {
            bench: RwSignal::new(Workbench::default()),
            editor: RwSignal::new(default_editor()),
            run: RwSignal::new(None),
            suites: RwSignal::new(Vec::new()),
            suite_report: RwSignal::new(None),
            busy: RwSignal::new(false),
            loading: RwSignal::new(None),
            clock: RwSignal::new(0.0),
            notices: RwSignal::new(Vec::new()),
            link: RwSignal::new(String::new()),
            needed: RwSignal::new(Vec::new()),
            runs: RwSignal::new(0),
            ready: RwSignal::new(false),
            selected: RwSignal::new(None),
            corpora: RwSignal::new(Vec::new()),
            eval_pick: RwSignal::new(EvalPick::default()),
            eval_report: RwSignal::new(None),
            eval_progress: RwSignal::new(None),
        }
    }

    /// Shows what is loading (`None`: nothing). The elapsed time runs from the first
    /// text after `None`, so the stages of one item share it.
    pub fn set_loading(&self, text: Option<String>) {
        let now = crate::js::now();
        let since_ms = self
            .loading
            .with_untracked(|l| l.as_ref().map_or(now, |l| l.since_ms));
        self.clock.set(now);
        self.loading
            .set(text.map(|text| Loading { text, since_ms }));
    }

    /// The status line: what is loading and for how long.
    pub fn loading_status(&self) -> String {
        let now = self.clock.get();
        self.loading.with(|l| {
            l.as_ref().map_or_else(String::new, |l| {
                format!("{} {:.1} s", l.text, (now - l.since_ms).max(0.0) / 1000.0)
            })
        })
    }

    /// Shows an error.
    pub fn error(&self, text: impl Into<String>) {
        let text = text.into();
        leptos::logging::warn!("{text}");
        self.notices.update(|n| {
            n.push(Notice { error: true, text });
        });
    }

    /// Shows an informational message (replacing the previous one; errors stay).
    pub fn info(&self, text: impl Into<String>) {
        self.notices.update(|n| {
            n.retain(|x| x.error);
            n.push(Notice {
                error: false,
                text: text.into(),
            })
        });
    }
}

impl Default for AppState {
    fn default() -> Self {
        Self::new()
    }
}

pub fn default_editor() -> Editor {
    let mut payloads: [String; 4] = Default::default();
    for ex in crate::examples::EXAMPLES.iter().filter(|e| !e.malicious) {
        payloads[crate::model::phase_index(ex.phase)] = ex.payload.to_string();
    }
    Editor {
        name: "page case".into(),
        phase: Phase::ToolsList,
        payloads,
        context: crate::examples::EXAMPLES[0].context(),
        overrides: "{}".into(),
        only: Vec::new(),
        expect: None,
        scenario: "scenario".into(),
        steps: Vec::new(),
    }
}
