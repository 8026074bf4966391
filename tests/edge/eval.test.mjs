// POST /v1/eval on the edge under workerd equals native `serve` and `guardhouse eval`:
// every corpus of guards/corpora scored by the guards of guards/gateway.yaml gives the
// same recall, rates, misses and false alarms on all three; bad requests get 400 with
// the same message on both hosts.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { ROOT } from '../support/process.mjs';
import { HOOK_TIMEOUT_MS, REQUEST_TIMEOUT_MS, startBoth, stopAll } from './servers.mjs';

const CORPORA = path.join(ROOT, 'guards/corpora');
const corpora = fs.readdirSync(CORPORA).filter((f) => f.endsWith('.yaml')).sort();

let edge;
let native;

before(async () => {
  ({ edge, native } = await startBoth('default'));
}, { timeout: HOOK_TIMEOUT_MS });

after(() => stopAll(edge, native), { timeout: HOOK_TIMEOUT_MS });

async function evalOn(server, body, query = '') {
  const res = await fetch(`${server.base}/v1/eval${query}`, {
    method: 'POST',
    body,
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  return { status: res.status, json: await res.json() };
}

test('every corpus scores the same on the edge, natively and with guardhouse eval', { timeout: 300_000 }, async () => {
  assert.ok(corpora.length >= 15, `found ${corpora.length} corpora`);
  let scored = 0;
  for (const file of corpora) {
    const text = fs.readFileSync(path.join(CORPORA, file), 'utf8');
    const [e, n] = [await evalOn(edge, text), await evalOn(native, text)];
    assert.equal(e.status, 200, `${file}: ${JSON.stringify(e.json)}`);
    assert.equal(n.status, 200, `${file}: ${JSON.stringify(n.json)}`);
    assert.deepEqual(e.json, n.json, file);
    // The CLI names a corpus by its path, the API by the file's `name`.
    const cli = JSON.parse(execFileSync(path.join(ROOT, 'target/release/guardhouse'),
      ['eval', '--json', '--list', '1000000', path.join(CORPORA, file)], { cwd: ROOT, encoding: 'utf8' }));
    const named = (summary) => summary.reports.map(({ corpus, ...r }) => r);
    assert.deepEqual(named(e.json), named(cli), file);
    scored += e.json.reports.reduce((n, r) => n + r.overall.cases, 0);
  }
  assert.ok(scored >= 300, `scored ${scored} case × guard pairs`);
});

test('guard= picks the guards, in order', async () => {
  const text = fs.readFileSync(path.join(CORPORA, 'benign-tools.yaml'), 'utf8');
  const query = '?guard=tool-poisoning&guard=simple-pattern';
  const [e, n] = [await evalOn(edge, text, query), await evalOn(native, text, query)];
  assert.equal(e.status, 200, JSON.stringify(e.json));
  assert.deepEqual(e.json.reports.map((r) => r.guard), ['tool-poisoning', 'simple-pattern']);
  assert.deepEqual(e.json, n.json);
});

test('bad requests are refused alike: unlabelled cases (400), unknown guards (404), unknown parameters (400)', async () => {
  const unlabelled = JSON.stringify({ format: 'guardhouse.case/v1', cases: [{ name: 'u', phase: 'tools_list', payload: { tools: [] } }] });
  const labelled = JSON.stringify({ format: 'guardhouse.case/v1', cases: [{ name: 'l', label: 'benign', phase: 'tools_list', payload: { tools: [] } }] });
  for (const [body, query, status, needle] of [
    [unlabelled, '', 400, 'has no `label`'],
    [labelled, '?guard=nope', 404, 'no guard `nope`'],
    [labelled, '?guard=%ZZ', 404, 'no guard `%ZZ`'],
    [labelled, '?guards=tool-poisoning', 400, 'unknown query parameter `guards`'],
    ['{"format": "guardhouse.case/v1", "cases": [', '', 400, 'malformed JSON'],
  ]) {
    const [e, n] = [await evalOn(edge, body, query), await evalOn(native, body, query)];
    assert.equal(e.status, status, `${query} ${JSON.stringify(e.json)}`);
    assert.equal(n.status, status, `${query} ${JSON.stringify(n.json)}`);
    assert.deepEqual(e.json, n.json);
    assert.ok(e.json.error.includes(needle), `${needle}: ${e.json.error}`);
  }
});
