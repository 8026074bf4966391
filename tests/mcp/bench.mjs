// Latency of the MCP proxy on loopback: the same SDK client calls straight to the SDK
// server, through guardhouse (GUARDHOUSE_MCP_HOST=native|edge) with no guards
// (tests/mcp/none-gateway.yaml: the transport alone) and through guardhouse running
// guards/gateway.yaml. The three are interleaved call by call, so a noisy machine slows
// them alike. Prints p50/p99 in ms per exchange and the proxy's overhead (p50 proxied −
// p50 direct), with and without guards, and (native) the guards' own time per exchange
// from the proxy's /metrics; N per cell from MCP_BENCH_N. Writes
// bench-results/mcp-<host>.json.
//   node tests/mcp/bench.mjs

import fs from 'node:fs';
import path from 'node:path';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startServer } from './server.mjs';
import { ROOT, startProxy } from './hosts.mjs';

const N = Number(process.env.MCP_BENCH_N ?? 200);

async function connect(url, name) {
  const client = new Client({ name, version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return client;
}

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

/** Times `fn` on each client in turn, N rounds after 10 warm-up rounds: ms per call. */
async function measure(fn, clients) {
  for (let i = 0; i < 10; i++) for (const c of clients) await fn(c);
  const times = clients.map(() => []);
  for (let i = 0; i < N; i++) {
    for (const [k, c] of clients.entries()) {
      const t = process.hrtime.bigint();
      await fn(c);
      times[k].push(Number(process.hrtime.bigint() - t) / 1e6);
    }
  }
  return times.map((ts) => {
    ts.sort((a, b) => a - b);
    return { p50: pct(ts, 50), p99: pct(ts, 99) };
  });
}

/** Seconds the proxy's guards have run so far (`/metrics`, native only; null elsewhere). */
async function guardSeconds(base) {
  const r = await fetch(`${base}/metrics`).catch(() => null);
  if (!r?.ok) return null;
  let sum = 0;
  for (const line of (await r.text()).split('\n')) {
    if (line.startsWith('guardhouse_guard_duration_seconds_sum')) sum += Number(line.split(' ').pop());
  }
  return sum;
}

const upstream = await startServer();
const bare = await startProxy(upstream.url, 'weather-demo', 'none');
const proxy = await startProxy(upstream.url, 'weather-demo');
const ms = (x) => x.toFixed(2);
const us = (x) => Math.round(x * 1000);
try {
  const rows = [];
  for (const mode of ['sdk-clean-json', 'sdk-clean']) {
    const clients = [await connect(upstream.url, mode), await connect(bare.url, mode), await connect(proxy.url, mode)];
    const calls = {
      'tools/call get_weather (allow)': (c) => c.callTool({ name: 'get_weather', arguments: { city: 'Paris' } }),
      'tools/call lookup_user (masked)': (c) => c.callTool({ name: 'lookup_user', arguments: { id: 'u1' } }),
      'tools/list (5 tools)': (c) => c.listTools(),
    };
    for (const [what, call] of Object.entries(calls)) {
      const before = await guardSeconds(proxy.base);
      const [d, b, p] = await measure(call, clients);
      const after = await guardSeconds(proxy.base);
      // The guards' own time per exchange (warm-up rounds included in both counts).
      const guardsUs = before === null || after === null ? null : Math.round(((after - before) * 1e6) / (N + 10));
      rows.push({ answers: mode.endsWith('json') ? 'json' : 'sse', exchange: what,
        'direct p50': ms(d.p50), 'direct p99': ms(d.p99),
        'no guards p50': ms(b.p50), 'guards p50': ms(p.p50), 'guards p99': ms(p.p99),
        'overhead µs, no guards': us(b.p50 - d.p50), 'overhead µs, guards': us(p.p50 - d.p50),
        'guards\' own µs (mean)': guardsUs });
    }
    for (const c of clients) await c.close();
  }
  console.log(`MCP proxy latency, ms, N=${N} per cell, interleaved (${proxy.name}; guards: guards/gateway.yaml)`);
  console.table(rows);
  fs.mkdirSync(path.join(ROOT, 'bench-results'), { recursive: true });
  fs.writeFileSync(path.join(ROOT, `bench-results/mcp-${proxy.name}.json`), JSON.stringify({ n: N, rows }, null, 2));
} finally {
  await proxy.stop();
  await bare.stop();
  await upstream.close();
}
