// Shared setup for the web page tests: a `guardhouse serve --static` server on a free
// loopback port, Debian's Chromium through playwright-core with a fresh profile, and a
// console-error collector.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

import { freePort } from '../support/process.mjs';

export const ROOT = resolve(fileURLToPath(import.meta.url), '../../..');
export const GUARDHOUSE = join(ROOT, 'target/release/guardhouse');
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

/** Starts the page server for `dist` (the built page); resolves to {url, stop()}. */
export async function startServer(dist = process.env.GH_WEB_DIST || join(ROOT, 'web-ui/dist')) {
  const port = await freePort();
  const child = spawn(GUARDHOUSE, [
    'serve', '-c', join(ROOT, 'guards/gateway.yaml'), '--static', dist,
    '--listen', `127.0.0.1:${port}`, '--no-reload',
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout.on('data', (d) => { log += d; });
  child.stderr.on('data', (d) => { log += d; });
  const url = `http://127.0.0.1:${port}/`;
  const deadline = Date.now() + 20000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`guardhouse serve exited: ${log}`);
    try {
      const r = await fetch(`${url}health`);
      if (r.ok) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) {
      child.kill();
      throw new Error(`guardhouse serve did not start: ${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, stop: () => child.kill('SIGTERM') };
}

/** A fresh Chromium profile; resolves to {context, page, errors, close()}. */
export async function openBrowser() {
  const dir = mkdtempSync(join(tmpdir(), 'guardhouse-chromium-'));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    acceptDownloads: true,
    viewport: { width: 1500, height: 1000 },
  });
  const errors = [];
  const watch = (page) => {
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
      if (process.env.GH_DEBUG) console.error(`[page ${m.type()}] ${m.text()}`);
    });
    page.on('pageerror', (e) => errors.push(String(e)));
  };
  context.on('page', watch);
  const page = context.pages()[0] || await context.newPage();
  watch(page);
  return {
    context, page, errors,
    close: async () => {
      await context.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Waits until the demo (or a link) finished loading modules. */
export async function waitLoaded(page) {
  await page.waitForSelector('[data-testid=ready]', { state: 'attached', timeout: 90000 });
}

/** Uploads files through the file input and waits until they are loaded. */
export async function upload(page, paths) {
  await page.setInputFiles('[data-testid=file-input]', paths);
  await page.waitForTimeout(50);
  await page.waitForFunction(() => !document.querySelector('[data-testid=loading]')?.textContent,
    null, { timeout: 60000 });
}

/** The page's finished-run counter. */
export function runs(page) {
  return page.getAttribute('[data-testid=workspace]', 'data-runs').then(Number);
}

/** Clicks `selector` and waits until the page finished one more run or suite run. */
export async function clickAndWaitRun(page, selector, timeout = 60000) {
  const before = await runs(page);
  await page.click(selector);
  await page.waitForFunction((n) =>
    Number(document.querySelector('[data-testid=workspace]').dataset.runs) > n, before, { timeout });
}

/** Clicks Run and waits for the decision; resolves to {decision, code, guard, rows}. */
export async function runAndRead(page) {
  await clickAndWaitRun(page, '[data-testid=run]', 30000);
  return readResult(page);
}

/** The results panel as data. */
export function readResult(page) {
  return page.evaluate(() => {
    const text = (sel) => document.querySelector(sel)?.textContent?.trim() ?? null;
    return {
      decision: text('[data-testid=decision]'),
      code: text('[data-testid=deny-code]'),
      guard: text('[data-testid=deny-guard]'),
      rows: [...document.querySelectorAll('[data-testid=trace-row]')].map((r) => ({
        guard: r.dataset.guard, decision: r.children[1].textContent, code: r.children[2].textContent,
      })),
    };
  });
}

/** The JSON document at the start of `text` (the CLI prints a closing line after it). */
function leadingJson(text) {
  const end = text.search(/\n[\]}]\n/);
  return JSON.parse(end < 0 ? text : text.slice(0, end + 2));
}

/** Runs the CLI; resolves to parsed --json output (exit code ignored: deny is 1). */
export function cli(args, cwd = ROOT) {
  try {
    return leadingJson(execFileSync(GUARDHOUSE, [...args, '--json'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
  } catch (e) {
    if (e.stdout) return leadingJson(e.stdout);
    throw e;
  }
}
