// Per-tool filtering end to end, with more than one guard filtering
// (tests/mcp/filter-gateway.yaml: simple-pattern removes `raise_alert` by name,
// tool-poisoning the poisoned `add`, both with `action: filter`): the MCP SDK client gets
// the upstream's tools/list minus those tools, each kept tool and the list's other
// fields (`nextCursor`, fields no schema knows) as the upstream sent them, and a warning
// per guard naming what it removed — page by page when the upstream paginates. Native or
// edge, as GUARDHOUSE_MCP_HOST says (scripts/test-mcp.sh runs both).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { PAGES, POISONED_DESCRIPTION, startServer } from './server.mjs';
import { startProxy } from './hosts.mjs';

const WARNINGS = 'guardhouse/warnings';
/** The warning each guard's filtering draws, as core words it. */
const REMOVED = {
  add: { phase: 'tools_list', guard: 'tool-poisoning', message: 'removed tools: add' },
  raise_alert: { phase: 'tools_list', guard: 'simple-pattern', message: 'removed tools: raise_alert' },
};
/** A tools/list result that keeps every field, the tools' own included (the SDK's drops unknown tool fields). */
const RawToolsList = z.looseObject({ tools: z.array(z.looseObject({ name: z.string() })) });

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

/** An SDK client connected to `url`; `name` picks the server's mode (paged). */
async function connect(url, name = 'sdk-filter') {
  const client = new Client({ name, version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  clients.push(client);
  return client;
}

const without = (tools, ...names) => tools.filter((t) => !names.includes(t.name));

test('each guard removes its tool from tools/list, the rest arrives as sent, with a warning each', { timeout: 30_000 }, async () => {
  const [direct, proxied] = await Promise.all([connect(upstream.url), connect(proxy.url)]);
  const sent = await direct.listTools();
  assert.ok(sent.tools.some((t) => t.name === 'add' && t.description === POISONED_DESCRIPTION));
  assert.ok(sent.tools.some((t) => t.name === 'raise_alert'));
  const got = await proxied.listTools();
  // The tools kept are byte-for-byte what the upstream sent (schemas, annotations…).
  assert.deepEqual(got.tools, without(sent.tools, 'add', 'raise_alert'));
  assert.deepEqual(got._meta[WARNINGS], [REMOVED.raise_alert, REMOVED.add]);
  // The tools that remain still work through the proxy.
  const answer = await proxied.callTool({ name: 'get_weather', arguments: { city: 'Oslo' } });
  assert.match(answer.content[0].text, /Oslo/);
});

test('a paginated tools/list is filtered page by page; nextCursor and unknown fields survive', { timeout: 30_000 }, async () => {
  const [direct, proxied] = await Promise.all([connect(upstream.url, 'sdk-paged'), connect(proxy.url, 'sdk-paged')]);
  const first = await proxied.listTools();
  assert.equal(first.nextCursor, 'page-2');
  assert.equal(first['x-page'], 1);
  assert.deepEqual(first.tools, without((await direct.listTools()).tools, 'add'));
  assert.deepEqual(first._meta[WARNINGS], [REMOVED.add]);
  const second = await proxied.listTools({ cursor: first.nextCursor });
  assert.equal(second.nextCursor, undefined);
  assert.equal(second['x-page'], 2);
  assert.deepEqual(second.tools, without((await direct.listTools({ cursor: 'page-2' })).tools, 'raise_alert'));
  assert.deepEqual(second._meta[WARNINGS], [REMOVED.raise_alert]);
  // The same pages with every field kept: the kept tools are PAGES' own, unknown fields too.
  for (const [cursor, removed] of [['', 'add'], ['page-2', 'raise_alert']]) {
    const params = cursor ? { cursor } : {};
    const raw = await proxied.request({ method: 'tools/list', params }, RawToolsList);
    const { _meta, ...rest } = raw;
    assert.deepEqual(rest, { ...PAGES[cursor], tools: without(PAGES[cursor].tools, removed) });
    assert.deepEqual(_meta[WARNINGS], [REMOVED[removed]]);
  }
});
