#!/usr/bin/env bash
# Sets everything up and runs the demo: builds guardhouse and the guards, runs the
# example suites, then serves the gateway API on 127.0.0.1:8787 (Ctrl-C to stop).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-toolchain.sh
cargo build --release -p guardhouse
scripts/build-guards.sh
target/release/guardhouse test guards/suites/*.yaml
if [ "${DEMO_NO_SERVE:-0}" != 1 ]; then
  exec target/release/guardhouse serve --config guards/gateway.yaml --listen 127.0.0.1:8787
fi
