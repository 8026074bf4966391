// The API contract: both hosts serve the same OpenAPI document (core/src/openapi.rs) and
// schemathesis (PyPI, installed by scripts/setup-toolchain.sh) checks each against it on
// loopback: no 5xx, every response matches its schema and status list, schema-violating
// bodies get a 4xx, schema-valid ones are accepted. The seed is fixed so CI replays the
// same requests; `SCHEMATHESIS_EXAMPLES` raises the count for a longer run.
// Run by scripts/test-edge.sh.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { HOOK_TIMEOUT_MS, ROOT, get, startBoth, stopAll } from './servers.mjs';

const SCHEMATHESIS = path.join(ROOT, 'target/venv-schemathesis/bin/schemathesis');
const EXAMPLES = process.env.SCHEMATHESIS_EXAMPLES ?? '100';
const RUN_TIMEOUT_MS = 240_000;

let edge;
let native;

before(async () => {
  ({ edge, native } = await startBoth('default'));
}, { timeout: HOOK_TIMEOUT_MS });

after(() => stopAll(edge, native), { timeout: HOOK_TIMEOUT_MS });

test('both hosts serve the same OpenAPI document', async () => {
  const [e, n] = await Promise.all([get(edge.base, '/v1/openapi.json'), get(native.base, '/v1/openapi.json')]);
  assert.equal(e.status, 200);
  assert.equal(n.status, 200);
  assert.deepEqual(e.json, n.json);
  assert.equal(n.json.openapi, '3.0.3');
});

/** Runs schemathesis against `base`; resolves to {code, output}. */
function schemathesis(base, extra = []) {
  assert.ok(fs.existsSync(SCHEMATHESIS), `${SCHEMATHESIS} is missing (hint: scripts/setup-toolchain.sh installs it)`);
  const args = ['run', `${base}/v1/openapi.json`, '--checks', 'all', '--max-examples', EXAMPLES,
    '--seed', '20261130', '--workers', '1', '--request-timeout', '30', '--output-truncate', 'true',
    '--no-color', ...extra];
  return new Promise((resolve) => {
    execFile(SCHEMATHESIS, args, { timeout: RUN_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, NO_COLOR: '1' } },
      (error, stdout, stderr) => resolve({ code: error ? (error.code ?? error.signal) : 0, output: stdout + stderr }));
  });
}

for (const host of ['native', 'edge']) {
  test(`schemathesis finds no contract violation on ${host}`, { timeout: RUN_TIMEOUT_MS + 10_000 }, async () => {
    // The edge keeps no metrics: its /metrics is the document's 404.
    const { code, output } = host === 'edge'
      ? await schemathesis(edge.base, ['--exclude-path', '/metrics'])
      : await schemathesis(native.base);
    const summary = output.split('\n').filter((l) => /generated|passed|failure|Seed/.test(l)).join('\n');
    process.stderr.write(`schemathesis on ${host}:\n${summary}\n`);
    assert.equal(code, 0, output.slice(-6000));
    const [, generated, passed] = output.match(/(\d+) generated, (\d+) passed/) ?? [];
    assert.ok(Number(generated) > 1000 && generated === passed, output.slice(-3000));
  });
}
