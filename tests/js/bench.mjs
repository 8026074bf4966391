// Measures the JS guard runtime in Node (prints numbers, no thresholds):
//   node tests/js/bench.mjs
// simple-pattern over a 50-tool tools list: persistent and per_call (snapshot restore)
// µs per call (through GuardInstance.call, and through GuardPool.call as the hosts call
// it), a fresh instantiation, transpile and compile times, and V8's speed on
// metered code in fuel units per ms (what core::jshost::FUEL_PER_MS is calibrated from).

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { existsSync } from 'node:fs';

import { CONTEXT, GH_TRANSPILE, GuardInstance, GuardPool, ROOT, guardModule, limitsJson, loadModules, plan, tools, transpileTo } from './helpers.mjs';

const LIMITS = limitsJson(50_000_000, 16 << 20);
const SETTINGS = JSON.stringify({ patterns: '["delete","drop","eval","exec","rm -rf","shutdown"]', check_descriptions: 'true' });
const ARGS = JSON.stringify([tools(50), CONTEXT]);

function stats(samples) {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q) => s[Math.min(s.length - 1, Math.floor(q * s.length))];
  return { p50: at(0.5), p99: at(0.99), mean: s.reduce((a, b) => a + b, 0) / s.length };
}
const fmt = ({ p50, p99, mean }) => `p50 ${p50.toFixed(1)} µs, p99 ${p99.toFixed(1)} µs, mean ${mean.toFixed(1)} µs`;

function perCall(instance, n, args = ARGS) {
  for (let i = 0; i < 200; i++) instance.call('evaluate-tools-list', args, SETTINGS, LIMITS);
  const samples = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const r = instance.call('evaluate-tools-list', args, SETTINGS, LIMITS);
    samples.push((performance.now() - t) * 1000);
    if (i === 0 && !r.includes('"allow"')) throw new Error(`unexpected result ${r}`);
  }
  return stats(samples);
}

// A string with the same text but not the same string: what wasm-bindgen's
// `JsValue::from_str` hands the host for every call (decoded anew from Rust memory), so
// the runtime's cache of parsed texts compares contents, as it does in the hosts.
const copy = (text) => Buffer.from(text).toString();

/** GuardPool.call as the hosts make it: a fresh object shaped like core's `JsCall::to_js`
 * for every call, with fresh copies of the same texts (one chain run after another with
 * the same payload; a new payload costs one JSON.parse of its arguments on top). */
function poolCalls(module, mode, n) {
  const pool = new GuardPool(() => module);
  const callObject = () => ({
    guard: 'simple-pattern',
    sha256: 'bench',
    mode,
    hook: 'evaluate-tools-list',
    args: copy(ARGS),
    settings: copy(SETTINGS),
    limits: copy(LIMITS),
    timeoutMs: 1000,
  });
  for (let i = 0; i < 200; i++) pool.call(callObject());
  const samples = [];
  for (let i = 0; i < n; i++) {
    const call = callObject();
    const t = performance.now();
    const r = pool.call(call);
    samples.push((performance.now() - t) * 1000);
    if (i === 0 && !r.includes('"allow"')) throw new Error(`unexpected result ${r}`);
  }
  return stats(samples);
}

const out = transpileTo(['guards/gateway.yaml', 'hostile=tests/configs/hostile.yaml']);
console.log(`gh-transpile, 8 guards (process, incl. writing files): ${out.ms.toFixed(0)} ms`);
console.log(execFileSync(GH_TRANSPILE, ['--out', join(out.dir, 'again'), 'guards/gateway.yaml'], { cwd: ROOT, encoding: 'utf8' }).trimEnd());

const t0 = performance.now();
const loaded = await loadModules(out);
console.log(`import glue + WebAssembly.compile, 8 guards: ${(performance.now() - t0).toFixed(1)} ms`);

