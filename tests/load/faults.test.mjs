// Load with faults: autocannon (npm, in this process) drives native `guardhouse serve`
// (its own process) with a chain that holds hostile fail_open guards between healthy ones
// (tests/load/gateway.yaml): once through the API (/v1/evaluate) and once through the MCP
// proxy in front of the SDK test server (its own process). Every response is checked:
// the healthy guards' decision, the hostile guards' warnings, the masked payload. The
// tests fail on any lost (error, timeout, non-2xx) or wrong answer; throughput and
// latency are reported (stderr and bench-results/load-faults.json), never asserted.
// LOAD_REQUESTS (default 6000) and LOAD_CONNECTIONS (default 32) size each run.
// Run by scripts/test.sh after the MCP tests.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import autocannon from 'autocannon';

import { ROOT, launch, progress } from '../support/process.mjs';
import { USER_RECORD } from '../mcp/server.mjs';

const REQUESTS = Number(process.env.LOAD_REQUESTS ?? 6000);
const CONNECTIONS = Number(process.env.LOAD_CONNECTIONS ?? 32);
const START_TIMEOUT_MS = 240_000;
const GATEWAY = path.join(ROOT, 'tests/load/gateway.yaml');
const RESULTS = path.join(ROOT, 'bench-results/load-faults.json');

const HOSTILE = ['panic-open', 'fuel-open'];

let upstream;
let serve;
const figures = {};

before(async () => {
  const server = launch('node', [path.join(ROOT, 'tests/mcp/server.mjs')], { cwd: ROOT }, {
    name: 'MCP test server', ready: (log) => log.match(/listening (http:\/\/\S+)/), timeoutMs: 60_000,
  });
  const [, url] = await server.started;
  upstream = { url, stop: server.stop };
  const bin = path.join(ROOT, 'target/release/guardhouse');
  const p = launch(bin, ['serve', '-c', GATEWAY, '--listen', '127.0.0.1:0', '--no-reload',
    '--upstream', url, '--server-name', 'weather-demo'], { cwd: ROOT }, {
    name: 'native serve', ready: (log) => log.match(/guardhouse serving on (http:\/\/\S+)/), timeoutMs: START_TIMEOUT_MS,
  });
  const [, base] = await p.started;
  serve = { base, stop: p.stop };
}, { timeout: START_TIMEOUT_MS + 70_000 });

after(async () => {
  await Promise.all([serve?.stop(), upstream?.stop()]);
  if (Object.keys(figures).length > 0) {
    fs.mkdirSync(path.dirname(RESULTS), { recursive: true });
    fs.writeFileSync(RESULTS, `${JSON.stringify({ requests: REQUESTS, connections: CONNECTIONS, ...figures }, null, 2)}\n`);
  }
}, { timeout: 30_000 });

/**
 * Sends `REQUESTS` requests cycling through `kinds` ({name, request, check(status, body)
 * → problem or null}) and checks every response; resolves to the figures and the problems.
 */
async function load(url, headers, kinds) {
  const checked = Object.fromEntries(kinds.map((k) => [k.name, 0]));
  const problems = [];
  const requests = kinds.map((kind) => ({
    ...kind.request,
    headers: { ...headers, ...kind.request.headers },
    onResponse: (status, body) => {
      checked[kind.name] += 1;
      let problem;
      try {
        problem = kind.check(status, JSON.parse(body));
      } catch (e) {
        problem = `unreadable answer (${status}): ${e.message}: ${String(body).slice(0, 200)}`;
      }
      if (problem && problems.length < 20) problems.push(`${kind.name}: ${problem}`);
      else if (problem) problems.push(null);
    },
  }));
  const result = await autocannon({ url, connections: CONNECTIONS, amount: REQUESTS, requests, timeout: 30 });
  const answered = Object.values(checked).reduce((a, b) => a + b, 0);
  return {
    result,
    problems,
    figures: {
      sent: REQUESTS,
      answered,
      checked,
      wrong: problems.length,
      errors: result.errors,
      timeouts: result.timeouts,
      non2xx: result.non2xx,
      'requests/s': Math.round(answered / (result.duration || 1)),
      'latency p50 ms': result.latency.p50,
      'latency p99 ms': result.latency.p99,
      'latency max ms': result.latency.max,
    },
  };
}

function report(name, run) {
  figures[name] = run.figures;
  progress(`${name}: ${JSON.stringify(run.figures)}`);
  assert.deepEqual(run.problems.filter(Boolean).slice(0, 5), [], `${run.problems.length} wrong answers`);
  assert.equal(run.figures.errors, 0, 'connection errors');
  assert.equal(run.figures.timeouts, 0, 'timeouts');
  assert.equal(run.figures.non2xx, 0, 'non-2xx answers');
  assert.equal(run.figures.answered, REQUESTS, 'every request answered');
}

