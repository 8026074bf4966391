// The edge's access checks under workerd: with the GUARDHOUSE_TOKEN secret set (here a
// `--var`, which the Worker reads like a secret), /v1/… needs the bearer token (or
// x-guardhouse-token), /health stays open, and cross-site browser requests are refused —
// the same rules as native `serve --token-file` (core::access).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';

import { HOOK_TIMEOUT_MS, REQUEST_TIMEOUT_MS, startEdge } from './servers.mjs';

const TOKEN = 'edge-test-token-0123456789abcdef';
const CASE = JSON.stringify({
  format: 'guardhouse.case/v1',
  name: 'c',
  phase: 'tools_list',
  payload: { tools: [{ name: 'read_file' }] },
});

let edge;

before(async () => {
  edge = await startEdge('default', { GUARDHOUSE_TOKEN: TOKEN });
}, { timeout: HOOK_TIMEOUT_MS });

after(() => edge?.stop(), { timeout: HOOK_TIMEOUT_MS });

async function evaluate(headers) {
  const res = await fetch(`${edge.base}/v1/evaluate`, {
    method: 'POST',
    headers,
    body: CASE,
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  return { status: res.status, json: await res.json(), res };
}

test('the API needs the token; health does not', async () => {
  const health = await fetch(`${edge.base}/health`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  assert.equal(health.status, 200);
  const none = await evaluate({});
  assert.equal(none.status, 401, JSON.stringify(none.json));
  assert.equal(none.res.headers.get('www-authenticate'), 'Bearer');
  assert.match(none.json.error, /token/);
  assert.equal((await evaluate({ authorization: 'Bearer wrong-token-0123456789abcdef' })).status, 401);
  const bearer = await evaluate({ authorization: `Bearer ${TOKEN}` });
  assert.equal(bearer.status, 200, JSON.stringify(bearer.json));
  assert.ok(bearer.json.evaluation.decision, JSON.stringify(bearer.json));
  assert.equal((await evaluate({ 'x-guardhouse-token': TOKEN })).status, 200);
});

test('a cross-site browser request is refused even with the token', async () => {
  const crossSite = await evaluate({ authorization: `Bearer ${TOKEN}`, 'sec-fetch-site': 'cross-site' });
  assert.equal(crossSite.status, 403, JSON.stringify(crossSite.json));
});
