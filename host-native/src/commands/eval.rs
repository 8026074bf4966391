//! `guardhouse eval`: score guards against labelled corpora (core's `eval` does the
//! scoring; this command loads gateways and runs the chains).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Result, anyhow, bail};
use clap::Args;
use serde_json::Map;

use guardhouse_core::eval::{self, EvalSummary};

use super::{Runtime, RuntimeArgs, code, exit, print_json};
use crate::render;
use crate::runner::{Runner, read_case_file};

/// Score guards against labelled corpora: recall, false-positive rates and precision per
/// guard and corpus, with the misses and false alarms. Exits 0 unless something could
/// not run.
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// Corpora: case files whose cases carry `label:` (`benign` or an attack category).
    #[arg(required = true)]
    pub corpora: Vec<PathBuf>,
    /// Gateway config for every corpus (default: each file's `gateway:`).
    #[arg(long, short, visible_alias = "gateway")]
    pub config: Option<PathBuf>,
    /// A guard to score, alone: an id of the gateway's, or a component file (`*.wasm`,
    /// with its default settings; no gateway needed). Repeat for several. Default: every
    /// enabled guard of the gateway that screens the phase of some case.
    #[arg(long = "guard", short, value_name = "ID|FILE")]
    pub guards: Vec<String>,
    /// Misses and false alarms listed per guard and corpus (the rest are counted).
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub list: usize,
    /// Print the report as JSON instead of the tables.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub runtime: RuntimeArgs,
}

/// The guards to score: ids of a gateway's guards, or component files.
enum Selection {
    Ids(Vec<String>),
    Files(Runner),
}

impl EvalArgs {
    pub fn execute(self) -> Result<ExitCode> {
        let rt = self.runtime.runtime()?;
        let selection = self.selection(&rt)?;
        let mut gateways: HashMap<PathBuf, Runner> = HashMap::new();
        let mut reports = Vec::new();
        let (mut evaluations, mut spent) = (0, Duration::ZERO);
        for corpus in &self.corpora {
            let (file, gateway_path, inline) = read_case_file(corpus)?;
            let located = |e: eval::EvalError| anyhow!("{}: {e}", corpus.display());
            // Before loading a gateway: an unlabelled corpus is refused as it is.
            eval::check_labels(&file).map_err(located)?;
            let own;
            let (runner, ids) = match &selection {
                // Every file given is scored.
                Selection::Files(runner) => (
                    runner,
                    runner
                        .config
                        .security_guards
                        .iter()
                        .map(|g| g.id.clone())
                        .collect(),
                ),
                Selection::Ids(ids) => {
                    let runner = match (self.config.as_ref().or(gateway_path.as_ref()), inline) {
                        (Some(path), _) => cached(&mut gateways, &rt, path)?,
                        (None, Some(inline)) => {
                            own = Runner::from_inline(&rt.env(), &inline, parent(corpus))?;
                            &own
                        }
                        (None, None) => bail!(
                            "{}: no gateway config: pass --config or --guard FILE.wasm, or set `gateway:` in the file",
                            corpus.display()
                        ),
                    };
                    (runner, ids.clone())
                }
            };
            let name = corpus.display().to_string();
            let started = Instant::now();
            let scored = eval::run_all(runner, &name, &file, &ids).map_err(located)?;
            spent += started.elapsed();
            evaluations += scored
                .iter()
                .map(|r| r.overall.cases + r.errors.len())
                .sum::<usize>();
            reports.extend(scored);
        }
        let summary = EvalSummary::new(reports);
        if self.json {
            print_json(&summary)?;
        } else {
            crate::out!("{}", render::eval(&summary, self.list));
            let secs = spent.as_secs_f64();
            crate::outln!(
                "{evaluations} evaluations in {secs:.2} s ({:.0} cases/s)",
                evaluations as f64 / secs.max(f64::EPSILON)
            );
        }
        let errors = summary.error_count();
        if errors > 0 {
            eprintln!("error: {errors} cases could not be evaluated (listed under `errors`)");
            return Ok(code(exit::BAD_INPUT));
        }
        Ok(code(exit::OK))
    }

    fn selection(&self, rt: &Runtime) -> Result<Selection> {
        let (files, ids): (Vec<&String>, Vec<&String>) =
            self.guards.iter().partition(|g| g.ends_with(".wasm"));
        if files.is_empty() {
            return Ok(Selection::Ids(ids.into_iter().cloned().collect()));
        }
        if !ids.is_empty() {
            bail!("--guard takes ids of the gateway's guards or component files (.wasm), not both");
        }
        if self.config.is_some() {
            bail!("--guard FILE.wasm runs the file without a gateway: drop --config");
        }
        let modules: Vec<(PathBuf, Map<_, _>)> = files
            .iter()
            .map(|f| (PathBuf::from(f), Map::new()))
            .collect();
        Ok(Selection::Files(Runner::files(&rt.env(), &modules)?))
    }
}

fn parent(path: &Path) -> &Path {
    path.parent().unwrap_or(Path::new("."))
}

/// The gateway at `path`, loaded once per run.
fn cached<'a>(
    gateways: &'a mut HashMap<PathBuf, Runner>,
    rt: &Runtime,
    path: &Path,
) -> Result<&'a Runner> {
    let key = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    if !gateways.contains_key(&key) {
        gateways.insert(key.clone(), Runner::from_file(&rt.env(), path)?);
    }
    Ok(&gateways[&key])
}
