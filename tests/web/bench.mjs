// Benchmark of the web page in Chromium (prints numbers, no thresholds): per-call time
// of simple-pattern over 50 tools after load, persistent and per_call; first-run time
// (transpile + compile) per example guard; the guests' (Python, JavaScript, Rust WASI)
// first load in a warm page and the big guests' per-call times; the first guard on a cold
// page (tests/web/cold.mjs: a fresh profile each run, the guard dropped right after the
// page is ready and, separately, after it sat idle); and the native figure from this
// machine.
// Run: node tests/web/bench.mjs (after scripts/build-web.sh). Writes bench-results/web.json.
// BENCH_COLD_RUNS (default 3) cold runs of each kind; BENCH_ONLY=cold runs only those.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { coldLink, coldRun } from './cold.mjs';
import { ROOT, clickAndWaitRun, cli, openBrowser, startServer, waitLoaded } from './helpers.mjs';

const ITER = Number(process.env.BENCH_ITERATIONS || 300);
const GUEST_ITER = Number(process.env.BENCH_GUEST_ITERATIONS || 40);
const COLD_RUNS = Number(process.env.BENCH_COLD_RUNS || 3);
const COLD_IDLE_MS = 2000;
const ONLY_COLD = process.env.BENCH_ONLY === 'cold';
const tools = Array.from({ length: 50 }, (_, i) => ({
  name: `tool_${i}`, description: `Gets record ${i} by id`, input_schema: { type: 'object' },
}));

function stats(xs) {
  const s = xs.filter((x) => typeof x === 'number').sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return { n: s.length, p50: q(0.5), p90: q(0.9), p99: q(0.99), min: s[0] };
}

const server = await startServer();
const out = { iterations: ITER };
// The first guard on a cold page, alternating the two kinds so load on the machine hits
// both alike.
out.cold_page = { guard: 'guards/dist/prompt-injection.wasm', idle_ms: COLD_IDLE_MS, immediately: [], after_idle: [] };
try {
  const link = await coldLink(server.url);
  for (let i = 0; i < COLD_RUNS; i++) {
    out.cold_page.immediately.push(await coldRun(server.url, link, 0));
    out.cold_page.after_idle.push(await coldRun(server.url, link, COLD_IDLE_MS));
  }
} catch (e) {
  server.stop();
  throw e;
}
const f = (x) => (typeof x === 'number' ? x.toFixed(1) : String(x));
function printCold() {
  const c = out.cold_page;
  console.log(`  first guard on a cold page (${c.guard}, fresh profile; a link naming it, the file dropped, Run), ${c.immediately.length} runs each, p50 [min–max]:`);
  const span = (runs, k) => {
    const s = stats(runs.map((r) => r[k]));
    return `${f(s.p50)} ms [${f(s.min)}–${f(Math.max(...runs.map((r) => r[k])))}]`;
  };
  for (const [what, runs] of [['immediately after the page is ready', c.immediately], [`after ${c.idle_ms} ms idle`, c.after_idle]]) {
    console.log(`    ${what}: first run (drop → loaded + click → decision) ${span(runs, 'first_run_ms')}`);
    console.log(`      drop → loaded ${span(runs, 'drop_to_loaded_ms')} (transpile ${span(runs, 'transpile_ms')}, load total ${span(runs, 'load_total_ms')}),`
      + ` click → decision ${span(runs, 'click_to_decision_ms')}; page ready (link decoded) at ${span(runs, 'ready_ms')} (${runs[0]?.decision})`);
  }
}
if (ONLY_COLD) {
  server.stop();
  printCold();
  process.exit(0);
}
const browser = await openBrowser();
out.chromium = browser.context.browser()?.version() ?? null;
try {
  const { page } = browser;
  const t0 = Date.now();
  await page.goto(server.url);
  await waitLoaded(page);
  out.demo_load_ms = Date.now() - t0;
  out.preload = JSON.parse(await page.evaluate(async () => (await import('./app.js')).load_timings()));
  out.first_run = [];
  for (const m of out.preload) {
    out.first_run.push(JSON.parse(await page.evaluate(async (url) =>
      (await import('./app.js')).bench_load(url), `guards/${m.path}`)));
  }
  out.simple_pattern_50_tools = {};
  for (const mode of ['persistent', 'per_call']) {
    const r = JSON.parse(await page.evaluate(async ([mode, payload, n]) =>
      (await import('./app.js')).bench_guard('simple-pattern', 'tools_list', payload, mode, n),
    [mode, JSON.stringify({ tools }), ITER]));
    out.simple_pattern_50_tools[mode] = {
      decision: r.decision,
      call_us: stats(r.call_us.slice(10)),
      instantiate_us: stats(r.instantiate_us.slice(10)),
      page_round_trip_us: stats(r.wall_us.slice(10)),
    };
  }
  // Running a guest suite puts gateway-guests.yaml's chain on the page and loads its guards.
  await page.selectOption('[data-testid=suite-select]', 'guards/suites/python-guard.yaml');
  await clickAndWaitRun(page, '[data-testid=run-suite]', 120000);
  const loads = JSON.parse(await page.evaluate(async () => (await import('./app.js')).load_timings()));
  out.guests_first_load = loads.filter((m) => !out.preload.some((p) => p.path === m.path));
  out.guests_5_tools = {};
  for (const guard of ['python-guard', 'js-guard']) {
    for (const mode of ['persistent', 'per_call']) {
      const r = JSON.parse(await page.evaluate(async ([guard, mode, payload, n]) =>
        (await import('./app.js')).bench_guard(guard, 'tools_list', payload, mode, n),
      [guard, mode, JSON.stringify({ tools: tools.slice(0, 5) }), GUEST_ITER]));
      out.guests_5_tools[`${guard} ${mode}`] = {
        decision: r.decision,
        call_us: stats(r.call_us.slice(3)),
        instantiate_us: stats(r.instantiate_us.slice(3)),
        page_round_trip_us: stats(r.wall_us.slice(3)),
      };
    }
  }
  if (browser.errors.length) out.console_errors = browser.errors;
} finally {
  await browser.close();
  server.stop();
}

