#!/usr/bin/env bash
# Installs what building and testing guardhouse needs on a fresh machine (idempotent,
# offline-safe: only the crates registry, the npm registry, PyPI and Debian apt are used).
set -euo pipefail
cd "$(dirname "$0")/.."

rustup target add wasm32-unknown-unknown wasm32-wasip1 wasm32-wasip2
rustup component add rustfmt clippy 2>/dev/null || true

# wasm-bindgen's CLI must match the wasm-bindgen crate in Cargo.lock exactly.
# Without --locked: the CLI's own lockfile pins a crate the registry no longer serves.
want=$(awk '/^name = "wasm-bindgen"$/ {getline; gsub(/version = |"/, ""); print; exit}' Cargo.lock)
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have" != "$want" ]; then
  echo "== installing wasm-bindgen-cli $want (found: ${have:-none})"
  cargo install wasm-bindgen-cli --version "$want"
fi

# JS tooling (wrangler/workerd, MCP SDK, playwright-core, binaryen, preview2-shim),
# exactly as package-lock.json pins it.
if ! npm ls --silent >/dev/null 2>&1; then
  echo "== npm ci"
  npm ci --no-audit --no-fund
fi

# Headless Chromium for the web page's end-to-end tests.
if [ ! -x /usr/bin/chromium ]; then
  echo "== installing Debian chromium"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi

# schemathesis checks both hosts against the API's OpenAPI document
# (tests/edge/contract.test.mjs): a pinned release from PyPI in a venv of its own.
SCHEMATHESIS_VERSION=4.32.5
ST_VENV=target/venv-schemathesis
if ! "$ST_VENV/bin/schemathesis" --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION"; then
  echo "== installing schemathesis $SCHEMATHESIS_VERSION (PyPI)"
  [ -x "$ST_VENV/bin/pip" ] || python3 -m venv "$ST_VENV"
  "$ST_VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi

# libfuzzer-sys builds libFuzzer from C++ (scripts/fuzz.sh): Debian's g++.
if ! command -v g++ >/dev/null 2>&1; then
  echo "== installing Debian g++ (for the fuzz targets)"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq g++ >/dev/null
fi

# External corpora for `guardhouse eval` (host-native/tests/external_corpora.rs, README
# "Guard quality"): pinned agentdojo and spikee from PyPI in target/venv-corpora,
# converted into target/corpora/.
scripts/corpora.sh
