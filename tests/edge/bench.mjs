// Edge benchmark on loopback, native measured in the same run (no thresholds; prints a
// table and writes bench-results/edge.json):
//   1. request latency p50/p99 of POST /v1/evaluate for the 3-guard chain
//      (simple-pattern, tool-poisoning, server-spoofing) over a 50-tool tools list, and
//      of a request that calls no guard (HTTP + parsing + judging: the fixed cost);
//   2. per-call cost of simple-pattern over 50 tools, per_call vs persistent: one
//      request calls M copies of the guard (tests/edge/bench-gateway.yaml); the cost is
//      (p50 of that request − p50 of the no-guard request) / M; the chain serializes and
//      parses a payload's arguments once, so this is the cost of one more guard in a
//      chain, not of a lone guard call. A Worker's clock does
//      not advance while wasm runs, so the edge cannot time a call from inside; this
//      measures it from outside, the same way on both hosts. Native's own trace timing
//      (duration_us, measured inside wasmtime's host) is shown next to it.
// Needs scripts/build-edge.sh first (scripts/test-edge.sh or `scripts/build-edge.sh`).
//   node tests/edge/bench.mjs        (BENCH_N requests per row, default 300)

import fs from 'node:fs';
import path from 'node:path';

import { ROOT, get, post, startBoth, stopAll } from './servers.mjs';

const N = Number(process.env.BENCH_N ?? 300);
const WARMUP = 30;
/** Copies of simple-pattern per instance mode in bench-gateway.yaml. */
const M = 20;
const copies = (mode) => Array.from({ length: M }, (_, i) => `sp-${mode}-${i + 1}`);

const CHAIN = ['simple-pattern', 'tool-poisoning', 'server-spoofing'];

/** The 50-tool list native's bench uses (host-native/src/bench.rs `fifty_tools`). */
const fiftyTools = Array.from({ length: 50 }, (_, i) => ({
  name: `tool_${String(i).padStart(2, '0')}_read_records`,
  description: `Reads page ${i} of the customer records table and returns rows as JSON.`,
  input_schema: { type: 'object', properties: { page: { type: 'integer', description: 'page number' } } },
}));

function oneCase(guards, name = 'bench') {
  return {
    name,
    guards,
    phase: 'tools_list',
    context: { server_name: 'files', server_url: 'https://files.example.com' },
    payload: { tools: fiftyTools },
    expect: { decision: 'allow' },
  };
}

const evaluateBody = (guards) => JSON.stringify({ format: 'guardhouse.case/v1', ...oneCase(guards) });

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

async function timed(base, route, body) {
  const t = nowMs();
  const { status, json } = await post(base, route, body);
  const ms = nowMs() - t;
  if (status !== 200) throw new Error(`${route} answered ${status}: ${JSON.stringify(json)}`);
  return { ms, json };
}

/** p50/p99 (ms) of N sequential requests on one keep-alive connection, and the median
 * of the trace's per-guard duration_us (0 at the edge: its clock stands still). */
async function latency(server, guards) {
  const body = evaluateBody(guards);
  for (let i = 0; i < WARMUP; i++) await timed(server.base, '/v1/evaluate', body);
  const samples = [];
  const traced = [];
  let decision;
  for (let i = 0; i < N; i++) {
    const { ms, json } = await timed(server.base, '/v1/evaluate', body);
    samples.push(ms);
    decision = json.evaluation?.decision;
    for (const t of json.evaluation?.trace ?? []) traced.push(t.duration_us);
  }
  samples.sort((a, b) => a - b);
  traced.sort((a, b) => a - b);
  return { p50: pct(samples, 50), p99: pct(samples, 99), traceUs: pct(traced, 50) ?? 0, decision };
}

/** p50 (ms) of GET /health: the HTTP floor (for the edge, wrangler dev's local proxy too). */
async function healthP50(server) {
  const samples = [];
  for (let i = 0; i < WARMUP + N; i++) {
    const t = nowMs();
    await get(server.base, '/health');
    if (i >= WARMUP) samples.push(nowMs() - t);
  }
  samples.sort((a, b) => a - b);
  return pct(samples, 50);
}

async function measureHost(server) {
  const health = await healthP50(server);
  const chain = await latency(server, CHAIN);
  const empty = await latency(server, ['none']);
  const perCall = await latency(server, copies('per-call'));
  const persistent = await latency(server, copies('persistent'));
  const cost = (r) => ((r.p50 - empty.p50) * 1000) / M;
  return { health, chain, empty, perCall, persistent, perCallUs: cost(perCall), persistentUs: cost(persistent) };
}

const { edge, native } = await startBoth('bench');
try {
  const results = {};
  // One host at a time: the machine's cores are not shared between the two.
  for (const server of [native, edge]) results[server.health.host] = await measureHost(server);
  const f = (x) => x.toFixed(1);
  const ms = (x) => x.toFixed(3);
  const rows = [];
  for (const [host, r] of Object.entries(results)) {
    rows.push({ host, measure: '3-guard chain, 50 tools: request p50 (ms)', value: ms(r.chain.p50) });
    rows.push({ host, measure: '3-guard chain, 50 tools: request p99 (ms)', value: ms(r.chain.p99) });
    rows.push({ host, measure: 'GET /health p50 (ms)', value: ms(r.health) });
    rows.push({ host, measure: 'no guard called: request p50 (ms)', value: ms(r.empty.p50) });
    rows.push({ host, measure: 'no guard called: request p99 (ms)', value: ms(r.empty.p99) });
    // What the chain adds to a request that calls no guard: the guards' work and the host's
    // cost of carrying them (issue 11's edge target: ≤ 1 ms beyond the HTTP floor).
    rows.push({ host, measure: '3-guard chain beyond a no-guard request, p50 (ms)', value: ms(r.chain.p50 - r.empty.p50) });
    rows.push({ host, measure: '3-guard chain beyond GET /health, p50 (ms)', value: ms(r.chain.p50 - r.health) });
    rows.push({ host, measure: `simple-pattern/50 tools, per_call: per call (µs, ${M} per request)`, value: f(r.perCallUs) });
    rows.push({ host, measure: `simple-pattern/50 tools, persistent: per call (µs, ${M} per request)`, value: f(r.persistentUs) });
    rows.push({ host, measure: 'simple-pattern, per_call: trace duration_us p50 (host clock)', value: f(r.perCall.traceUs) });
    rows.push({ host, measure: 'simple-pattern, persistent: trace duration_us p50 (host clock)', value: f(r.persistent.traceUs) });
  }
  console.log(`edge (wrangler dev / workerd) vs native (guardhouse serve), loopback, N=${N} sequential requests per row`);
  console.log(`3-guard chain decision: edge ${results.edge.chain.decision}, native ${results.native.chain.decision}`);
  console.table(rows);
  const beyond = (r) => r.chain.p50 - r.empty.p50;
  console.log(`the chain's time beyond a no-guard request: edge ${ms(beyond(results.edge))} ms, native ${ms(beyond(results.native))} ms`
    + ` (the same guards' work natively); the Worker's own share ≈ ${ms(beyond(results.edge) - beyond(results.native))} ms`);
  const out = path.join(ROOT, 'bench-results');
  fs.mkdirSync(out, { recursive: true });
  fs.writeFileSync(path.join(out, 'edge.json'), JSON.stringify({ n: N, m: M, results }, null, 2));
} finally {
  await stopAll(edge, native);
}
