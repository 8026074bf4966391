// The native host's report of a case file (`guardhouse test FILE --json`): the reference
// the Node runtime's and the page's tests compare their decisions with. scripts/test.sh
// computes the reports of every example suite once, before the hosts' tests
// (`node tests/support/native.mjs --write FILE`), and names that file in
// GUARDHOUSE_NATIVE_REPORTS; a case file not in it, one that changed since, one from
// another guardhouse binary, or a test run on its own, asks the CLI. Either way a file is
// run natively once per test process.

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { ROOT } from './process.mjs';

const GUARDHOUSE = process.env.GUARDHOUSE ?? path.join(ROOT, 'target/release/guardhouse');
const EXAMPLES = 'guards/suites';

/** `guardhouse test FILES --json`: its reports, one per file, in the order given. */
function cliReports(files) {
  let text;
  try {
    text = execFileSync(GUARDHOUSE, ['test', ...files, '--json'],
      { cwd: ROOT, encoding: 'utf8', maxBuffer: 256 << 20, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    // Exit code 1 means a case failed: the reports are still on stdout.
    if (!e.stdout) throw new Error(`guardhouse test ${files.join(' ')}: ${e.message}\n${e.stderr ?? ''}`);
    text = e.stdout;
  }
  // The JSON array of reports, then the summary line.
  const end = text.indexOf('\n]\n');
  const reports = JSON.parse(end < 0 ? text : text.slice(0, end + 2));
  if (reports.length !== files.length) {
    throw new Error(`guardhouse test: ${reports.length} reports for ${files.length} files`);
  }
  return reports;
}

/** A case file's key: its path relative to the repository. */
const keyOf = (file) => path.relative(ROOT, path.resolve(ROOT, file));

/** What a shared report was computed from: the case file's bytes and the binary. */
function stamp(key) {
  const bin = fs.statSync(GUARDHOUSE);
  const sha256 = createHash('sha256').update(fs.readFileSync(path.join(ROOT, key))).digest('hex');
  return `${sha256} ${bin.size} ${bin.mtimeMs}`;
}

let shared;
const computed = new Map();

/** The native report of case file `file` (a path relative to the repository, or absolute). */
export function nativeReport(file) {
  const key = keyOf(file);
  if (shared === undefined) {
    const from = process.env.GUARDHOUSE_NATIVE_REPORTS;
    shared = from ? JSON.parse(fs.readFileSync(from, 'utf8')) : {};
  }
  if (shared[key] && shared[key].stamp === stamp(key)) return shared[key].report;
  if (!computed.has(key)) computed.set(key, cliReports([key])[0]);
  return computed.get(key);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = process.argv[process.argv.indexOf('--write') + 1];
  if (!process.argv.includes('--write') || !out) {
    console.error('usage: node tests/support/native.mjs --write FILE');
    process.exit(2);
  }
  const files = fs.readdirSync(path.join(ROOT, EXAMPLES)).filter((f) => f.endsWith('.yaml')).sort()
    .map((f) => `${EXAMPLES}/${f}`);
  const reports = cliReports(files);
  fs.mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
  const entries = files.map((f, i) => [f, { stamp: stamp(f), report: reports[i] }]);
  fs.writeFileSync(out, JSON.stringify(Object.fromEntries(entries)));
  const cases = reports.reduce((n, r) => n + r.results.length, 0);
  console.log(`native reports: ${files.length} suites, ${cases} cases → ${out}`);
}
