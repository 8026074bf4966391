// Per-tool filtering end to end: with tool-poisoning's `action: filter`
// (tests/mcp/filter-gateway.yaml) the MCP SDK client gets the upstream's tools/list
// minus the poisoned tool, and a warning naming it, instead of an error for the whole
// list. Native or edge, as GUARDHOUSE_MCP_HOST says (scripts/test-mcp.sh runs both).

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
  proxy = await startProxy(upstream.url, 'weather-demo', 'filter');
});

after(async () => {
  for (const c of clients) await c.close().catch(() => {});
  await proxy?.stop();
  await upstream?.close();
});

async function connect(url) {
  const client = new Client({ name: 'sdk-filter', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  clients.push(client);
  return client;
}

test('the poisoned tool is removed from tools/list, the rest arrives as sent, with a warning', { timeout: 30_000 }, async () => {
  const [direct, proxied] = await Promise.all([connect(upstream.url), connect(proxy.url)]);
  const sent = await direct.listTools();
  assert.ok(sent.tools.some((t) => t.name === 'add' && t.description === POISONED_DESCRIPTION));
  const got = await proxied.listTools();
  assert.deepEqual(got.tools.map((t) => t.name), sent.tools.map((t) => t.name).filter((n) => n !== 'add'));
  // The tools kept are byte-for-byte what the upstream sent (schemas, annotations…).
  assert.deepEqual(got.tools, sent.tools.filter((t) => t.name !== 'add'));
  assert.deepEqual(got._meta[WARNINGS], [{ phase: 'tools_list', guard: 'tool-poisoning', message: 'removed tools: add' }]);
  // The tools that remain still work through the proxy.
  const answer = await proxied.callTool({ name: 'get_weather', arguments: { city: 'Oslo' } });
  assert.match(answer.content[0].text, /Oslo/);
});
