// The feature guards (tests/configs/features.yaml: one hand-written guard per WebAssembly
// feature wasmtime enables by default) at the edge: their suite (tests/js/features.cases.yaml,
// exact computed values in each denial) passes under workerd, field for field as on native.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import { assertSameReport } from './compare.mjs';
import { HOOK_TIMEOUT_MS, ROOT, post, startBoth, stopAll } from './servers.mjs';

const SUITE = path.join(ROOT, 'tests/js/features.cases.yaml');

let edge;
let native;

before(async () => {
  ({ edge, native } = await startBoth('features'));
}, { timeout: HOOK_TIMEOUT_MS });

after(() => stopAll(edge, native), { timeout: HOOK_TIMEOUT_MS });

test('every feature guard passes its suite on the edge, as on native', async () => {
  const body = fs.readFileSync(SUITE, 'utf8');
  const [e, n] = await Promise.all([post(edge.base, '/v1/test', body), post(native.base, '/v1/test', body)]);
  assert.equal(e.status, 200, JSON.stringify(e.json));
  assert.equal(n.status, 200, JSON.stringify(n.json));
  assertSameReport(e.json, n.json, 'features.cases.yaml');
  assert.equal(e.json.results.length, 11);
  assert.equal(e.json.failed, 0, JSON.stringify(e.json.results.filter((r) => !r.passed)));
});
