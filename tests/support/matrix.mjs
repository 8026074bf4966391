// The guard × host matrix: each host's tests record, per example suite, that every case
// decided as natively (they record only after comparing); `node tests/matrix.mjs` prints
// the matrix and fails on a missing or differing cell. Records are JSON lines in
// test-results/matrix/<host>.jsonl; scripts/test.sh clears them before a run.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const MATRIX_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../test-results/matrix');

/**
 * Records how `suite` (a file in guards/suites) ran on `host`: of its `cases`, `ok`
 * passed (native) or decided exactly as native did (every other host).
 */
export function recordSuite(host, suite, cases, ok) {
  fs.mkdirSync(MATRIX_DIR, { recursive: true });
  const line = JSON.stringify({ host, suite: path.basename(suite), cases, ok });
  fs.appendFileSync(path.join(MATRIX_DIR, `${host}.jsonl`), `${line}\n`);
}
