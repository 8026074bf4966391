// Audit mode end to end (tests/mcp/audit-gateway.yaml: tool-poisoning on tools/list and
// simple-pattern on calls to `echo`, both `mode: audit`): what those guards would deny
// passes through the proxy unchanged, and the MCP SDK client is warned of the would-be
// decision in `_meta["guardhouse/warnings"]`. Native or edge, as GUARDHOUSE_MCP_HOST says
// (scripts/test-mcp.sh runs both).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { POISONED_DESCRIPTION, startServer } from './server.mjs';
import { startProxy } from './hosts.mjs';

const WARNINGS = 'guardhouse/warnings';

let upstream;
let proxy;
const clients = [];

before(async () => {
  upstream = await startServer();
  proxy = await startProxy(upstream.url, 'weather-demo', 'audit');
});

after(async () => {
  for (const c of clients) await c.close().catch(() => {});
  await proxy?.stop();
  await upstream?.close();
});

async function connect(url) {
  const client = new Client({ name: 'sdk-audit', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  clients.push(client);
  return client;
}

/** The tools/call requests that reached the upstream. */
async function upstreamCalls() {
  const res = await fetch(upstream.url.replace(/\/mcp$/, '/stats'));
  return (await res.json()).calls;
}

test('a tools/list tool-poisoning would deny passes unchanged, with the would-be denial as a warning', { timeout: 30_000 }, async () => {
  const [direct, proxied] = await Promise.all([connect(upstream.url), connect(proxy.url)]);
  const sent = await direct.listTools();
  const got = await proxied.listTools();
  assert.ok(got.tools.some((t) => t.name === 'add' && t.description === POISONED_DESCRIPTION));
  assert.deepEqual(got.tools, sent.tools);
  const warnings = got._meta[WARNINGS];
  assert.equal(warnings.length, 1, JSON.stringify(warnings));
  assert.equal(warnings[0].phase, 'tools_list');
  assert.equal(warnings[0].guard, 'tool-poisoning');
  assert.match(warnings[0].message, /^audit: would deny tool_poisoning: Tool poisoning detected: tool 'add' /);
});

test('a call simple-pattern would deny reaches the upstream, with the would-be denial as a warning', { timeout: 30_000 }, async () => {
  const proxied = await connect(proxy.url);
  const message = `audit ${Date.now()}`;
  const answer = await proxied.callTool({ name: 'echo', arguments: { message } });
  assert.equal(answer.isError, undefined);
  assert.equal(answer.content[0].text, message);
  assert.ok((await upstreamCalls()).some((c) => c.name === 'echo' && c.args.message === message));
  assert.deepEqual(answer._meta[WARNINGS], [{
    phase: 'tool_invoke',
    guard: 'simple-pattern',
    message: "audit: would deny pattern_blocked: Tool 'echo' matches blocked pattern 'echo'",
  }]);
});
