// Child processes for the Node tests: free ports on 127.0.0.1, servers started in their
// own process group and waited for, and killed (group and all) when a test ends or the
// test process exits, even when a test file is cancelled.

import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Ports this process has handed out: servers started side by side never share one. */
const handedOut = new Set();

function unusedPort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** A free TCP port on 127.0.0.1, never one this process handed out before. */
export async function freePort() {
  for (;;) {
    const port = await unusedPort();
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
}

/**
 * Runs `start` (which takes its ports from freePort) again, up to `attempts` times, when
 * the server it starts reports its port already in use: a port is free when freePort
 * probes it, but another process (e.g. workerd's own sockets, or an outgoing
 * connection's ephemeral port) may bind it before the server does.
 */
export async function retryOnPortClash(start, attempts = 3) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (e) {
      if (attempt >= attempts || !/Address already in use/.test(String(e?.message ?? e))) throw e;
    }
  }
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

/** Writes a timestamped progress line on stderr; the test runner shows it even when a file times out. */
export function progress(message) {
  process.stderr.write(`[${new Date().toISOString().slice(11, 23)}] ${message}\n`);
}

/** Settles like `promise`, or resolves to `fallback` after `ms`: nothing here waits unbounded. */
export function within(promise, ms, fallback) {
  let timer;
  const limit = new Promise((resolve) => (timer = setTimeout(() => resolve(fallback), ms)));
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
}

/**
 * One GET of `base`/health, bounded to 2 s: {ok, json, detail}, where `detail` says what
 * answered (status and the start of the body, or the error) for a start that fails.
 */
export async function probeHealth(base) {
  try {
    const res = await fetch(`${base}/health`, { signal: AbortSignal.timeout(2000) });
    const text = await res.text(); // read whole, so no socket stays held by an unread body
    if (!res.ok) return { ok: false, detail: `HTTP ${res.status}: ${text.slice(0, 300)}` };
    return { ok: true, json: JSON.parse(text), detail: `HTTP ${res.status}` };
  } catch (e) {
    return { ok: false, detail: `${e.name}: ${e.message}${e.cause ? ` (${e.cause.code ?? e.cause.message})` : ''}` };
  }
}

/** `base`/health's JSON when it answers 2xx within 2 s, else null. */
export async function healthy(base) {
  const probe = await probeHealth(base);
  return probe.ok ? probe.json : null;
}

/** How long `stop` waits after SIGTERM, then after SIGKILL, before it gives up on a child. */
const TERM_GRACE_MS = 3000;
const KILL_GRACE_MS = 5000;
/** A start that takes this long reports progress on stderr every so often. */
const PROGRESS_EVERY_MS = 15_000;

/**
 * Spawns `cmd` in its own process group. `ready(log)` is polled every 250 ms (each poll
 * bounded to 5 s) until it returns something truthy (that value resolves `started`); the
 * start fails when the process exits or cannot be spawned, `fatal` matches its output,
 * or `timeoutMs` passes. `status()`, when given, describes the last poll for progress
 * lines and the failure message. `stop` never waits unbounded, even for a child that
 * ignores SIGKILL. Returns {started, stop, log}.
 */
export function launch(cmd, args, options, { ready, fatal, timeoutMs, name = path.basename(cmd), status }) {
  const began = Date.now();
  const elapsed = () => `${((Date.now() - began) / 1000).toFixed(1)} s`;
  const child = spawn(cmd, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  children.add(child);
  let log = '';
  let spawnError = null;
  child.stdout.on('data', (chunk) => (log += chunk));
  child.stderr.on('data', (chunk) => (log += chunk));
  const exited = new Promise((resolve) => {
    child.once('exit', resolve);
    child.once('error', (e) => {
      spawnError = e;
      resolve();
    });
  });
  const running = () => spawnError === null && child.exitCode === null && child.signalCode === null;
  progress(`${name}: spawned (pid ${child.pid ?? 'none'})`);
  const stop = async () => {
    if (running()) {
      killGroup(child, 'SIGTERM');
      if ((await within(exited, TERM_GRACE_MS, 'late')) === 'late') {
        killGroup(child, 'SIGKILL');
        if ((await within(exited, KILL_GRACE_MS, 'late')) === 'late') {
          progress(`${name}: pid ${child.pid} outlived SIGKILL by ${KILL_GRACE_MS} ms; leaving it`);
        }
      }
    }
    killGroup(child, 'SIGKILL'); // grandchildren that outlived their parent
    // Let go of the pipes: a grandchild that still holds them must not keep this process alive.
    child.stdout.destroy();
    child.stderr.destroy();
    child.unref();
    children.delete(child);
  };
  const started = (async () => {
    const deadline = began + timeoutMs;
    let nextProgress = began + PROGRESS_EVERY_MS;
    let why = `no answer within ${timeoutMs} ms`;
    while (Date.now() < deadline) {
      if (spawnError) {
        why = `cannot spawn: ${spawnError.message}`;
        break;
      }
      if (!running()) {
        why = `exited (code ${child.exitCode}, signal ${child.signalCode})`;
        break;
      }
      if (fatal?.test(log)) {
        why = `its output matches ${fatal}`;
        break;
      }
      const result = await within(Promise.resolve(ready(log)), 5000, null);
      if (result) {
        progress(`${name}: ready after ${elapsed()}`);
        return result;
      }
      if (Date.now() >= nextProgress) {
        progress(`${name}: not ready after ${elapsed()}${status ? ` (last poll: ${status()})` : ''}`);
        nextProgress += PROGRESS_EVERY_MS;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    const last = status ? `; last poll: ${status()}` : '';
    progress(`${name}: failed to start after ${elapsed()}: ${why}${last}`);
    await stop();
    throw new Error(`${cmd} ${args.join(' ')} did not start: ${why}${last}\n${log}`);
  })();
  return { started, stop, log: () => log };
}
