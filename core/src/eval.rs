//! Scoring guards against labelled corpora (`guardhouse eval`), for every host.
//!
//! A corpus is a case file whose cases carry a `label:`: `benign` (or `benign/<set>`),
//! or the attack category the case is an example of (`tool_poisoning/command`). Each
//! guard under evaluation runs alone over the corpus, on instances of its own, through
//! the same suite run `guardhouse test` uses ([`host::run_cases`]); a case's `expect`
//! and `guards` are not used, and of its `config` overrides only the evaluated guard's
//! apply. A guard that does not screen a case's phase skips the case (counted as
//! `not_screened`, never scored).
//!
//! Scenarios are scored step by step: every step carries its own label (a scenario
//! takes none) and the steps run in order on fresh instances, as under `test`.
//!
//! A case is *denied* when the chain denies it and *warned* when it is let through with
//! warnings or a modified payload (the guard acted, but did not block). Recall counts
//! attacks denied, and denied or warned; the benign rates count benign cases denied, and
//! warned but not denied; precision is computed only over a set holding both attacks and
//! benign cases. A host drives [`prepare`], [`host::suite_run`] and
//! [`EvalReport::score`] itself when it calls guards asynchronously, or calls [`run`].

mod report;

pub use report::{CaseError, CategoryScores, EvalReport, EvalSummary, Finding, GuardTotal, Scores};

use crate::case::{Case, CaseFile, GuardRef};
use crate::config::GatewayConfig;
use crate::host::{self, LoadedGateway};

/// The label of a case that is not an attack.
pub const BENIGN: &str = "benign";
/// The longest label read.
pub const MAX_LABEL_LEN: usize = 100;
/// What a label looks like: lowercase words (`a-z`, `0-9`, `_`, `-`) joined by `/`.
pub const LABEL_PATTERN: &str = "^[a-z0-9][a-z0-9_-]*(/[a-z0-9][a-z0-9_-]*)*$";
/// The hint under a refused label.
pub const LABEL_HINT: &str = "a label is `benign` or an attack category: lowercase words \
     (a-z, 0-9, `_`, `-`) joined by `/`, such as `tool_poisoning/command`";

/// Why `label` is not one (`None`: it is).
pub fn label_problem(label: &str) -> Option<String> {
    if label.len() > MAX_LABEL_LEN {
        return Some(format!("`label` is longer than {MAX_LABEL_LEN} characters"));
    }
    let word = |w: &str| {
        w.bytes().next().is_some_and(|b| b != b'_' && b != b'-')
            && w.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
    };
    (!label.split('/').all(word)).then(|| format!("`label` {label:?} is not a category"))
}

/// Whether `label` marks a case that is not an attack (`benign`, `benign/<set>`).
pub fn is_benign(label: &str) -> bool {
    label == BENIGN
        || label
            .strip_prefix(BENIGN)
            .is_some_and(|r| r.starts_with('/'))
}

/// Why a corpus cannot be scored for a guard.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EvalError {
    #[error(
        "case `{case}` has no `label` (hint: label every case of a corpus `benign` or with \
         its attack category, such as `tool_poisoning/command`)"
    )]
    Unlabelled { case: String },
    #[error("the gateway has no guard `{guard}` (it has: {known})")]
    UnknownGuard { guard: String, known: String },
    #[error("guard `{guard}` is disabled in the gateway")]
    Disabled { guard: String },
    #[error("fresh guard instances for the run: {0}")]
    Fresh(String),
    #[error("no enabled guard of the gateway screens the phases of its cases")]
    NothingToScore,
}

/// Refuses a corpus with an unlabelled case, naming the first one.
pub fn check_labels(file: &CaseFile) -> Result<(), EvalError> {
    match file.cases.iter().find(|c| c.label.is_none()) {
        Some(case) => Err(EvalError::Unlabelled {
            case: case.name.clone(),
        }),
        None => Ok(()),
    }
}

/// The guards scored when none are named: every enabled guard that screens the phase of
/// some case of `file`, in chain order.
pub fn default_guards(config: &GatewayConfig, file: &CaseFile) -> Vec<String> {
    config
        .chain_order()
        .into_iter()
        .map(|i| &config.security_guards[i])
        .filter(|g| file.cases.iter().any(|c| g.runs_on_phase(c.phase)))
        .map(|g| g.id.clone())
        .collect()
}

/// A corpus made ready for one guard: the cases it screens, each restricted to it.
#[derive(Debug, Clone, PartialEq)]
pub struct Prepared {
    pub guard: String,
    pub file: CaseFile,
    /// Cases of phases the guard does not screen, left out.
    pub not_screened: usize,
}

/// Makes `file` ready to score guard `guard` of `config`: checks every case is labelled
/// and the guard is there and enabled, keeps the cases of the phases it screens, and
/// restricts each to the guard (its `expect` and `guards` dropped, its overrides for
/// other guards too).
pub fn prepare(
    config: &GatewayConfig,
    file: &CaseFile,
    guard: &str,
) -> Result<Prepared, EvalError> {
    check_labels(file)?;
    let Some(entry) = config.security_guards.iter().find(|g| g.id == guard) else {
        let known: Vec<&str> = config
            .security_guards
            .iter()
            .map(|g| g.id.as_str())
            .collect();
        return Err(EvalError::UnknownGuard {
            guard: guard.into(),
            known: known.join(", "),
        });
    };
    if !entry.enabled {
        return Err(EvalError::Disabled {
            guard: guard.into(),
        });
    }
    let (screened, skipped): (Vec<&Case>, Vec<&Case>) = file
        .cases
        .iter()
        .partition(|c| entry.runs_on_phase(c.phase));
    let cases = screened
        .into_iter()
        .map(|c| Case {
            guards: vec![GuardRef::Id(guard.into())],
            config: c
                .config
                .iter()
                .filter(|(id, _)| *id == guard)
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            expect: None,
            ..c.clone()
        })
        .collect();
    Ok(Prepared {
        guard: guard.into(),
        file: CaseFile {
            cases,
            ..file.clone()
        },
        not_screened: skipped.len(),
    })
}

/// Scores guards `guards` (none: [`default_guards`]) over corpus `file`, each alone.
pub fn run_all<G: LoadedGateway>(
    gateway: &G,
    corpus: &str,
    file: &CaseFile,
    guards: &[String],
) -> Result<Vec<EvalReport>, EvalError> {
    check_labels(file)?;
    let ids = match guards {
        [] => default_guards(gateway.config(), file),
        named => named.to_vec(),
    };
    if ids.is_empty() {
        return Err(EvalError::NothingToScore);
    }
    ids.iter()
        .map(|id| run(gateway, corpus, file, id))
        .collect()
}

/// Scores guard `guard` over corpus `file` (named `corpus` in the report) on fresh
/// instances of `gateway`'s guards.
pub fn run<G: LoadedGateway>(
    gateway: &G,
    corpus: &str,
    file: &CaseFile,
    guard: &str,
) -> Result<EvalReport, EvalError> {
    let prepared = prepare(gateway.config(), file, guard)?;
    let fresh = gateway.fresh().map_err(EvalError::Fresh)?;
    let results = host::run_cases(&fresh, &prepared.file);
    Ok(EvalReport::score(corpus, &prepared, &results))
}

#[cfg(test)]
#[path = "eval_tests.rs"]
mod tests;
