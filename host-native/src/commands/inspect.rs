//! `guardhouse inspect`: what a guard component is.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;
use serde_json::{Map, Value};

use super::{RuntimeArgs, code, exit, print_json};
use crate::render;
use crate::runner::Runner;

/// Show a guard's contract version, exports, imports, size, sha256, settings schema and
/// default config.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// The guard component (.wasm).
    pub module: PathBuf,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// Also print the component's WIT world.
    #[arg(long)]
    pub wit: bool,
    #[command(flatten)]
    pub runtime: RuntimeArgs,
}

impl InspectArgs {
    pub fn execute(self) -> Result<ExitCode> {
        let rt = self.runtime.runtime()?;
        let runner = Runner::single(&rt.env(), &self.module, Map::new())?;
        let guard = &runner.guards[0];
        let parse = |s: &Option<String>| {
            s.as_deref()
                .and_then(|t| serde_json::from_str::<Value>(t).ok())
        };
        if self.json {
            let mut v = serde_json::to_value(&guard.info)?;
            v["settings_schema"] = parse(&guard.settings_schema).unwrap_or(Value::Null);
            v["default_config"] = parse(&guard.default_config).unwrap_or(Value::Null);
            v["load_us"] = guard.load_us.into();
            print_json(&v)?;
        } else {
            crate::out!(
                "{}",
                render::component(
                    &self.module.display().to_string(),
                    &guard.info,
                    guard.settings_schema.as_deref(),
                    guard.default_config.as_deref()
                )
            );
        }
        if self.wit {
            let bytes = std::fs::read(&self.module)?;
            crate::outln!("{}", crate::build::world_wit(&bytes)?);
        }
        Ok(code(exit::OK))
    }
}
