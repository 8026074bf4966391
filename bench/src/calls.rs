//! Guard calls: where a call's time goes, measured against baselines taken
//! in the same run.
//!
//! Per workload (simple-pattern over a 50-tool list, prompt-injection over a 15 KB
//! response): (a) fresh instance per call, (b) persistent instance, (c) an
//! upstream-style call — new `Linker` + `Store` + `instantiate` + dynamic `Val` call, no
//! `InstancePre`, no pooling, no metering — and (d) the same guard logic compiled
//! natively. The breakdown uses a guard that allows without looking (`noop`) to split
//! argument lowering from guest code.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result};
use serde::Serialize;
use serde_json::{Map, Value, json};
use wasmtime::component::{Component, Linker, Val};
use wasmtime::{Engine, Store};

use guardhouse_core::config::GuardConfig;
use guardhouse_core::{GatewayConfig, GuardContext, HookArgs, InstanceMode, Payload, Phase, Tool};

use guardhouse::cache::ArtifactCache;
use guardhouse::engine::{EngineOptions, new_engine};
use guardhouse::guard::{Linkers, LoadedGuard};
use guardhouse::runner::RunnerEnv;
use guardhouse::state::HostState;

use crate::chain::ChainCost;
use crate::serve::ServeThroughput;

/// Latency percentiles of one scenario, in microseconds.
#[derive(Debug, Clone, Serialize)]
pub struct Latency {
    pub scenario: String,
    pub iterations: usize,
    pub p50_us: f64,
    pub p99_us: f64,
    pub mean_us: f64,
}

/// Everything `guardhouse-bench` measured.
#[derive(Debug, Clone, Serialize, Default)]
pub struct BenchReport {
    pub latencies: Vec<Latency>,
    pub ratios: Vec<(String, f64)>,
    pub breakdown: Vec<(String, f64)>,
    pub load: Vec<(String, f64)>,
    pub chain: Option<ChainCost>,
    pub serve: Option<ServeThroughput>,
    /// What was not measured, and why.
    pub skipped: Vec<String>,
}

/// Inputs: where the built components are.
pub struct BenchInputs {
    pub guards_dir: PathBuf,
    pub fixtures_dir: PathBuf,
    pub guests: PathBuf,
    pub iterations: usize,
    /// The groups to run; empty runs every group.
    pub only: Vec<Group>,
}

/// A group of scenarios, for `--only`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Group {
    /// (a)–(d) for simple-pattern and prompt-injection.
    Calls,
    /// Fuel metering's cost.
    Fuel,
    /// The guest corpus (Python, JavaScript, Rust through WASI).
    Guests,
    /// Where a fresh simple-pattern call's time goes.
    Breakdown,
    /// Compile and cached load.
    Load,
    /// The serve bench's chain in process, without HTTP.
    Chain,
    /// `guardhouse serve` under oha.
    Serve,
}

impl BenchInputs {
    /// Whether `group` is to run.
    pub fn runs(&self, group: Group) -> bool {
        self.only.is_empty() || self.only.contains(&group)
    }
}

/// Times `f` `n` times after a warm-up and returns percentiles.
pub fn measure(scenario: &str, n: usize, mut f: impl FnMut()) -> Latency {
    for _ in 0..(n / 10).max(10) {
        f();
    }
    let mut samples: Vec<f64> = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        f();
        samples.push(t.elapsed().as_secs_f64() * 1e6);
    }
    latency(scenario, samples)
}

pub(crate) fn latency(scenario: &str, mut samples: Vec<f64>) -> Latency {
    samples.sort_by(|a, b| a.total_cmp(b));
    let pick = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
    Latency {
        scenario: scenario.to_string(),
        iterations: samples.len(),
        p50_us: pick(0.5),
        p99_us: pick(0.99),
        mean_us: samples.iter().sum::<f64>() / samples.len() as f64,
    }
}

/// A benign 50-tool tools list.
pub fn fifty_tools() -> Payload {
    let tools: Vec<Value> = (0..50)
        .map(|i| {
            json!({
                "name": format!("tool_{i:02}_read_records"),
                "description": format!("Reads page {i} of the customer records table and returns rows as JSON."),
                "input_schema": {"type": "object", "properties": {"page": {"type": "integer", "description": "page number"}}}
            })
        })
        .collect();
    Payload::from_json(Phase::ToolsList, json!({ "tools": tools })).expect("valid tools list")
}

