//! What every host does with a loaded gateway besides calling guards: the settings check
//! (at load, and per case for overrides) and running case files against the chain.
//!
//! A host loads its guards in config order, wraps each guard's settings schema in a
//! [`GuardSettings`], and implements [`GatewayInfo`] (plus [`LoadedGateway`] when it
//! calls guards synchronously); [`suite_run`], [`run_cases`] and [`check_overrides`] then
//! behave identically on wasmtime, in a Worker and in a page, and so do the API handlers'
//! bodies ([`guard_summaries`], [`evaluate_request`], [`test_request`]).

use std::task::{Context, Poll, Waker};

use serde_json::{Map, Value};

use crate::api::{self, ApiError, GuardSummary};
use crate::case::{Case, CaseFile, CaseResult, SuiteReport};
use crate::chain::{Evaluation, Screening};
use crate::config::GatewayConfig;
use crate::eval::{self, EvalError, EvalSummary};
use crate::inspect::ComponentInfo;
use crate::settings::SettingsSchema;
use crate::suite::SuiteRun;

/// A guard's settings broke its own schema (or the schema is unusable).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid config for guard `{id}`: {}", errors.join("; "))]
pub struct SettingsRejected {
    pub id: String,
    pub errors: Vec<String>,
}

/// A guard's compiled settings schema, checked against its configured settings at load.
pub struct GuardSettings {
    id: String,
    schema: Option<SettingsSchema>,
}

impl GuardSettings {
    /// A guard without a settings schema: every setting passes.
    pub fn unchecked(id: &str) -> Self {
        Self {
            id: id.to_string(),
            schema: None,
        }
    }

    /// Compiles the text `get-settings-schema` returned (`None`: the guard has no schema)
    /// and validates the configured settings against it: the load-time check.
    pub fn load(
        id: &str,
        schema_text: Option<&str>,
        configured: &Map<String, Value>,
    ) -> Result<Self, SettingsRejected> {
        let schema = match schema_text {
            None => None,
            Some(text) => {
                Some(
                    SettingsSchema::compile(text).map_err(|cause| SettingsRejected {
                        id: id.to_string(),
                        errors: vec![cause],
                    })?,
                )
            }
        };
        let settings = Self {
            id: id.to_string(),
            schema,
        };
        settings.check(configured)?;
        Ok(settings)
    }

    /// Validates settings (e.g. a case's overrides merged over the configured ones).
    pub fn check(&self, settings: &Map<String, Value>) -> Result<(), SettingsRejected> {
        let Some(schema) = &self.schema else {
            return Ok(());
        };
        let errors = schema.validate(settings);
        if errors.is_empty() {
            return Ok(());
        }
        Err(SettingsRejected {
            id: self.id.clone(),
            errors: errors.iter().map(ToString::to_string).collect(),
        })
    }
}

/// What a host knows of its loaded gateway without calling a guard. Guards are indexed
/// like `config().security_guards`.
pub trait GatewayInfo {
    /// The gateway config the guards were loaded from.
    fn config(&self) -> &GatewayConfig;
    /// The sha256 of guard `index`'s component (empty: the host has no component for it,
    /// and cases pinned to the guard do not match).
    fn guard_sha256(&self, index: usize) -> &str;
    /// What inspecting guard `index`'s component found.
    fn guard_info(&self, index: usize) -> &ComponentInfo;
    /// Guard `index`'s settings check.
    fn guard_settings(&self, index: usize) -> &GuardSettings;
}

/// A loaded gateway whose host can call its guards synchronously (wasmtime, a Worker's
/// own instances).
pub trait LoadedGateway: GatewayInfo {
    /// Runs the chain over one screening.
    fn evaluate(&self, screening: Screening) -> Evaluation;

    /// The same gateway with guard instances (and state) of its own, for a scenario.
    fn fresh(&self) -> Result<Self, String>
    where
        Self: Sized;
}

fn index_of(config: &GatewayConfig, id: &str) -> Option<usize> {
    config.security_guards.iter().position(|g| g.id == id)
}

/// Checks a case's per-guard overrides, merged key by key over the configured settings,
/// against the guards' schemas.
pub fn check_overrides(gateway: &impl GatewayInfo, case: &Case) -> Result<(), String> {
    for (id, over) in &case.config {
        let Some(index) = index_of(gateway.config(), id) else {
            return Err(format!(
                "case config names guard `{id}`, which the gateway does not have"
            ));
        };
        let Value::Object(over) = over else {
            return Err(format!("case config for `{id}` must be a mapping"));
        };
        let mut merged = gateway.config().security_guards[index].config.clone();
        merged.extend(over.clone());
        gateway
            .guard_settings(index)
            .check(&merged)
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// A run of a case file's cases against the gateway, for a host to drive (pinned hashes
/// and overrides are checked here).
pub fn suite_run<'f>(gateway: &impl GatewayInfo, file: &'f CaseFile) -> SuiteRun<'f> {
    SuiteRun::new(
        file,
        |id| {
            index_of(gateway.config(), id)
                .map(|i| gateway.guard_sha256(i).to_string())
                .filter(|sha| !sha.is_empty())
        },
        |case| check_overrides(gateway, case),
    )
}

