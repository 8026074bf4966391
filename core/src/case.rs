//! Test cases: the unit users write, share and run on every host.
//!
//! A case file (`format: guardhouse.case/v1`, YAML or JSON) holds one case, or a suite
//! under `cases:`. A case names a phase and its payload, the context, per-guard config
//! overrides, the guards it was written for (optionally pinned by sha256), and what it
//! expects. See the README for the full format.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::chain::{Evaluation, Screening, Verdict};
use crate::config::GatewayConfig;
use crate::contract::{GuardContext, Phase};
use crate::payload::Payload;
use crate::source::{Document, SourceError};

/// The format tag every case file carries.
pub const CASE_FORMAT: &str = "guardhouse.case/v1";

/// A parsed case file: one case or a suite.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseFile {
    pub format: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The gateway config the cases run against: a path relative to the case file, or
    /// the config itself (as shared links carry it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateway: Option<GatewaySource>,
    pub cases: Vec<Case>,
}

/// Where a case file's gateway config comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum GatewaySource {
    Path(String),
    Inline(GatewayConfig),
}

/// One test case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Case {
    pub name: String,
    pub phase: Phase,
    /// `tools_list`: `{tools: [..]}`; `tool_invoke`: `{tool, arguments}`; `response`:
    /// any JSON; `connection`: nothing.
    #[serde(default, skip_serializing_if = "Value::is_null")]
    pub payload: Value,
    #[serde(default)]
    pub context: CaseContext,
    /// Per guard id, settings merged key by key over the gateway's.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub config: Map<String, Value>,
    /// The guards this case was written for; only they run. Empty: the whole chain.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub guards: Vec<GuardRef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expect: Option<Expect>,
    /// What the case is an example of, for `guardhouse eval`: `benign` (or
    /// `benign/<set>`), or the attack category, lowercase words joined by `/`
    /// (`tool_poisoning/command`, `injection/result/override`). `guardhouse eval` scores
    /// labels; `guardhouse test` judges `expect`, which a labelled case still needs there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = crate::eval::MAX_LABEL_LEN), pattern(crate::eval::LABEL_PATTERN))]
    pub label: Option<String>,
    /// The scenario this case is a step of: consecutive cases of one scenario run in
    /// order on one fresh set of guard instances, so state carries from step to step
    /// (and never in from earlier cases or out to later ones). A case file writes a
    /// scenario as a case with `steps:`; each step becomes a case named
    /// `<scenario> / <step>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scenario: Option<String>,
}

/// The keys of a scenario (a case with `steps:`) besides `steps`; each step may set
/// `guards`, `context` and `config` itself, replacing the scenario's.
const SCENARIO_KEYS: [&str; 5] = ["name", "guards", "context", "config", "steps"];

/// The context a case is screened in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseContext {
    #[serde(default = "default_server")]
    pub server_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<String>,
    #[serde(default = "empty_object")]
    pub metadata: Value,
}

fn default_server() -> String {
    "example-server".into()
}
fn empty_object() -> Value {
    Value::Object(Map::new())
}

impl Default for CaseContext {
    fn default() -> Self {
        Self {
            server_name: default_server(),
            server_url: None,
            identity: None,
            metadata: empty_object(),
        }
    }
}

impl From<&CaseContext> for GuardContext {
    fn from(c: &CaseContext) -> Self {
        GuardContext {
            server_name: c.server_name.clone(),
            server_url: c.server_url.clone(),
            identity: c.identity.clone(),
            metadata: c.metadata.to_string(),
        }
    }
}

/// A guard a case was written for: its id, optionally pinned to a module hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(untagged)]
pub enum GuardRef {
    Id(String),
    Pinned { id: String, sha256: String },
}

impl GuardRef {
    pub fn id(&self) -> &str {
        match self {
            GuardRef::Id(id) | GuardRef::Pinned { id, .. } => id,
        }
    }
    pub fn sha256(&self) -> Option<&str> {
        match self {
            GuardRef::Id(_) => None,
            GuardRef::Pinned { sha256, .. } => Some(sha256),
        }
    }
}

