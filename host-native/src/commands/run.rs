//! `guardhouse run`: one case against a gateway config or a single guard file.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::Args;
use serde_json::{Map, Value};

use guardhouse_core::Verdict;

use super::{RuntimeArgs, code, exit, print_json};
use crate::render;
use crate::runner::{Runner, read_case_file};

/// Run a test case's payload through a guard chain and show the decision and trace.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The case file (YAML or JSON, `format: guardhouse.case/v1`).
    pub case: PathBuf,
    /// Gateway config to run against (default: the case file's `gateway:`).
    #[arg(long, short, conflicts_with = "guard")]
    pub config: Option<PathBuf>,
    /// Run a single guard component instead of a gateway config.
    #[arg(long, short)]
    pub guard: Option<PathBuf>,
    /// Settings for `--guard`, as a JSON object.
    #[arg(long, requires = "guard", default_value = "{}")]
    pub settings: String,
    /// Only the case with this name (when the file is a suite).
    #[arg(long)]
    pub name: Option<String>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub runtime: RuntimeArgs,
}

impl RunArgs {
    pub fn execute(self) -> Result<ExitCode> {
        let (file, gateway_path, inline) = read_case_file(&self.case)?;
        let rt = self.runtime.runtime()?;
        let runner = if let Some(guard) = &self.guard {
            let settings: Map<String, Value> =
                serde_json::from_str(&self.settings).context("--settings must be a JSON object")?;
            Runner::single(&rt.env(), guard, settings)?
        } else if let Some(path) = self.config.as_ref().or(gateway_path.as_ref()) {
            Runner::from_file(&rt.env(), path)?
        } else if let Some(inline) = inline {
            let base = self.case.parent().unwrap_or(std::path::Path::new("."));
            Runner::from_inline(&rt.env(), &inline, base)?
        } else {
            bail!(
                "no gateway config: pass --config or --guard, or set `gateway:` in the case file"
            );
        };
        let mut file = file;
        if let Some(name) = &self.name {
            file.cases.retain(|c| &c.name == name);
            if file.cases.is_empty() {
                bail!("no case named {name:?} in {}", self.case.display());
            }
        }
        // With --guard the case's guard list names guards of some other gateway.
        if self.guard.is_some() {
            for case in &mut file.cases {
                case.guards.clear();
                case.config.clear();
            }
        }
        // A corpus case's label is shown with its decision; `run` does not judge it.
        let labels: Vec<Option<String>> = file.cases.iter_mut().map(|c| c.label.take()).collect();
        // Core's suite run: overrides checked per case, scenarios on fresh instances.
        let results = runner.run_cases(&file).results;
        // Exit 1 when a case was denied, or refused before it ran.
        let denied = results.iter().any(|r| {
            r.evaluation
                .as_ref()
                .is_none_or(|e| e.decision == Verdict::Deny)
        });
        if self.json {
            print_json(&results)?;
        } else {
            for (r, label) in results.iter().zip(&labels) {
                match label {
                    Some(label) => crate::outln!("case: {} [{label}]", r.name),
                    None => crate::outln!("case: {}", r.name),
                }
                if let Some(eval) = &r.evaluation {
                    crate::out!("{}", render::evaluation(eval));
                }
                for f in &r.failures {
                    crate::outln!("  expectation not met: {f}");
                }
            }
        }
        Ok(code(if denied {
            exit::DENIED_OR_FAILED
        } else {
            exit::OK
        }))
    }
}
