// The Worker's bridge to the guards: the generated registry (transpiled guards whose
// core modules are static wasm imports, compiled by wrangler at bundle time) and the one
// JS runtime shared with the web page. Rust reaches it through host-edge/src/js.rs.
import { modules, gateways } from "../generated/registry.mjs";
import { GuardModule, GuardInstance } from "../../core/js/guard-runtime.mjs";

// sha256 → GuardModule: prepared once per isolate, shared by every instance of it.
const prepared = new Map();

function moduleEntry(sha256) {
  const m = modules[sha256];
  if (!m) throw new Error(`module ${sha256} is not in the registry (hint: rebuild with scripts/build-edge.sh)`);
  return m;
}

/** Gateway `name` as JSON: {yaml, path, guards: {id: sha256}}. */
export function gatewayJson(name) {
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

// The guards of one chain run get the same argument text (Rust serializes it once per
// payload): parse it once. Settings and limits texts repeat per guard: parse each once.
// The runtime only reads these values (jco copies them into guest memory).
let lastArgs = { text: null, value: null };
const parsedTexts = new Map();
const MAX_PARSED_TEXTS = 256;

function parseArgs(text) {
  if (text !== lastArgs.text) lastArgs = { text, value: JSON.parse(text) };
  return lastArgs.value;
}

function parseSmall(text) {
  let value = parsedTexts.get(text);
  if (value === undefined) {
    if (parsedTexts.size >= MAX_PARSED_TEXTS) parsedTexts.clear();
    value = JSON.parse(text);
    parsedTexts.set(text, value);
  }
  return value;
}

/** What Rust calls: the runtime's GuardInstance with parsed-once inputs. */
class EdgeInstance {
  constructor(instance) {
    this.instance = instance;
  }

  call(hook, argsJson, settingsJson, limitsJson) {
    let args, settings, limits;
    try {
      args = parseArgs(argsJson);
      settings = parseSmall(settingsJson);
      limits = parseSmall(limitsJson);
    } catch {
      // Let the runtime report malformed input the way it always does.
      return this.instance.call(hook, argsJson, settingsJson, limitsJson);
    }
    return this.instance.call(hook, args, settings, limits);
  }
}

/** A runtime instance of module `sha256` for guard `guardId`, in `mode`. */
export function newInstance(guardId, sha256, mode) {
  let module = prepared.get(sha256);
  if (!module) {
    const m = moduleEntry(sha256);
    module = new GuardModule(sha256, m.glue, m.coreModules, m.contract);
    prepared.set(sha256, module);
  }
  return new EdgeInstance(new GuardInstance(module, mode));
}
