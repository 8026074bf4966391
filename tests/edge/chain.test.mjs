// A guard later in the chain sees the payload an earlier guard modified, on the edge as
// on native (the edge serializes a payload's arguments once per payload, so this checks
// that a modify really starts over). Also: the benchmark gateway loads on both hosts.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';

import { HOOK_TIMEOUT_MS, post, startBoth, stopAll } from './servers.mjs';
import { withoutTimings } from './compare.mjs';

let edge;
let native;

before(async () => {
  ({ edge, native } = await startBoth('bench'));
}, { timeout: HOOK_TIMEOUT_MS });

after(() => stopAll(edge, native), { timeout: HOOK_TIMEOUT_MS });

function invoke(guards, args) {
  return JSON.stringify({
    format: 'guardhouse.case/v1',
    name: `invoke via ${guards.join(', ')}`,
    guards,
    phase: 'tool_invoke',
    payload: { tool: 'send_mail', arguments: args },
    expect: { decision: 'allow' },
  });
}

async function both(body) {
  const [e, n] = await Promise.all([post(edge.base, '/v1/evaluate', body), post(native.base, '/v1/evaluate', body)]);
  assert.equal(e.status, 200, JSON.stringify(e.json));
  assert.deepEqual(withoutTimings(e.json), withoutTimings(n.json));
  return e.json.evaluation;
}

test('the later guard alone denies the email (the check can fail)', async () => {
  const e = await both(invoke(['deny-email'], { to: 'bob@example.com' }));
  assert.equal(e.decision, 'deny');
  assert.equal(e.deny.guard, 'deny-email');
});

test('after mask-email modifies the call, deny-email sees the masked arguments', async () => {
  const e = await both(invoke(['mask-email', 'deny-email'], { to: 'bob@example.com', body: 'hello' }));
  assert.deepEqual(e.trace.map((t) => [t.guard, t.decision]), [['mask-email', 'modify'], ['deny-email', 'allow']]);
  assert.equal(e.decision, 'modify');
  assert.ok(!JSON.stringify(e.payload).includes('bob@example.com'), JSON.stringify(e.payload));
});

test('a payload the first guard leaves alone reaches the second unchanged', async () => {
  const e = await both(invoke(['mask-email', 'deny-email'], { to: 'bob', body: 'call +1 415 555 0100' }));
  assert.deepEqual(e.trace.map((t) => [t.guard, t.decision]), [['mask-email', 'allow'], ['deny-email', 'deny']]);
});
