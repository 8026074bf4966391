// guardhouse's one JS guard runtime, shared by the edge Worker (workerd) and the web page
// (a browser Web Worker). Plain ES module, no Node-only APIs.
//
// It runs a guard transpiled by guardhouse-transpile (jco's js-component-bindgen 1.14 in
// sync instantiation mode, core modules instrumented by `meter`): host imports
// (log/get-time/get-config), sealed WASI, fuel and memory limits through the exported
// `__gh_*` globals, per_call isolation by snapshot restore, and error classification.
// What a call result *means* is decided in Rust (core/src/jshost.rs `outcome_from_js`).
//
// Call result JSON (the text `GuardPool.call` / `GuardInstance.call` returns):
//   { status: "ok" | "guest_error" | "trap" | "fuel_exhausted" | "memory_limit"
//             | "stack_overflow" | "not_exported" | "host_error" | "bad_input",
//     value?: decision {kind, value?} for evaluate-* hooks, or the raw return value,
//     message?: string (guest_error: the guest's Err text; trap/host_error/bad_input:
//               the cause, as the engine or a throw put it),
//     wanted_bytes?: number (memory_limit: the size the refused growth asked for),
//     logs: [[level, message], ...], logs_dropped: {lines, bytes},
//     fuel_used: number, timings_us: {instantiate, call} }
//
// Numbers in, numbers out: limits (fuel, memory, log bounds) come from core with each
// call, and core words every failure.

import { WasiOutput, sealedWasi } from './wasi-shim.mjs';

/** The guard interface's export name in jco's output. */
export const GUARD_EXPORT = 'mcp:security-guard/guard@0.1.0';
/** The host interface's import specifier in jco's output. */
export const HOST_IMPORT = 'mcp:security-guard/host';
/** `__gh_trap` values (core/transpile/src/meter.rs). */
export const TRAP_FUEL = 1;
export const TRAP_MEMORY = 2;
const PAGE = 65536;

// Decided once: the test of `performance` is not paid on every call.
const now = typeof performance !== 'undefined' ? () => performance.now() : () => Date.now();

