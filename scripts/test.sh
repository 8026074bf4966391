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
echo "== example suites"
target/release/guardhouse test guards/suites/*.yaml
echo "== unit and integration tests"
GUARDHOUSE_BIN="$PWD/target/release/guardhouse" cargo test --workspace --release
