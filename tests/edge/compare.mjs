// Field-by-field comparison of native and edge API answers, timings aside.

import assert from 'node:assert/strict';

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
