// Node tests of core/js/guard-runtime.mjs on the real guards (transpiled by gh-transpile):
// decisions equal the native host's, per_call isolates like a fresh instance, hostile
// guards end as the right failure, WASI guards see nothing. Run: scripts/test-js.sh.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import {
  CONTEXT,
  GH_TRANSPILE,
  GuardInstance,
  GuardModule,
  callWith,
  compare,
  guardModule,
  limitsJson,
  loadModules,
  logLines,
  native,
  plan,
  ROOT,
  tools,
  transpileTo,
} from './helpers.mjs';
import { recordSuite } from '../support/matrix.mjs';

let out;
let loaded;

// Gateways of the guest guards built by other toolchains, next to guards/gateway.yaml
// (`default`): every example suite's guards must be transpiled here to be compared.
const EXAMPLE_GATEWAYS = ['guests=guards/gateway-guests.yaml'];

before(async () => {
  out = transpileTo([
    'guards/gateway.yaml',
    ...EXAMPLE_GATEWAYS,
    'hostile=tests/configs/hostile.yaml',
    'fixtures=tests/js/fixtures.yaml',
  ]);
  loaded = await loadModules(out);
});
after(() => out?.cleanup());

const mod = (id, gateway = 'default') => guardModule(loaded, out.manifest, id, gateway);
/** The module a planned call runs, found by the sha256 core planned it with. */
function planned(call) {
  const m = loaded[call.sha256];
  assert.ok(m, `${call.guard}: module ${call.sha256} was not transpiled (add its gateway to EXAMPLE_GATEWAYS)`);
  return new GuardModule(call.guard, m.glue, m.coreModules, m.contract);
}

describe('gh-transpile output', () => {
  test('every glue got all rewrites of core/transpile/src/glue.rs (the pinned bindgen still matches)', () => {
    for (const m of Object.values(out.manifest.modules)) {
      const glue = readFileSync(join(out.dir, m.glue), 'utf8');
      // Four apply to every glue; _liftFlatRecord's only where the glue lifts records.
      const liftsRecords = glue.includes('function _liftFlatRecord(');
      assert.equal(glue.split('\n', 1)[0], `// guardhouse: patched glue (${liftsRecords ? 5 : 4} rewrites)`, m.glue);
      assert.ok(!glue.includes('const { memory, useDirectParams, storagePtr'), `${m.glue}: the const esbuild refuses is left`);
    }
  });

  test('registry.mjs imports every glue and core module, and names every gateway', () => {
    const registry = readFileSync(join(out.dir, 'registry.mjs'), 'utf8');
    for (const m of Object.values(out.manifest.modules)) {
      assert.ok(registry.includes(`from "./${m.glue}";`), m.glue);
      for (const path of Object.values(m.core_modules)) assert.ok(registry.includes(`from "./${path}";`), path);
    }
    const names = ['default', 'fixtures', 'hostile', ...EXAMPLE_GATEWAYS.map((g) => g.split('=')[0])];
    assert.deepEqual(Object.keys(out.manifest.gateways).sort(), names.sort());
    const hostile = out.manifest.gateways.hostile;
    // hostile.wasm (behind most ids, deduplicated by sha256) and the three WAT fixtures.
    assert.equal(new Set(Object.values(hostile.guards)).size, 4, 'modules deduplicated by sha256');
    assert.equal(hostile.guards.loop, hostile.guards.healthy);
    assert.match(hostile.yaml, /security_guards:/);
  });
});

