//! A gateway's guard chain on wasmtime: load every guard once, evaluate many times,
//! from any number of threads.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use anyhow::{Context, Result};
use serde_json::{Map, Value};
use wasmtime::Engine;

use guardhouse_core::case::{Case, CaseFile, GatewaySource, SuiteReport};
use guardhouse_core::config::GatewayConfig;
use guardhouse_core::host::{self, GatewayInfo, GuardSettings, LoadedGateway};
use guardhouse_core::inspect::ComponentInfo;
use guardhouse_core::metrics::Source;
use guardhouse_core::telemetry::{EVALUATION_TARGET, EvaluationLog};
use guardhouse_core::{ChainRun, Document, Evaluation, Screening, StateLedger, evaluate_chain};

use crate::cache::ArtifactCache;
use crate::error::{LoadError, LocatedLoadError};
use crate::guard::{Linkers, LoadedGuard};
use crate::metrics::Metrics;

/// What a runner is built with.
pub struct RunnerEnv<'a> {
    pub engine: &'a Engine,
    pub linkers: &'a Linkers,
    pub cache: Option<&'a ArtifactCache>,
}

/// A loaded gateway config.
pub struct Runner {
    pub config: GatewayConfig,
    pub guards: Vec<LoadedGuard>,
    /// The config file, when loaded from one.
    pub source: Option<PathBuf>,
    /// What persistent guards lost (core decides what follows).
    ledger: StateLedger,
    /// Where its evaluations are counted, when they are.
    observer: Option<Observer>,
}

/// Where a runner reports every evaluation it finishes: a server's metrics, as coming
/// from `source`.
#[derive(Clone)]
pub struct Observer {
    pub metrics: Arc<Metrics>,
    pub source: Source,
}

impl Runner {
    /// Loads a gateway config file and every guard it names.
    pub fn from_file(env: &RunnerEnv, path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read gateway config {}", path.display()))?;
        let doc = Document::parse(&path.display().to_string(), &text)?;
        let config = GatewayConfig::from_document(&doc, "")?;
        let base = path.parent().unwrap_or(Path::new("."));
        let mut runner = Self::load(env, config, base, Some((&doc, "")))?;
        runner.source = Some(path.to_path_buf());
        Ok(runner)
    }

    /// Loads the guards of a parsed config; module paths are relative to `base_dir`.
    pub fn from_config(env: &RunnerEnv, config: GatewayConfig, base_dir: &Path) -> Result<Self> {
        Self::load(env, config, base_dir, None)
    }

    /// Loads the gateway a case file writes inline; load errors point at the guard's
    /// line in the case file, as they do in a gateway file.
    pub fn from_inline(env: &RunnerEnv, inline: &InlineGateway, base_dir: &Path) -> Result<Self> {
        let located = Some((&inline.doc, INLINE_GATEWAY_PREFIX));
        Self::load(env, inline.config.clone(), base_dir, located)
    }

    /// Loads the guards of a parsed config. With a document and the config's path in it,
    /// load errors point at the guard's `module_path`, `config` or `sha256` line.
    fn load(
        env: &RunnerEnv,
        config: GatewayConfig,
        base_dir: &Path,
        located: Option<(&Document, &str)>,
    ) -> Result<Self> {
        let mut guards = Vec::with_capacity(config.security_guards.len());
        for (i, g) in config.security_guards.iter().enumerate() {
            let module_path = base_dir.join(&g.module_path);
            let loaded = LoadedGuard::load(env, g.clone(), module_path);
            match (loaded, located) {
                (Ok(guard), _) => guards.push(guard),
                (Err(e), Some((doc, prefix))) => {
                    let key = match e {
                        LoadError::Settings { .. } => "config",
                        LoadError::Pinned { .. } => "sha256",
                        _ => "module_path",
                    };
                    let path = format!("{prefix}{}", GatewayConfig::path_of(i, key));
                    return Err(LocatedLoadError(doc.error(&path, e.to_string())).into());
                }
                (Err(e), None) => return Err(e.into()),
            }
        }
        Ok(Self {
            ledger: StateLedger::new(&config),
            config,
            guards,
            source: None,
            observer: None,
        })
    }

    /// The same gateway with instances (and a state-loss record) of its own: what runs
    /// on it never touches `self`'s persistent guards, nor they it. It reports to the
    /// same observer.
    pub fn isolated(&self) -> Self {
        Self {
            ledger: StateLedger::new(&self.config),
            config: self.config.clone(),
            guards: self
                .guards
                .iter()
                .map(LoadedGuard::with_own_instances)
                .collect(),
            source: self.source.clone(),
            observer: self.observer.clone(),
        }
    }

