#!/usr/bin/env bash
# Builds the Rust guest guards with their own toolchains, the way third-party guards are
# built, into guards/dist:
#   guards/rust-wasip1 → rust-wasip1.wasm  (std for wasm32-wasip1 + the WASI preview1
#                                           reactor adapter, as cargo-component does)
#   guards/rust-wasip2 → rust-wasip2.wasm  (std for wasm32-wasip2; rustc emits the component)
# Both through `guardhouse build` (cargo + component encoding). Idempotent: installs the
# rustup targets only when missing, and cargo rebuilds only what changed.
set -euo pipefail
cd "$(dirname "$0")/.."
GH=${GUARDHOUSE:-target/release/guardhouse}
[ -x "$GH" ] || { echo "build-guests-rust: missing $GH (run scripts/build-native.sh)" >&2; exit 2; }
installed=$(rustup target list --installed)
for target in wasm32-wasip1 wasm32-wasip2; do
  grep -qx "$target" <<<"$installed" || rustup target add "$target"
done
for target in wasm32-wasip1 wasm32-wasip2; do
  name=rust-${target#wasm32-}
  "$GH" build "guards/$name" --profile guard --target "$target" --out "guards/dist/$name.wasm"
done
