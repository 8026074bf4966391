// Shared setup for the Node tests of core/js/guard-runtime.mjs: run gh-transpile into a
// temp dir, compile the core modules, plan calls with core (gh-js-plan) and ask the native
// host (tests/support/native.mjs) for its answers.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { GuardInstance, GuardModule, GuardPool } from '../../core/js/guard-runtime.mjs';
import { nativeReport } from '../support/native.mjs';

export const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const GH_TRANSPILE = process.env.GH_TRANSPILE ?? join(ROOT, 'target/release/gh-transpile');
export const JS_PLAN = process.env.JS_PLAN ?? join(ROOT, 'target/release/gh-js-plan');
export const GUARDHOUSE = process.env.GUARDHOUSE ?? join(ROOT, 'target/release/guardhouse');

const run = (bin, args) => execFileSync(bin, args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20 });

/** Transpiles `gateways` (paths relative to the repo) into a fresh temp dir. */
export function transpileTo(gateways) {
  const dir = mkdtempSync(join(tmpdir(), 'gh-js-'));
  const started = performance.now();
  run(GH_TRANSPILE, ['--out', dir, ...gateways]);
  const ms = performance.now() - started;
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  return { dir, manifest, ms, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Loads every module of a transpile output: sha256 → {glue, coreModules, contract}. */
export async function loadModules({ dir, manifest }) {
  const out = {};
  for (const [sha, m] of Object.entries(manifest.modules)) {
    const glue = await import(pathToFileURL(join(dir, m.glue)).href);
    const coreModules = {};
    for (const [name, path] of Object.entries(m.core_modules)) {
      coreModules[name] = await WebAssembly.compile(readFileSync(join(dir, path)));
    }
    out[sha] = { glue, coreModules, contract: m.contract };
  }
  return out;
}

/** A GuardModule for guard `id` of a gateway in the transpile output. */
export function guardModule(loaded, manifest, id, gateway = 'default') {
  const sha = manifest.gateways[gateway].guards[id];
  const m = loaded[sha];
  return new GuardModule(id, m.glue, m.coreModules, m.contract);
}

/** core's plan of the JS calls each case of `suite` makes (see core/transpile/src/bin/gh-js-plan.rs). */
export function plan(suite) {
  return JSON.parse(run(JS_PLAN, [suite]));
}

/** The native host's result per case of `suite` (tests/support/native.mjs). */
export function native(suite) {
  return nativeReport(suite).results;
}

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error'];
/** Log lines as core's LogBuffer writes them. */
export function logLines(id, logs) {
  return logs.map(([level, msg]) => `WASM[${id}] ${LEVELS[level] ?? 'error'}: ${msg}`);
}

/** The limits JSON core sends with a call of `fuel` and `memoryBytes` (with its log bounds). */
export function limitsJson(fuel = 50_000_000, memoryBytes = 16 << 20) {
  return run(JS_PLAN, ['--limits', String(fuel), String(memoryBytes)]).trim();
}

let defaultLimits;

/** Calls a hook with JS values (encoded like core does for simple cases). */
export function callWith(instance, hook, args, settings = {}, limits = (defaultLimits ??= limitsJson())) {
  const encoded = Object.fromEntries(Object.entries(settings).map(([k, v]) => [k, JSON.stringify(v)]));
  return JSON.parse(instance.call(hook, JSON.stringify(args), JSON.stringify(encoded), limits));
}

export function tools(n, prefix = 'tool') {
  return Array.from({ length: n }, (_, i) => ({
    name: `${prefix}_${i}`,
    description: `Returns record ${i} of the ${prefix} table`,
    inputSchema: '{"type":"object","properties":{"id":{"type":"string"}}}',
  }));
}

/** One JS call result against the native trace entry (and evaluation) of the same guard. */
export function compare(name, got, evaluation, trace) {
  assert.equal(got.status, 'ok', `${name}: ${JSON.stringify(got)}`);
  const kind = got.value.kind === 'warn' && got.value.value.length === 0 ? 'allow' : got.value.kind;
  assert.equal(kind, trace.decision, `${name}: decision`);
  assert.deepEqual(logLines(trace.guard, got.logs), trace.logs, `${name}: logs`);
  if (kind === 'deny') {
    assert.equal(got.value.value.code, evaluation.deny.code, `${name}: code`);
    assert.equal(got.value.value.message, evaluation.deny.message, `${name}: message`);
  }
  if (kind === 'warn') {
    assert.deepEqual(got.value.value, evaluation.warnings.map((w) => w.message), `${name}: warnings`);
  }
  if (kind === 'modify') {
    const modified = JSON.parse(got.value.value);
    const payload = evaluation.payload;
    const expected = evaluation.phase === 'tool_invoke' && !('tool' in modified) ? payload.arguments : payload;
    assert.deepEqual(modified, expected, `${name}: modified payload`);
  }
  // Metering approximates wasmtime's fuel (measured: 0.80–0.98 of it on the suites).
  const ratio = got.fuel_used / trace.fuel_used;
  if (process.env.GH_FUEL_DEBUG) console.log(`fuel ${name}: ${got.fuel_used} / ${trace.fuel_used} = ${ratio.toFixed(2)}`);
  assert.ok(ratio > 0.7 && ratio < 1.3, `${name}: fuel ${got.fuel_used} vs native ${trace.fuel_used}`);
}

export const CONTEXT = { serverName: 'github', metadata: '{}' };

export { GuardInstance, GuardModule, GuardPool };
