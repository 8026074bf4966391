//! What an eval run reports: counts and rates per label and overall, the misses and
//! false alarms, per guard and corpus ([`EvalReport`]) and per guard over every corpus
//! ([`EvalSummary`]).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{BENIGN, Prepared, is_benign};
use crate::case::{Case, SuiteReport};
use crate::chain::{Evaluation, Verdict};

/// Counts over a set of scored cases.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Counts {
    attacks: usize,
    attacks_denied: usize,
    attacks_warned: usize,
    benign: usize,
    benign_denied: usize,
    benign_warned: usize,
}

impl Counts {
    fn add(&mut self, benign: bool, outcome: Outcome) {
        let (all, denied, warned) = match benign {
            false => (
                &mut self.attacks,
                &mut self.attacks_denied,
                &mut self.attacks_warned,
            ),
            true => (
                &mut self.benign,
                &mut self.benign_denied,
                &mut self.benign_warned,
            ),
        };
        *all += 1;
        match outcome {
            Outcome::Denied => *denied += 1,
            Outcome::Warned => *warned += 1,
            Outcome::Allowed => {}
        }
    }

    fn merge(&mut self, other: &Counts) {
        self.attacks += other.attacks;
        self.attacks_denied += other.attacks_denied;
        self.attacks_warned += other.attacks_warned;
        self.benign += other.benign;
        self.benign_denied += other.benign_denied;
        self.benign_warned += other.benign_warned;
    }
}

/// The counts and rates of a set of scored cases. A rate is `null` when its set is
/// empty; precision is `null` unless the set holds attacks and benign cases and
/// something was denied (or flagged).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Scores {
    pub cases: usize,
    pub attacks: usize,
    pub attacks_denied: usize,
    /// Let through with warnings (or modified), not denied.
    pub attacks_warned: usize,
    pub benign: usize,
    pub benign_denied: usize,
    /// Let through with warnings (or modified), not denied.
    pub benign_warned: usize,
    /// attacks_denied / attacks.
    pub recall_deny: Option<f64>,
    /// (attacks_denied + attacks_warned) / attacks.
    pub recall_deny_or_warn: Option<f64>,
    /// benign_denied / benign.
    pub benign_deny_rate: Option<f64>,
    /// benign_warned / benign.
    pub benign_warn_rate: Option<f64>,
    /// Of the cases denied, the share that are attacks.
    pub precision_deny: Option<f64>,
    /// Of the cases denied or warned, the share that are attacks.
    pub precision_deny_or_warn: Option<f64>,
}

fn ratio(part: usize, whole: usize) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

impl From<Counts> for Scores {
    fn from(c: Counts) -> Self {
        let both = c.attacks > 0 && c.benign > 0;
        let flagged_attacks = c.attacks_denied + c.attacks_warned;
        let flagged_benign = c.benign_denied + c.benign_warned;
        Self {
            cases: c.attacks + c.benign,
            attacks: c.attacks,
            attacks_denied: c.attacks_denied,
            attacks_warned: c.attacks_warned,
            benign: c.benign,
            benign_denied: c.benign_denied,
            benign_warned: c.benign_warned,
            recall_deny: ratio(c.attacks_denied, c.attacks),
            recall_deny_or_warn: ratio(flagged_attacks, c.attacks),
            benign_deny_rate: ratio(c.benign_denied, c.benign),
            benign_warn_rate: ratio(c.benign_warned, c.benign),
            precision_deny: ratio(c.attacks_denied, c.attacks_denied + c.benign_denied)
                .filter(|_| both),
            precision_deny_or_warn: ratio(flagged_attacks, flagged_attacks + flagged_benign)
                .filter(|_| both),
        }
    }
}

impl Scores {
    fn counts(&self) -> Counts {
        Counts {
            attacks: self.attacks,
            attacks_denied: self.attacks_denied,
            attacks_warned: self.attacks_warned,
            benign: self.benign,
            benign_denied: self.benign_denied,
            benign_warned: self.benign_warned,
        }
    }
}

/// The scores of the cases with one label.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct CategoryScores {
    pub label: String,
    #[serde(flatten)]
    pub scores: Scores,
}

/// A case the guard got wrong: an attack it did not deny, or a benign case it denied or
/// warned about.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Finding {
    pub case: String,
    pub label: String,
    pub decision: Verdict,
    /// The deny code, when denied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// The denial's message, or the warnings (joined by `; `).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// A case that could not be evaluated (its overrides refused, say).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct CaseError {
    pub case: String,
    pub label: String,
    pub error: String,
}

/// One guard scored over one corpus.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct EvalReport {
    pub guard: String,
    pub corpus: String,
    /// Cases of phases the guard does not screen (not scored).
    pub not_screened: usize,
    /// Scored cases on which the guard failed (trap, timeout, limit); they count as
    /// its failure_mode decided.
    pub guard_failures: usize,
    pub overall: Scores,
    /// Per label, sorted by label.
    pub categories: Vec<CategoryScores>,
    /// Attacks not denied: those let through without a warning first, then the warned.
    pub misses: Vec<Finding>,
    /// Benign cases denied, then those warned about.
    pub false_alarms: Vec<Finding>,
    /// Cases that could not be evaluated (not scored).
    pub errors: Vec<CaseError>,
}