// Native: the same 50-tool list through `guardhouse run` (one process per run, so this
// is the call as traced, not the process start), and `guardhouse-bench`'s own scenarios.
const dir = join(ROOT, 'bench-results');
mkdirSync(dir, { recursive: true });
const casePath = join(dir, 'web-bench-case.json');
writeFileSync(casePath, JSON.stringify({
  format: 'guardhouse.case/v1', name: '50 tools', gateway: '../guards/gateway.yaml',
  guards: ['simple-pattern'], phase: 'tools_list', payload: { tools },
}));
const native = [];
for (let i = 0; i < 20; i++) native.push(cli(['run', casePath])[0].evaluation.trace[0].duration_us);
out.native_run_per_call_us = stats(native);
// `guardhouse-bench` on the same machine, right after the browser run.
execFileSync(join(ROOT, 'target/release/guardhouse-bench'), ['--iterations', '2000',
  '--serve-requests', '0', '--out', join(dir, 'native-for-web.json')], { cwd: ROOT, stdio: 'ignore' });
out.native_bench = JSON.parse(readFileSync(join(dir, 'native-for-web.json'), 'utf8')).latencies
  .filter((l) => l.scenario.startsWith('simple-pattern/50 tools'));

writeFileSync(join(dir, 'web.json'), JSON.stringify(out, null, 2));
console.log(`web page benchmark (Chromium ${out.chromium}), ${ITER} calls per mode`);
for (const [mode, r] of Object.entries(out.simple_pattern_50_tools)) {
  console.log(`  simple-pattern, 50 tools, ${mode.padEnd(10)} call p50 ${f(r.call_us.p50)} µs p99 ${f(r.call_us.p99)} µs`
    + ` | instantiate p50 ${f(r.instantiate_us.p50)} µs | page round trip p50 ${f(r.page_round_trip_us.p50)} µs (${r.decision})`);
}
console.log('  first run per guard (warm page): transpile + compile, total incl. worker load and settings hooks');
for (const r of out.first_run) {
  console.log(`    ${r.path.padEnd(40)} ${String(Math.round(r.size / 1024)).padStart(4)} KB  transpile ${f(r.transpile_ms)} ms  compile ${f(r.compile_ms)} ms  total ${f(r.total_ms)} ms`);
}
console.log('  guests, first load in a warm page (when their suite first runs):');
for (const r of out.guests_first_load) {
  console.log(`    ${r.path.padEnd(40)} ${String(Math.round(r.size / 1024)).padStart(5)} KB  transpile ${f(r.transpile_ms)} ms  compile ${f(r.compile_ms)} ms`
    + `  worker ${f(r.start_ms)} ms  settings ${f(r.settings_ms)} ms  total ${f(r.total_ms)} ms`);
}
console.log(`  guests, 5 tools, ${GUEST_ITER} calls per mode (instantiate: snapshot restore for per_call, re-instantiation for WASI guards):`);
for (const [what, r] of Object.entries(out.guests_5_tools)) {
  console.log(`    ${what.padEnd(24)} call p50 ${f(r.call_us.p50)} µs | instantiate p50 ${f(r.instantiate_us.p50)} µs`
    + ` | page round trip p50 ${f(r.page_round_trip_us.p50)} µs (${r.decision})`);
}
console.log('  demo preload (cold page; the seven guards load at once, from the page\'s start):');
for (const r of out.preload) {
  console.log(`    ${r.path.padEnd(40)} transpile ${f(r.transpile_ms)} ms  compile ${f(r.compile_ms)} ms  total ${f(r.total_ms)} ms`);
}
printCold();
console.log(`  native (guardhouse run, traced call): p50 ${out.native_run_per_call_us.p50} µs over ${native.length} runs`);
for (const l of out.native_bench) {
  console.log(`  native (guardhouse-bench) ${l.scenario.padEnd(45)} p50 ${f(l.p50_us)} µs p99 ${f(l.p99_us)} µs`);
}
console.log('  wrote bench-results/web.json');
