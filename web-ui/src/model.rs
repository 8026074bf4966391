//! The page's state as plain structs: loaded modules, the gateway chain, the case being
//! edited. Components read and update these through signals; the logic lives here.

use std::sync::Arc;

use serde_json::{Map, Value};

use guardhouse_core::Phase;
use guardhouse_core::case::{Case, CaseContext, CaseFile, Expect, GatewaySource, GuardRef};
use guardhouse_core::config::{GatewayConfig, GuardConfig};
use guardhouse_core::contract::RunsOn;
use guardhouse_core::host::{GatewayInfo, GuardSettings};
use guardhouse_core::inspect::ComponentInfo;

/// A guard component the page has inspected, transpiled and sent to the worker.
#[derive(Clone)]
pub struct LoadedModule {
    /// The `module_path` guards name it by (e.g. `dist/simple-pattern.wasm`).
    pub path: String,
    pub info: ComponentInfo,
    pub bytes: Arc<Vec<u8>>,
    /// What `get-settings-schema` returned.
    pub schema: Option<String>,
    /// What `get-default-config` returned.
    pub defaults: Option<Map<String, Value>>,
    pub timings: LoadTimings,
}

/// What loading a module cost, by stage (milliseconds).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct LoadTimings {
    /// Bindgen and the metering pass.
    pub transpile_ms: f64,
    /// `WebAssembly.compile` of the core modules.
    pub compile_ms: f64,
    /// The worker importing the glue.
    pub start_ms: f64,
    /// The settings hooks, which include the first instantiation.
    pub settings_ms: f64,
    /// From the bytes to a loaded guard (inspection included).
    pub total_ms: f64,
}

impl std::fmt::Display for LoadTimings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} (transpile + meter {}, compile {}, worker {}, settings {})",
            duration(self.total_ms),
            duration(self.transpile_ms),
            duration(self.compile_ms),
            duration(self.start_ms),
            duration(self.settings_ms)
        )
    }
}

/// `850 ms` or `2.41 s`.
pub fn duration(ms: f64) -> String {
    if ms < 1000.0 {
        format!("{ms:.0} ms")
    } else {
        format!("{:.2} s", ms / 1000.0)
    }
}

/// `113 KB` or `17.7 MB` (powers of 1024, as the guard cards show sizes).
pub fn size(bytes: u64) -> String {
    if bytes < 1 << 20 {
        format!("{} KB", bytes / 1024)
    } else {
        format!("{:.1} MB", bytes as f64 / f64::from(1 << 20))
    }
}

impl LoadedModule {
    /// The file name part of `path`.
    pub fn file_name(&self) -> &str {
        self.path.rsplit('/').next().unwrap_or(&self.path)
    }
}

/// Loaded modules and the chain that uses them.
#[derive(Clone, Default)]
pub struct Workbench {
    pub modules: Vec<LoadedModule>,
    pub gateway: GatewayConfig,
    /// Where the chain came from when it is a served gateway file (its URL); `None` for
    /// a chain from a link or an imported case.
    pub source: Option<String>,
}

impl Workbench {
    /// Replaces the chain; loaded modules stay (they are matched by path again).
    pub fn set_chain(&mut self, gateway: GatewayConfig, source: Option<String>) {
        self.gateway = gateway;
        self.source = source;
    }

    /// The module guard `g` runs.
    pub fn module_for(&self, g: &GuardConfig) -> Option<&LoadedModule> {
        let want = g.module_path.trim_start_matches("./");
        self.modules.iter().find(|m| m.path == want).or_else(|| {
            let base = want.rsplit('/').next().unwrap_or(want);
            self.modules.iter().find(|m| m.file_name() == base)
        })
    }

    /// Adds (or replaces, matched by file name) a module; a new file also gets a guard
    /// in the chain, named after the file, configured with the guard's defaults.
    pub fn add_module(&mut self, mut module: LoadedModule) {
        let base = module.file_name().to_string();
        if let Some(old) = self.modules.iter_mut().find(|m| m.file_name() == base) {
            module.path = old.path.clone();
            *old = module;
            return;
        }
        let stem = base.trim_end_matches(".wasm").to_string();
        let used = |id: &str| self.gateway.security_guards.iter().any(|g| g.id == id);
        if !self
            .gateway
            .security_guards
            .iter()
            .any(|g| g.module_path.ends_with(&base))
        {
            let mut id = stem.clone();
            let mut n = 2;
            while used(&id) {
                id = format!("{stem}-{n}");
                n += 1;
            }
            let priority = self
                .gateway
                .security_guards
                .iter()
                .map(|g| g.priority)
                .max()
                .map_or(10, |p| p + 10);
            let mut g = new_guard(
                &id,
                &module.path,
                priority,
                module.defaults.clone().unwrap_or_default(),
            );
            if let Some(runs_on) = default_runs_on(module.schema.as_deref()) {
                g.runs_on = runs_on;
            }
            self.gateway.security_guards.push(g);
        }
        self.modules.push(module);
    }

