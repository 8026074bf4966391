#!/usr/bin/env bash
# Tests of the shared JS execution path: builds gh-transpile and gh-js-plan (release), then
# runs the Node tests of core/js/guard-runtime.mjs against the real guards and the
# native host. Needs target/release/guardhouse and the built guards
# (cargo build --release -p guardhouse && scripts/build-guards.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
for f in target/release/guardhouse guards/dist/simple-pattern.wasm tests/fixtures/dist/wasi-probe.wasm; do
  [ -e "$f" ] || { echo "test-js: missing $f (run cargo build --release -p guardhouse && scripts/build-guards.sh)" >&2; exit 2; }
done
cargo build --release -p guardhouse-transpile --bins
# Node 20 compiles wasm that uses extended-const (componentize-py's CPython does) only
# behind this flag; workerd and Chromium have it on by default.
timeout 900 node --experimental-wasm-extended-const --test tests/js/
