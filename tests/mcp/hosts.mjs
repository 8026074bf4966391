// Starts a guardhouse MCP proxy in front of an upstream URL, on the host named by
// GUARDHOUSE_MCP_HOST: `native` (default; target/release/guardhouse serve --upstream) or
// `edge` (the Worker under `wrangler dev`, UPSTREAM and SERVER_NAME passed as vars).
// Resolves to {name, url (the proxy's MCP endpoint), base, stop}.

import path from 'node:path';

import { ROOT, freePort, healthy, launch as spawnGroup, retryOnPortClash } from '../support/process.mjs';

export { ROOT, freePort };

/** Gateways a proxy can run: the YAML native serves, the edge registry's name for it. */
const GATEWAYS = {
  default: path.join(ROOT, 'guards/gateway.yaml'),
  filter: path.join(ROOT, 'tests/mcp/filter-gateway.yaml'),
  audit: path.join(ROOT, 'tests/mcp/audit-gateway.yaml'),
  none: path.join(ROOT, 'tests/mcp/none-gateway.yaml'),
};
const START_TIMEOUT_MS = Number(process.env.GUARDHOUSE_MCP_START_TIMEOUT_MS ?? 90_000);

function launch(name, cmd, args, options, ready, fatal) {
  return spawnGroup(cmd, args, options, { name, ready, fatal, timeoutMs: START_TIMEOUT_MS });
}

async function startNative(upstream, serverName, gateway) {
  const bin = path.join(ROOT, 'target/release/guardhouse');
  const args = ['serve', '-c', GATEWAYS[gateway], '--listen', '127.0.0.1:0', '--no-reload',
    '--upstream', upstream, '--server-name', serverName];
  const p = launch('native proxy', bin, args, { cwd: ROOT }, (log) => log.match(/guardhouse serving on (http:\/\/[^\s]+)/));
  const [, base] = await p.started;
  return { name: 'native', base, url: `${base}/mcp`, stop: p.stop };
}

function startEdge(upstream, serverName, gateway) {
  return retryOnPortClash(() => startEdgeOnce(upstream, serverName, gateway));
}

async function startEdgeOnce(upstream, serverName, gateway) {
  const port = await freePort();
  const inspector = await freePort();
  const args = ['wrangler', 'dev', '--ip', '127.0.0.1', '--port', String(port),
    '--inspector-port', String(inspector),
    '--var', `UPSTREAM:${upstream}`, '--var', `SERVER_NAME:${serverName}`, '--var', `GATEWAY:${gateway}`,
    '--show-interactive-dev-session=false', '--log-level', 'info'];
  const base = `http://127.0.0.1:${port}`;
  const p = launch('edge proxy', 'npx', args, { cwd: path.join(ROOT, 'host-edge'), env: { ...process.env, CI: '1' } },
    () => healthy(base), /Build failed|Address already in use/);
  await p.started;
  return { name: 'edge', base, url: `${base}/mcp`, stop: p.stop };
}

/** Starts the proxy for `upstream` on the host GUARDHOUSE_MCP_HOST names, running `gateway`. */
export function startProxy(upstream, serverName, gateway = 'default') {
  if (!GATEWAYS[gateway]) throw new Error(`no gateway ${gateway} (have: ${Object.keys(GATEWAYS)})`);
  const host = process.env.GUARDHOUSE_MCP_HOST ?? 'native';
  if (host === 'native') return startNative(upstream, serverName, gateway);
  if (host === 'edge') return startEdge(upstream, serverName, gateway);
  throw new Error(`GUARDHOUSE_MCP_HOST=${host}: expected native or edge`);
}
