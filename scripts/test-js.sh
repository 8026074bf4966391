#!/usr/bin/env bash
# Tests of the shared JS execution path: builds gh-transpile and gh-js-plan (release, with
# scripts/build-native.sh), then runs the Node tests of core/js/guard-runtime.mjs against
# the real guards and the native host. Needs target/release/guardhouse and the built guards
# (scripts/build-native.sh && scripts/build-guards.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
for f in target/release/guardhouse guards/dist/simple-pattern.wasm tests/fixtures/dist/wasi-probe.wasm tests/fixtures/dist/memory64.wasm; do
  [ -e "$f" ] || { echo "test-js: missing $f (run scripts/build-native.sh && scripts/build-guards.sh)" >&2; exit 2; }
done
scripts/build-native.sh
# Node 20 compiles wasm that uses extended-const (componentize-py's CPython does, and the
# extended-const feature guard) only behind this flag; workerd and Chromium have it on by
# default. Every other feature tests/configs/features.yaml exercises is on in Node 20,
# except multi-memory, which its V8 (11.3) lacks even behind a flag: the two guards with two
# memories (multi-memory, memory64) are expected to fail to compile here
# (tests/js/features.test.mjs). --experimental-wasm-memory64 would not help: the memory64
# guard's 64-bit memory sits next to the canonical ABI's 32-bit one.
timeout 900 node --experimental-wasm-extended-const --test tests/js/
