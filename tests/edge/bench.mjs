// Edge benchmark on loopback, native measured in the same run (no thresholds; prints a
// table and writes bench-results/edge.json):
//   1. request latency p50/p99 of POST /v1/evaluate for the 3-guard chain
//      (simple-pattern, tool-poisoning, server-spoofing) over a 50-tool tools list, and
//      of a request that calls no guard (HTTP + parsing + judging baseline);
//   2. per-call cost of simple-pattern over 50 tools, per_call vs persistent: a suite of
//      K identical cases in one POST /v1/test, minus the same suite calling no guard,
//      divided by K (a Worker's clock does not advance while wasm runs, so the edge
//      cannot time a call from inside; this measures it from outside).
// Needs scripts/build-edge.sh first (scripts/test-edge.sh or `scripts/build-edge.sh`).
//   node tests/edge/bench.mjs        (BENCH_N requests per latency row, default 500)

import fs from 'node:fs';
import path from 'node:path';

import { ROOT, post, startEdge, startNative } from './servers.mjs';

const N = Number(process.env.BENCH_N ?? 500);
const WARMUP = 50;
/** Cases per suite request and suite requests per per-call row. */
const K = 200;
const SUITE_RUNS = 7;

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
const suiteBody = (guards) =>
  JSON.stringify({ format: 'guardhouse.case/v1', name: 'bench', cases: Array.from({ length: K }, (_, i) => oneCase(guards, `c${i}`)) });

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

async function timed(base, route, body) {
  const t = nowMs();
  const { status, json } = await post(base, route, body);
  const ms = nowMs() - t;
  if (status !== 200) throw new Error(`${route} answered ${status}: ${JSON.stringify(json)}`);
  return { ms, json };
}

/** p50/p99 (ms) of N sequential requests on one keep-alive connection. */
async function latency(server, body) {
  for (let i = 0; i < WARMUP; i++) await timed(server.base, '/v1/evaluate', body);
  const samples = [];
  let decision;
  for (let i = 0; i < N; i++) {
    const { ms, json } = await timed(server.base, '/v1/evaluate', body);
    samples.push(ms);
    decision = json.evaluation?.decision;
  }
  samples.sort((a, b) => a - b);
  return { p50: pct(samples, 50), p99: pct(samples, 99), decision };
}

/** Median per-case time (µs) of a K-case suite request. */
async function perCase(server, guards) {
  const body = suiteBody(guards);
  await timed(server.base, '/v1/test', body);
  const runs = [];
  for (let i = 0; i < SUITE_RUNS; i++) runs.push((await timed(server.base, '/v1/test', body)).ms);
  runs.sort((a, b) => a - b);
  return (pct(runs, 50) * 1000) / K;
}

async function measureHost(server) {
  const chain = await latency(server, evaluateBody(CHAIN));
  const empty = await latency(server, evaluateBody(['none']));
  const base = await perCase(server, ['none']);
  const perCall = (await perCase(server, ['sp-per-call'])) - base;
  const persistent = (await perCase(server, ['sp-persistent'])) - base;
  const chainCase = (await perCase(server, CHAIN)) - base;
  return { chain, empty, perCall, persistent, chainCase };
}

const [edge, native] = await Promise.all([startEdge('bench'), startNative('bench')]);
try {
  const results = {};
  // One host at a time: the machine's cores are not shared between the two.
  for (const server of [native, edge]) results[server.health.host] = await measureHost(server);
  const f = (x) => x.toFixed(1);
  const ms = (x) => x.toFixed(3);
  const rows = [];
  for (const [host, r] of Object.entries(results)) {
    rows.push({ host, measure: `3-guard chain, 50 tools: request p50 (ms)`, value: ms(r.chain.p50) });
    rows.push({ host, measure: `3-guard chain, 50 tools: request p99 (ms)`, value: ms(r.chain.p99) });
    rows.push({ host, measure: 'no guard called: request p50 (ms)', value: ms(r.empty.p50) });
    rows.push({ host, measure: 'no guard called: request p99 (ms)', value: ms(r.empty.p99) });
    rows.push({ host, measure: '3-guard chain per evaluation, in a suite (µs)', value: f(r.chainCase) });
    rows.push({ host, measure: 'simple-pattern/50 tools per call, per_call (µs)', value: f(r.perCall) });
    rows.push({ host, measure: 'simple-pattern/50 tools per call, persistent (µs)', value: f(r.persistent) });
  }
  console.log(`edge (wrangler dev / workerd) vs native (guardhouse serve), loopback, N=${N} requests per latency row, ${K}-case suites × ${SUITE_RUNS} per per-call row`);
  console.log(`3-guard chain decision: edge ${results.edge.chain.decision}, native ${results.native.chain.decision}`);
  console.table(rows);
  const out = path.join(ROOT, 'bench-results');
  fs.mkdirSync(out, { recursive: true });
  fs.writeFileSync(path.join(out, 'edge.json'), JSON.stringify({ n: N, k: K, results }, null, 2));
} finally {
  await Promise.all([edge.stop(), native.stop()]);
}
