// The feature guards (tests/configs/features.yaml: one hand-written guard per WebAssembly
// feature wasmtime enables by default) on the shared JS runtime in Node: each decides as
// natively, message for message, where this V8 compiles it. Run: scripts/test-js.sh.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';

import { nativeReport } from '../support/native.mjs';
import { GuardInstance, GuardModule, ROOT, compare, native, plan, transpileTo } from './helpers.mjs';

const SUITE = 'tests/js/features.cases.yaml';

/**
 * Guards with two memories: multi-memory, and memory64 (its 64-bit memory sits next to
 * the 32-bit memory 0 the canonical ABI needs). V8 before 12.0 has no multi-memory, not
 * even behind a flag: Node 20 (V8 11.3) refuses them at compile time.
 */
const TWO_MEMORIES = new Set(['multi-memory', 'memory64']);
/** `(module (memory 0) (memory 0))`: whether this V8 compiles a module with two memories. */
const MULTI_MEMORY = WebAssembly.validate(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 5, 5, 2, 0, 0, 0, 0]));

let out;
before(() => {
  out = transpileTo(['features=tests/configs/features.yaml']);
});
after(() => out?.cleanup());

/** Compiles guard `id`'s glue and core modules from the transpile output. */
async function load(id) {
  const m = out.manifest.modules[out.manifest.gateways.features.guards[id]];
  const glue = await import(pathToFileURL(join(out.dir, m.glue)).href);
  const coreModules = {};
  for (const [name, path] of Object.entries(m.core_modules)) {
    coreModules[name] = await WebAssembly.compile(readFileSync(join(out.dir, path)));
  }
  return new GuardModule(id, glue, coreModules, m.contract);
}

test('the suite passes natively: its expectations are exact values', () => {
  const report = nativeReport(SUITE);
  assert.equal(report.failed, 0, JSON.stringify(report.results.filter((r) => !r.passed)));
  assert.equal(report.passed, 11);
});

test('every feature guard decides as natively, where this V8 compiles it', async (t) => {
  const planned = plan(SUITE);
  const expected = native(SUITE);
  assert.equal(planned.length, expected.length);
  for (const [i, c] of planned.entries()) {
    const call = c.calls[0];
    if (TWO_MEMORIES.has(call.guard) && !MULTI_MEMORY) {
      await assert.rejects(load(call.guard), /memory count of 2 exceeds internal limit of 1/, c.case);
      t.diagnostic(`${c.case}: not run, V8 ${process.versions.v8} has no multi-memory`);
      continue;
    }
    const instance = new GuardInstance(await load(call.guard), call.instance);
    const got = JSON.parse(instance.call(call.hook, call.args, call.settings, call.limits));
    compare(c.case, got, expected[i].evaluation, expected[i].evaluation.trace[0]);
  }
});
