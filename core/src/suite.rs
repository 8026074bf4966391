//! The suite loop, for every host.
//!
//! A [`SuiteRun`] hands out a case file's cases one at a time, as a [`Screening`] ready
//! for the host's chain, and judges what the host records: synchronously under wasmtime
//! and in a Worker ([`SuiteRun::run`]), asynchronously in a page (drive
//! [`SuiteRun::next_case`], [`SuiteRun::record`] and [`SuiteRun::finish`] from an async
//! function). Cases that cannot run (a bad override, a bad payload) are judged here and
//! never reach the host. A scenario's steps are handed out in order; the host gives each
//! scenario fresh guard instances ([`SuiteRun::needs_fresh_state`]).

use crate::case::{Case, CaseFile, CaseResult, SuiteReport};
use crate::chain::{Evaluation, Screening};

/// What the host did not tell about a case it was handed.
pub const NOT_RECORDED: &str = "the host recorded no evaluation for this case";

/// One case's state in a run.
enum Slot {
    /// Ready for the chain; the mismatches go into its judgement.
    Ready(Screening, Vec<String>),
    /// Handed to the host, awaiting its evaluation.
    Running(Vec<String>),
    Done(CaseResult),
}

/// One run of a case file, driven step by step by a host.
pub struct SuiteRun<'f> {
    file: &'f CaseFile,
    slots: Vec<Slot>,
    next: usize,
}

impl<'f> SuiteRun<'f> {
    /// Prepares every case of `file`. `sha_of(id)` is the module hash of the gateway's
    /// guard `id` (`None`: it has no such guard); `check(case)` is the host's check of
    /// the case's overrides.
    pub fn new(
        file: &'f CaseFile,
        sha_of: impl Fn(&str) -> Option<String>,
        check: impl Fn(&Case) -> Result<(), String>,
    ) -> Self {
        let slots = file
            .cases
            .iter()
            .map(|case| {
                let pre = case.guard_mismatches(&sha_of);
                match check(case).and_then(|()| case.screening()) {
                    Ok(screening) => Slot::Ready(screening, pre),
                    Err(e) => Slot::Done(CaseResult::judge(case, Err(e), pre)),
                }
            })
            .collect();
        Self {
            file,
            slots,
            next: 0,
        }
    }

    /// The case at `index` in the file.
    pub fn case(&self, index: usize) -> &'f Case {
        &self.file.cases[index]
    }

    /// Whether the host must give case `index` (and the cases after it) a fresh set of
    /// guard instances: at the start of every scenario, and after one ends, so no state
    /// carries into a scenario or out of it.
    pub fn needs_fresh_state(&self, index: usize) -> bool {
        let cases = &self.file.cases;
        let in_scenario = |i: usize| cases.get(i).is_some_and(|c| c.scenario.is_some());
        Case::starts_scenario(cases, index)
            || (index > 0 && in_scenario(index - 1) && !in_scenario(index))
    }

    /// The next case to evaluate: its index and what the chain screens. `None` when every
    /// case has been handed out.
    pub fn next_case(&mut self) -> Option<(usize, Screening)> {
        while self.next < self.slots.len() {
            let index = self.next;
            self.next += 1;
            let slot = std::mem::replace(&mut self.slots[index], Slot::Running(Vec::new()));
            match slot {
                Slot::Ready(screening, pre) => {
                    self.slots[index] = Slot::Running(pre);
                    return Some((index, screening));
                }
                done => self.slots[index] = done,
            }
        }
        None
    }

    /// Records the evaluation of case `index` (or the error that stopped it) and judges
    /// it. Only a case handed out by [`next_case`](Self::next_case) and not yet recorded
    /// takes a record; others are left as they are.
    pub fn record(&mut self, index: usize, evaluation: Result<Evaluation, String>) {
        let Some(Slot::Running(pre)) = self.slots.get_mut(index) else {
            return;
        };
        let pre = std::mem::take(pre);
        self.slots[index] = Slot::Done(CaseResult::judge(self.case(index), evaluation, pre));
    }

    /// The suite's report. A case the host never evaluated fails with [`NOT_RECORDED`].
    pub fn finish(self) -> SuiteReport {
        let results = self
            .slots
            .into_iter()
            .zip(&self.file.cases)
            .map(|(slot, case)| match slot {
                Slot::Done(result) => result,
                Slot::Ready(_, pre) | Slot::Running(pre) => {
                    CaseResult::judge(case, Err(NOT_RECORDED.into()), pre)
                }
            })
            .collect();
        SuiteReport::new(self.file.name.clone(), results)
    }

    /// Drives the whole run with a synchronous evaluator.
    pub fn run(
        mut self,
        mut evaluate: impl FnMut(&Case, Screening) -> Result<Evaluation, String>,
    ) -> SuiteReport {
        while let Some((index, screening)) = self.next_case() {
            let evaluation = evaluate(self.case(index), screening);
            self.record(index, evaluation);
        }
        self.finish()
    }
}

#[cfg(test)]
#[path = "suite_tests.rs"]
mod tests;
