#!/usr/bin/env bash
# Builds every example guard into guards/dist and every test fixture into
# tests/fixtures/dist, with `guardhouse build` (cargo for wasm32 + component encoding).
set -euo pipefail
cd "$(dirname "$0")/.."
GH=${GUARDHOUSE:-target/release/guardhouse}
for dir in guards/*/; do
  name=$(basename "$dir")
  # guard-kit is a library; the rust-wasip* guests need WASI targets (below).
  case "$name" in guard-kit | rust-wasip*) continue ;; esac
  [ -f "$dir/Cargo.toml" ] || continue
  "$GH" build "$dir" --profile guard --out "guards/dist/$name.wasm"
done
for name in noop hostile; do
  "$GH" build "tests/fixtures/$name" --profile guard --out "tests/fixtures/dist/$name.wasm"
done
# Hand-written guards (what compilers do not emit): hostile ones (a start function,
# table.grow) and one per WebAssembly feature wasmtime enables by default.
for wat in tests/fixtures/wat/*.wat; do
  "$GH" build "$wat" --out "tests/fixtures/dist/$(basename "$wat" .wat).wasm"
done
"$GH" build tests/fixtures/wasi-probe --profile guard --target wasm32-wasip2 \
  --out tests/fixtures/dist/wasi-probe.wasm
GUARDHOUSE=$GH scripts/build-guests-rust.sh
