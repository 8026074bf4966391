// The guest corpus (guards/gateway-guests.yaml: Python via componentize-py, JavaScript
// via componentize-js, Rust wasip1 through the preview1 adapter, Rust wasip2) on the
// edge: the Worker under wrangler dev answers every guest suite exactly as native
// `guardhouse serve` does, case by case and field by field (timings aside).
// Not a *.test.mjs: it needs a registry built with the guests gateway, which
// scripts/test-edge.sh builds before running it (GUARDHOUSE_EDGE_GATEWAYS=guests=…).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';

import { GATEWAYS, HOOK_TIMEOUT_MS, get, startBoth, stopAll, suitesFor } from './servers.mjs';
import { compareSuites } from './compare.mjs';

let edge;
let native;

before(async () => {
  ({ edge, native } = await startBoth('guests'));
}, { timeout: HOOK_TIMEOUT_MS });

after(() => stopAll(edge, native), { timeout: HOOK_TIMEOUT_MS });

test('the guest guards load on the edge with the same inspection as native', async () => {
  const [e, n] = await Promise.all([get(edge.base, '/v1/guards'), get(native.base, '/v1/guards')]);
  assert.equal(e.status, 200, JSON.stringify(e.json));
  assert.deepEqual(e.json, n.json);
  assert.deepEqual(e.json.map((g) => g.id).sort(), ['js-guard', 'python-guard', 'rust-wasip1', 'rust-wasip2']);
});

test('every guest suite passes on the edge with the same results as native', async () => {
  const suites = suitesFor(GATEWAYS.guests);
  assert.deepEqual(suites, ['js-guard.yaml', 'python-guard.yaml', 'rust-wasip1.yaml', 'rust-wasip2.yaml']);
  assert.ok(await compareSuites(edge, native, suites) >= 40);
});
