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
# Each host's tests record their suites here; tests/matrix.mjs reads them at the end.
rm -rf test-results/matrix
echo "== build"
cargo build --release -p guardhouse
scripts/build-guards.sh
scripts/build-guests.sh
echo "== core builds for wasm32-unknown-unknown"
cargo build -p guardhouse-core --target wasm32-unknown-unknown
echo "== lint"
cargo fmt --all --check
cargo clippy --workspace --all-targets -- -D warnings
echo "== unit and integration tests"
cargo test --workspace --release --lib --bins --tests
echo "== fuzz smoke run (libFuzzer on stable: every target briefly, see fuzz/README.md)"
scripts/fuzz.sh smoke
echo "== shared JS runtime (Node)"
scripts/test-js.sh
echo "== edge Worker under wrangler dev (workerd) vs native"
scripts/test-edge.sh
echo "== MCP proxy end to end, native and edge"
GUARDHOUSE_EDGE_PREBUILT=1 GUARDHOUSE_MCP_HOSTS="native edge" scripts/test-mcp.sh
echo "== load with faults: hostile fail_open guards in the chain, every answer checked (native)"
node --test --test-timeout=600000 tests/load/
echo "== web page in headless Chromium"
scripts/test-web.sh
echo "== guard × host matrix (every suite on native, Node, edge and page)"
node tests/matrix.mjs
echo "== example suites (closing line: N passed, M failed)"
target/release/guardhouse test guards/suites/*.yaml
