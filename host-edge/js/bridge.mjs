// The Worker's bridge to the guards: the generated registry (transpiled guards whose
// core modules are static wasm imports, compiled by wrangler at bundle time) and the one
// JS runtime shared with the web page. Rust reaches it through host-edge/src/js.rs.
import * as registry from "../generated/registry.mjs";
import { GuardModule, GuardPool } from "../../core/js/guard-runtime.mjs";

/**
 * The registry format this Worker reads (`guardhouse_transpile::registry::REGISTRY_FORMAT`;
 * `guardhouse edge build` reads this line to refuse a Worker built for another format).
 */
export const REGISTRY_FORMAT = 1;

// A namespace import: a registry from before the format stamp has no `format`, and a
// named import of it would fail the bundle with a message about exports, not formats.
const { modules, gateways } = registry;

// sha256 → GuardModule: prepared once per isolate, shared by every instance of it.
const prepared = new Map();

function moduleEntry(sha256) {
  const m = modules[sha256];
  if (!m) throw new Error(`module ${sha256} is not in the registry (hint: rebuild with scripts/build-edge.sh)`);
  return m;
}

/** Gateway `name` as JSON: {yaml, path, guards: {id: sha256}}. */
export function gatewayJson(name) {
  if (registry.format !== REGISTRY_FORMAT) {
    throw new Error(`the guard registry has format ${registry.format ?? "(none)"}, this Worker reads format ${REGISTRY_FORMAT} (hint: build the registry and the Worker from the same guardhouse: guardhouse edge build, or scripts/build-edge.sh)`);
  }
  const g = gateways[name];
  if (!g) {
    const have = Object.keys(gateways).join(", ");
    throw new Error(`no gateway "${name}" in the registry (have: ${have}; hint: set GATEWAY in wrangler.toml or --var GATEWAY:NAME)`);
  }
  return JSON.stringify(g);
}

/** Module `sha256` as JSON: {sha256, contract, wasi, info}. */
export function moduleJson(sha256) {
  const m = moduleEntry(sha256);
  return JSON.stringify({ sha256: m.sha256, contract: m.contract, wasi: m.wasi, info: m.info });
}

/** The module of `sha256`, prepared on first use. */
function moduleOf(sha256) {
  let module = prepared.get(sha256);
  if (!module) {
    const m = moduleEntry(sha256);
    module = new GuardModule(sha256, m.glue, m.coreModules, m.contract);
    prepared.set(sha256, module);
  }
  return module;
}

/** A new, empty instance table (the runtime's GuardPool) over the registry's modules. */
export function newPool() {
  return new GuardPool(moduleOf);
}

/**
 * Carries one guard call (core jshost `JsCall::to_js`, a plain object that RPC
 * structured-clones) to the `GuardState` Durable Object named `name` in namespace `ns`
 * (the Worker's GUARDHOUSE_STATE binding); resolves to the runtime's result JSON,
 * rejects when the object cannot be reached or throws.
 */
export async function callDurable(ns, name, call) {
  const stub = ns.get(ns.idFromName(name));
  return await stub.callGuard(call);
}