/// A benign ~15 KB tool response.
pub fn response_15kb() -> Payload {
    let para = "The quarterly report shows steady growth in the northern region, with revenue up four percent and costs flat. ";
    let mut text = String::new();
    while text.len() < 15 * 1024 {
        text.push_str(para);
    }
    Payload::Response(json!({"content": [{"type": "text", "text": text}], "isError": false}))
}

fn guard(
    env: (&Engine, &Linkers),
    path: &Path,
    id: &str,
    mode: InstanceMode,
) -> Result<LoadedGuard> {
    let doc = guardhouse_core::Document::from_value(
        "bench",
        json!({"security_guards": [{"id": id, "module_path": path.display().to_string(), "timeout_ms": 1000}]}),
    );
    let mut cfg: GatewayConfig = GatewayConfig::from_document(&doc, "")?;
    let mut g: GuardConfig = cfg.security_guards.remove(0);
    g.instance = mode;
    LoadedGuard::load(&bench_env(env), g, path.to_path_buf())
        .with_context(|| format!("loading {}", path.display()))
}

/// The bench's guards load without the artifact cache.
fn bench_env<'a>((engine, linkers): (&'a Engine, &'a Linkers)) -> RunnerEnv<'a> {
    RunnerEnv {
        engine,
        linkers,
        cache: None,
    }
}

fn context() -> GuardContext {
    GuardContext {
        server_name: "bench-server".into(),
        server_url: Some("https://bench.example.com/mcp".into()),
        identity: Some("bench".into()),
        metadata: "{}".into(),
    }
}

/// The upstream-style call: everything rebuilt per call, arguments as dynamic `Val`s.
struct Upstream {
    engine: Engine,
    component: Component,
    hook: &'static str,
}

impl Upstream {
    fn new(path: &Path, hook: &'static str) -> Result<Self> {
        let engine = new_engine(EngineOptions {
            pooling: false,
            metering: false,
            fuel: false,
        })?;
        let component = Component::from_file(&engine, path)?;
        Ok(Self {
            engine,
            component,
            hook,
        })
    }

    fn call(&self, args: &HookArgs, cx: &GuardContext) -> Result<()> {
        let mut linker: Linker<HostState> = Linker::new(&self.engine);
        guardhouse::bindings::add_to_linker::<_, wasmtime::component::HasSelf<_>>(
            &mut linker,
            |s| s,
        )?;
        let state = HostState::new("upstream".into(), Default::default(), u64::MAX, false);
        let mut store = Store::new(&self.engine, state);
        let instance = linker.instantiate(&mut store, &self.component)?;
        let iface = instance
            .get_export_index(&mut store, None, guardhouse_core::contract::GUARD_INTERFACE)
            .context("guard interface")?;
        let idx = instance
            .get_export_index(&mut store, Some(&iface), self.hook)
            .context("hook")?;
        let func = instance.get_func(&mut store, idx).context("func")?;
        let mut params = match args {
            HookArgs::ToolsList(tools) => vec![Val::List(tools.iter().map(tool_val).collect())],
            HookArgs::Response(r) => vec![Val::String(r.clone())],
            _ => anyhow::bail!("bench covers tools_list and response"),
        };
        params.push(context_val(cx));
        let mut results = [Val::Bool(false)];
        func.call(&mut store, &params, &mut results)?;
        Ok(())
    }
}

fn tool_val(t: &Tool) -> Val {
    Val::Record(vec![
        ("name".into(), Val::String(t.name.clone())),
        (
            "description".into(),
            Val::Option(t.description.clone().map(|d| Box::new(Val::String(d)))),
        ),
        ("input-schema".into(), Val::String(t.input_schema.clone())),
    ])
}

fn context_val(cx: &GuardContext) -> Val {
    let opt = |s: &Option<String>| Val::Option(s.clone().map(|v| Box::new(Val::String(v))));
    Val::Record(vec![
        ("server-name".into(), Val::String(cx.server_name.clone())),
        ("server-url".into(), opt(&cx.server_url)),
        ("identity".into(), opt(&cx.identity)),
        ("metadata".into(), Val::String(cx.metadata.clone())),
    ])
}

