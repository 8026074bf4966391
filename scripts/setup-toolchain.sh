#!/usr/bin/env bash
# Installs what building guardhouse needs on a fresh machine (idempotent).
set -euo pipefail
rustup target add wasm32-unknown-unknown wasm32-wasip2
rustup component add rustfmt clippy 2>/dev/null || true