/// What a guard did with a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Outcome {
    Denied,
    Warned,
    Allowed,
}

impl Outcome {
    fn of(eval: &Evaluation) -> Self {
        match eval.decision {
            Verdict::Deny => Outcome::Denied,
            Verdict::Allow if eval.warnings.is_empty() => Outcome::Allowed,
            _ => Outcome::Warned,
        }
    }
}

fn finding(case: &Case, label: &str, eval: &Evaluation) -> Finding {
    let (code, message) = match &eval.deny {
        Some(d) => (Some(d.code.clone()), Some(d.message.clone())),
        None if eval.warnings.is_empty() => (None, None),
        None => {
            let all: Vec<&str> = eval.warnings.iter().map(|w| w.message.as_str()).collect();
            (None, Some(all.join("; ")))
        }
    };
    Finding {
        case: case.name.clone(),
        label: label.to_string(),
        decision: eval.decision,
        code,
        message,
    }
}

impl EvalReport {
    /// Scores the suite run of a [`prepare`]d corpus. A case with an evaluation is
    /// scored by it alone (its judgement's failures are about `expect`, which eval does
    /// not use); one without is an error.
    pub fn score(corpus: &str, prepared: &Prepared, results: &SuiteReport) -> Self {
        let mut overall = Counts::default();
        let mut categories: BTreeMap<String, Counts> = BTreeMap::new();
        let (mut misses, mut false_alarms, mut errors) = (Vec::new(), Vec::new(), Vec::new());
        let mut guard_failures = 0;
        for (case, result) in prepared.file.cases.iter().zip(&results.results) {
            let label = case.label.as_deref().unwrap_or(BENIGN);
            let Some(eval) = &result.evaluation else {
                errors.push(CaseError {
                    case: case.name.clone(),
                    label: label.into(),
                    error: result.failures.join("; "),
                });
                continue;
            };
            let benign = is_benign(label);
            let outcome = Outcome::of(eval);
            overall.add(benign, outcome);
            categories
                .entry(label.into())
                .or_default()
                .add(benign, outcome);
            guard_failures += usize::from(eval.trace.iter().any(|t| t.failure.is_some()));
            match (benign, outcome) {
                (false, Outcome::Denied) | (true, Outcome::Allowed) => {}
                (false, _) => misses.push((outcome, finding(case, label, eval))),
                (true, _) => false_alarms.push((outcome, finding(case, label, eval))),
            }
        }
        // Stable: file order within each outcome; the worst first.
        misses.sort_by_key(|(o, _)| std::cmp::Reverse(*o));
        false_alarms.sort_by_key(|(o, _)| *o);
        Self {
            guard: prepared.guard.clone(),
            corpus: corpus.into(),
            not_screened: prepared.not_screened,
            guard_failures,
            overall: overall.into(),
            categories: categories
                .into_iter()
                .map(|(label, c)| CategoryScores {
                    label,
                    scores: c.into(),
                })
                .collect(),
            misses: misses.into_iter().map(|(_, f)| f).collect(),
            false_alarms: false_alarms.into_iter().map(|(_, f)| f).collect(),
            errors,
        }
    }
}

/// One guard over every corpus it was scored on: the counts summed, the rates over the
/// sums.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct GuardTotal {
    pub guard: String,
    /// The corpora with at least one scored case.
    pub corpora: usize,
    pub overall: Scores,
    /// Per label, sorted by label.
    pub categories: Vec<CategoryScores>,
}

/// Every report of an eval run and the per-guard totals (`guardhouse eval --json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct EvalSummary {
    pub reports: Vec<EvalReport>,
    /// Per guard, in the order guards first appear in `reports`.
    pub totals: Vec<GuardTotal>,
}

impl EvalSummary {
    pub fn new(reports: Vec<EvalReport>) -> Self {
        let mut totals: Vec<(String, usize, Counts, BTreeMap<String, Counts>)> = Vec::new();
        for r in &reports {
            let index = match totals.iter().position(|t| t.0 == r.guard) {
                Some(i) => i,
                None => {
                    totals.push((r.guard.clone(), 0, Counts::default(), BTreeMap::new()));
                    totals.len() - 1
                }
            };
            let (_, corpora, overall, categories) = &mut totals[index];
            *corpora += usize::from(r.overall.cases > 0);
            overall.merge(&r.overall.counts());
            for c in &r.categories {
                let entry = categories.entry(c.label.clone()).or_default();
                entry.merge(&c.scores.counts());
            }
        }
        let totals = totals
            .into_iter()
            .map(|(guard, corpora, overall, categories)| GuardTotal {
                guard,
                corpora,
                overall: overall.into(),
                categories: categories
                    .into_iter()
                    .map(|(label, c)| CategoryScores {
                        label,
                        scores: c.into(),
                    })
                    .collect(),
            })
            .collect();
        Self { reports, totals }
    }

    /// Cases that could not be evaluated, over every report.
    pub fn error_count(&self) -> usize {
        self.reports.iter().map(|r| r.errors.len()).sum()
    }
}
