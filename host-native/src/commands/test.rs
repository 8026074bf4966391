//! `guardhouse test`: run suites and judge them, like `opa test`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Result, bail};
use clap::Args;

use super::{RuntimeArgs, code, exit, print_json};
use crate::render;
use crate::runner::{Runner, read_case_file};

/// Run test suites and report pass/fail per case; exits 1 when any case fails.
#[derive(Debug, Args)]
pub struct TestArgs {
    /// Case files or suites (YAML or JSON).
    #[arg(required = true)]
    pub suites: Vec<PathBuf>,
    /// Gateway config for every suite (default: each file's `gateway:`).
    #[arg(long, short)]
    pub config: Option<PathBuf>,
    /// Print JSON reports instead of the table.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub runtime: RuntimeArgs,
}

impl TestArgs {
    pub fn execute(self) -> Result<ExitCode> {
        let rt = self.runtime.runtime()?;
        let mut reports = Vec::new();
        let (mut passed, mut failed) = (0, 0);
        for suite in &self.suites {
            let (file, gateway_path, inline) = read_case_file(suite)?;
            if let Err(problem) = file.check_testable() {
                bail!("{}: {problem}", suite.display());
            }
            let runner = match (self.config.as_ref().or(gateway_path.as_ref()), inline) {
                (Some(path), _) => Runner::from_file(&rt.env(), path)?,
                (None, Some(inline)) => {
                    let base = suite.parent().unwrap_or(std::path::Path::new("."));
                    Runner::from_inline(&rt.env(), &inline, base)?
                }
                (None, None) => bail!(
                    "{}: no gateway config: pass --config or set `gateway:` in the file",
                    suite.display()
                ),
            };
            let mut report = runner.run_cases(&file);
            if report.name.is_none() {
                report.name = Some(suite.display().to_string());
            }
            passed += report.passed;
            failed += report.failed;
            if !self.json {
                crate::out!("{}", render::suite(&report));
            }
            reports.push(report);
        }
        if self.json {
            print_json(&reports)?;
        } else {
            crate::outln!("{}", "-".repeat(72));
        }
        // The closing line, as `opa test` prints it.
        crate::outln!("{passed} passed, {failed} failed");
        Ok(code(if failed > 0 {
            exit::DENIED_OR_FAILED
        } else {
            exit::OK
        }))
    }
}
