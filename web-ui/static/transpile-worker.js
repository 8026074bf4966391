// The page's transpiler: guardhouse-transpile compiled to its own wasm module
// (web-ui/transpiler → transpile.js + transpile_bg.wasm), run in a module Web Worker that
// the page starts while its app module loads. V8 compiles a wasm function when it is
// first called, and the transpiler's first use compiles a lot of them (~300 ms on a
// 2-core machine): the worker pays that at start by transpiling a small guard once
// (transpile-warmup.wasm, result dropped), on its own thread, while the page starts.
// A guard that arrives meanwhile waits for the warm-up, then transpiles on warm code.
// Messages: {req, name, bytes} → {req, ok, glue?, modules?: [[name, Uint8Array]], error?, trap?}.
import init, { transpile } from './transpile.js';

async function start() {
  await init({ module_or_path: './transpile_bg.wasm' });
  let r;
  try {
    r = await fetch('./transpile-warmup.wasm');
  } catch {
    // The warm-up only saves time later; a page without it still works.
    return;
  }
  // A warm-up that fails is the transpiler's failure: `ready` rejects, and the page
  // starts a new worker for its next guard.
  if (r.ok) transpile('warm-up', new Uint8Array(await r.arrayBuffer()));
}

const ready = start();
ready.catch(() => {});

const message = (e) => (typeof e === 'string' ? e : String(e?.message ?? e));

self.onmessage = async (e) => {
  const { req, name, bytes } = e.data;
  try {
    await ready;
  } catch (err) {
    postMessage({ req, ok: false, error: `the transpiler did not start: ${message(err)}`, trap: true });
    return;
  }
  try {
    const out = transpile(name, bytes);
    postMessage({ req, ok: true, glue: out.glue, modules: out.modules },
      out.modules.map(([, b]) => b.buffer));
  } catch (err) {
    // The transpiler's own refusals arrive as strings; anything else (a Rust panic's
    // trap, a JS stack overflow, a failed allocation) cut a wasm call short and may have
    // left the module's state broken: the page then starts a new worker.
    postMessage({ req, ok: false, error: message(err), trap: typeof err !== 'string' });
  }
};
