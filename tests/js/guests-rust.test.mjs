// Node tests of WASI guards built by Rust's own toolchains through the shared JS runtime,
// against the native host: rust-wasip1 (std for wasm32-wasip1 + the WASI preview1 reactor
// adapter, what cargo-component builds) and rust-wasip2 (std for wasm32-wasip2), both from
// scripts/build-guests-rust.sh. Their example suites are compared case by case in
// runtime.test.mjs; here: the settings hooks (which used to trap on the JS hosts), the
// sealed WASI shim against core's list of provided interfaces, and every WASI 0.2.x
// release on both hosts. Run: scripts/test-js.sh.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { WasiOutput, sealedWasi } from '../../core/js/wasi-shim.mjs';
import {
  GUARDHOUSE,
  GH_TRANSPILE,
  GuardInstance,
  ROOT,
  callWith,
  compare,
  guardModule,
  loadModules,
  native,
  plan,
  transpileTo,
} from './helpers.mjs';

const GUESTS = ['rust-wasip1', 'rust-wasip2'];

let out;
let loaded;
let scratch;

before(async () => {
  out = transpileTo(['guests=guards/gateway-guests.yaml']);
  loaded = await loadModules(out);
  scratch = mkdtempSync(join(tmpdir(), 'gh-wasi-versions-'));
});
after(() => {
  out?.cleanup();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

const inspectNative = (path) => JSON.parse(execFileSync(GUARDHOUSE, ['inspect', path, '--json', '--no-cache'], { cwd: ROOT, encoding: 'utf8' }));

describe('Rust guest guards on the JS runtime', () => {
  for (const id of GUESTS) {
    test(`${id}: the settings hooks answer like native`, () => {
      const expected = inspectNative(`guards/dist/${id}.wasm`);
      const instance = new GuardInstance(guardModule(loaded, out.manifest, id, 'guests'), 'per_call');
      const schema = callWith(instance, 'get-settings-schema', []);
      assert.equal(schema.status, 'ok', JSON.stringify(schema));
      assert.deepEqual(JSON.parse(schema.value), expected.settings_schema);
      const config = callWith(instance, 'get-default-config', []);
      assert.equal(config.status, 'ok', JSON.stringify(config));
      assert.deepEqual(JSON.parse(config.value), expected.default_config);
    });
  }

  test('rust-wasip1 imports WASI through the preview1 adapter (filesystem, environment, streams)', () => {
    const imports = out.manifest.modules[out.manifest.gateways.guests.guards['rust-wasip1']].info.imports;
    for (const iface of ['wasi:filesystem/types', 'wasi:filesystem/preopens', 'wasi:cli/environment', 'wasi:io/streams', 'wasi:random/random']) {
      assert.ok(imports.some((i) => i.startsWith(`${iface}@0.2.`)), `${iface} in ${imports}`);
    }
  });
});

/** core's PROVIDED_WASI (core/src/inspect.rs): what every host lets a guard import. */
function providedWasi() {
  const text = readFileSync(join(ROOT, 'core/src/inspect.rs'), 'utf8');
  const list = text.match(/pub const PROVIDED_WASI: \[&str; \d+\] = \[([^\]]*)\]/);
  assert.ok(list, 'PROVIDED_WASI not found in core/src/inspect.rs');
  return [...list[1].matchAll(/"([^"]+)"/g)].map((m) => m[1]);
}

/** Every stable member of WASI 0.2.12 (a superset of 0.2.0 … 0.2.11), in jco's naming. */
const WASI_0_2_MEMBERS = {
  'wasi:cli/environment': ['getEnvironment', 'getArguments', 'initialCwd'],
  'wasi:cli/exit': ['exit', 'exitWithCode'],
  'wasi:cli/stdin': ['getStdin'],
  'wasi:cli/stdout': ['getStdout'],
  'wasi:cli/stderr': ['getStderr'],
  'wasi:cli/terminal-input': ['TerminalInput'],
  'wasi:cli/terminal-output': ['TerminalOutput'],
  'wasi:cli/terminal-stdin': ['getTerminalStdin'],
  'wasi:cli/terminal-stdout': ['getTerminalStdout'],
  'wasi:cli/terminal-stderr': ['getTerminalStderr'],
  'wasi:clocks/monotonic-clock': ['now', 'resolution', 'subscribeInstant', 'subscribeDuration'],
  'wasi:clocks/wall-clock': ['now', 'resolution'],
  'wasi:filesystem/types': ['Descriptor', 'DirectoryEntryStream', 'filesystemErrorCode'],
  'wasi:filesystem/preopens': ['getDirectories'],
  'wasi:io/error': ['Error'],
  'wasi:io/poll': ['Pollable', 'poll'],
  'wasi:io/streams': ['InputStream', 'OutputStream'],
  'wasi:random/random': ['getRandomBytes', 'getRandomU64'],
  'wasi:random/insecure': ['getInsecureRandomBytes', 'getInsecureRandomU64'],
  'wasi:random/insecure-seed': ['insecureSeed'],
  'wasi:sockets/network': ['Network'],
  'wasi:sockets/instance-network': ['instanceNetwork'],
  'wasi:sockets/ip-name-lookup': ['ResolveAddressStream', 'resolveAddresses'],
  'wasi:sockets/tcp': ['TcpSocket'],
  'wasi:sockets/tcp-create-socket': ['createTcpSocket'],
  'wasi:sockets/udp': ['UdpSocket', 'IncomingDatagramStream', 'OutgoingDatagramStream'],
  'wasi:sockets/udp-create-socket': ['createUdpSocket'],
};

describe('the sealed WASI shim', () => {
  test('serves every member of every interface core lets a guard import', () => {
    // jco's glue marks each imported member `_isHostProvided` before checking it exists:
    // one missing member fails every call of a guard importing it.
    const wasi = sealedWasi(new WasiOutput());
    const provided = providedWasi();
    assert.deepEqual(Object.keys(WASI_0_2_MEMBERS).sort(), [...provided].sort());
    for (const iface of provided) {
      assert.ok(wasi[iface], `${iface} is not served`);
      for (const member of WASI_0_2_MEMBERS[iface]) {
        assert.equal(typeof wasi[iface][member], 'function', `${iface}#${member}`);
      }
    }
  });

  test('pollables are ready and streams and clocks hand them out', () => {
    const wasi = sealedWasi(new WasiOutput());
    const { Pollable, poll } = wasi['wasi:io/poll'];
    const pollables = [
      wasi['wasi:cli/stdout'].getStdout().subscribe(),
      wasi['wasi:cli/stdin'].getStdin().subscribe(),
      wasi['wasi:clocks/monotonic-clock'].subscribeDuration(1_000_000n),
      wasi['wasi:clocks/monotonic-clock'].subscribeInstant(0n),
    ];
    for (const p of pollables) {
      assert.ok(p instanceof Pollable);
      assert.equal(p.ready(), true);
      p.block();
    }
    assert.deepEqual([...poll(pollables)], [0, 1, 2, 3]);
    assert.equal(wasi['wasi:filesystem/types'].filesystemErrorCode(new wasi['wasi:io/error'].Error('x')), undefined);
    assert.deepEqual(wasi['wasi:filesystem/preopens'].getDirectories(), []);
  });
});

/**
 * `bytes` with every `@0.2.<patch>` whose patch has as many digits as `version`'s replaced
 * by `@<version>`: same length, so the component stays valid.
 */
function withWasiVersion(bytes, version) {
  const digits = version.length - '0.2.'.length;
  const text = Buffer.from(bytes).toString('latin1');
  return Buffer.from(text.replace(new RegExp(`@0\\.2\\.\\d{${digits}}(?!\\d)`, 'g'), `@${version}`), 'latin1');
}

/** The one WASI version a component's imports name, e.g. `0.2.6` (as native inspect reads them). */
function wasiVersion(path) {
  const found = new Set(inspectNative(path).imports.filter((n) => n.startsWith('wasi:')).map((n) => n.split('@')[1]));
  assert.equal(found.size, 1, `${path}: one WASI version expected, found ${[...found]}`);
  return [...found][0];
}

/** Each guest with the hook, payload and expected decision of one case. */
const VERSION_CASES = {
  'rust-wasip2': {
    runs_on: '[response]',
    config: '{warn_words: [password], mask_words: [corp.example]}',
    phase: 'response',
    payload: '{content: [{type: text, text: "The password of db.corp.example"}]}',
    decision: 'modify',
  },
  'rust-wasip1': {
    runs_on: '[tool_invoke]',
    config: '{redact_keys: [token]}',
    phase: 'tool_invoke',
    payload: '{tool: login, arguments: {user: a, token: t-1}}',
    decision: 'modify',
  },
};

describe('every WASI 0.2.x release', () => {
  test('0.2.0 through 0.2.12 run on both hosts with the same decisions', async () => {
    // The guests import one WASI version each (rustc's wasip2 std and the preview1
    // adapter differ); same-length rewrites of that version give the others.
    const gateway = ['security_guards:'];
    const suite = ['format: guardhouse.case/v1', 'name: WASI 0.2.x releases', 'gateway: gateway.yaml', 'cases:'];
    const covered = new Map();
    for (const [guest, c] of Object.entries(VERSION_CASES)) {
      const bytes = readFileSync(join(ROOT, `guards/dist/${guest}.wasm`));
      const digits = wasiVersion(`guards/dist/${guest}.wasm`).length - '0.2.'.length;
      for (let patch = 0; patch <= 12; patch++) {
        if (String(patch).length !== digits || covered.has(patch)) continue;
        const version = `0.2.${patch}`;
        const id = `${guest}-wasi-${patch}`;
        writeFileSync(join(scratch, `${id}.wasm`), withWasiVersion(bytes, version));
        covered.set(patch, id);
        gateway.push(`  - {id: ${id}, module_path: ${id}.wasm, runs_on: ${c.runs_on}, instance: per_call, config: ${c.config}}`);
        suite.push(
          `  - name: ${id}`,
          `    guards: [${id}]`,
          `    phase: ${c.phase}`,
          `    payload: ${c.payload}`,
          `    expect: {decision: ${c.decision}}`,
        );
      }
    }
    for (let patch = 0; patch <= 9; patch++) assert.ok(covered.has(patch), `0.2.${patch} not covered`);
    writeFileSync(join(scratch, 'gateway.yaml'), `${gateway.join('\n')}\n`);
    writeFileSync(join(scratch, 'suite.yaml'), `${suite.join('\n')}\n`);

    const suitePath = join(scratch, 'suite.yaml');
    const expected = native(suitePath);
    const cases = plan(suitePath);
    const versions = transpileTo([join(scratch, 'gateway.yaml')]);
    try {
      const mods = await loadModules(versions);
      for (const [i, c] of cases.entries()) {
        const call = c.calls[0];
        const patch = [...covered].find(([, id]) => id === call.guard)[0];
        const imports = versions.manifest.modules[call.sha256].info.imports;
        assert.ok(imports.every((n) => !n.startsWith('wasi:') || n.endsWith(`@0.2.${patch}`)), `${call.guard}: ${imports}`);
        const evaluation = expected[i].evaluation;
        assert.equal(evaluation.trace[0].decision, 'modify', `${c.case} natively: ${JSON.stringify(evaluation.trace[0])}`);
        const instance = new GuardInstance(guardModule(mods, versions.manifest, call.guard), call.instance);
        const got = JSON.parse(instance.call(call.hook, call.args, call.settings, call.limits));
        compare(c.case, got, evaluation, evaluation.trace[0]);
      }
    } finally {
      versions.cleanup();
    }
  });

  test('other WASI versions and interfaces are refused with the interface named, on both hosts', () => {
    const bytes = readFileSync(join(ROOT, 'guards/dist/rust-wasip2.wasm'));
    const version = wasiVersion('guards/dist/rust-wasip2.wasm');
    assert.equal(version.length, '0.3.0'.length, 'the rewrite below needs a one-digit patch');
    const text = bytes.toString('latin1').replaceAll(`wasi:clocks/wall-clock@${version}`, 'wasi:clocks/wall-clock@0.3.0');
    const path = join(scratch, 'wasi-0.3.wasm');
    writeFileSync(path, Buffer.from(text, 'latin1'));
    const message = 'unsupported import `wasi:clocks/wall-clock@0.3.0`';
    assert.throws(
      () => execFileSync(GUARDHOUSE, ['inspect', path, '--no-cache'], { cwd: ROOT, encoding: 'utf8', stdio: 'pipe' }),
      (e) => e.status === 3 && e.stderr.includes(message),
    );
    writeFileSync(join(scratch, 'refused.yaml'), 'security_guards:\n  - {id: refused, module_path: wasi-0.3.wasm}\n');
    assert.throws(
      () => execFileSync(GH_TRANSPILE, ['--out', join(scratch, 'refused-out'), join(scratch, 'refused.yaml')], { cwd: ROOT, encoding: 'utf8', stdio: 'pipe' }),
      (e) => e.status === 2 && e.stderr.includes(message),
    );
  });
});
