#!/usr/bin/env bash
# Runs every test on a fresh machine: installs what is missing (rustup targets,
# wasm-bindgen-cli, npm packages with `npm ci`, Debian chromium), builds guardhouse and
# the guards, lints, runs the Rust unit and integration tests, a short fuzz run, the shared JS runtime's
# tests, the edge Worker under workerd against native (and both against the API's
# OpenAPI document with schemathesis), the MCP proxy end to end on both hosts, load with
# hostile guards in the chain, the web page in headless Chromium, and last the example suites with
# `guardhouse test`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-toolchain.sh
# Each section's line says when it started (seconds since the run began), so a slow
# stage shows in CI's log.
section() { echo "== $* (at ${SECONDS}s)"; }
# Each host's tests record their suites here; tests/matrix.mjs reads them at the end.
rm -rf test-results/matrix
section "build"
scripts/build-native.sh
scripts/build-guards.sh
scripts/build-guests.sh
section "lint (native, and wasm32 for core, the edge, the page, the guards and fixtures)"
cargo fmt --all --check
cargo clippy --workspace --all-targets -- -D warnings
# Also proves core builds for wasm32-unknown-unknown. The WASI guests (rust-wasip1/2,
# wasi-probe) build for their own targets in build-guests-rust.sh / build-guards.sh.
cargo clippy --target wasm32-unknown-unknown -p guardhouse-core -p guardhouse-edge \
  -p guardhouse-web -p guardhouse-web-transpiler -p guard-kit -p simple-pattern -p tool-poisoning \
  -p server-spoofing -p pii-mask -p rug-pull -p prompt-injection -p legacy-tool-count -p noop-guard \
  -p hostile \
  -- -D warnings
section "unit and integration tests"
cargo test --workspace --release --lib --bins --tests
section "native reports of the example suites (the Node and page tests compare with them)"
export GUARDHOUSE_NATIVE_REPORTS=$PWD/test-results/native-reports.json
node tests/support/native.mjs --write "$GUARDHOUSE_NATIVE_REPORTS"
section "fuzz smoke run (libFuzzer on stable: every target briefly, see fuzz/README.md)"
scripts/fuzz.sh smoke
section "shared JS runtime (Node)"
scripts/test-js.sh
section "edge Worker under wrangler dev (workerd) vs native"
scripts/test-edge.sh
section "MCP proxy end to end, native and edge"
GUARDHOUSE_EDGE_PREBUILT=1 GUARDHOUSE_MCP_HOSTS="native edge" scripts/test-mcp.sh
section "load with faults: hostile fail_open guards in the chain, every answer checked (native)"
node --test --test-timeout=600000 tests/load/
section "web page in headless Chromium"
scripts/test-web.sh
section "guard × host matrix (every suite on native, Node, edge and page)"
node tests/matrix.mjs
section "example suites (closing line: N passed, M failed)"
target/release/guardhouse test guards/suites/*.yaml
