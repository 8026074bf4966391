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
const START_TIMEOUT_MS = Number(process.env.GUARDHOUSE_MCP_START_TIMEOUT_MS ?? 120_000);

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

/** Spawns `cmd`, resolves with the first stdout/stderr match of `ready`. */
function launch(cmd, args, options, ready) {
  const child = spawn(cmd, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let log = '';
  const stop = () =>
    new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', resolve);
      try {
        process.kill(-child.pid, 'SIGTERM'); // the whole group: npx → wrangler → workerd
      } catch {
        resolve();
      }
      setTimeout(() => {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {}
      }, 3000).unref();
    });
  const started = new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`${cmd} did not start within ${START_TIMEOUT_MS} ms:\n${log}`));
    }, START_TIMEOUT_MS);
    const onData = (chunk) => {
      log += chunk;
      const m = log.match(ready);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${cmd} exited with ${code}:\n${log}`));
    });
  });
  return { started, stop, log: () => log };
}

async function startNative(upstream, serverName) {
  const bin = path.join(ROOT, 'target/release/guardhouse');
  const args = ['serve', '-c', GATEWAY, '--listen', '127.0.0.1:0', '--no-reload',
    '--upstream', upstream, '--server-name', serverName];
  const p = launch(bin, args, { cwd: ROOT }, /guardhouse serving on (http:\/\/[^\s]+)/);
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
  const p = launch('npx', args, { cwd: path.join(ROOT, 'host-edge'), env: { ...process.env, CI: '1' } },
    /Ready on (http:\/\/[^\s]+)/);
  await p.started;
  const base = `http://127.0.0.1:${port}`;
  return { name: 'edge', base, url: `${base}/mcp`, stop: p.stop };
}

/** Starts the proxy for `upstream` on the host GUARDHOUSE_MCP_HOST names. */
export function startProxy(upstream, serverName) {
  const host = process.env.GUARDHOUSE_MCP_HOST ?? 'native';
  if (host === 'native') return startNative(upstream, serverName);
  if (host === 'edge') return startEdge(upstream, serverName);
  throw new Error(`GUARDHOUSE_MCP_HOST=${host}: expected native or edge`);
}
