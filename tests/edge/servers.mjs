// Starts the two hosts the edge tests compare, on 127.0.0.1 with free ports:
// the Worker under `wrangler dev` (workerd from the npm package) and native
// `target/release/guardhouse serve`. Both need scripts/build-edge.sh to have run (the
// tests set GUARDHOUSE_EDGE_PREBUILT=1 so wrangler's [build] step does nothing).
// Every server runs in its own process group and is killed when the test process exits.

import fs from 'node:fs';
import path from 'node:path';

import { ROOT, freePort, launch as spawnGroup, probeHealth, retryOnPortClash } from '../support/process.mjs';

export { ROOT, freePort };

/** How long a server may take to answer /health (native compiles the 30 MB guest corpus first: ~25 s here, cold). */
export const START_TIMEOUT_MS = Number(process.env.GUARDHOUSE_EDGE_START_TIMEOUT_MS ?? 240_000);
/** Every request the tests send is aborted after this long: a hang fails, it never waits. */
export const REQUEST_TIMEOUT_MS = 30_000;

/** The gateway YAML each registry gateway was built from (scripts/build-edge.sh). */
export const GATEWAYS = {
  default: path.join(ROOT, 'guards/gateway.yaml'),
  hostile: path.join(ROOT, 'tests/configs/hostile.yaml'),
  features: path.join(ROOT, 'tests/configs/features.yaml'),
  bench: path.join(ROOT, 'tests/edge/bench-gateway.yaml'),
  guests: path.join(ROOT, 'guards/gateway-guests.yaml'),
  state: path.join(ROOT, 'tests/edge/state-gateway.yaml'),
};

/** The example suites (guards/suites) written for `gatewayFile` (their `gateway:` line). */
export function suitesFor(gatewayFile) {
  const dir = path.join(ROOT, 'guards/suites');
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .filter((f) => {
      const named = fs.readFileSync(path.join(dir, f), 'utf8').match(/^gateway:\s*(\S+)\s*$/m)?.[1];
      return named !== undefined && path.resolve(dir, named) === gatewayFile;
    });
}

/** Environment for wrangler: no telemetry, no Request.cf download, no rebuild. */
export const WRANGLER_ENV = {
  ...process.env,
  CI: '1',
  WRANGLER_SEND_METRICS: 'false',
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
  GUARDHOUSE_EDGE_PREBUILT: '1',
};

/**
 * Spawns a server and waits until `base`/health answers (`accept(probe)`: by default a
 * 2xx); resolves to {name, base, health, stop, log}.
 */
export async function launchServer(name, cmd, args, options, base, accept = (probe) => probe.ok) {
  let last = 'not polled yet';
  const p = spawnGroup(cmd, args, options, {
    name,
    ready: async () => {
      const probe = await probeHealth(base);
      last = probe.detail;
      return accept(probe) ? (probe.json ?? probe.detail) : null;
    },
    status: () => last,
    fatal: /Build failed|Address already in use/,
    timeoutMs: START_TIMEOUT_MS,
  });
  const health = await p.started;
  return { name, base, health, stop: p.stop, log: p.log };
}

/**
 * The Worker under `wrangler dev`, serving registry gateway `gateway`; `vars` (name →
 * value) go in as `--var`s. `config` is another wrangler config file (default:
 * host-edge/wrangler.toml), `env` adds to the environment (e.g. WRANGLER_REGISTRY_PATH),
 * `accept` says which /health probe means started (default: a 2xx), and `logLevel` is
 * wrangler's (at `log` and below it prints the Worker's console.log lines).
 */
export function startEdge(gateway = 'default', vars = {}, options = {}) {
  return retryOnPortClash(() => startEdgeOnce(gateway, vars, options));
}

async function startEdgeOnce(gateway, vars, { config, env = {}, name, accept, logLevel = 'warn' }) {
  const port = await freePort();
  const inspector = await freePort();
  const extra = Object.entries(vars).flatMap(([k, v]) => ['--var', `${k}:${v}`]);
  const args = ['dev', ...(config ? ['-c', config] : []), '--ip', '127.0.0.1', '--port', String(port),
    '--inspector-port', String(inspector), '--var', `GATEWAY:${gateway}`, ...extra,
    '--show-interactive-dev-session=false', '--log-level', logLevel];
  const wrangler = path.join(ROOT, 'node_modules/.bin/wrangler');
  const options = { cwd: path.join(ROOT, 'host-edge'), env: { ...WRANGLER_ENV, ...env } };
  return launchServer(name ?? `edge (${gateway})`, wrangler, args, options, `http://127.0.0.1:${port}`, accept);
}

/**
 * Native `guardhouse serve` on the YAML registry gateway `gateway` was built from;
 * `args` are more serve options, `env` adds to the environment (e.g. RUST_LOG).
 */
export function startNative(gateway = 'default', options = {}) {
  return retryOnPortClash(() => startNativeOnce(gateway, options));
}

async function startNativeOnce(gateway, { args: extra = [], env = {} }) {
  const port = await freePort();
  const bin = path.join(ROOT, 'target/release/guardhouse');
  const args = ['serve', '-c', GATEWAYS[gateway], '--listen', `127.0.0.1:${port}`, '--no-reload', ...extra];
  const options = { cwd: ROOT, env: { ...process.env, ...env } };
  return launchServer(`native (${gateway})`, bin, args, options, `http://127.0.0.1:${port}`);
}

/** Limit for a before/after hook that starts or stops both hosts: a hang fails with a reason. */
export const HOOK_TIMEOUT_MS = START_TIMEOUT_MS + 30_000;

/**
 * Starts the Worker and native serve for registry gateway `gateway`, side by side;
 * resolves to {edge, native}. Both are started even if one fails, and a failure stops
 * the one that did start before it is thrown.
 */
export async function startBoth(gateway) {
  const started = await Promise.allSettled([startEdge(gateway), startNative(gateway)]);
  const [edge, native] = started.map((s) => s.value);
  const failed = started.find((s) => s.status === 'rejected');
  if (failed) {
    await stopAll(edge, native);
    throw failed.reason;
  }
  return { edge, native };
}

/** Stops every server given (undefined ones are skipped). */
export async function stopAll(...servers) {
  await Promise.all(servers.map((s) => s?.stop()));
}

/** POSTs `body` (text) to `base + route`; resolves to {status, json}. Bounded in time. */
export async function post(base, route, body) {
  const res = await fetch(`${base}${route}`, {
    method: 'POST',
    body,
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  return { status: res.status, json: await res.json() };
}

/** GETs `base + route` as JSON. Bounded in time. */
export async function get(base, route) {
  const res = await fetch(`${base}${route}`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  return { status: res.status, json: await res.json() };
}