/// What a case expects. Every field given must hold; `decision` or `load_error` is
/// required (not both).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<Verdict>,
    /// Deny: the expected code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// Deny: the guard expected to deny.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guard: Option<String>,
    /// Deny: a substring of the denial's message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Deny: a subset of the denial's details (objects key by key, recursively; arrays
    /// element by element; anything else equal).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<Value>,
    /// Modify: the expected final payload.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload: Option<Value>,
    /// Each must be a substring of some warning.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// No warning at all.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub no_warnings: bool,
    /// Per guard id: substrings, each of which some log line of that guard must contain.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub logs: BTreeMap<String, Vec<String>>,
    /// Per guard id: the decision its trace shows (`allow`, `deny`, `modify`, `warn`,
    /// `not_applicable`), or `not_run` for a guard the chain never reached.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub trace: BTreeMap<String, String>,
    /// The case's settings must be refused before anything runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_error: Option<ExpectLoadError>,
}

/// An expected refusal of a case's guard settings (its `config` overrides).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExpectLoadError {
    /// The guard whose settings are refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guard: Option<String>,
    /// The JSON pointer into the settings the refusal names (e.g. `/patterns`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pointer: Option<String>,
    /// A substring of the refusal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

impl CaseFile {
    /// Parses a case file (YAML or JSON); `origin` names it in errors.
    pub fn parse(origin: &str, text: &str) -> Result<Self, SourceError> {
        Self::from_document(&Document::parse(origin, text)?)
    }

    /// Reads a case file from a parsed document (e.g. a JSON request body).
    pub fn from_document(doc: &Document) -> Result<Self, SourceError> {
        let Value::Object(root) = &doc.value else {
            return Err(doc.error("", "a case file must be a mapping"));
        };
        match root.get("format") {
            Some(Value::String(f)) if f == CASE_FORMAT => {}
            Some(other) => {
                return Err(SourceError {
                    hint: Some(format!("this version reads `format: {CASE_FORMAT}`")),
                    ..doc.error("format", format!("unsupported case format {other}"))
                });
            }
            None => {
                return Err(SourceError {
                    hint: Some(format!("add `format: {CASE_FORMAT}`")),
                    ..doc.error("", "missing `format`")
                });
            }
        }
        let gateway = match root.get("gateway") {
            None | Some(Value::Null) => None,
            Some(Value::String(p)) => Some(GatewaySource::Path(p.clone())),
            Some(_) => Some(GatewaySource::Inline(GatewayConfig::from_document(
                doc, "gateway",
            )?)),
        };
        let (name, cases) = if let Some(list) = root.get("cases") {
            let name = match root.get("name") {
                None | Some(Value::Null) => None,
                Some(Value::String(name)) => Some(name.clone()),
                Some(_) => return Err(doc.error("name", "a suite's `name` must be a string")),
            };
            for key in root.keys() {
                if !["format", "name", "gateway", "cases"].contains(&key.as_str()) {
                    return Err(doc.error(key, format!("unknown key `{key}` in a suite")));
                }
            }
            let Value::Array(items) = list else {
                return Err(doc.error("cases", "`cases` must be a list"));
            };
            if items.is_empty() {
                return Err(doc.error("cases", "a suite needs at least one case"));
            }
            let mut cases = Vec::new();
            for (i, item) in items.iter().enumerate() {
                cases.extend(read_case(doc, &format!("cases[{i}]"), item.clone())?);
            }
            (name, cases)
        } else {
            let mut single = root.clone();
            single.remove("format");
            single.remove("gateway");
            let name = single
                .get("name")
                .and_then(Value::as_str)
                .map(str::to_string);
            (name, read_case(doc, "", Value::Object(single))?)
        };
        let (paths, cases): (Vec<String>, Vec<Case>) = cases.into_iter().unzip();
        for (case, base) in cases.iter().zip(&paths) {
            if let Err(e) = case.payload() {
                return Err(doc.error(&crate::source::join_path(base, "payload"), e));
            }
            if let Some(problem) = case.expect.as_ref().and_then(Expect::problem) {
                return Err(doc.error(&crate::source::join_path(base, "expect"), problem));
            }
            if let Some(problem) = case.label.as_deref().and_then(crate::eval::label_problem) {
                return Err(SourceError {
                    hint: Some(crate::eval::LABEL_HINT.into()),
                    ..doc.error(&crate::source::join_path(base, "label"), problem)
                });
            }
        }
        Ok(Self {
            format: CASE_FORMAT.into(),
            name,
            gateway,
            cases,
        })
    }

    /// Refuses a file `guardhouse test` cannot judge: a labelled case without `expect`
    /// (its label is for `guardhouse eval`). The error names the case.
    pub fn check_testable(&self) -> Result<(), String> {
        match self.cases.iter().find_map(Case::untestable) {
            Some(problem) => Err(problem),
            None => Ok(()),
        }
    }

