// The dedicated Web Worker that runs guards: core/js/guard-runtime.mjs (the one JS
// runtime, shared with the edge) behind a small message protocol. The page may
// terminate this worker at any time (a call ran past its timeout); it then starts a new
// one and sends every module again, so nothing here needs to survive.
import { GuardModule, GuardPool } from './guard-runtime.mjs';

const modules = new Map(); // sha256 -> GuardModule
const pool = new GuardPool((sha256) => {
  const module = modules.get(sha256);
  if (!module) throw new Error(`module ${sha256.slice(0, 12)} is not loaded`);
  return module;
});

async function load(m) {
  const url = URL.createObjectURL(new Blob([m.glue], { type: 'text/javascript' }));
  try {
    const glue = await import(url);
    modules.set(m.sha256, new GuardModule(m.sha256, glue, m.modules, m.contract));
  } finally {
    URL.revokeObjectURL(url);
  }
  pool.forgetModule(m.sha256);
  return {};
}

function call(m) {
  // Tells the page to start the call's clock now.
  self.postMessage({ req: m.req, started: true });
  return { result: pool.call(m.call) };
}

async function handle(m) {
  switch (m.type) {
    case 'load':
      return load(m);
    case 'call':
      return call(m);
    case 'ping':
      return {};
    case 'reset':
      pool.reset();
      return {};
    default:
      throw new Error(`unknown message type ${m.type}`);
  }
}

// Loads import their glue asynchronously; a queue keeps every message in order.
let queue = Promise.resolve();
self.onmessage = (e) => {
  const m = e.data;
  queue = queue.then(async () => {
    try {
      const out = await handle(m);
      if (m.req) self.postMessage({ req: m.req, ok: true, ...out });
    } catch (err) {
      if (m.req) self.postMessage({ req: m.req, ok: false, error: String(err && err.message || err) });
    }
  });
};