    /// The same runner, reporting its evaluations to `observer`.
    pub fn observed(mut self, observer: Observer) -> Self {
        self.observer = Some(observer);
        self
    }

    /// A chain of one guard file, for `guardhouse run --guard`.
    pub fn single(env: &RunnerEnv, module: &Path, settings: Map<String, Value>) -> Result<Self> {
        Self::files(env, &[(module.to_path_buf(), settings)])
    }

    /// A chain of guard files with the given settings, each named by its file stem
    /// (`guardhouse run --guard`, `guardhouse eval --guard g.wasm`).
    pub fn files(env: &RunnerEnv, modules: &[(PathBuf, Map<String, Value>)]) -> Result<Self> {
        let guards: Vec<Value> = modules
            .iter()
            .map(|(module, settings)| {
                let id = module
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_else(|| "guard".into());
                serde_json::json!({
                    "id": id,
                    "module_path": module.display().to_string(),
                    "config": settings,
                })
            })
            .collect();
        let doc = Document::from_value("--guard", serde_json::json!({"security_guards": guards}));
        let config = GatewayConfig::from_document(&doc, "")?;
        Self::from_config(env, config, Path::new(""))
    }

    /// Runs the chain over one screening: every evaluation of the native host (the
    /// CLI, the API, the MCP proxy) ends here, and is counted here (and traced, within
    /// an exchange span: `crate::telemetry`).
    pub fn evaluate(&self, screening: Screening) -> Evaluation {
        // Without --otlp-endpoint there is never a span: this is one task-local read.
        let traced = crate::telemetry::current().map(|span| (span, SystemTime::now()));
        let logged = tracing::enabled!(target: EVALUATION_TARGET, tracing::Level::INFO)
            .then(|| EvaluationLog::subject(&screening));
        let run = ChainRun::new(&self.config, screening).with_ledger(&self.ledger);
        let evaluation = evaluate_chain(run, |i, settings, args, context| {
            self.guards[i].call(settings, args, context)
        });
        if let Some(observer) = &self.observer {
            observer.metrics.evaluation(observer.source, &evaluation);
        }
        if let Some((span, started)) = traced {
            span.evaluation(started, &evaluation);
        }
        if let Some((server, tool)) = logged {
            crate::logging::evaluation(&EvaluationLog::new(&server, tool.as_deref(), &evaluation));
        }
        evaluation
    }

    /// Whether evaluating `screening` calls any guard (else it is a few µs of core).
    pub fn calls_a_guard(&self, screening: &Screening) -> bool {
        !ChainRun::plan(&self.config, screening).is_empty()
    }

    /// Checks a case's per-guard overrides against the guards' schemas.
    pub fn check_overrides(&self, case: &Case) -> Result<(), String> {
        host::check_overrides(self, case)
    }

    /// Runs a case file's cases and judges them.
    pub fn run_cases(&self, file: &CaseFile) -> SuiteReport {
        host::run_cases(self, file)
    }
}

impl GatewayInfo for Runner {
    fn config(&self) -> &GatewayConfig {
        &self.config
    }

    fn guard_sha256(&self, index: usize) -> &str {
        self.guards[index].sha256()
    }

    fn guard_info(&self, index: usize) -> &ComponentInfo {
        &self.guards[index].info
    }

    fn guard_settings(&self, index: usize) -> &GuardSettings {
        self.guards[index].settings_check()
    }
}

impl LoadedGateway for Runner {
    fn evaluate(&self, screening: Screening) -> Evaluation {
        Runner::evaluate(self, screening)
    }

    fn fresh(&self) -> Result<Self, String> {
        Ok(self.isolated())
    }
}

/// Where a case file's inline gateway sits in it.
const INLINE_GATEWAY_PREFIX: &str = "gateway.";

/// A gateway written inline in a case file, with the file (to locate load errors).
pub struct InlineGateway {
    pub config: GatewayConfig,
    doc: Document,
}

/// Reads a case file and resolves the gateway config it names (relative to the file).
pub fn read_case_file(path: &Path) -> Result<(CaseFile, Option<PathBuf>, Option<InlineGateway>)> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read case file {}", path.display()))?;
    let origin = path.display().to_string();
    let file = CaseFile::parse(&origin, &text)?;
    let base = path.parent().unwrap_or(Path::new("."));
    let (gateway_path, inline) = match &file.gateway {
        Some(GatewaySource::Path(p)) => (Some(base.join(p)), None),
        Some(GatewaySource::Inline(cfg)) => {
            let doc = Document::parse(&origin, &text)?;
            let inline = InlineGateway {
                config: cfg.clone(),
                doc,
            };
            (None, Some(inline))
        }
        None => (None, None),
    };
    Ok((file, gateway_path, inline))
}
