// Field-by-field comparison of native and edge API answers, timings aside.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import { recordSuite } from '../support/matrix.mjs';
import { ROOT, post } from './servers.mjs';

/** Keys whose values are measurements, not decisions: they differ between hosts. */
const TIMING_KEYS = new Set(['duration_us', 'fuel_used']);

/** `value` without timing fields, at any depth. */
export function withoutTimings(value) {
  if (Array.isArray(value)) return value.map(withoutTimings);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([k]) => !TIMING_KEYS.has(k))
        .map(([k, v]) => [k, withoutTimings(v)]),
    );
  }
  return value;
}

/** The decision-relevant summary of one case result, for readable failure messages. */
export function caseSummary(r) {
  const e = r.evaluation ?? {};
  return {
    name: r.name,
    passed: r.passed,
    failures: r.failures,
    decision: e.decision,
    code: e.deny?.code,
    guard: e.deny?.guard,
    warnings: e.warnings,
    payload: e.payload,
    trace: (e.trace ?? []).map((t) => [t.guard, t.decision, t.code ?? null, t.failure?.kind ?? null]),
  };
}

/** Asserts two suite reports agree case by case: summaries first, then every field. */
export function assertSameReport(edge, native, label) {
  assert.equal(edge.results.length, native.results.length, `${label}: number of cases`);
  for (let i = 0; i < native.results.length; i++) {
    const n = native.results[i];
    const e = edge.results[i];
    assert.deepEqual(caseSummary(e), caseSummary(n), `${label}: case ${i} "${n.name}"`);
    assert.deepEqual(withoutTimings(e), withoutTimings(n), `${label}: case ${i} "${n.name}", all fields`);
  }
  assert.equal(edge.passed, native.passed, `${label}: passed`);
  assert.equal(edge.failed, native.failed, `${label}: failed`);
}

/**
 * Posts each suite of guards/suites in `files` to both hosts' /v1/test and asserts the
 * reports agree case by case and pass; records each in the guard × host matrix.
 * Resolves to the number of cases run.
 */
export async function compareSuites(edge, native, files) {
  let cases = 0;
  for (const file of files) {
    const body = fs.readFileSync(path.join(ROOT, 'guards/suites', file), 'utf8');
    const [e, n] = await Promise.all([post(edge.base, '/v1/test', body), post(native.base, '/v1/test', body)]);
    assert.equal(e.status, 200, `${file}: ${JSON.stringify(e.json)}`);
    assert.equal(n.status, 200, `${file}: ${JSON.stringify(n.json)}`);
    assertSameReport(e.json, n.json, file);
    recordSuite('native', file, n.json.results.length, n.json.passed);
    recordSuite('edge', file, e.json.results.length, e.json.passed);
    assert.equal(e.json.failed, 0, `${file}: ${JSON.stringify(e.json.results.filter((r) => !r.passed))}`);
    cases += e.json.results.length;
  }
  return cases;
}
