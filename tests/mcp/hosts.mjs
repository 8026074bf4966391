// Starts a guardhouse MCP proxy in front of an upstream URL, on the host named by
// GUARDHOUSE_MCP_HOST: `native` (default; target/release/guardhouse serve --upstream) or
// `edge` (the Worker under `wrangler dev`, UPSTREAM and SERVER_NAME passed as vars).
// Resolves to {name, url (the proxy's MCP endpoint), base, stop}.

import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const GATEWAY = process.env.GUARDHOUSE_MCP_GATEWAY ?? path.join(ROOT, 'guards/gateway.yaml');
const START_TIMEOUT_MS = Number(process.env.GUARDHOUSE_MCP_START_TIMEOUT_MS ?? 90_000);

/** A free TCP port on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

const children = new Set();

function killGroup(child, signal) {
  try {
    process.kill(-child.pid, signal); // the whole group: npx → wrangler → workerd
  } catch {}
}

// A test file that is cancelled (timeout, Ctrl-C) must not leave proxies behind.
process.once('exit', () => children.forEach((c) => killGroup(c, 'SIGKILL')));
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => process.exit(130));
}

/** Spawns `cmd` in its own process group; `ready(log)` resolves the start when truthy. */
function launch(cmd, args, options, ready, fatal) {
  const child = spawn(cmd, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  children.add(child);
  let log = '';
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      killGroup(child, 'SIGTERM');
      const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    }
    killGroup(child, 'SIGKILL'); // grandchildren that outlived their parent
    children.delete(child);
  };
  child.stdout.on('data', (chunk) => (log += chunk));
  child.stderr.on('data', (chunk) => (log += chunk));
  const started = (async () => {
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null) break;
      if (fatal?.test(log)) break;
      const result = await ready(log);
      if (result) return result;
      await new Promise((r) => setTimeout(r, 250));
    }
    await stop();
    throw new Error(`${cmd} ${args.join(' ')} did not start (limit ${START_TIMEOUT_MS} ms):\n${log}`);
  })();
  return { started, stop };
}

async function healthy(base) {
  try {
    const res = await fetch(`${base}/health`, { signal: AbortSignal.timeout(2000) });
    return res.ok;
  } catch {
    return false;
  }
}

async function startNative(upstream, serverName) {
  const bin = path.join(ROOT, 'target/release/guardhouse');
  const args = ['serve', '-c', GATEWAY, '--listen', '127.0.0.1:0', '--no-reload',
    '--upstream', upstream, '--server-name', serverName];
  const p = launch(bin, args, { cwd: ROOT }, (log) => log.match(/guardhouse serving on (http:\/\/[^\s]+)/));
  const [, base] = await p.started;
  return { name: 'native', base, url: `${base}/mcp`, stop: p.stop };
}

async function startEdge(upstream, serverName) {
  const port = await freePort();
  const inspector = await freePort();
  const args = ['wrangler', 'dev', '--ip', '127.0.0.1', '--port', String(port),
    '--inspector-port', String(inspector),
    '--var', `UPSTREAM:${upstream}`, '--var', `SERVER_NAME:${serverName}`,
    '--show-interactive-dev-session=false', '--log-level', 'info'];
  const base = `http://127.0.0.1:${port}`;
  const p = launch('npx', args, { cwd: path.join(ROOT, 'host-edge'), env: { ...process.env, CI: '1' } },
    () => healthy(base), /Build failed|Address already in use/);
  await p.started;
  return { name: 'edge', base, url: `${base}/mcp`, stop: p.stop };
}

/** Starts the proxy for `upstream` on the host GUARDHOUSE_MCP_HOST names. */
export function startProxy(upstream, serverName) {
  const host = process.env.GUARDHOUSE_MCP_HOST ?? 'native';
  if (host === 'native') return startNative(upstream, serverName);
  if (host === 'edge') return startEdge(upstream, serverName);
  throw new Error(`GUARDHOUSE_MCP_HOST=${host}: expected native or edge`);
}
