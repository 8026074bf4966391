// Latency of the MCP proxy on loopback: the same SDK client calls straight to the SDK
// server and through guardhouse (GUARDHOUSE_MCP_HOST=native|edge) running
// guards/gateway.yaml. Prints p50/p99 in ms per exchange; N per row from MCP_BENCH_N.
//   node tests/mcp/bench.mjs

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startServer } from './server.mjs';
import { startProxy } from './hosts.mjs';

const N = Number(process.env.MCP_BENCH_N ?? 200);

async function connect(url, name) {
  const client = new Client({ name, version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return client;
}

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

async function measure(fn) {
  for (let i = 0; i < 10; i++) await fn();
  const times = [];
  for (let i = 0; i < N; i++) {
    const t = process.hrtime.bigint();
    await fn();
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  times.sort((a, b) => a - b);
  return { p50: pct(times, 50).toFixed(2), p99: pct(times, 99).toFixed(2) };
}

const upstream = await startServer();
const proxy = await startProxy(upstream.url, 'weather-demo');
try {
  const rows = [];
  for (const mode of ['sdk-clean-json', 'sdk-clean']) {
    const direct = await connect(upstream.url, mode);
    const proxied = await connect(proxy.url, mode);
    const calls = {
      'tools/call get_weather (allow)': (c) => c.callTool({ name: 'get_weather', arguments: { city: 'Paris' } }),
      'tools/call lookup_user (masked)': (c) => c.callTool({ name: 'lookup_user', arguments: { id: 'u1' } }),
      'tools/list (5 tools)': (c) => c.listTools(),
    };
    for (const [what, call] of Object.entries(calls)) {
      const d = await measure(() => call(direct));
      const p = await measure(() => call(proxied));
      rows.push({ answers: mode.endsWith('json') ? 'json' : 'sse', exchange: what,
        'direct p50': d.p50, 'direct p99': d.p99, [`${proxy.name} p50`]: p.p50, [`${proxy.name} p99`]: p.p99 });
    }
    await direct.close();
    await proxied.close();
  }
  console.log(`MCP proxy latency, ms, N=${N} per cell (${proxy.name})`);
  console.table(rows);
} finally {
  await proxy.stop();
  await upstream.close();
}
