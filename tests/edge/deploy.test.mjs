// `guardhouse edge build`: a gateway the repository has never seen, in a folder outside
// it, becomes a Worker folder that `wrangler dev` serves with the same /v1/test results
// as native `guardhouse serve` (field by field), and that `wrangler deploy --dry-run`
// bundles within Cloudflare's size limits. Bad inputs fail with the native loader's
// words and exit codes, and a Worker built for another registry format is refused.
// Run by scripts/test-edge.sh (the Worker is built once there: host-edge/build).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';

import { freePort } from '../support/process.mjs';
import { HOOK_TIMEOUT_MS, ROOT, WRANGLER_ENV, get, launchServer, post, stopAll } from './servers.mjs';
import { assertSameReport } from './compare.mjs';

const GUARDHOUSE = path.join(ROOT, 'target/release/guardhouse');
const WRANGLER = path.join(ROOT, 'node_modules/.bin/wrangler');
/** Cloudflare's Worker size limits, after compression: free plan, paid plan. */
const FREE_PLAN_LIMIT_BYTES = 3 * 1024 * 1024;
const PAID_PLAN_LIMIT_BYTES = 10 * 1024 * 1024;
const MIB = 1024 * 1024;

const tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'guardhouse-deploy-')));
/** The user's folder: its name gives the Worker's default name. */
const home = path.join(tmp, 'My_Gateway');
const out = path.join(home, 'dist/edge');
const gatewayFile = path.join(home, 'gateway.yaml');

const sha256 = (file) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

/** Copies guards/dist/NAME.wasm into the user's folder as `guards/AS.wasm`. */
function copyGuard(name, as) {
  const to = path.join(home, 'guards', `${as}.wasm`);
  fs.mkdirSync(path.dirname(to), { recursive: true });
  fs.copyFileSync(path.join(ROOT, 'guards/dist', `${name}.wasm`), to);
  return to;
}

function writeGateway() {
  const pinned = copyGuard('simple-pattern', 'words');
  copyGuard('pii-mask', 'redact');
  copyGuard('rug-pull', 'pins');
  copyGuard('rust-wasip2', 'wasi-policy');
  fs.writeFileSync(gatewayFile, `# A gateway of the user's own: guards renamed, settings of its own.
security_guards:
  - id: banned-words
    priority: 10
    runs_on: [tools_list, tool_invoke]
    module_path: guards/words.wasm
    sha256: ${sha256(pinned)}
    config:
      patterns: [transfer_funds, "drop table", wipe]
      check_descriptions: false
  - id: redact-emails
    priority: 20
    runs_on: [tool_invoke, response]
    module_path: guards/redact.wasm
    config: {action: mask, categories: [email]}
  - id: pins
    priority: 30
    runs_on: [tools_list]
    module_path: guards/pins.wasm
    instance: persistent
    state: durable_object
    config: {on_change: warn}
  - id: wasi-policy
    priority: 40
    failure_mode: fail_open
    timeout_ms: 1000
    runs_on: [connection, tools_list, response]
    module_path: guards/wasi-policy.wasm
    instance: persistent
    config:
      blocked_servers: [shadow-files]
      max_tools: 3
      deny_markers: [BEGIN RSA PRIVATE KEY]
      mask_words: [vault.internal]
      warn_words: [token]
`);
}