    /// The module hash guard `id` runs, for sha pins.
    pub fn sha_of(&self, id: &str) -> Option<String> {
        let g = self.gateway.security_guards.iter().find(|g| g.id == id)?;
        self.module_for(g).map(|m| m.info.sha256.clone())
    }

    /// Each guard's `sha256:` pin against the module the page has for it, as every host
    /// checks at load: the first mismatch, naming both hashes.
    pub fn check_pins(&self) -> Result<(), String> {
        for g in &self.gateway.security_guards {
            if let Some(m) = self.module_for(g) {
                g.check_pin(&m.info.sha256)
                    .map_err(|e| format!("module failed to load: {e}"))?;
            }
        }
        Ok(())
    }

    /// The settings checks of every guard, in chain config order, after checking each
    /// guard's configured settings against its schema, as every host does at load: a
    /// chain with refused settings does not run.
    pub fn settings_checks(&self) -> Result<Vec<GuardSettings>, String> {
        self.gateway
            .security_guards
            .iter()
            .map(|g| {
                let schema = self.module_for(g).and_then(|m| m.schema.as_deref());
                GuardSettings::load(&g.id, schema, &g.config).map_err(|e| e.to_string())
            })
            .collect()
    }
}

/// The `runs_on` a guard's schema suggests (`x-guard-meta.defaultRunsOn`), when it names
/// phases the config format knows.
fn default_runs_on(schema: Option<&str>) -> Option<Vec<RunsOn>> {
    let schema: Value = serde_json::from_str(schema?).ok()?;
    let phases = schema.pointer("/x-guard-meta/defaultRunsOn")?.clone();
    serde_json::from_value::<Vec<RunsOn>>(phases)
        .ok()
        .filter(|p| !p.is_empty())
}

/// A gateway entry for a newly added module, with the config file's defaults.
fn new_guard(id: &str, path: &str, priority: i64, config: Map<String, Value>) -> GuardConfig {
    let yaml = format!("security_guards:\n  - {{id: {id:?}, module_path: {path:?}}}\n");
    let mut g = GatewayConfig::parse("<new guard>", &yaml)
        .ok()
        .and_then(|c| c.security_guards.into_iter().next())
        .expect("a two-key guard entry always parses");
    g.priority = priority;
    g.config = config;
    g
}

/// The workbench as core's [`GatewayInfo`], for core's suite runs (pinned hashes and
/// override checks); the page calls guards itself, asynchronously (crate::exec).
pub struct PageGateway<'w> {
    pub bench: &'w Workbench,
    pub settings: Vec<GuardSettings>,
    /// Per guard, its module's inspection (an empty one when no module is loaded).
    pub infos: Vec<ComponentInfo>,
}

impl<'w> PageGateway<'w> {
    /// The workbench's chain, or why it cannot run (a pin its module breaks, settings
    /// its schema refuses).
    pub fn new(bench: &'w Workbench) -> Result<Self, String> {
        bench.check_pins()?;
        let infos = bench
            .gateway
            .security_guards
            .iter()
            .map(|g| {
                bench
                    .module_for(g)
                    .map(|m| m.info.clone())
                    .unwrap_or_else(missing_module)
            })
            .collect();
        Ok(Self {
            bench,
            settings: bench.settings_checks()?,
            infos,
        })
    }
}

fn missing_module() -> ComponentInfo {
    ComponentInfo {
        sha256: String::new(),
        size: 0,
        contract: guardhouse_core::ContractVersion::Canonical,
        exports: Vec::new(),
        imports: Vec::new(),
        wasi: false,
        wasi_version: None,
        producers: Vec::new(),
    }
}

impl GatewayInfo for PageGateway<'_> {
    fn config(&self) -> &GatewayConfig {
        &self.bench.gateway
    }
    fn guard_sha256(&self, index: usize) -> &str {
        &self.infos[index].sha256
    }
    fn guard_info(&self, index: usize) -> &ComponentInfo {
        &self.infos[index]
    }
    fn guard_settings(&self, index: usize) -> &GuardSettings {
        &self.settings[index]
    }
}

/// The case being edited: one payload text per phase, so switching phases keeps work.
#[derive(Clone)]
pub struct Editor {
    pub name: String,
    pub phase: Phase,
    pub payloads: [String; 4],
    pub context: CaseContext,
    /// JSON text of the per-guard overrides (`{}` for none).
    pub overrides: String,
    /// Only these guards run (empty: the whole chain).
    pub only: Vec<String>,
    pub expect: Option<Expect>,
    /// The scenario's name, when [`Editor::steps`] holds steps.
    pub scenario: String,
    /// A scenario's steps, in order (empty: the editor holds one case). Steps run on one
    /// fresh set of guard instances, as in `guardhouse test`.
    pub steps: Vec<Case>,
}

