// The feature guards (tests/configs/features.yaml: one hand-written guard per WebAssembly
// feature wasmtime enables by default) in the page, in Debian's Chromium: their suite
// (tests/js/features.cases.yaml, exact computed values in each denial, judged by core)
// passes case by case, as in `guardhouse test`.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ROOT, clickAndWaitRun, cli, openBrowser, startServer, upload, waitLoaded } from './helpers.mjs';

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await openBrowser();
  await browser.page.goto(server.url);
  await waitLoaded(browser.page);
});

after(async () => {
  await browser?.close();
  server?.stop();
});

/**
 * The suite with its gateway inline and the modules beside it (the page resolves a
 * `module_path` among the uploaded files); resolves to [suite path, module paths].
 */
function suiteWithModules() {
  const dir = mkdtempSync(join(tmpdir(), 'guardhouse-web-features-'));
  const gatewayYaml = readFileSync(join(ROOT, 'tests/configs/features.yaml'), 'utf8');
  const modules = [...gatewayYaml.matchAll(/module_path: \.\.\/fixtures\/dist\/(\S+\.wasm)/g)].map((m) => {
    cpSync(join(ROOT, 'tests/fixtures/dist', m[1]), join(dir, m[1]));
    return join(dir, m[1]);
  });
  const inline = gatewayYaml.replaceAll('../fixtures/dist/', '').split('\n')
    .filter((line) => line && !line.startsWith('#')).map((line) => `  ${line}`).join('\n');
  const suite = readFileSync(join(ROOT, 'tests/js/features.cases.yaml'), 'utf8')
    .replace(/^gateway: .*$/m, `gateway:\n${inline}`);
  const file = join(dir, 'features-case.yaml');
  writeFileSync(file, suite);
  return [file, modules];
}

test('every feature guard passes its suite in the page, as in `guardhouse test`', async () => {
  const { page } = browser;
  const [suite, modules] = suiteWithModules();
  assert.equal(modules.length, 11);
  await upload(page, [...modules, suite]);
  await page.selectOption('[data-testid=suite-select]', 'features-case.yaml');
  await clickAndWaitRun(page, '[data-testid=run-suite]');
  const table = await page.evaluate(() => Object.fromEntries([...document.querySelectorAll('[data-testid=suite-row]')]
    .map((r) => [r.dataset.case, { decision: r.dataset.decision, code: r.dataset.code || null, passed: r.classList.contains('pass') }])));
  const [native] = cli(['test', suite]);
  assert.equal(native.results.length, 11);
  for (const r of native.results) {
    // `passed` is core's judgement of the exact message the page's guard returned.
    assert.deepEqual(table[r.name], { decision: 'deny', code: r.evaluation.deny.code, passed: true }, r.name);
  }
  assert.equal(native.failed, 0, JSON.stringify(native.results.filter((r) => !r.passed)));
  assert.deepEqual(browser.errors, [], `console errors: ${browser.errors.join('\n')}`);
});