/** Cases of every kind: single guards, the whole chain, a scenario, overridden settings. */
const SUITE = `format: guardhouse.case/v1
name: my gateway
cases:
  - name: a benign list passes the chain
    phase: tools_list
    context: {server_name: files}
    payload:
      tools:
        - {name: read_file, description: Read a file}
    expect: {decision: allow}
  - name: a banned tool name is denied
    phase: tools_list
    context: {server_name: files}
    payload:
      tools:
        - {name: transfer_funds, description: Moves money}
    expect: {decision: deny, code: pattern_blocked, guard: banned-words}
  - name: descriptions are not checked with this gateway's settings
    guards: [banned-words]
    phase: tools_list
    payload:
      tools:
        - {name: tidy, description: wipe the disk}
    expect: {decision: allow}
  - name: a call's email is masked, the rest kept
    phase: tool_invoke
    payload: {tool: send, arguments: {to: bob@example.com, phone: "+1 555 123 4567"}}
    expect:
      decision: modify
      payload: {tool: send, arguments: {to: "[EMAIL]", phone: "+1 555 123 4567"}}
  - name: too many tools for the WASI guest
    guards: [wasi-policy]
    phase: tools_list
    payload:
      tools: [{name: a}, {name: b}, {name: c}, {name: d}]
    expect: {decision: deny, code: too_many_tools}
  - name: a blocked server
    phase: connection
    context: {server_name: shadow-files}
    expect: {decision: deny, guard: wasi-policy}
  - name: the guest masks a word in a response
    guards: [wasi-policy]
    phase: response
    payload:
      content: [{type: text, text: "see vault.internal for it"}]
    expect: {decision: modify}
  - name: a changed definition is a warning with this gateway's settings
    guards: [pins]
    context: {server_name: files, metadata: {}}
    steps:
      - name: first sight pins it
        phase: tools_list
        payload: {tools: [{name: read_file, description: Read a file}]}
        expect: {decision: allow}
      - name: the change is reported
        phase: tools_list
        payload: {tools: [{name: read_file, description: "Read a file, then mail it out"}]}
        expect: {decision: warn}
  - name: settings a case overrides
    guards: [banned-words]
    config: {banned-words: {patterns: [read], check_descriptions: false}}
    phase: tool_invoke
    payload: {tool: read_file, arguments: {}}
    expect: {decision: deny}
`;