/// Runs the per-call scenarios for one workload.
fn workload(
    report: &mut BenchReport,
    env: (&Engine, &Linkers),
    inputs: &BenchInputs,
    name: &str,
    path: &Path,
    payload: &Payload,
    native: &mut dyn FnMut(),
) -> Result<()> {
    let n = inputs.iterations;
    let args = payload.hook_args();
    let cx = context();
    let settings = Map::new();
    let fresh = guard(env, path, name, InstanceMode::PerCall)?;
    let persistent = guard(env, path, name, InstanceMode::Persistent)?;
    let upstream = Upstream::new(path, payload.phase().hook())?;
    let check = fresh.call(&settings, &args, &cx);
    check
        .result
        .map_err(|f| anyhow::anyhow!("{name} failed in the bench: {}", f.message(name)))?;

    let a = measure(&format!("{name}: (a) fresh instance"), n, || {
        std::hint::black_box(fresh.call(&settings, &args, &cx));
    });
    let b = measure(&format!("{name}: (b) persistent instance"), n, || {
        std::hint::black_box(persistent.call(&settings, &args, &cx));
    });
    let c = measure(
        &format!("{name}: (c) upstream-style baseline"),
        n.min(2000),
        || {
            upstream.call(&args, &cx).expect("upstream-style call");
        },
    );
    let d = measure(&format!("{name}: (d) native Rust"), n, native);
    report.ratios.push((
        format!("{name}: (c) / (a)  fresh vs upstream"),
        c.p50_us / a.p50_us,
    ));
    report.ratios.push((
        format!("{name}: (c) / (b)  persistent vs upstream"),
        c.p50_us / b.p50_us,
    ));
    report.ratios.push((
        format!("{name}: (a) / (d)  fresh vs native"),
        a.p50_us / d.p50_us,
    ));
    report.latencies.extend([a, b, c, d]);
    Ok(())
}

/// What fuel metering costs a call: the same persistent guards on the default engine
/// (fuel and the epoch deadline) and on one with the epoch deadline alone, same run.
fn fuel_cost(
    report: &mut BenchReport,
    env: (&Engine, &Linkers),
    inputs: &BenchInputs,
    workloads: &[(&str, &Path, &Payload)],
) -> Result<()> {
    let epoch_only = new_engine(EngineOptions {
        fuel: false,
        ..EngineOptions::default()
    })?;
    let epoch_linkers = Linkers::new(&epoch_only)?;
    let (cx, settings) = (context(), Map::new());
    for (name, path, payload) in workloads {
        let args = payload.hook_args();
        let metered = guard(env, path, name, InstanceMode::Persistent)?;
        let unmetered = guard(
            (&epoch_only, &epoch_linkers),
            path,
            name,
            InstanceMode::Persistent,
        )?;
        let a = measure(
            &format!("{name}: persistent, fuel + epoch"),
            inputs.iterations,
            || {
                std::hint::black_box(metered.call(&settings, &args, &cx));
            },
        );
        let b = measure(
            &format!("{name}: persistent, epoch only"),
            inputs.iterations,
            || {
                std::hint::black_box(unmetered.call(&settings, &args, &cx));
            },
        );
        report.ratios.push((
            format!("{name}: fuel + epoch / epoch only"),
            a.p50_us / b.p50_us,
        ));
        report.latencies.extend([a, b]);
    }
    Ok(())
}

/// Calls measured per guest scenario: a fresh CPython or SpiderMonkey instance costs
/// milliseconds.
const GUEST_ITERATIONS: usize = 300;

/// The guest corpus (Python, JavaScript, Rust through WASI) on a server-connection
/// check, with their configured settings: a fresh instance per call and a persistent
/// one. Guests whose module is not built are left out, and said so.
fn guests(report: &mut BenchReport, env: (&Engine, &Linkers), inputs: &BenchInputs) -> Result<()> {
    let Ok(text) = std::fs::read_to_string(&inputs.guests) else {
        return Ok(());
    };
    let config = GatewayConfig::parse(&inputs.guests.display().to_string(), &text)?;
    let base = inputs.guests.parent().unwrap_or(Path::new("."));
    let n = inputs.iterations.min(GUEST_ITERATIONS);
    let cx = context();
    let args = HookArgs::ServerConnection;
    for g in &config.security_guards {
        let path = base.join(&g.module_path);
        if !path.exists() {
            report
                .skipped
                .push(format!("guest {}: {} is not built", g.id, path.display()));
            continue;
        }
        let load = |mode| {
            let mut g = g.clone();
            g.instance = mode;
            LoadedGuard::load(&bench_env(env), g, path.clone())
                .with_context(|| format!("loading {}", path.display()))
        };
        let (fresh, persistent) = (
            load(InstanceMode::PerCall)?,
            load(InstanceMode::Persistent)?,
        );
        if !fresh.info.exports_hook(args.phase().hook()) {
            report
                .skipped
                .push(format!("guest {}: exports no server-connection hook", g.id));
            continue;
        }
        let id = &g.id;
        fresh
            .call(&g.config, &args, &cx)
            .result
            .map_err(|f| anyhow::anyhow!("{id} failed in the bench: {}", f.message(id)))?;
        let a = measure(
            &format!("guest {id}: connection, fresh instance"),
            n,
            || {
                std::hint::black_box(fresh.call(&g.config, &args, &cx));
            },
        );
        let b = measure(&format!("guest {id}: connection, persistent"), n, || {
            std::hint::black_box(persistent.call(&g.config, &args, &cx));
        });
        report.latencies.extend([a, b]);
    }
    Ok(())
}

