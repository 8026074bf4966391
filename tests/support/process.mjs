// Child processes for the Node tests: free ports on 127.0.0.1, servers started in their
// own process group and waited for, and killed (group and all) when a test ends or the
// test process exits, even when a test file is cancelled.

import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

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
    process.kill(-child.pid, signal); // the whole group, e.g. npx → wrangler → workerd
  } catch {}
}

process.once('exit', () => children.forEach((c) => killGroup(c, 'SIGKILL')));
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => process.exit(130));
}

/** `base`/health's JSON when it answers 2xx within 2 s, else null. */
export async function healthy(base) {
  try {
    const res = await fetch(`${base}/health`, { signal: AbortSignal.timeout(2000) });
    return res.ok ? await res.json() : null;
  } catch {
    return null;
  }
}

/**
 * Spawns `cmd` in its own process group. `ready(log)` is polled every 250 ms until it
 * returns something truthy (that value resolves `started`); the start fails when the
 * process exits, `fatal` matches its output, or `timeoutMs` passes.
 * Returns {started, stop, log}.
 */
export function launch(cmd, args, options, { ready, fatal, timeoutMs }) {
  const child = spawn(cmd, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  children.add(child);
  let log = '';
  child.stdout.on('data', (chunk) => (log += chunk));
  child.stderr.on('data', (chunk) => (log += chunk));
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
  const started = (async () => {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null) break;
      if (fatal?.test(log)) break;
      const result = await ready(log);
      if (result) return result;
      await new Promise((r) => setTimeout(r, 250));
    }
    await stop();
    throw new Error(`${cmd} ${args.join(' ')} did not start (limit ${timeoutMs} ms):\n${log}`);
  })();
  return { started, stop, log: () => log };
}
