#!/usr/bin/env bash
# Runs every test on a fresh machine: installs toolchain targets, builds guardhouse and
# the guards, runs unit and integration tests, checks core for wasm32, lints, and runs
# the example suites with `guardhouse test`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-toolchain.sh
echo "== build"
cargo build --release -p guardhouse
scripts/build-guards.sh
echo "== core builds for wasm32-unknown-unknown"
cargo build -p guardhouse-core --target wasm32-unknown-unknown
echo "== lint"
cargo fmt --all --check
cargo clippy --workspace --all-targets -- -D warnings
echo "== unit and integration tests"
cargo test --workspace --release --lib --bins --tests
echo "== example suites (closing line: N passed, M failed)"
target/release/guardhouse test guards/suites/*.yaml
