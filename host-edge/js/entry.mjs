// The Worker's entry module: what worker-build's shim does, kept in the repo so the
// build needs no generated JS beyond wasm-bindgen's own output (see scripts/build-edge.sh).
//
// `../build/index.js` is wasm-bindgen's `--target module` output for guardhouse-edge; it
// instantiates the Rust Worker at import time from a statically imported wasm module.
import { WorkerEntrypoint } from "cloudflare:workers";
import * as exports from "../build/index.js";

// The Durable Object class `state: durable_object` guards run in (wrangler.toml binds it).
export { GuardState } from "./state.mjs";

const initState = exports.__worker_init_state();

// A Rust panic or a wasm trap in the Worker itself (not in a guard: guards run in their
// own instances) leaves the Rust heap in an unknown state; like worker-build's shim, the
// next request resets the wasm-bindgen instance first.
function checkReinitialize() {
  if (initState.criticalError) {
    console.log("guardhouse: reinitializing the Worker's wasm instance");
    exports.__wbg_reset_state();
    initState.criticalError = false;
    initState.instanceId++;
  }
}

function handleMaybeCritical(e) {
  if (e instanceof WebAssembly.RuntimeError) {
    console.error("Critical", e);
    initState.criticalError = true;
  }
}

addEventListener("error", (e) => handleMaybeCritical(e.error));

export default class Entrypoint extends WorkerEntrypoint {
  async fetch(request) {
    checkReinitialize();
    try {
      return await exports.fetch(request, this.env, this.ctx);
    } catch (e) {
      handleMaybeCritical(e);
      throw e;
    }
  }
}