/// Runs a case file's cases against the gateway and judges them; each scenario runs on
/// fresh instances of its own.
pub fn run_cases<G: LoadedGateway>(gateway: &G, file: &CaseFile) -> SuiteReport {
    ready_now(run_cases_with(gateway, file, |screening| {
        std::future::ready(gateway.evaluate(screening))
    }))
}

/// [`run_cases`] for a host that calls some guards asynchronously: cases run through
/// `evaluate` (the edge's, which calls `state: durable_object` guards in their Durable
/// Objects); scenarios run on `gateway.fresh()`, whose instances are all the host's own.
pub async fn run_cases_with<G, F, R>(gateway: &G, file: &CaseFile, evaluate: F) -> SuiteReport
where
    G: LoadedGateway,
    F: Fn(Screening) -> R,
    R: Future<Output = Evaluation>,
{
    let mut run = suite_run(gateway, file);
    let mut fresh: Option<Result<G, String>> = None;
    while let Some((index, screening)) = run.next_case() {
        if run.needs_fresh_state(index) {
            fresh = Some(gateway.fresh());
        }
        let evaluation = match &fresh {
            None => Ok(evaluate(screening).await),
            Some(Ok(fresh)) => Ok(fresh.evaluate(screening)),
            Some(Err(e)) => Err(format!("fresh guard instances for the scenario: {e}")),
        };
        run.record(index, evaluation);
    }
    run.finish()
}

/// The output of a future that never waits (a synchronous host driving code written for
/// asynchronous ones, e.g. [`run_cases`] through [`run_cases_with`]).
///
/// # Panics
/// If `future` is not ready at its first poll: a caller passed one that waits.
pub fn ready_now<F: Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    match future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        Poll::Ready(output) => output,
        Poll::Pending => panic!("ready_now: the future waited, so it needs an executor"),
    }
}

/// `GET /v1/guards`: every configured guard, in config order.
pub fn guard_summaries(gateway: &impl GatewayInfo) -> Vec<GuardSummary> {
    let config = gateway.config();
    (0..config.security_guards.len())
        .map(|i| GuardSummary::new(&config.security_guards[i], gateway.guard_info(i)))
        .collect()
}

/// `POST /v1/evaluate`: the request body's one case, run and judged.
pub fn evaluate_request(gateway: &impl LoadedGateway, body: &[u8]) -> Result<CaseResult, ApiError> {
    ready_now(evaluate_request_with(gateway, body, |screening| {
        std::future::ready(gateway.evaluate(screening))
    }))
}

/// [`evaluate_request`] for a host that calls some guards asynchronously (see
/// [`run_cases_with`]).
pub async fn evaluate_request_with<G, F, R>(
    gateway: &G,
    body: &[u8],
    evaluate: F,
) -> Result<CaseResult, ApiError>
where
    G: LoadedGateway,
    F: Fn(Screening) -> R,
    R: Future<Output = Evaluation>,
{
    let file = api::parse_single_case(body)?;
    run_cases_with(gateway, &file, evaluate)
        .await
        .results
        .into_iter()
        .next()
        .ok_or_else(|| ApiError::new("no case"))
}

/// `POST /v1/test`: the request body's suite, run and judged.
pub fn test_request(gateway: &impl LoadedGateway, body: &[u8]) -> Result<SuiteReport, ApiError> {
    let file = api::parse_cases(body)?;
    Ok(run_cases(gateway, &file))
}

/// `POST /v1/eval`: scores `guards` (none: every guard that screens some case's phase)
/// over the labelled corpus in `body`, each alone on fresh instances. A guard the
/// gateway does not have (or has disabled) is a 404, other refusals a 400.
pub fn eval_request(
    gateway: &impl LoadedGateway,
    body: &[u8],
    guards: &[String],
) -> Result<EvalSummary, api::Refused> {
    let file = api::parse_cases(body)?;
    let corpus = file.name.clone().unwrap_or_else(|| "<request>".into());
    let reports = eval::run_all(gateway, &corpus, &file, guards).map_err(|e| {
        let status = match e {
            EvalError::UnknownGuard { .. } | EvalError::Disabled { .. } => 404,
            _ => 400,
        };
        api::Refused {
            status,
            error: ApiError::new(e.to_string()),
        }
    })?;
    Ok(EvalSummary::new(reports))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const SCHEMA: &str = r#"{"type": "object", "additionalProperties": false,
        "properties": {"patterns": {"type": "array", "items": {"type": "string"}}}}"#;

    fn map(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn configured_settings_are_checked_at_load() {
        let err = GuardSettings::load("g", Some(SCHEMA), &map(json!({"patterns": [1]})))
            .err()
            .unwrap();
        assert_eq!(err.id, "g");
        assert!(err.to_string().contains("/patterns/0"), "{err}");
        assert!(GuardSettings::load("g", Some(SCHEMA), &map(json!({"patterns": ["a"]}))).is_ok());
    }

    #[test]
    fn no_schema_accepts_anything_and_bad_schema_is_rejected() {
        let any = GuardSettings::load("g", None, &map(json!({"x": 1}))).unwrap();
        assert!(any.check(&map(json!({"y": 2}))).is_ok());
        let err = GuardSettings::load("g", Some("{"), &Map::new())
            .err()
            .unwrap();
        assert!(err.to_string().contains("did not return JSON"), "{err}");
    }
}
