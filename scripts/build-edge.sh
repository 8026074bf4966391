#!/usr/bin/env bash
# Builds the edge Worker, offline (only crates and npm packages already installed):
#   1. the guards (guards/dist, tests/fixtures/dist), when missing;
#   2. gh-transpile → host-edge/generated/registry.mjs + transpiled, metered guards, for
#      the gateways the Worker can serve (`default`, `hostile`, `features`, `bench`,
#      `filter`, `audit`, `state`; pick one with the GATEWAY var);
#   3. the Rust Worker for wasm32-unknown-unknown, then wasm-bindgen `--target module`
#      into host-edge/build/ (what worker-build does, without its binary downloads).
# wrangler bundles the rest (host-edge/js/entry.mjs is the entry; see host-edge/README.md).
#
#   scripts/build-edge.sh                 everything
#   scripts/build-edge.sh --worker-only   step 3 only (the Worker `guardhouse edge build` copies)
#   scripts/build-edge.sh --registry-only step 2 only
# GUARDHOUSE_EDGE_GATEWAYS ("name=path.yaml …") picks the gateways the registry holds
# (default: default, hostile, features, bench, filter, audit, state); the Worker's GATEWAY var picks one.
# GUARDHOUSE_EDGE_PREBUILT=1 makes it a no-op: tests build once, then start several
# `wrangler dev` (whose [build] command is this script) without rebuilding.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "${GUARDHOUSE_EDGE_PREBUILT:-}" = 1 ] && exit 0

ROOT=$PWD
JS_TARGET=${GUARDHOUSE_JS_TARGET_DIR:-$ROOT/target/js}
OUT=host-edge/generated
BUILD=host-edge/build

worker_only=0
registry_only=0
[ "${1:-}" = --worker-only ] && worker_only=1
[ "${1:-}" = --registry-only ] && registry_only=1
GATEWAYS=${GUARDHOUSE_EDGE_GATEWAYS:-default=guards/gateway.yaml hostile=tests/configs/hostile.yaml features=tests/configs/features.yaml bench=tests/edge/bench-gateway.yaml filter=tests/mcp/filter-gateway.yaml audit=tests/mcp/audit-gateway.yaml state=tests/edge/state-gateway.yaml none=tests/mcp/none-gateway.yaml}

if [ "$worker_only" = 0 ]; then
  # gh-transpile is built with guardhouse by one command (nothing to do after test.sh).
  scripts/build-native.sh
  if [ ! -f guards/dist/simple-pattern.wasm ] || [ ! -f tests/fixtures/dist/hostile.wasm ] \
    || [ ! -f tests/fixtures/dist/memory64.wasm ]; then
    echo "== edge: building the guards (missing)"
    scripts/build-guards.sh
  fi
  echo "== edge: transpiling guards (gh-transpile)"
  # shellcheck disable=SC2086 # one word per gateway
  target/release/gh-transpile --out "$OUT" $GATEWAYS
fi
[ "$registry_only" = 1 ] && exit 0

if [ ! -f "$OUT/registry.mjs" ]; then
  echo "build-edge: $OUT/registry.mjs is missing (hint: run scripts/build-edge.sh without --worker-only)" >&2
  exit 2
fi

echo "== edge: building the Worker (wasm32-unknown-unknown, profile edge)"
# A size profile for the Worker only (the script limit counts compressed bytes): the
# workspace's release profile plus opt-level s, LTO and one codegen unit. Defined here
# with --config so no other crate's build changes; it builds into target/js/…/edge/.
CARGO_TARGET_DIR=$JS_TARGET cargo build -p guardhouse-edge --target wasm32-unknown-unknown \
  --profile edge --config 'profile.edge.inherits="release"' \
  --config 'profile.edge.opt-level="s"' --config 'profile.edge.lto=true' \
  --config 'profile.edge.codegen-units=1'

# wasm-bindgen's CLI must equal the wasm-bindgen crate in Cargo.lock (setup-toolchain.sh
# installs it from the crates registry).
want=$(awk '/^name = "wasm-bindgen"$/ {getline; gsub(/version = |"/, ""); print; exit}' Cargo.lock)
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have" != "$want" ]; then
  echo "build-edge: wasm-bindgen $want is needed, found ${have:-none} (hint: scripts/setup-toolchain.sh)" >&2
  exit 2
fi
rm -rf "$BUILD"
# --target module: ESM that imports the wasm statically; the reset-state function and
# abort handler are what worker-build enables, so a panicking Worker can reinitialize.
# --remove-name-section: function names are for debugging only and add ~0.8 MB.
wasm-bindgen "$JS_TARGET/wasm32-unknown-unknown/edge/guardhouse_edge.wasm" \
  --out-dir "$BUILD" --out-name index --target module --no-typescript \
  --experimental-reset-state-function --force-enable-abort-handler --remove-name-section
# wasm-bindgen writes a source-phase import (`import source m from "x.wasm"`); wrangler's
# bundler reads the plain form, which its CompiledWasm rule turns into a WebAssembly.Module.
sed -i 's/^import source /import /' "$BUILD/index.js"
echo "== edge: built $BUILD ($(du -h "$BUILD/index_bg.wasm" | cut -f1) wasm)"