/// Splits a fresh simple-pattern call into store + instantiate, lowering, guest code and
/// the rest, by differences against a guard that does nothing.
fn breakdown(
    report: &mut BenchReport,
    env: (&Engine, &Linkers),
    inputs: &BenchInputs,
    sp: &Path,
) -> Result<()> {
    let n = inputs.iterations;
    let noop_path = inputs.fixtures_dir.join("noop.wasm");
    let noop = guard(env, &noop_path, "noop", InstanceMode::Persistent)?;
    let noop_fresh = guard(env, &noop_path, "noop", InstanceMode::PerCall)?;
    let simple = guard(env, sp, "simple-pattern", InstanceMode::Persistent)?;
    let cx = context();
    let settings = Map::new();
    let full = fifty_tools().hook_args();
    let empty = HookArgs::ToolsList(Vec::new());
    let inst = measure("store + instantiate (noop)", n, || {
        noop_fresh.instantiate_only().expect("instantiate")
    });
    let call_empty = measure("noop, 0 tools, persistent", n, || {
        std::hint::black_box(noop.call(&settings, &empty, &cx));
    });
    let call_full = measure("noop, 50 tools, persistent", n, || {
        std::hint::black_box(noop.call(&settings, &full, &cx));
    });
    let sp_full = measure("simple-pattern, 50 tools, persistent", n, || {
        std::hint::black_box(simple.call(&settings, &full, &cx));
    });
    report.breakdown = vec![
        ("store + instantiate".into(), inst.p50_us),
        (
            "call overhead (empty list, allow lifted)".into(),
            call_empty.p50_us,
        ),
        (
            "lowering 50 tools (150 strings)".into(),
            (call_full.p50_us - call_empty.p50_us).max(0.0),
        ),
        (
            "simple-pattern guest code".into(),
            (sp_full.p50_us - call_full.p50_us).max(0.0),
        ),
    ];
    report
        .latencies
        .extend([inst, call_empty, call_full, sp_full]);
    Ok(())
}

