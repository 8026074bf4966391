// The page's side of its Web Workers: the transpiler's (transpile-worker.js, see
// `transpile` below) and the guards' — compiles core modules, posts loads and calls, and
// enforces each call's wall-clock budget by terminating the guard worker (a running wasm
// loop cannot be interrupted any other way) and starting a fresh one that gets every
// loaded module again.

let worker = null;
let nextReq = 1;
const pending = new Map();
const loads = new Map(); // sha256 -> load message (re-sent after a respawn)
let respawns = 0;
let ready = Promise.resolve();

function spawn() {
  worker = new Worker('./guard-worker.js', { type: 'module', name: 'guards' });
  worker.onmessage = (e) => {
    const m = e.data;
    const p = pending.get(m.req);
    if (!p) return;
    if (m.started) {
      // The budget runs from when the guard starts, as a wasmtime deadline does, not
      // from when the page posted (a busy main thread or a reloading worker is not the
      // guard's time).
      if (p.timeoutMs > 0) {
        clearTimeout(p.timer);
        p.timer = setTimeout(() => expire(m.req), p.timeoutMs);
      }
      return;
    }
    pending.delete(m.req);
    clearTimeout(p.timer);
    p.resolve(m);
  };
  worker.onerror = (e) => {
    e.preventDefault();
    const message = e.message || 'the guard worker failed';
    for (const [req, p] of pending) {
      clearTimeout(p.timer);
      p.resolve({ req, ok: false, error: `guard worker error: ${message}` });
    }
    pending.clear();
    restart();
  };
  for (const msg of loads.values()) worker.postMessage(msg);
  // Calls wait until a new worker has imported every module again, so re-loading does
  // not eat into the first call's timeout.
  ready = loads.size ? send({ type: 'ping' }, 0) : Promise.resolve();
}

function restart() {
  if (worker) worker.terminate();
  respawns += 1;
  spawn();
}

async function post(msg, timeoutMs) {
  if (!worker) spawn();
  await ready;
  return send(msg, timeoutMs);
}

/** Ends call `req` as timed out: the worker is replaced (nothing else stops wasm). */
function expire(req) {
  const p = pending.get(req);
  if (!p) return;
  pending.delete(req);
  restart();
  p.resolve({ req, ok: false, timeout: true });
}

/** Time a call may wait for the worker to start it before it counts as timed out. */
const START_GRACE_MS = 5000;

function send(msg, timeoutMs) {
  const req = nextReq++;
  return new Promise((resolve) => {
    const entry = { resolve, timer: 0, timeoutMs };
    if (timeoutMs > 0) entry.timer = setTimeout(() => expire(req), timeoutMs + START_GRACE_MS);
    pending.set(req, entry);
    worker.postMessage({ ...msg, req });
  });
}

// The transpiler worker (transpile-worker.js) starts when this module is first imported,
// i.e. as the app starts: its wasm is fetched, compiled and warmed up in parallel with
// the app's.
let transpiler = null;
let nextTranspile = 1;
const transpiles = new Map(); // req -> settle(reply)

function startTranspiler() {
  transpiler = new Worker('./transpile-worker.js', { type: 'module', name: 'transpiler' });
  transpiler.onmessage = (e) => {
    const settle = transpiles.get(e.data.req);
    transpiles.delete(e.data.req);
    settle?.(e.data);
    // A trap (a panic) may have broken the module's state: the next call gets a new worker.
    if (e.data.trap) stopTranspiler('the transpiler stopped after a failure; load the guard again');
  };
  transpiler.onerror = (e) => {
    e.preventDefault();
    stopTranspiler(`transpiler worker error: ${e.message || 'it failed to start'}`);
  };
}

/** Ends the worker; calls still waiting for it fail with `error`. */
function stopTranspiler(error) {
  transpiler?.terminate();
  transpiler = null;
  const waiting = [...transpiles.values()];
  transpiles.clear();
  for (const settle of waiting) settle({ ok: false, error });
}

startTranspiler();
// The guard worker starts now too, so its runtime is imported before the first guard
// loads.
spawn();

/** Transpiles component `bytes` (a Uint8Array the call takes over) called `name` in the
 * transpiler worker: resolves to {glue, modules: [[name, Uint8Array], ...]} (metered core
 * modules), rejects with the transpiler's message. */
export function transpile(name, bytes) {
  if (!transpiler) startTranspiler();
  const req = nextTranspile++;
  return new Promise((resolve, reject) => {
    transpiles.set(req, (m) => (m.ok ? resolve(m) : reject(new Error(m.error))));
    transpiler.postMessage({ req, name, bytes }, [bytes.buffer]);
  });
}

/** Compiles core modules: `files` is [[name, Uint8Array], ...]; returns {name: WebAssembly.Module}. */
export async function compileModules(files) {
  const out = {};
  for (const [name, bytes] of files) out[name] = await WebAssembly.compile(bytes);
  return out;
}

/** Sends a transpiled guard to the worker; resolves to {ok, error?}. */
export function loadGuard(sha256, glue, modules, contract) {
  const msg = { type: 'load', sha256, glue, modules, contract };
  // post() spawns the first worker synchronously; record the load after, so that worker
  // does not get it twice.
  const sent = post(msg, 0);
  loads.set(sha256, msg);
  return sent;
}

/** Calls a hook: `call` is core jshost `JsCall::to_js`, which the worker hands to the
 * runtime as it is; the page stops it after `call.timeoutMs`. Resolves to
 * {ok, result?: JSON text, error?, timeout?}. */
export function callGuard(call) {
  return post({ type: 'call', call }, call.timeoutMs);
}

/** Drops every persistent instance (a suite starts from fresh state, as natively). */
export function resetInstances() {
  return post({ type: 'reset' }, 0);
}

/** How many times the worker was replaced after a timeout or crash. */
export function workerRespawns() {
  return respawns;
}

/** Milliseconds since page load, fractional. */
export function now() {
  return performance.now();
}

/** Copies text to the clipboard; resolves to false when the page may not. */
export async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}

/** Offers `text` as a download called `name`. */
export function download(name, text) {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/yaml' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** Fetches a URL as bytes (Uint8Array); rejects with a plain message. */
export async function fetchBytes(url) {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return new Uint8Array(await r.arrayBuffer());
}
