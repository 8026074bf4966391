// Prints the guard × host matrix of the last test run (tests/support/matrix.mjs) and
// exits non-zero when a suite of guards/suites is missing on a host, a case fails
// natively, or any host decides a case otherwise than native. Cells: for native,
// passed/cases (`guardhouse serve`'s /v1/test); for node (the shared JS runtime), edge
// (workerd) and page (Chromium), cases equal to native / cases.

import fs from 'node:fs';
import path from 'node:path';

import { MATRIX_DIR } from './support/matrix.mjs';

const HOSTS = ['native', 'node', 'edge', 'page'];
const root = path.join(MATRIX_DIR, '../..');
const suites = fs.readdirSync(path.join(root, 'guards/suites')).filter((f) => f.endsWith('.yaml')).sort();
const cells = new Map();
for (const host of HOSTS) {
  const file = path.join(MATRIX_DIR, `${host}.jsonl`);
  if (!fs.existsSync(file)) continue;
  for (const line of fs.readFileSync(file, 'utf8').split('\n').filter(Boolean)) {
    const r = JSON.parse(line);
    cells.set(`${r.host}/${r.suite}`, r);
  }
}

const width = Math.max(...suites.map((s) => s.length)) + 2;
const col = 10;
console.log(`${'suite'.padEnd(width)}${HOSTS.map((h) => h.padEnd(col)).join('')}`);
let bad = 0;
for (const suite of suites) {
  const native = cells.get(`native/${suite}`);
  const row = HOSTS.map((host) => {
    const c = cells.get(`${host}/${suite}`);
    // native: every case passed; elsewhere: every case decided as natively.
    const same = c && native && c.cases === native.cases && c.ok === c.cases;
    if (!same) bad += 1;
    return (c ? `${c.ok}/${c.cases}${same ? '' : ' ✗'}` : 'missing').padEnd(col);
  });
  console.log(`${suite.padEnd(width)}${row.join('')}`);
}
console.log(bad === 0
  ? `matrix: ${suites.length} suites × ${HOSTS.length} hosts, every case as native`
  : `matrix: ${bad} cell(s) missing or differing from native`);
process.exit(bad === 0 ? 0 : 1);