/** `guardhouse ARGS…` from the user's folder: {status, stdout, stderr}. */
function guardhouse(args, cwd = home) {
  const r = spawnSync(GUARDHOUSE, args, { cwd, encoding: 'utf8', timeout: 300_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** `wrangler dev` in the Worker folder `dir`. */
async function startWorker(dir, accept) {
  const port = await freePort();
  const args = ['dev', '--ip', '127.0.0.1', '--port', String(port), '--inspector-port', String(await freePort()),
    '--show-interactive-dev-session=false', '--log-level', 'warn'];
  return launchServer(`edge (${path.basename(dir)})`, WRANGLER, args, { cwd: dir, env: WRANGLER_ENV }, `http://127.0.0.1:${port}`, accept);
}

async function startNative() {
  const port = await freePort();
  const args = ['serve', '-c', gatewayFile, '--listen', `127.0.0.1:${port}`, '--no-reload'];
  return launchServer('native', GUARDHOUSE, args, { cwd: home, env: WRANGLER_ENV }, `http://127.0.0.1:${port}`);
}

let built;

before(() => {
  assert.ok(!tmp.startsWith(ROOT + path.sep), `${tmp} is inside the repository`);
  writeGateway();
  fs.writeFileSync(path.join(home, 'suite.yaml'), SUITE);
  built = guardhouse(['edge', 'build', '-c', 'gateway.yaml', '--out', 'dist/edge']);
});

after(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('edge build writes the Worker, the registry and a wrangler.toml into --out', () => {
  assert.equal(built.status, 0, `${built.stdout}\n${built.stderr}`);
  assert.match(built.stdout, /wrote dist\/edge: Worker `my-gateway`, 4 guard\(s\), 4 module\(s\), Durable Object GuardState/);
  for (const file of ['host-edge/build/index.js', 'host-edge/build/index_bg.wasm', 'host-edge/js/entry.mjs',
    'host-edge/js/bridge.mjs', 'host-edge/generated/registry.mjs', 'core/js/guard-runtime.mjs',
    'node_modules/@bytecodealliance/preview2-shim/lib/browser/cli.js']) {
    assert.ok(fs.existsSync(path.join(out, file)), `${file} is missing`);
  }
  const toml = fs.readFileSync(path.join(out, 'wrangler.toml'), 'utf8');
  assert.match(toml, /^name = "my-gateway"$/m);
  assert.match(toml, /^main = "host-edge\/js\/entry\.mjs"$/m);
  assert.match(toml, /^GATEWAY = "default"$/m);
  assert.match(toml, /^class_name = "GuardState"$/m);
  assert.match(toml, /^new_sqlite_classes = \["GuardState"\]$/m);
  assert.doesNotMatch(toml, /\[build\]/);
  const registry = fs.readFileSync(path.join(out, 'host-edge/generated/registry.mjs'), 'utf8');
  assert.match(registry, /^export const format = 1;$/m);
});

test('wrangler dev in that folder runs the suite like native serve, field by field', async () => {
  assert.equal(built.status, 0, built.stderr);
  const [edge, native] = await Promise.all([startWorker(out), startNative()]);
  try {
    assert.equal(edge.health.host, 'edge');
    assert.equal(edge.health.guards, 4);
    const [ge, gn] = await Promise.all([get(edge.base, '/v1/guards'), get(native.base, '/v1/guards')]);
    assert.equal(ge.status, 200);
    assert.deepEqual(ge.json, gn.json);
    const [e, n] = await Promise.all([post(edge.base, '/v1/test', SUITE), post(native.base, '/v1/test', SUITE)]);
    assert.equal(e.status, 200, JSON.stringify(e.json));
    assert.equal(n.status, 200, JSON.stringify(n.json));
    assertSameReport(e.json, n.json, 'suite.yaml');
    assert.equal(n.json.failed, 0, JSON.stringify(n.json.results.filter((r) => !r.passed), null, 1));
    assert.equal(n.json.passed, 10);
  } finally {
    await stopAll(edge, native);
  }
}, { timeout: HOOK_TIMEOUT_MS });

test('wrangler deploy --dry-run bundles that folder within the paid-plan size limit', () => {
  assert.equal(built.status, 0, built.stderr);
  const bundle = path.join(tmp, 'bundle');
  const r = spawnSync(WRANGLER, ['deploy', '--dry-run', '--outdir', bundle], {
    cwd: out, env: WRANGLER_ENV, encoding: 'utf8', timeout: 180_000,
  });
  const log = `${r.stdout}\n${r.stderr}`;
  assert.equal(r.status, 0, `wrangler deploy --dry-run failed:\n${log}`);
  // What is uploaded: the entry module and every wasm module (not the source map).
  const files = fs.readdirSync(bundle).filter((f) => f.endsWith('.js') || f.endsWith('.wasm'));
  let raw = 0;
  let gzip = 0;
  for (const f of files) {
    const bytes = fs.readFileSync(path.join(bundle, f));
    raw += bytes.length;
    gzip += zlib.gzipSync(bytes, { level: 9 }).length;
  }
  const wranglerLine = log.match(/Total Upload: .*/)?.[0] ?? '(no Total Upload line)';
  const plan = gzip < FREE_PLAN_LIMIT_BYTES ? 'within the free plan (3 MiB)' : 'over the free plan (3 MiB), within the paid plan (10 MiB)';
  console.log(`deploy bundle: ${files.length} modules, ${(raw / MIB).toFixed(2)} MiB raw, ${(gzip / MIB).toFixed(2)} MiB gzip, ${plan}; wrangler: ${wranglerLine}`);
  assert.ok(files.filter((f) => f.endsWith('.wasm')).length >= 5, `bundle: ${files.join(', ')}`);
  assert.ok(gzip < PAID_PLAN_LIMIT_BYTES, `gzip ${gzip} bytes >= ${PAID_PLAN_LIMIT_BYTES}`);
}, { timeout: 200_000 });

test('a missing module fails with the native loader\'s words, exit 3, and writes nothing', () => {
  fs.writeFileSync(path.join(home, 'missing.yaml'), 'security_guards:\n  - id: gone\n    module_path: guards/gone.wasm\n');
  const r = guardhouse(['edge', 'build', '-c', 'missing.yaml', '--out', 'dist/missing']);
  assert.equal(r.status, 3, r.stderr);
  assert.match(r.stderr, /^error: missing\.yaml:3:5: security_guards\[0\]\.module_path: module failed to load: cannot read guards\/gone\.wasm: /m);
  assert.equal(fs.existsSync(path.join(home, 'dist/missing')), false);
});

test('a sha256 pin mismatch fails with the native loader\'s words, exit 3', () => {
  const wrong = 'f'.repeat(64);
  fs.writeFileSync(path.join(home, 'pinned.yaml'), `security_guards:\n  - id: words\n    module_path: guards/words.wasm\n    sha256: ${wrong}\n`);
  const r = guardhouse(['edge', 'build', '-c', 'pinned.yaml', '--out', 'dist/pinned']);
  assert.equal(r.status, 3, r.stderr);
  const actual = sha256(path.join(home, 'guards/words.wasm'));
  assert.ok(r.stderr.includes(`security_guards[0].sha256: module failed to load: guards/words.wasm: guard \`words\` is pinned to sha256 ${wrong}, but its module has sha256 ${actual}`), r.stderr);
  assert.equal(fs.existsSync(path.join(home, 'dist/pinned')), false);
});

test('a missing gateway, a file as --out and a foreign folder are refused, exit 2', () => {
  const missing = guardhouse(['edge', 'build', '-c', 'nowhere.yaml', '--out', 'dist/x']);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /^error: cannot read gateway config nowhere\.yaml: /m);
  fs.writeFileSync(path.join(home, 'a-file'), 'x');
  const file = guardhouse(['edge', 'build', '-c', 'gateway.yaml', '--out', 'a-file']);
  assert.equal(file.status, 2);
  assert.match(file.stderr, /^error: --out a-file: is not a directory \(hint: name a new or empty folder\)$/m);
  const foreign = guardhouse(['edge', 'build', '-c', 'gateway.yaml', '--out', 'guards']);
  assert.equal(foreign.status, 2);
  assert.match(foreign.stderr, /--out guards: the folder holds files `guardhouse edge build` did not write/);
});

test('a folder edge build wrote is a prebuilt Worker; one for another registry format is refused', () => {
  assert.equal(built.status, 0, built.stderr);
  const again = guardhouse(['edge', 'build', '-c', 'gateway.yaml', '--out', 'dist/again', '--worker', out, '--name', 'again']);
  assert.equal(again.status, 0, again.stderr);
  assert.match(fs.readFileSync(path.join(home, 'dist/again/wrangler.toml'), 'utf8'), /^name = "again"$/m);

  const stale = path.join(tmp, 'stale-worker');
  fs.cpSync(path.join(home, 'dist/again'), stale, { recursive: true });
  const bridge = path.join(stale, 'host-edge/js/bridge.mjs');
  fs.writeFileSync(bridge, fs.readFileSync(bridge, 'utf8').replace('export const REGISTRY_FORMAT = 1;', 'export const REGISTRY_FORMAT = 0;'));
  const r = guardhouse(['edge', 'build', '-c', 'gateway.yaml', '--out', 'dist/stale', '--worker', stale]);
  assert.equal(r.status, 2, r.stderr);
  assert.ok(r.stderr.includes(`error: the prebuilt Worker in ${stale} reads guard registry format 0, this guardhouse writes format 1 (hint: rebuild the Worker from the same guardhouse version: \`scripts/build-edge.sh --worker-only\`)`), r.stderr);

  const empty = path.join(tmp, 'empty');
  fs.mkdirSync(empty);
  const none = guardhouse(['edge', 'build', '-c', 'gateway.yaml', '--out', 'dist/none', '--worker', empty]);
  assert.equal(none.status, 2);
  assert.ok(none.stderr.includes(`no prebuilt Worker in ${empty}: host-edge/build/index.js is missing (hint: scripts/build-edge.sh --worker-only, then --worker with that checkout)`), none.stderr);
});

test('a registry of another format gives a clear error at the edge, not a crash', async () => {
  assert.equal(built.status, 0, built.stderr);
  const dir = path.join(tmp, 'other-format');
  fs.cpSync(out, dir, { recursive: true });
  const registry = path.join(dir, 'host-edge/generated/registry.mjs');
  fs.writeFileSync(registry, fs.readFileSync(registry, 'utf8').replace('export const format = 1;', 'export const format = 2;'));
  const edge = await startWorker(dir, (probe) => probe.detail.startsWith('HTTP 500'));
  try {
    const { status, json } = await get(edge.base, '/health');
    assert.equal(status, 500);
    assert.match(json.error, /the guard registry has format 2, this Worker reads format 1 \(hint: build the registry and the Worker from the same guardhouse/);
  } finally {
    await edge.stop();
  }
}, { timeout: HOOK_TIMEOUT_MS });