const sp = guardModule(loaded, out.manifest, 'simple-pattern');
const persistent = perCall(new GuardInstance(sp, 'persistent'), 5000);
const restored = perCall(new GuardInstance(sp, 'per_call'), 5000);
const parsed = perCall(new GuardInstance(sp, 'persistent'), 5000, JSON.parse(ARGS));
const pooled = poolCalls(sp, 'persistent', 5000);
const pooledRestored = poolCalls(sp, 'per_call', 5000);
const fresh = [];
for (let i = 0; i < 300; i++) {
  const inst = new GuardInstance(sp, 'per_call');
  const t = performance.now();
  inst.live = inst.instantiate(50_000_000n, null);
  fresh.push((performance.now() - t) * 1000);
}
console.log(`simple-pattern, 50 tools, persistent:              ${fmt(persistent)}`);
const one = JSON.parse(new GuardInstance(sp, 'persistent').call('evaluate-tools-list', ARGS, SETTINGS, LIMITS));
console.log(`simple-pattern, 50 tools: ${one.fuel_used} fuel ≈ ${Math.round(one.fuel_used / (persistent.p50 / 1000))} fuel/ms at the persistent p50`);
console.log(`simple-pattern, 50 tools, per_call (restore):      ${fmt(restored)}`);
console.log(`simple-pattern, 50 tools, persistent, args as JS:  ${fmt(parsed)}`);
console.log(`simple-pattern, 50 tools, GuardPool.call, persistent:         ${fmt(pooled)}`);
console.log(`simple-pattern, 50 tools, GuardPool.call, per_call (restore): ${fmt(pooledRestored)}`);
console.log(`simple-pattern, fresh instantiation (glue + core): ${fmt(stats(fresh))}`);

// V8's speed on metered code: the hostile `loop` guard burns a known amount of fuel.
const loop = new GuardInstance(guardModule(loaded, out.manifest, 'loop', 'hostile'), 'per_call');
const fuel = 200_000_000;
const settings = JSON.stringify({ mode: '"loop"' });
loop.call('evaluate-tools-list', ARGS, settings, limitsJson(1_000_000));
const loopLimits = limitsJson(fuel);
const t1 = performance.now();
const r = JSON.parse(loop.call('evaluate-tools-list', ARGS, settings, loopLimits));
const ms = performance.now() - t1;
console.log(`metered loop: ${r.status} after ${fuel} fuel in ${ms.toFixed(1)} ms = ${Math.round(fuel / ms)} fuel/ms`);
const native = readFileSync(join(ROOT, 'core/src/jshost.rs'), 'utf8').match(/FUEL_PER_MS: u64 = ([\d_]+)/)[1];
console.log(`core::jshost::FUEL_PER_MS = ${native}`);
out.cleanup();

// The guest corpus (CPython, SpiderMonkey, Rust std through WASI) on one server-connection
// check each, with the calls core plans from tests/js/bench-guests.cases.yaml. A WASI
// guard's per_call instance is made anew for every call (its glue's handle tables cannot
// be snapshotted): that is what `per_call` costs here.
const GUESTS = ['python-guard', 'js-guard', 'rust-wasip2'];
if (GUESTS.every((g) => existsSync(join(ROOT, 'guards/dist', `${g}.wasm`)))) {
  const guestOut = transpileTo(['guests=guards/gateway-guests.yaml']);
  let guests = {};
  try {
    guests = await loadModules(guestOut);
  } catch (e) {
    // CPython uses extended-const, which Node 20 compiles only behind a flag.
    if (!(e instanceof WebAssembly.CompileError)) throw e;
    console.log(`guests not measured: ${e.message} (run node --experimental-wasm-extended-const tests/js/bench.mjs)`);
  }
  for (const c of Object.keys(guests).length ? plan('tests/js/bench-guests.cases.yaml') : []) {
    const call = c.calls[0];
    const module = guardModule(guests, guestOut.manifest, call.guard, 'guests');
    const timeCalls = (mode, n) => {
      const inst = new GuardInstance(module, mode);
      const samples = [];
      for (let i = 0; i < n + 5; i++) {
        const t = performance.now();
        const r = JSON.parse(inst.call(call.hook, call.args, call.settings, call.limits));
        if (i >= 5) samples.push((performance.now() - t) * 1000);
        if (r.status !== 'ok') throw new Error(`${call.guard}: ${JSON.stringify(r).slice(0, 300)}`);
      }
      return stats(samples);
    };
    console.log(`guest ${call.guard}, connection, persistent:${' '.repeat(14 - call.guard.length)}${fmt(timeCalls('persistent', 300))}`);
    console.log(`guest ${call.guard}, connection, per_call:${' '.repeat(16 - call.guard.length)}${fmt(timeCalls('per_call', 30))}`);
  }
  guestOut.cleanup();
} else {
  console.log(`guests not measured: build them first (scripts/build-guests.sh, scripts/build-guests-rust.sh)`);
}
