// Hostile guards at the edge (tests/configs/hostile.yaml) end as their failure_mode
// decision, within a bounded time, and the isolate keeps serving afterwards. Each
// outcome is also compared with native `guardhouse serve` on the same gateway.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';

import { HOOK_TIMEOUT_MS, REQUEST_TIMEOUT_MS, get, post, startBoth, stopAll } from './servers.mjs';

let edge;
let native;

before(async () => {
  ({ edge, native } = await startBoth('hostile'));
}, { timeout: HOOK_TIMEOUT_MS });

after(() => stopAll(edge, native), { timeout: HOOK_TIMEOUT_MS });

/** Guard id → [decision, deny code, failure kind of its trace entry]. */
const EXPECTED = {
  loop: ['deny', 'guard_timeout', 'timeout'],
  'memory-bomb': ['deny', 'guard_resource_limit', 'resource_limit'],
  recursion: ['deny', 'guard_resource_limit', 'resource_limit'],
  panic: ['deny', 'guard_error', 'trap'],
  fuel: ['deny', 'guard_resource_limit', 'resource_limit'],
  'fill-loop': ['deny', 'guard_timeout', 'timeout'],
  'fill-fuel': ['deny', 'guard_resource_limit', 'resource_limit'],
  err: ['deny', 'guard_error', 'guest_error'],
  'invalid-modify': ['deny', 'guard_error', 'invalid_decision'],
  'start-loop': ['deny', 'guard_timeout', 'timeout'],
  'table-grow': ['deny', 'guard_timeout', 'timeout'],
  'indirect-recursion': ['deny', 'guard_resource_limit', 'resource_limit'],
  'loop-open': ['warn', null, 'timeout'],
  'audit-panic': ['warn', null, 'trap'],
  'log-spam': ['allow', null, null],
  healthy: ['allow', null, null],
  'state-reset': ['allow', null, null],
  'state-closed': ['allow', null, null],
};

/** A case for `guard`; `mode` overrides its hostile mode for this call. */
function caseFor(guard, mode) {
  return JSON.stringify({
    format: 'guardhouse.case/v1',
    name: `hostile ${guard}`,
    guards: [guard],
    phase: 'tools_list',
    payload: { tools: [{ name: 'read_file', description: 'Reads a file' }] },
    ...(mode ? { config: { [guard]: { mode } } } : {}),
    expect: { decision: 'allow' },
  });
}

function outcome(json) {
  const e = json.evaluation;
  assert.ok(e, `no evaluation: ${JSON.stringify(json)}`);
  return [e.decision, e.deny?.code ?? null, e.trace[0]?.failure?.kind ?? null];
}

for (const [guard, expected] of Object.entries(EXPECTED)) {
  test(`${guard}: ends as ${expected.slice(0, 2).filter(Boolean).join(' ')} on the edge, as on native`, async () => {
    const started = Date.now();
    const e = await post(edge.base, '/v1/evaluate', caseFor(guard));
    const took = Date.now() - started;
    assert.equal(e.status, 200, JSON.stringify(e.json));
    assert.deepEqual(outcome(e.json), expected);
    assert.ok(took < REQUEST_TIMEOUT_MS, `took ${took} ms`);
    const n = await post(native.base, '/v1/evaluate', caseFor(guard));
    assert.deepEqual(outcome(e.json), outcome(n.json), 'edge vs native');
    // Logs (log-spam's truncation marker included) are bounded alike on both hosts.
    assert.deepEqual(e.json.evaluation.trace[0].logs, n.json.evaluation.trace[0].logs, 'logs');
  });
}

test('a looping guard is stopped by its fuel budget near its timeout, not by a hang', async () => {
  const started = Date.now();
  const { json } = await post(edge.base, '/v1/evaluate', caseFor('loop'));
  const took = Date.now() - started;
  assert.equal(json.evaluation.deny.code, 'guard_timeout');
  assert.match(json.evaluation.deny.message, /^execution timeout: `loop` ran longer than 100 ms/);
  // The budget is fuel (FUEL_PER_MS per ms of timeout_ms); generous bound for a loaded CI box.
  assert.ok(took < 5000, `loop took ${took} ms`);
});

test('the isolate still serves after every hostile guard, and healthy guards still allow', async () => {
  const health = await get(edge.base, '/health');
  assert.equal(health.status, 200);
  assert.equal(health.json.guards, Object.keys(EXPECTED).length);
  const { json } = await post(edge.base, '/v1/evaluate', caseFor('healthy'));
  assert.equal(json.evaluation.decision, 'allow');
});

test('a persistent guard that lost its state is refused (fail_closed) or warned about (reset), as on native', async () => {
  for (const server of [edge, native]) {
    const call = async (guard, mode) => (await post(server.base, '/v1/evaluate', caseFor(guard, mode))).json.evaluation;
    assert.equal((await call('state-closed', 'panic')).deny.code, 'guard_error', server.name);
    for (let i = 0; i < 2; i++) {
      const e = await call('state-closed');
      assert.equal(e.deny?.code, 'guard_state_lost', `${server.name}: ${JSON.stringify(e)}`);
      assert.match(e.deny.message, /^state lost: `state-closed`/);
    }
    assert.equal((await call('state-reset', 'panic')).decision, 'warn', server.name);
    const reset = await call('state-reset');
    assert.equal(reset.decision, 'warn', server.name);
    assert.match(reset.warnings[0].message, /lost its persistent state and started over/);
    assert.equal((await call('state-reset')).decision, 'allow', `${server.name}: reported once`);
  }
});

test('/v1/test runs on fresh instances of its own: its failures reach neither /v1/evaluate nor the next suite', async () => {
  const tools = { tools: [{ name: 'read_file' }] };
  const trap = { name: 'trap', guards: ['state-reset'], phase: 'tools_list', payload: tools,
    config: { 'state-reset': { mode: 'panic' } }, expect: { decision: 'warn' } };
  const suite = (...cases) => JSON.stringify({ format: 'guardhouse.case/v1', cases });
  for (const server of [edge, native]) {
    const run = async (...cases) => {
      const { json } = await post(server.base, '/v1/test', suite(...cases));
      assert.equal(json.failed, 0, `${server.name}: ${JSON.stringify(json.results?.map((r) => r.failures))}`);
    };
    // Within a suite, state carries from case to case.
    await run(trap, { name: 'started over', guards: ['state-reset'], phase: 'tools_list', payload: tools,
      expect: { decision: 'warn', warnings: ['lost its persistent state and started over'] } });
    // A suite that ends with an unreported loss leaves it behind nowhere:
    await run(trap);
    const { json } = await post(server.base, '/v1/evaluate', caseFor('state-reset'));
    assert.equal(json.evaluation.decision, 'allow', `${server.name}: ${JSON.stringify(json.evaluation.warnings)}`);
    await run({ name: 'fresh', guards: ['state-reset'], phase: 'tools_list', payload: tools,
      expect: { decision: 'allow' } });
  }
});
