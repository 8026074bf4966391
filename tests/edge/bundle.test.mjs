// The deployable bundle: `wrangler deploy --dry-run --outdir …` builds it offline; its
// compressed size is reported and must stay within the Workers free-plan script limit.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';

import { ROOT, WRANGLER_ENV } from './servers.mjs';

/** Workers free plan: 3 MiB per Worker script, after compression. */
const FREE_PLAN_LIMIT_BYTES = 3 * 1024 * 1024;

function dryRun(outdir) {
  const wrangler = path.join(ROOT, 'node_modules/.bin/wrangler');
  const r = spawnSync(wrangler, ['deploy', '--dry-run', '--outdir', outdir], {
    cwd: path.join(ROOT, 'host-edge'),
    env: WRANGLER_ENV,
    encoding: 'utf8',
    timeout: 180_000,
  });
  const log = `${r.stdout}\n${r.stderr}`;
  assert.equal(r.status, 0, `wrangler deploy --dry-run failed:\n${log}`);
  return log;
}

test('the dry-run bundle is within the free-plan size limit, compressed', () => {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'guardhouse-edge-dist-'));
  try {
    const log = dryRun(outdir);
    // What is uploaded: the entry module and every wasm module (not the source map).
    const files = fs.readdirSync(outdir).filter((f) => f.endsWith('.js') || f.endsWith('.wasm'));
    const wasm = files.filter((f) => f.endsWith('.wasm'));
    let raw = 0;
    let gzip = 0;
    for (const f of files) {
      const bytes = fs.readFileSync(path.join(outdir, f));
      raw += bytes.length;
      gzip += zlib.gzipSync(bytes, { level: 9 }).length;
    }
    const wranglerLine = log.match(/Total Upload: .*/)?.[0] ?? '(no Total Upload line)';
    console.log(`edge bundle: ${files.length} modules (${wasm.length} wasm), ${(raw / 1024).toFixed(1)} KiB raw, ${(gzip / 1024).toFixed(1)} KiB gzip; wrangler: ${wranglerLine}`);
    // The Worker's own wasm plus at least one core module per registry guard module.
    const registry = fs.readFileSync(path.join(ROOT, 'host-edge/generated/registry.mjs'), 'utf8');
    const coreImports = (registry.match(/\.wasm";$/gm) ?? []).length;
    assert.ok(coreImports >= 8, `registry imports ${coreImports} core modules`);
    assert.ok(wasm.length >= 2, `bundle has ${wasm.length} wasm modules`);
    assert.ok(gzip < FREE_PLAN_LIMIT_BYTES, `gzip ${gzip} bytes >= ${FREE_PLAN_LIMIT_BYTES}`);
    const wranglerGzip = Number(wranglerLine.match(/gzip: ([\d.]+) KiB/)?.[1]);
    assert.ok(wranglerGzip > 0 && wranglerGzip * 1024 < FREE_PLAN_LIMIT_BYTES, wranglerLine);
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
});