function utf8Length(s) {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/** 'evaluate-tools-list' → 'evaluateToolsList' (jco's export naming). */
export function hookFunctionName(hook) {
  return hook.replace(/-([a-z])/g, (_, c) => c.toUpperCase());
}

// Hooks are a handful of WIT names: each is converted once, not with a regex per call.
const functionNames = new Map();
function cachedFunctionName(hook) {
  let name = functionNames.get(hook);
  if (name === undefined) {
    name = hookFunctionName(hook);
    if (functionNames.size < 64) functionNames.set(hook, name);
  }
  return name;
}

// get-config's answers as a Map, made once per settings object: GuardPool hands the same
// parsed object for the same settings text (parseSmall), and the Map is only read.
const settingsMaps = new WeakMap();
function settingsMap(settings) {
  if (settings === null || typeof settings !== 'object') return new Map(Object.entries(settings ?? {}));
  let map = settingsMaps.get(settings);
  if (map === undefined) {
    map = new Map(Object.entries(settings));
    settingsMaps.set(settings, map);
  }
  return map;
}

/** A transpiled guard: its glue and compiled core modules, shared by its instances. */
export class GuardModule {
  /**
   * @param {string} id guard id (logs are prefixed `WASM[id]` by core)
   * @param {{instantiate: Function}} glue the glue's ES module namespace
   * @param {Object<string, WebAssembly.Module>} coreModules file name → compiled module
   * @param {"canonical"|"minimal"} contract
   */
  constructor(id, glue, coreModules, contract) {
    if (!glue || typeof glue.instantiate !== 'function') {
      throw new TypeError(`guard ${id}: glue has no instantiate() (was it transpiled in sync instantiation mode?)`);
    }
    this.id = id;
    this.glue = glue;
    this.coreModules = coreModules;
    this.contract = contract;
    const first = Object.values(coreModules)[0];
    this.wasi = false;
    this.snapshotSafe = true;
    for (const m of Object.values(coreModules)) {
      if (!(m instanceof WebAssembly.Module)) {
        throw new TypeError(`guard ${id}: core modules must be compiled WebAssembly.Module objects`);
      }
      const exports = WebAssembly.Module.exports(m).map((e) => e.name);
      if (exports.includes('__gh_snapshot_unsafe')) this.snapshotSafe = false;
      if (m === first && !exports.includes('__gh_fuel')) {
        throw new TypeError(`guard ${id}: core modules are not instrumented (transpile them with guardhouse-transpile)`);
      }
      for (const i of WebAssembly.Module.imports(m)) {
        if (i.module.startsWith('wasi:')) this.wasi = true;
      }
    }
  }
}

/** Per-call context the host imports read; swapped before every call. Lines are kept
 * within the call's log bounds (core's LogBuffer applies the same ones and counts what
 * was dropped here), so a guard logging without end costs no memory. */
class CallContext {
  constructor(settings, limits = {}) {
    this.settings = settings;
    this.maxLines = limits.log_lines ?? 0;
    this.maxBytes = limits.log_bytes ?? 0;
    this.maxLineBytes = limits.log_line_bytes ?? 0;
    this.logs = [];
    this.keptBytes = 0;
    this.droppedLines = 0;
    this.droppedBytes = 0;
  }

  log(level, message) {
    if (this.logs.length < this.maxLines && this.keptBytes < this.maxBytes) {
      this.logs.push([level, message]);
      this.keptBytes += Math.min(utf8Length(message), this.maxLineBytes);
    } else {
      this.droppedLines += 1;
      this.droppedBytes += utf8Length(message);
    }
  }
}

/** One live set of core instances plus the glue's exports. */
class Live {
  constructor(exports, cores, output) {
    this.exports = exports;
    this.cores = cores;
    this.output = output;
    this.snapshot = null;
    this.dirty = false;
    // Bytes of the largest defined memory right after instantiation: wasmtime's limiter
    // sees the initial size too, so a guard whose initial memory is over its limit fails.
    this.initial = 0;
    for (const inst of cores) {
      for (let n = 0; inst.exports[`__gh_mem${n}`]; n++) {
        this.initial = Math.max(this.initial, inst.exports[`__gh_mem${n}`].buffer.byteLength);
      }
    }
  }

  takeSnapshot() {
    this.snapshot = this.cores.map((inst) => {
      const e = inst.exports;
      const memories = [];
      for (let n = 0; e[`__gh_mem${n}`]; n++) {
        const mem = e[`__gh_mem${n}`];
        memories.push({ mem, bytes: new Uint8Array(mem.buffer).slice() });
      }
      const globals = [];
      for (let n = 0; e[`__gh_g${n}`]; n++) globals.push([e[`__gh_g${n}`], e[`__gh_g${n}`].value]);
      return { memories, globals };
    });
  }

  /** Puts every memory and mutable global back as they were after instantiation. */
  restore() {
    for (const snap of this.snapshot) {
      for (const { mem, bytes } of snap.memories) {
        const view = new Uint8Array(mem.buffer);
        view.set(bytes);
        // Everything past the snapshot must read as zero again, up to the real size: loads
        // and stores are bounds-checked against the real memory, so a call can write past
        // the virtual size it sees (into pages an earlier call grew) without growing it.
        if (view.length > bytes.length) view.fill(0, bytes.length);
      }
      for (const [g, v] of snap.globals) g.value = v;
    }
    this.dirty = false;
  }

  arm(fuel, memoryBytes) {
    armCores(this.cores, fuel, memoryBytes);
  }

  fuelUsed(budget) {
    let used = 0n;
    for (const inst of this.cores) {
      const g = inst.exports.__gh_fuel;
      if (!g) continue;
      const left = g.value;
      used += left < 0n ? budget : budget - left;
    }
    // Each core instance counts against the full budget; the trampoline modules use
    // next to nothing, so the sum stays close to the guard's own use.
    return Number(used > budget ? budget : used);
  }

  /** Pages the refused `memory.grow` asked for. */
  memoryWanted() {
    for (const inst of this.cores) {
      const t = inst.exports.__gh_trap;
      if (t && t.value !== 0) return Number(inst.exports.__gh_mem_want.value);
    }
    return 0;
  }

  trapCause() {
    for (const inst of this.cores) {
      const t = inst.exports.__gh_trap;
      if (t && t.value !== 0) return t.value;
    }
    return 0;
  }
}

/** Sets the budget of every core instance: fuel, memory limit, no trap recorded. */
function armCores(cores, fuel, memoryBytes) {
  const pages = memoryBytes == null ? -1 : Math.min(Math.floor(memoryBytes / PAGE), 0x7fffffff);
  for (const inst of cores) {
    const e = inst.exports;
    if (e.__gh_fuel) e.__gh_fuel.value = fuel;
    if (e.__gh_mem_limit) e.__gh_mem_limit.value = pages;
    if (e.__gh_trap) e.__gh_trap.value = 0;
  }
}

/** An instantiation that failed, with the core instances made so far (for classify). */
class InstantiationError extends Error {
  constructor(cause, live) {
    super(errorMessage(cause));
    this.cause = cause;
    this.live = live;
  }
}

function decisionJson(r) {
  if (r && typeof r === 'object' && typeof r.tag === 'string') {
    return r.val === undefined ? { kind: r.tag } : { kind: r.tag, value: r.val };
  }
  return r;
}

function errorMessage(e) {
  if (e instanceof Error) return e.message || String(e);
  try {
    return typeof e === 'string' ? e : JSON.stringify(e);
  } catch {
    return String(e);
  }
}

/** A guard instance slot: `persistent` keeps one instance, `per_call` isolates calls. */
export class GuardInstance {
  /**
   * @param {GuardModule} guardModule
   * @param {"per_call"|"persistent"} mode
   */
  constructor(guardModule, mode) {
    if (mode !== 'per_call' && mode !== 'persistent') {
      throw new TypeError(`instance mode must be "per_call" or "persistent", not ${JSON.stringify(mode)}`);
    }
    this.module = guardModule;
    this.mode = mode;
    this.live = null;
    this.ctx = new CallContext(new Map());
  }

  /** Host imports, bound to whatever call context is current. */
  hostImports() {
    return {
      log: (level, message) => this.ctx.log(level, message),
      getTime: () => BigInt(Date.now()),
      getConfig: (key) => this.ctx.settings.get(key) ?? '',
    };
  }

  /**
   * Instantiates the glue and core modules; returns a Live. A core module's start
   * function (which the meter exports as `__gh_start` instead of letting it run at
   * instantiation) runs right after its instance is made, under the call's fuel and
   * memory limits, so a looping or allocating start function ends like any guard code.
   * Throws an InstantiationError.
   */
  instantiate(budget, memoryBytes) {
    const cores = [];
    const output = new WasiOutput();
    const imports = { [HOST_IMPORT]: this.hostImports() };
    if (this.module.wasi) Object.assign(imports, sealedWasi(output));
    const getCoreModule = (name) => {
      const m = this.module.coreModules[name];
      if (!m) throw new Error(`guard ${this.module.id}: the glue asked for core module ${name}, which was not provided`);
      return m;
    };
    const instantiateCore = (module, importObject) => {
      const inst = new WebAssembly.Instance(module, importObject);
      cores.push(inst);
      if (inst.exports.__gh_start) {
        // It may call into an earlier core (e.g. `_initialize`): every core so far is armed.
        armCores(cores, budget, memoryBytes);
        inst.exports.__gh_start();
      }
      return inst;
    };
    let exports;
    try {
      exports = this.module.glue.instantiate(getCoreModule, imports, instantiateCore);
    } catch (e) {
      throw new InstantiationError(e, new Live(null, cores, output));
    }
    const live = new Live(exports, cores, output);
    // WASI guards hold resources in the glue's handle tables, which a memory snapshot
    // cannot restore: they are re-instantiated per call instead.
    if (this.mode === 'per_call' && this.module.snapshotSafe && !this.module.wasi) live.takeSnapshot();
    return live;
  }

  /**
   * Calls `hook` (a WIT name, e.g. "evaluate-tools-list").
   * @param {string|Array} argsJson JSON array of jco-shaped arguments (core jshost `js_args`)
   * @param {string|Object} settingsJson JSON object key → get-config answer (core jshost `js_settings`);
   *   an object passed as is must not change afterwards (its Map is made once, settingsMap)
   * @param {string|Object} limitsJson {"fuel": number|null, "memory_bytes": number|null}
   * @returns {string} the call result JSON (see the top of this file)
   */
  call(hook, argsJson, settingsJson, limitsJson) {
    let args, limits;
    try {
      // Strings are JSON text; a host that already holds JS values may pass them as is.
      const parse = (v) => (typeof v === 'string' ? JSON.parse(v) : v);
      args = parse(argsJson);
      limits = parse(limitsJson);
      this.ctx = new CallContext(settingsMap(parse(settingsJson)), limits);
      if (!Array.isArray(args)) throw new TypeError('arguments must be a JSON array');
      if (!Number.isInteger(limits?.fuel) || limits.fuel < 0) throw new TypeError('limits.fuel must be a whole number');
    } catch (e) {
      return this.result({ status: 'bad_input', message: errorMessage(e) }, 0, null);
    }
    // core caps fuel below 2^62, so the i64 counter never wraps.
    const budget = BigInt(limits.fuel);
    const memoryBytes = limits.memory_bytes ?? null;
    const t0 = now();
    let live;
    try {
      live = this.prepare(budget, memoryBytes);
    } catch (e) {
      this.live = null;
      const failed = e instanceof InstantiationError ? e : null;
      return this.result(this.classify(failed?.cause ?? e, failed?.live ?? null), now() - t0, null);
    }
    const instantiateUs = now() - t0;
    if (memoryBytes != null && live.initial > memoryBytes) {
      this.live = null;
      return this.result({ status: 'memory_limit', wanted_bytes: live.initial }, instantiateUs, null);
    }
    const iface = live.exports[GUARD_EXPORT] ?? live.exports.guard;
    const fn = iface?.[cachedFunctionName(hook)];
    if (typeof fn !== 'function') {
      this.live = this.mode === 'persistent' || live.snapshot ? live : null;
      return this.result({ status: 'not_exported' }, instantiateUs, null);
    }
    live.arm(budget, memoryBytes);
    live.dirty = true;
    const t1 = now();
    let out;
    try {
      out = { status: 'ok', value: decisionJson(fn(...args)) };
    } catch (e) {
      out = this.classify(e, live);
    }
    const callUs = now() - t1;
    out.fuel_used = live.fuelUsed(budget);
    for (const [level, line] of live.output.drain()) this.ctx.log(level, line);
    const healthy = out.status === 'ok' || out.status === 'guest_error';
    const keep = healthy && (this.mode === 'persistent' || live.snapshot !== null);
    this.live = keep ? live : null;
    return this.result(out, instantiateUs, callUs);
  }

  /** The instance the next call runs in: kept, restored from its snapshot, or fresh. */
  prepare(budget, memoryBytes) {
    const live = this.live;
    if (live && this.mode === 'persistent') return live;
    if (live && live.snapshot) {
      if (live.dirty) live.restore();
      return live;
    }
    this.live = this.instantiate(budget, memoryBytes);
    return this.live;
  }

  classify(e, live) {
    // jco's ComponentError (the `err` of a `result`) carries an own `payload`; its class
    // name is not relied on, since bundlers may rename it.
    if (e instanceof Error && Object.prototype.hasOwnProperty.call(e, 'payload')) {
      return { status: 'guest_error', message: String(e.payload) };
    }
    const cause = live ? live.trapCause() : 0;
    if (cause === TRAP_FUEL) return { status: 'fuel_exhausted' };
    if (cause === TRAP_MEMORY) return { status: 'memory_limit', wanted_bytes: live.memoryWanted() * PAGE };
    if (e instanceof RangeError && /call stack/i.test(e.message)) {
      return { status: 'stack_overflow', message: e.message };
    }
    if (e instanceof WebAssembly.RuntimeError) return { status: 'trap', message: `wasm trap: ${e.message}` };
    return { status: 'trap', message: errorMessage(e) };
  }

  result(out, instantiateUs, callUs) {
    out.logs = this.ctx.logs;
    out.logs_dropped = { lines: this.ctx.droppedLines, bytes: this.ctx.droppedBytes };
    if (out.fuel_used === undefined) out.fuel_used = 0;
    out.timings_us = { instantiate: Math.round(instantiateUs * 1000), call: Math.round((callUs ?? 0) * 1000) };
    return JSON.stringify(out);
  }
}

/**
 * The one instance table of both hosts: a GuardInstance per (guard, module, mode), made
 * on first call. The edge keeps a pool per gateway copy (live traffic, the API, a
 * scenario's fresh state); the page's Web Worker keeps one and resets it.
 */
export class GuardPool {
  /** @param {(sha256: string) => GuardModule} moduleOf the module of a hash, or throws */
  constructor(moduleOf) {
    this.moduleOf = moduleOf;
    this.instances = new Map();
  }

  /**
   * Calls `hook` of guard `guard` (module `sha256`, instance `mode`). `call` is the one
   * object core builds (core jshost `JsCall::to_js`): `{guard, sha256, mode, hook, args,
   * settings, limits, timeoutMs}`, where args, settings and limits are core's JSON texts
   * and timeoutMs is for a host that can stop a call (the page). Returns the call result
   * JSON.
   */
  call({ guard, sha256, mode, hook, args, settings, limits }) {
    const key = `${guard}\u0000${sha256}\u0000${mode}`;
    let inst = this.instances.get(key);
    if (!inst) {
      inst = new GuardInstance(this.moduleOf(sha256), mode);
      this.instances.set(key, inst);
    }
    let values;
    try {
      values = [parseArgs(args), parseSmall(settings), parseSmall(limits)];
    } catch {
      // The instance reports malformed input the way it always does.
      return inst.call(hook, args, settings, limits);
    }
    return inst.call(hook, ...values);
  }

  /** Drops the instances of module `sha256` (it was loaded again). */
  forgetModule(sha256) {
    for (const key of [...this.instances.keys()]) {
      if (key.includes(`\u0000${sha256}\u0000`)) this.instances.delete(key);
    }
  }

  /** Drops every instance: persistent guards start from fresh state. */
  reset() {
    this.instances.clear();
  }
}

// The guards of one chain run get the same argument text (core serializes it once per
// payload): it is parsed once. Settings and limits texts repeat per guard: each is
// parsed once. The runtime only reads these values (jco copies them into guest memory).
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