    /// The file as YAML-compatible JSON text (what the web page exports).
    pub fn to_json_pretty(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

/// Refuses a `context` or `expect` that is not a mapping: serde reads a struct from a
/// list of its fields too, but a case file spells them by name.
fn mappings_only(doc: &Document, path: &str, item: &Value) -> Result<(), SourceError> {
    for key in ["context", "expect"] {
        if let Some(v) = item.get(key)
            && !(v.is_object() || v.is_null())
        {
            let at = crate::source::join_path(path, key);
            return Err(doc.error(&at, format!("`{key}` must be a mapping")));
        }
    }
    Ok(())
}

/// Reads the case at `path`: one case, or a scenario's steps as cases (each with the
/// path of its step, for located errors).
fn read_case(doc: &Document, path: &str, item: Value) -> Result<Vec<(String, Case)>, SourceError> {
    mappings_only(doc, path, &item)?;
    let Some(steps) = item.get("steps") else {
        return Ok(vec![(path.to_string(), case_at(doc, path, item)?)]);
    };
    let Value::Object(scenario) = &item else {
        return Err(doc.error(path, "a case must be a mapping"));
    };
    for key in scenario.keys() {
        if !SCENARIO_KEYS.contains(&key.as_str()) {
            let at = crate::source::join_path(path, key);
            return Err(SourceError {
                hint: Some(format!(
                    "a scenario takes {}; `{key}` belongs in a step",
                    SCENARIO_KEYS.join(", ")
                )),
                ..doc.error(&at, format!("unknown key `{key}` in a scenario"))
            });
        }
    }
    let name = match scenario.get("name") {
        Some(Value::String(name)) => name.clone(),
        _ => {
            let at = crate::source::join_path(path, "name");
            return Err(doc.error(&at, "a scenario needs a `name` (a string)"));
        }
    };
    let steps_path = crate::source::join_path(path, "steps");
    let steps = match steps {
        Value::Array(steps) if !steps.is_empty() => steps,
        _ => return Err(doc.error(&steps_path, "`steps` must be a list of at least one step")),
    };
    let mut out = Vec::with_capacity(steps.len());
    for (j, step) in steps.iter().enumerate() {
        let at = format!("{steps_path}[{j}]");
        let Value::Object(step) = step else {
            return Err(doc.error(&at, "a step must be a mapping"));
        };
        if step.contains_key("steps") || step.contains_key("scenario") {
            return Err(doc.error(&at, "a step cannot hold steps or name a scenario"));
        }
        mappings_only(doc, &at, &Value::Object(step.clone()))?;
        let step_name = match step.get("name") {
            Some(Value::String(n)) => n.clone(),
            _ => return Err(doc.error(&at, "a step needs a `name` (a string)")),
        };
        let mut merged = step.clone();
        for key in ["guards", "context", "config"] {
            if let Some(v) = scenario.get(key)
                && !merged.contains_key(key)
            {
                merged.insert(key.into(), v.clone());
            }
        }
        merged.insert(
            "name".into(),
            Value::String(format!("{name} / {step_name}")),
        );
        merged.insert("scenario".into(), Value::String(name.clone()));
        out.push((at.clone(), case_at(doc, &at, Value::Object(merged))?));
    }
    Ok(out)
}

/// Reads one case from `item`. Its payload (any JSON: nothing in it can be misspelled)
/// moves into the case as it is; through the path-tracking deserializer it would be
/// rebuilt node by node, which was most of the cost of reading a 50-tool case.
fn case_at(doc: &Document, at: &str, item: Value) -> Result<Case, SourceError> {
    let Value::Object(mut fields) = item else {
        return doc.deserialize_value_at(at, item);
    };
    let payload = fields.remove("payload");
    let mut case: Case = doc.deserialize_value_at(at, Value::Object(fields))?;
    if let Some(payload) = payload {
        case.payload = payload;
    }
    Ok(case)
}

impl Case {
    /// Whether case `index` of `cases` begins a scenario.
    pub fn starts_scenario(cases: &[Case], index: usize) -> bool {
        let Some(scenario) = cases.get(index).and_then(|c| c.scenario.as_ref()) else {
            return false;
        };
        index == 0 || cases[index - 1].scenario.as_ref() != Some(scenario)
    }

    /// Why a test run cannot judge this case: it is labelled for `guardhouse eval` but
    /// has no `expect` (`None`: it can be judged).
    pub fn untestable(&self) -> Option<String> {
        let label = self.label.as_ref()?;
        self.expect.is_none().then(|| {
            format!(
                "case `{}` is labelled `{label}` but has no `expect`: `guardhouse test` \
                 judges `expect`; score labels with `guardhouse eval`",
                self.name
            )
        })
    }

    /// The typed payload of this case's phase.
    pub fn payload(&self) -> Result<Payload, String> {
        Payload::from_json_ref(self.phase, &self.payload)
    }

    /// What a chain screens for this case.
    pub fn screening(&self) -> Result<Screening, String> {
        Ok(Screening {
            payload: self.payload()?,
            context: (&self.context).into(),
            overrides: self.config.clone(),
            only: (!self.guards.is_empty())
                .then(|| self.guards.iter().map(|g| g.id().to_string()).collect()),
        })
    }

    /// Mismatches between the guards this case was pinned to and what the gateway has.
    /// `sha_of(id)` is the gateway's module hash for guard `id`, `None` if it has no such
    /// guard.
    pub fn guard_mismatches(&self, sha_of: impl Fn(&str) -> Option<String>) -> Vec<String> {
        let mut out = Vec::new();
        for g in &self.guards {
            match (sha_of(g.id()), g.sha256()) {
                (None, _) => out.push(format!("the gateway has no guard `{}`", g.id())),
                (Some(have), Some(want)) if !have.eq_ignore_ascii_case(want) => out.push(format!(
                    "guard `{}` is sha256 {have}, the case was written for {want}",
                    g.id()
                )),
                _ => {}
            }
        }
        out
    }
}

impl Expect {
    /// Why this expectation cannot be judged (`None`: it can).
    pub fn problem(&self) -> Option<&'static str> {
        match (&self.decision, &self.load_error) {
            (None, None) => Some("`expect` needs `decision` or `load_error`"),
            (Some(_), Some(_)) => Some("`expect` takes `decision` or `load_error`, not both"),
            (None, Some(e)) if e.guard.is_none() && e.pointer.is_none() && e.message.is_none() => {
                Some("`load_error` needs `guard`, `pointer` or `message`")
            }
            _ => None,
        }
    }

    /// Every way `eval` differs from this expectation (empty: it passed).
    pub fn check(&self, eval: &Evaluation) -> Vec<String> {
        let mut out = Vec::new();
        if self.load_error.is_some() {
            out.push(format!(
                "expected the case's settings to be refused, got {}",
                eval.decision.as_str()
            ));
            return out;
        }
        if let Some(decision) = self.decision
            && eval.decision != decision
        {
            let why = eval
                .deny
                .as_ref()
                .map(|d| format!(" ({} by {}: {})", d.code, d.guard, d.message))
                .unwrap_or_default();
            out.push(format!(
                "expected {}, got {}{why}",
                decision.as_str(),
                eval.decision.as_str()
            ));
        }
        if let Some(code) = &self.code {
            let got = eval.deny.as_ref().map(|d| d.code.as_str());
            if got != Some(code.as_str()) {
                out.push(format!("expected deny code `{code}`, got {got:?}"));
            }
        }
        if let Some(guard) = &self.guard {
            let got = eval.deny.as_ref().map(|d| d.guard.as_str());
            if got != Some(guard.as_str()) {
                out.push(format!("expected guard `{guard}` to deny, got {got:?}"));
            }
        }
        if let Some(message) = &self.message {
            let got = eval.deny.as_ref().map(|d| d.message.as_str());
            if !got.is_some_and(|m| m.contains(message.as_str())) {
                out.push(format!(
                    "expected a deny message containing {message:?}, got {got:?}"
                ));
            }
        }
        if let Some(want) = &self.details {
            let got = eval.deny.as_ref().and_then(|d| d.details.as_ref());
            if !got.is_some_and(|got| is_subset(want, got)) {
                let got = got.map_or("none".into(), Value::to_string);
                out.push(format!("expected deny details including {want}, got {got}"));
            }
        }
        if let Some(want) = &self.payload
            && eval.payload.as_ref() != Some(want)
        {
            out.push(format!(
                "expected payload {want}, got {}",
                eval.payload
                    .as_ref()
                    .map_or("the original payload".into(), Value::to_string)
            ));
        }
        for w in &self.warnings {
            if !eval
                .warnings
                .iter()
                .any(|have| have.message.contains(w.as_str()))
            {
                out.push(format!("expected a warning containing {w:?}"));
            }
        }
        if self.no_warnings && !eval.warnings.is_empty() {
            let all: Vec<String> = eval
                .warnings
                .iter()
                .map(|w| format!("{}: {}", w.guard, w.message))
                .collect();
            out.push(format!("expected no warnings, got {all:?}"));
        }
        for (guard, want) in &self.trace {
            let got = eval.trace.iter().find(|t| &t.guard == guard);
            let got = got.map_or("not_run", |t| t.decision.as_str());
            if got != want {
                out.push(format!(
                    "expected guard `{guard}` to {want} in the trace, got {got}"
                ));
            }
        }
        for (guard, wants) in &self.logs {
            let lines = eval
                .trace
                .iter()
                .filter(|t| &t.guard == guard)
                .flat_map(|t| &t.logs);
            let lines: Vec<&String> = lines.collect();
            for want in wants {
                if !lines.iter().any(|l| l.contains(want.as_str())) {
                    out.push(format!(
                        "expected a log line of `{guard}` containing {want:?}"
                    ));
                }
            }
        }
        out
    }

    /// Judges a case whose settings were refused with `error`: whether this expectation
    /// wanted exactly that (empty: it passed).
    pub fn check_refusal(&self, error: &str) -> Vec<String> {
        let Some(want) = &self.load_error else {
            return vec![error.to_string()];
        };
        let mut out = Vec::new();
        if let Some(guard) = &want.guard
            && !error.contains(&format!("`{guard}`"))
        {
            out.push(format!(
                "expected guard `{guard}`'s settings to be refused, got: {error}"
            ));
        }
        if let Some(pointer) = &want.pointer
            && !error.contains(&format!("at {pointer}:"))
        {
            out.push(format!("expected a refusal at {pointer}, got: {error}"));
        }
        if let Some(message) = &want.message
            && !error.contains(message.as_str())
        {
            out.push(format!(
                "expected a refusal containing {message:?}, got: {error}"
            ));
        }
        out
    }
}

/// Whether `want` is contained in `got`: objects key by key (recursively), arrays of the
/// same length element by element, other values equal.
fn is_subset(want: &Value, got: &Value) -> bool {
    match (want, got) {
        (Value::Object(want), Value::Object(got)) => want
            .iter()
            .all(|(k, w)| got.get(k).is_some_and(|g| is_subset(w, g))),
        (Value::Array(want), Value::Array(got)) => {
            want.len() == got.len() && want.iter().zip(got).all(|(w, g)| is_subset(w, g))
        }
        _ => want == got,
    }
}

/// The result of one case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct CaseResult {
    pub name: String,
    pub passed: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failures: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evaluation: Option<Evaluation>,
}

