//! `gh-js-plan SUITE.yaml...`: prints, as JSON, the guard calls each case of the suites
//! makes on a JS host, computed by core exactly as the edge and the web page compute
//! them (`core::jshost`): hook, jco-shaped arguments, encoded settings, edge limits.
//! `tests/js` feeds these to guard-runtime.mjs and compares with `guardhouse run`.
//!
//! Every planned guard gets the case's original payload: exact for single-guard cases
//! (all example suites) and for chains without `modify`. `fresh` marks the cases before
//! which a host starts from fresh instances (scenario boundaries).
//!
//! `gh-js-plan --limits FUEL MEMORY_BYTES` prints the limits JSON core sends with a call
//! (fuel, memory and log bounds), for tests that call the runtime by hand.

use std::path::Path;

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};

use guardhouse_core::case::{CaseFile, GatewaySource};
use guardhouse_core::inspect::inspect;
use guardhouse_core::jshost::{FuelBound, JsHost, JsLimits, js_args, js_limits, js_settings};
use guardhouse_core::suite::SuiteRun;
use guardhouse_core::{ChainRun, GatewayConfig};

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [flag, fuel, memory] = &args[..]
        && flag == "--limits"
    {
        let limits = JsLimits::new(
            fuel.parse().context("FUEL")?,
            memory.parse().context("MEMORY_BYTES")?,
            FuelBound::MaxFuel,
        );
        println!("{}", limits.to_json());
        return Ok(());
    }
    let mut out = Vec::new();
    for path in args {
        out.extend(plan_suite(Path::new(&path))?);
    }
    println!("{}", serde_json::to_string_pretty(&out)?);
    Ok(())
}

fn plan_suite(path: &Path) -> Result<Vec<Value>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("{}", path.display()))?;
    let file = CaseFile::parse(&path.display().to_string(), &text)?;
    let Some(GatewaySource::Path(gw)) = &file.gateway else {
        bail!("{}: needs `gateway:` as a path", path.display());
    };
    let gw_path = path.parent().unwrap_or(Path::new(".")).join(gw);
    let gw_text = std::fs::read_to_string(&gw_path)?;
    let config = GatewayConfig::parse(&gw_path.display().to_string(), &gw_text)?;
    let base = gw_path.parent().unwrap_or(Path::new("."));
    // Only for where scenarios start and end: a JS host resets its instances there.
    let suite = SuiteRun::new(&file, |_| None, |_| Ok(()));
    let mut cases = Vec::new();
    for (index, case) in file.cases.iter().enumerate() {
        let screening = case.screening().map_err(anyhow::Error::msg)?;
        let run = ChainRun::new(&config, screening);
        let mut calls = Vec::new();
        for &i in run.planned() {
            let g = &config.security_guards[i];
            let bytes = std::fs::read(base.join(&g.module_path))?;
            let info = inspect(&bytes)?;
            let limits = js_limits(g, JsHost::Edge);
            calls.push(json!({
                "guard": g.id,
                "sha256": info.sha256,
                "instance": g.instance,
                "hook": run.phase().hook(),
                "args": js_args(run.args(), run.context(), info.contract).to_string(),
                "settings": js_settings(&run.settings(i)),
                "limits": limits.to_json(),
                "fuel_bound": match limits.bound {
                    FuelBound::Timeout { .. } => "timeout",
                    FuelBound::MaxFuel => "max_fuel",
                },
            }));
        }
        cases.push(json!({
            "suite": path.display().to_string(),
            "case": case.name,
            "fresh": suite.needs_fresh_state(index),
            "calls": calls,
        }));
    }
    Ok(cases)
}