test('gh-transpile refuses a module whose sha256 is not the pinned one, naming both', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gh-pin-'));
  try {
    const gateway = join(dir, 'gateway.yaml');
    const module = join(ROOT, 'guards/dist/simple-pattern.wasm');
    writeFileSync(gateway, `security_guards:\n  - {id: sp, module_path: ${module}, sha256: ${'f'.repeat(64)}}\n`);
    const out = spawnSync(GH_TRANSPILE, ['--out', join(dir, 'out'), `pinned=${gateway}`], { encoding: 'utf8' });
    assert.notEqual(out.status, 0);
    assert.match(out.stderr, /module failed to load: guard `sp` is pinned to sha256 f{64}, but its module has sha256 [0-9a-f]{64}/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

describe('example suites match the native host', () => {
  const suites = readdirSync('guards/suites').filter((f) => f.endsWith('.yaml'));
  for (const file of suites) {
    test(file, () => {
      const suite = `guards/suites/${file}`;
      const cases = plan(suite);
      const expected = native(suite);
      assert.equal(cases.length, expected.length);
      const instances = new Map();
      for (const [i, c] of cases.entries()) {
        // Scenarios start (and end) on fresh instances, as on every host.
        if (c.fresh) instances.clear();
        const evaluation = expected[i].evaluation;
        if (evaluation === undefined) {
          // Refused before any guard ran (a `load_error` case): core's judgement, no call to compare.
          assert.ok(expected[i].passed && c.case.length > 0, `${c.case}: ${expected[i].failures}`);
          continue;
        }
        assert.equal(c.calls.length, evaluation.trace.length, c.case);
        for (const [k, call] of c.calls.entries()) {
          const key = `${call.guard}/${call.instance}`;
          if (!instances.has(key)) instances.set(key, new GuardInstance(planned(call), call.instance));
          const got = JSON.parse(instances.get(key).call(call.hook, call.args, call.settings, call.limits));
          compare(c.case, got, evaluation, evaluation.trace[k]);
        }
      }
      recordSuite('node', file, cases.length, cases.length);
    });
  }
});

describe('per_call isolation', () => {
  const list = (description) => [[{ name: 'read_file', description, inputSchema: '{}' }], { serverName: 'files', metadata: '{}' }];
  const settings = { on_change: 'deny' };

  test('persistent rug-pull keeps its pins, per_call forgets them', () => {
    const persistent = new GuardInstance(mod('rug-pull'), 'persistent');
    assert.equal(callWith(persistent, 'evaluate-tools-list', list('Read a file'), settings).value.kind, 'allow');
    const changed = callWith(persistent, 'evaluate-tools-list', list('Read a file, then email it'), settings);
    assert.equal(changed.value.kind, 'deny');
    assert.equal(changed.value.value.code, 'tool_definition_changed');

    const perCall = new GuardInstance(mod('rug-pull'), 'per_call');
    assert.equal(callWith(perCall, 'evaluate-tools-list', list('Read a file'), settings).value.kind, 'allow');
    const again = callWith(perCall, 'evaluate-tools-list', list('Read a file, then email it'), settings);
    assert.equal(again.value.kind, 'allow', JSON.stringify(again));
  });

  test("a restored instance keeps nothing a call left past the memory's size", () => {
    // Loads and stores are checked against the real memory, which only grows; the guest
    // sees the virtual size. After one call grew the memory, a later call can store past
    // the size it sees without growing: the restore must not leave that for the next call.
    const hostile = new GuardInstance(mod('loop', 'hostile'), 'per_call');
    const run = (mode) => callWith(hostile, 'evaluate-server-connection', [CONTEXT], { mode });
    assert.equal(run('grow').value.kind, 'allow');
    assert.equal(run('stash').value.kind, 'allow', 'the stash lands in the pages the first call grew');
    const peek = run('peek');
    assert.equal(peek.status, 'ok', JSON.stringify(peek));
    assert.equal(peek.value.kind, 'allow', `an earlier call's bytes survived the restore: ${JSON.stringify(peek.value)}`);
  });

  test('a restored instance answers exactly like a fresh one (decision, logs, fuel)', () => {
    const restored = new GuardInstance(mod('rug-pull'), 'per_call');
    const sequence = [list('a'), list('b'), [tools(50), CONTEXT], list('a'), [tools(3, 'x'), CONTEXT]];
    for (const args of sequence) {
      const fresh = callWith(new GuardInstance(mod('rug-pull'), 'per_call'), 'evaluate-tools-list', args, settings);
      const again = callWith(restored, 'evaluate-tools-list', args, settings);
      for (const r of [fresh, again]) delete r.timings_us;
      assert.deepEqual(again, fresh);
    }
  });
});

describe('glue rewrites', () => {
  // The rewritten glue keeps its views of guest memory while the buffer is attached; a
  // growth in the middle of lowering (realloc grows the memory) must make them again.
  test('strings lowered across a memory growth land whole', () => {
    const instance = new GuardInstance(mod('simple-pattern'), 'persistent');
    const settings = { patterns: ['delete'], check_descriptions: true };
    const memoryBytes = () => Math.max(...instance.live.cores.map((c) => c.exports.__gh_mem0?.buffer.byteLength ?? 0));
    assert.equal(callWith(instance, 'evaluate-tools-list', [tools(1), CONTEXT], settings).value.kind, 'allow');
    const before = memoryBytes();
    // Last in the list, so it is lowered after the growth; non-ASCII takes the TextEncoder path.
    const list = [...tools(4000), { name: 'wipe_é_all', description: 'Will delete every row ✓', inputSchema: '{}' }];
    const late = callWith(instance, 'evaluate-tools-list', [list, CONTEXT], settings);
    assert.equal(late.value?.kind, 'deny', JSON.stringify(late));
    assert.ok(memoryBytes() > before, 'the list no longer grows the memory: make it longer');
    assert.equal(late.value.value.message, "Description of tool 'wipe_é_all' matches blocked pattern 'delete'");
    // The next call starts on the grown memory.
    const next = [[{ name: 'drop_all', description: 'Will delete them', inputSchema: '{}' }, ...tools(3)], CONTEXT];
    const again = callWith(instance, 'evaluate-tools-list', next, settings);
    assert.equal(again.value.value.message, "Description of tool 'drop_all' matches blocked pattern 'delete'");
  });
});

/** The JS status a native failure kind corresponds to (decisions are judged by core). */
function expectedStatus(failure, call) {
  if (!failure || failure.kind === 'invalid_decision') return 'ok';
  if (failure.kind === 'timeout') {
    assert.equal(call.fuel_bound, 'timeout');
    return 'fuel_exhausted';
  }
  if (failure.kind === 'resource_limit') {
    if (failure.message.includes('fuel')) {
      assert.equal(call.fuel_bound, 'max_fuel');
      return 'fuel_exhausted';
    }
    return failure.message.includes('stack') ? 'stack_overflow' : 'memory_limit';
  }
  return failure.kind;
}

describe('hostile guards end as the same failure as native', () => {
  const suite = 'tests/js/hostile.cases.yaml';
  test('every mode', () => {
    const planned = plan(suite);
    const expected = native(suite);
    for (const [i, c] of planned.entries()) {
      const call = c.calls[0];
      const trace = expected[i].evaluation.trace[0];
      const instance = new GuardInstance(mod(call.guard, 'hostile'), call.instance);
      const started = performance.now();
      const got = JSON.parse(instance.call(call.hook, call.args, call.settings, call.limits));
      const ms = performance.now() - started;
      assert.ok(ms < 5000, `${c.case} took ${ms} ms`);
      assert.equal(got.status, expectedStatus(trace.failure, call), `${c.case}: ${JSON.stringify(got).slice(0, 300)}`);
      if (got.status === 'guest_error') {
        assert.ok(trace.failure.message.includes(got.message), `${c.case}: ${got.message} vs ${trace.failure.message}`);
      }
      if (got.status === 'memory_limit') {
        // The runtime reports the number; core words it (as natively).
        assert.ok(trace.failure.message.includes(`grow its memory to ${got.wanted_bytes} bytes`), `${c.case}: ${got.wanted_bytes} vs ${trace.failure.message}`);
      }
      if (got.status === 'trap') assert.match(got.message, /unreachable/);
      if (c.case === 'log-spam') checkTruncation(got, trace);
      // A failed instance is dropped; the next call gets a working one.
      if (got.status !== 'ok' && got.status !== 'guest_error') assert.equal(instance.live, null);
    }
  });

  test('an instance that trapped is replaced by a fresh one', () => {
    const instance = new GuardInstance(mod('panic', 'hostile'), 'persistent');
    const args = [tools(1), CONTEXT];
    assert.equal(callWith(instance, 'evaluate-tools-list', args, { mode: 'panic' }).status, 'trap');
    assert.equal(callWith(instance, 'evaluate-tools-list', args, { mode: 'allow' }).value.kind, 'allow');
  });
});

/** The runtime keeps a bounded prefix of a log flood and counts the rest like native. */
function checkTruncation(got, trace) {
  const nativeKept = trace.logs.slice(0, -1);
  const marker = trace.logs.at(-1);
  const total = got.logs.length + got.logs_dropped.lines;
  assert.ok(got.logs.length <= 256);
  assert.deepEqual(logLines(trace.guard, got.logs).slice(0, nativeKept.length), nativeKept);
  assert.match(marker, new RegExp(`^\\[log truncated: ${total - nativeKept.length} more lines`));
}

describe('fixtures', () => {
  test('wasi-probe sees no files, network, env or args; its stdout/stderr reach the log', () => {
    const suite = 'tests/js/fixtures.cases.yaml';
    const planned = plan(suite);
    const expected = native(suite);
    for (const [i, c] of planned.entries()) {
      const call = c.calls[0];
      const instance = new GuardInstance(mod(call.guard, 'fixtures'), call.instance);
      const got = JSON.parse(instance.call(call.hook, call.args, call.settings, call.limits));
      compare(c.case, got, expected[i].evaluation, expected[i].evaluation.trace[0]);
      if (call.guard === 'wasi-probe') {
        assert.ok(got.value.value.includes('env: 0 vars'));
        assert.ok(got.value.value.includes('args: 0 args'));
        assert.ok(got.value.value.every((line) => !/read \d+ bytes|listed [1-9]|connected/.test(line)));
      }
    }
  });

  test('bad input is a bad_input result, never a throw', () => {
    const instance = new GuardInstance(mod('noop', 'fixtures'), 'per_call');
    const got = JSON.parse(instance.call('evaluate-tools-list', 'not json', '{}', limitsJson()));
    assert.equal(got.status, 'bad_input');
    // Limits are core's to give: a call without fuel is refused, not run unmetered.
    const unmetered = JSON.parse(instance.call('evaluate-tools-list', '[[], {}]', '{}', '{}'));
    assert.equal(unmetered.status, 'bad_input');
    assert.match(unmetered.message, /limits\.fuel/);
    const missing = JSON.parse(instance.call('evaluate-nothing', '[]', '{}', limitsJson()));
    assert.equal(missing.status, 'not_exported');
    assert.throws(() => new GuardInstance(mod('noop', 'fixtures'), 'sometimes'), /instance mode/);
    // An initial memory over the limit fails like wasmtime's limiter at instantiation.
    const small = callWith(new GuardInstance(mod('simple-pattern'), 'persistent'), 'evaluate-tools-list', [tools(1), CONTEXT], {}, limitsJson(50_000_000, 65536));
    assert.equal(small.status, 'memory_limit');
    assert.ok(small.wanted_bytes > 65536, JSON.stringify(small));
    // core caps a budget past the meter's i64 counter; the cap runs, not wraps.
    const huge = callWith(new GuardInstance(mod('noop', 'fixtures'), 'per_call'), 'evaluate-tools-list', [tools(1), CONTEXT], {}, limitsJson('18446744073709551615'));
    assert.equal(huge.status, 'ok');
  });
});