impl CaseResult {
    /// Judges an evaluation (or the error that stopped it) against the case.
    pub fn judge(case: &Case, evaluation: Result<Evaluation, String>, pre: Vec<String>) -> Self {
        let mut failures = pre;
        let evaluation = match evaluation {
            Ok(eval) => {
                if let Some(expect) = &case.expect {
                    failures.extend(expect.check(&eval));
                }
                failures.extend(case.untestable());
                Some(eval)
            }
            Err(e) => {
                match &case.expect {
                    Some(expect) => failures.extend(expect.check_refusal(&e)),
                    None => failures.push(e),
                }
                None
            }
        };
        Self {
            name: case.name.clone(),
            passed: failures.is_empty(),
            failures,
            evaluation,
        }
    }
}

/// The results of a suite.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SuiteReport {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub passed: usize,
    pub failed: usize,
    pub results: Vec<CaseResult>,
}

impl SuiteReport {
    pub fn new(name: Option<String>, results: Vec<CaseResult>) -> Self {
        let passed = results.iter().filter(|r| r.passed).count();
        Self {
            name,
            passed,
            failed: results.len() - passed,
            results,
        }
    }

    /// `opa test`'s closing line: `N passed, M failed`.
    pub fn summary_line(&self) -> String {
        format!("{} passed, {} failed", self.passed, self.failed)
    }
}

#[cfg(test)]
#[path = "case_tests.rs"]
mod tests;

/// Runs every case of `file` with a host's synchronous evaluator and judges the results
/// (a [`SuiteRun`](crate::suite::SuiteRun) without override checks).
///
/// `sha_of(id)` is the module hash of the gateway's guard `id`; `evaluate` runs one
/// screening through the host's chain.
pub fn run_suite(
    file: &CaseFile,
    sha_of: impl Fn(&str) -> Option<String>,
    evaluate: impl FnMut(&Case, Screening) -> Result<Evaluation, String>,
) -> SuiteReport {
    crate::suite::SuiteRun::new(file, sha_of, |_| Ok(())).run(evaluate)
}