/// Load time: compile from `.wasm` vs deserialize from the verified `.cwasm` cache.
fn load_times(
    report: &mut BenchReport,
    engine: &Engine,
    linkers: &Linkers,
    path: &Path,
) -> Result<()> {
    let dir = std::env::temp_dir().join(format!("guardhouse-bench-cache-{}", std::process::id()));
    let cache = ArtifactCache::open(&dir)?;
    let bytes = std::fs::read(path)?;
    let sha = guardhouse_core::inspect::sha256_hex(&bytes);
    let t = Instant::now();
    Component::new(engine, &bytes)?;
    let compile_ms = t.elapsed().as_secs_f64() * 1e3;
    cache.load_or_compile(engine, &bytes, &sha)?;
    let hit = measure("load from .cwasm cache", 50, || {
        cache
            .load_or_compile(engine, &bytes, &sha)
            .expect("cache hit");
    });
    let cfg = GatewayConfig::from_document(
        &guardhouse_core::Document::from_value(
            "bench",
            json!({"security_guards": [{"id": "g", "module_path": "x"}]}),
        ),
        "",
    )?
    .security_guards
    .remove(0);
    let full = measure(
        "full guard load, cached (read, inspect, link, settings)",
        30,
        || {
            let env = RunnerEnv {
                engine,
                linkers,
                cache: Some(&cache),
            };
            LoadedGuard::load(&env, cfg.clone(), path.to_path_buf()).expect("load");
        },
    );
    report.load = vec![
        ("compile from .wasm (ms)".into(), compile_ms),
        ("load from .cwasm cache, p50 (ms)".into(), hit.p50_us / 1e3),
        (
            "full guard load with cache, p50 (ms)".into(),
            full.p50_us / 1e3,
        ),
    ];
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

/// (a)–(d) for simple-pattern over 50 tools and prompt-injection over 15 KB.
fn calls(
    report: &mut BenchReport,
    env: (&Engine, &Linkers),
    inputs: &BenchInputs,
    (sp, tools): (&Path, &Payload),
    (pi, resp): (&Path, &Payload),
) -> Result<()> {
    let Payload::ToolsList(specs) = tools else {
        unreachable!()
    };
    let sp_settings = simple_pattern::Settings::default();
    let schemas: Vec<String> = specs.iter().map(|t| t.input_schema.to_string()).collect();
    let mut native_sp = || {
        let refs: Vec<simple_pattern::ToolRef> = specs
            .iter()
            .zip(&schemas)
            .map(|(t, schema)| simple_pattern::ToolRef {
                name: &t.name,
                description: t.description.as_deref(),
                input_schema: schema,
            })
            .collect();
        std::hint::black_box(simple_pattern::evaluate_tools_list(&refs, &sp_settings));
    };
    workload(
        report,
        env,
        inputs,
        "simple-pattern/50 tools",
        sp,
        tools,
        &mut native_sp,
    )?;
    let text = resp.to_json().to_string();
    let pi_settings = prompt_injection::Settings::default();
    let mut native_pi = || {
        std::hint::black_box(prompt_injection::evaluate_response(&text, &pi_settings));
    };
    workload(
        report,
        env,
        inputs,
        "prompt-injection/15KB",
        pi,
        resp,
        &mut native_pi,
    )
}

/// Runs the groups `inputs.only` names (all when empty), except serve (`crate::serve`).
pub fn run(inputs: &BenchInputs) -> Result<BenchReport> {
    let engine = new_engine(EngineOptions::default())?;
    let linkers = Linkers::new(&engine)?;
    let env = (&engine, &linkers);
    let mut report = BenchReport::default();
    let sp = inputs.guards_dir.join("simple-pattern.wasm");
    let pi = inputs.guards_dir.join("prompt-injection.wasm");

    let tools = fifty_tools();
    let resp = response_15kb();
    if inputs.runs(Group::Calls) {
        calls(&mut report, env, inputs, (&sp, &tools), (&pi, &resp))?;
    }
    if inputs.runs(Group::Fuel) {
        fuel_cost(
            &mut report,
            env,
            inputs,
            &[
                ("simple-pattern/50 tools", &sp, &tools),
                ("prompt-injection/15KB", &pi, &resp),
            ],
        )?;
    }
    if inputs.runs(Group::Guests) {
        guests(&mut report, env, inputs)?;
    }
    if inputs.runs(Group::Breakdown) {
        breakdown(&mut report, env, inputs, &sp)?;
    }
    if inputs.runs(Group::Load) {
        load_times(&mut report, &engine, &linkers, &sp)?;
    }
    if inputs.runs(Group::Chain) {
        report.chain = Some(crate::chain::run(&inputs.guards_dir)?);
    }
    Ok(report)
}

/// The report as a text table.
pub fn render(report: &BenchReport) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<58} {:>10} {:>10} {:>10}",
        "scenario", "p50 µs", "p99 µs", "mean µs"
    );
    for l in &report.latencies {
        let _ = writeln!(
            out,
            "{:<58} {:>10.1} {:>10.1} {:>10.1}",
            l.scenario, l.p50_us, l.p99_us, l.mean_us
        );
    }
    let _ = writeln!(out, "\nratios (p50, same run):");
    for (k, v) in &report.ratios {
        let _ = writeln!(out, "  {k:<56} {v:>8.2}×");
    }
    let _ = writeln!(
        out,
        "\nbreakdown of a fresh simple-pattern call over 50 tools (p50 µs):"
    );
    for (k, v) in &report.breakdown {
        let _ = writeln!(out, "  {k:<56} {v:>8.1}");
    }
    let _ = writeln!(out, "\nload:");
    for (k, v) in &report.load {
        let _ = writeln!(out, "  {k:<56} {v:>8.2}");
    }
    for s in &report.skipped {
        let _ = writeln!(out, "\nnot measured: {s}");
    }
    if let Some(c) = &report.chain {
        let _ = writeln!(
            out,
            "\nthe serve chain in process (3 guards, 5 tools, no HTTP): {:.1} µs per evaluation, \
             {:.1} µs with the metrics observer (recording alone {:.0} ns); two threads: {:.0} evaluations/s",
            c.per_evaluation_us, c.per_evaluation_observed_us, c.record_ns, c.two_threads_per_sec
        );
    }
    if let Some(s) = &report.serve {
        let _ = writeln!(
            out,
            "\nserve ({}-guard chain, {} connections, {} requests): {:.0} evaluations/s, p50 {:.0} µs, p99 {:.0} µs",
            s.guards_in_chain, s.connections, s.requests, s.evaluations_per_sec, s.p50_us, s.p99_us
        );
    }
    out
}