/** The hostile guards' warnings are all there: their failures were reported, not lost. */
function hostileWarnings(warnings, expected) {
  const failed = new Set(warnings.filter((w) => w.message.startsWith('failed open')).map((w) => w.guard));
  const missing = expected.filter((g) => !failed.has(g));
  return missing.length ? `no failed-open warning from ${missing.join(', ')}` : null;
}

const caseBody = (phase, payload) => JSON.stringify({ format: 'guardhouse.case/v1', name: 'load', phase, payload });

test('API: every /v1/evaluate answer under load keeps the healthy guards\' decisions', { timeout: 300_000 }, async () => {
  const post = (body) => ({ method: 'POST', path: '/v1/evaluate', body });
  const kinds = [
    {
      name: 'allowed call',
      request: post(caseBody('tool_invoke', { tool: 'get_weather', arguments: { city: 'Paris' } })),
      check: (status, { evaluation: e }) => (status !== 200 || e.decision !== 'warn' ? `got ${status} ${e?.decision}`
        : hostileWarnings(e.warnings, HOSTILE)),
    },
    {
      name: 'denied call',
      request: post(caseBody('tool_invoke', { tool: 'drop_table', arguments: {} })),
      // The deny stops the chain before fuel-open: only panic-open ran and failed.
      check: (status, { evaluation: e }) => (e?.decision !== 'deny' || e.deny.code !== 'pattern_blocked'
        ? `got ${status} ${e?.decision} ${e?.deny?.code}` : hostileWarnings(e.warnings, ['panic-open'])),
    },
    {
      name: 'masked response',
      request: post(caseBody('response', { content: [{ type: 'text', text: USER_RECORD }] })),
      check: (status, { evaluation: e }) => {
        const text = e?.payload?.content?.[0]?.text ?? '';
        if (e?.decision !== 'modify' || text.includes('alice@example.com') || !text.includes('[EMAIL]')) {
          return `got ${status} ${e?.decision} ${text}`;
        }
        return hostileWarnings(e.warnings, HOSTILE);
      },
    },
  ];
  report('api', await load(serve.base, { 'content-type': 'application/json' }, kinds));
});

test('MCP proxy: every exchange under load is screened with the right outcome', { timeout: 300_000 }, async () => {
  const mcp = `${serve.base}/mcp`;
  const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
  // One session; a client name with "json" makes the SDK server answer in plain JSON.
  const init = await fetch(mcp, {
    method: 'POST',
    headers,
    body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: {
      protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'load-json', version: '1.0.0' } } }),
    signal: AbortSignal.timeout(30_000),
  });
  assert.equal(init.status, 200, await init.clone().text());
  const session = init.headers.get('mcp-session-id');
  assert.ok(session, 'the upstream gave a session');
  await init.text();
  const sessionHeaders = { ...headers, 'mcp-session-id': session, 'mcp-protocol-version': '2025-06-18' };
  const initialized = await fetch(mcp, { method: 'POST', headers: sessionHeaders,
    body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }), signal: AbortSignal.timeout(30_000) });
  await initialized.text();

  const call = (name, args) => ({ method: 'POST', path: '/mcp',
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: args } }) });
  const textOf = (body) => body.result?.content?.[0]?.text ?? '';
  const kinds = [
    {
      name: 'forwarded call',
      request: call('get_weather', { city: 'Paris' }),
      check: (status, body) => (status === 200 && textOf(body) === 'Sunny, 21 °C in Paris' ? null
        : `got ${status} ${JSON.stringify(body).slice(0, 200)}`),
    },
    {
      name: 'refused call',
      request: call('drop_table', {}),
      check: (status, body) => (body.error && JSON.stringify(body.error).includes('pattern_blocked') && !body.result ? null
        : `got ${status} ${JSON.stringify(body).slice(0, 200)}`),
    },
    {
      name: 'masked result',
      request: call('lookup_user', { id: 'u1' }),
      check: (status, body) => {
        const text = textOf(body);
        return status === 200 && text.includes('[EMAIL]') && !text.includes('alice@example.com') ? null
          : `got ${status} ${JSON.stringify(body).slice(0, 200)}`;
      },
    },
  ];
  report('mcp proxy', await load(serve.base, sessionHeaders, kinds));
  // Nothing the chain refused reached the upstream.
  const stats = await (await fetch(`${upstream.url.replace(/\/mcp$/, '')}/stats`, { signal: AbortSignal.timeout(10_000) })).json();
  const names = new Set((stats.calls ?? stats).map((c) => c.name));
  assert.ok(!names.has('drop_table'), 'a refused call reached the upstream');
});
