#!/usr/bin/env bash
# Edge host tests: builds guardhouse, the guards and the Worker (scripts/build-edge.sh),
# then runs tests/edge/*.test.mjs: the Worker under `wrangler dev` on 127.0.0.1 against
# native `guardhouse serve` (example suites case by case, /v1/evaluate, hostile guards),
# and the dry-run bundle's size. Every server and request is bounded in time.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x node_modules/.bin/wrangler ] || npm ci --no-audit --no-fund
cargo build --release -p guardhouse
scripts/build-edge.sh
# Built once above: wrangler's [build] step (this same script) has nothing to do.
export GUARDHOUSE_EDGE_PREBUILT=1 WRANGLER_SEND_METRICS=false CLOUDFLARE_CF_FETCH_ENABLED=false
echo "== edge tests (wrangler dev vs guardhouse serve)"
node --test --test-concurrency=1 --test-timeout=300000 tests/edge/
