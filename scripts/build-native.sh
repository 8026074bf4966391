#!/usr/bin/env bash
# Builds every native artifact the tests use with one cargo command: guardhouse,
# gh-transpile and gh-js-plan, guardhouse-bench, and every unit and integration test
# (release). Every script that needs a native binary calls this, and test.sh's
# `cargo test --workspace --release --lib --bins --tests` then compiles nothing: cargo
# resolves features per command (dev-dependencies and the workspace's wasm32 crates
# turn on features of serde, proc-macro2, futures, … that `-p guardhouse` alone does
# not), so any narrower command here would build wasmtime and cranelift a second time.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --workspace --lib --bins --tests
