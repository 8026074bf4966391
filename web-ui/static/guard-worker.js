// The dedicated Web Worker that runs guards: core/js/guard-runtime.mjs (the one JS
// runtime, shared with the edge) behind a small message protocol. The page may
// terminate this worker at any time (a call ran past its timeout); it then starts a new
// one and sends every module again, so nothing here needs to survive.
import { GuardModule, GuardInstance } from './guard-runtime.mjs';

const modules = new Map(); // sha256 -> GuardModule
const instances = new Map(); // `${guard}\u0000${sha256}\u0000${mode}` -> GuardInstance

async function load(m) {
  const url = URL.createObjectURL(new Blob([m.glue], { type: 'text/javascript' }));
  try {
    const glue = await import(url);
    modules.set(m.sha256, new GuardModule(m.sha256, glue, m.modules, m.contract));
  } finally {
    URL.revokeObjectURL(url);
  }
  for (const key of [...instances.keys()]) {
    if (key.includes(`\u0000${m.sha256}\u0000`)) instances.delete(key);
  }
  return {};
}

function call(m) {
  // Tells the page to start the call's clock now.
  self.postMessage({ req: m.req, started: true });
  const module = modules.get(m.sha256);
  if (!module) throw new Error(`module ${m.sha256.slice(0, 12)} is not loaded`);
  const key = `${m.guard}\u0000${m.sha256}\u0000${m.mode}`;
  let inst = instances.get(key);
  if (!inst) {
    inst = new GuardInstance(module, m.mode);
    instances.set(key, inst);
  }
  return { result: inst.call(m.hook, m.args, m.settings, m.limits) };
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
      instances.clear();
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