/// Index of a phase in [`Editor::payloads`].
pub fn phase_index(p: Phase) -> usize {
    match p {
        Phase::Connection => 0,
        Phase::ToolsList => 1,
        Phase::ToolInvoke => 2,
        Phase::Response => 3,
    }
}

/// Every phase, in the editor's tab order.
pub const PHASES: [Phase; 4] = [
    Phase::ToolsList,
    Phase::ToolInvoke,
    Phase::Response,
    Phase::Connection,
];

impl Editor {
    /// The payload text of the current phase.
    pub fn payload_text(&self) -> &str {
        &self.payloads[phase_index(self.phase)]
    }

    /// The edited case, checked by core (payload shape, overrides JSON).
    pub fn to_case(&self, bench: &Workbench) -> Result<Case, String> {
        let text = self.payload_text().trim();
        let payload = if text.is_empty() {
            Value::Null
        } else {
            crate::yaml::parse_value("payload", text)?
        };
        guardhouse_core::Payload::from_json(self.phase, payload.clone())?;
        let config = match crate::yaml::parse_value("overrides", &self.overrides)? {
            Value::Object(m) => m,
            Value::Null => Map::new(),
            _ => return Err("overrides must be a mapping of guard id → settings".into()),
        };
        let guards = self
            .only
            .iter()
            .map(|id| match bench.sha_of(id) {
                Some(sha256) => GuardRef::Pinned {
                    id: id.clone(),
                    sha256,
                },
                None => GuardRef::Id(id.clone()),
            })
            .collect();
        Ok(Case {
            name: self.name.clone(),
            phase: self.phase,
            payload,
            context: self.context.clone(),
            config,
            guards,
            expect: self.expect.clone(),
            // The editor runs one case on the page's instances, never as a scenario step.
            scenario: None,
            label: None,
        })
    }

    /// Appends the edited case to the scenario as its next step.
    pub fn add_step(&mut self, bench: &Workbench) -> Result<(), String> {
        let step = self.to_case(bench)?;
        if self.steps.iter().any(|s| s.name == step.name) {
            return Err(format!(
                "the scenario already has a step `{}`: name this one differently",
                step.name
            ));
        }
        self.steps.push(step);
        Ok(())
    }

    /// The cases a run, an export or a link carries: the scenario's steps (each named
    /// `<scenario> / <step>`, as core expands a case file's `steps:`), or the edited case.
    pub fn to_cases(&self, bench: &Workbench) -> Result<Vec<Case>, String> {
        if self.steps.is_empty() {
            return Ok(vec![self.to_case(bench)?]);
        }
        let name = self.scenario.trim();
        if name.is_empty() {
            return Err("the scenario needs a name".into());
        }
        Ok(self
            .steps
            .iter()
            .map(|step| Case {
                name: format!("{name} / {}", step.name),
                scenario: Some(name.to_string()),
                ..step.clone()
            })
            .collect())
    }

    /// Takes a file's first case into the editor, or, when it begins a scenario, the whole
    /// scenario: its steps, with the first one in the editor.
    pub fn load_cases(&mut self, cases: &[Case]) {
        let Some(first) = cases.first() else { return };
        self.steps.clear();
        if let Some(scenario) = &first.scenario {
            let prefix = format!("{scenario} / ");
            self.scenario = scenario.clone();
            self.steps = cases
                .iter()
                .take_while(|c| c.scenario.as_ref() == Some(scenario))
                .map(|c| Case {
                    name: c.name.strip_prefix(&prefix).unwrap_or(&c.name).to_string(),
                    scenario: None,
                    ..c.clone()
                })
                .collect();
            let step = self.steps[0].clone();
            self.load_case(&step);
        } else {
            self.load_case(first);
        }
    }

    /// Takes a case into the editor (its payload goes to its phase's tab).
    pub fn load_case(&mut self, case: &Case) {
        self.name = case.name.clone();
        self.phase = case.phase;
        self.payloads[phase_index(case.phase)] = if case.payload.is_null() {
            String::new()
        } else {
            serde_json::to_string_pretty(&case.payload).unwrap_or_default()
        };
        self.context = case.context.clone();
        self.overrides = if case.config.is_empty() {
            "{}".into()
        } else {
            serde_json::to_string_pretty(&case.config).unwrap_or_default()
        };
        self.only = case.guards.iter().map(|g| g.id().to_string()).collect();
        self.expect = case.expect.clone();
    }
}

/// A case file carrying `cases` (one case, or a scenario's steps) and the page's whole
/// chain inline.
pub fn case_file(bench: &Workbench, cases: Vec<Case>) -> CaseFile {
    let name = cases
        .first()
        .map(|c| c.scenario.clone().unwrap_or_else(|| c.name.clone()));
    CaseFile {
        format: guardhouse_core::case::CASE_FORMAT.into(),
        name,
        gateway: Some(GatewaySource::Inline(bench.gateway.clone())),
        cases,
    }
}
