#!/usr/bin/env bash
# Edge host tests: builds guardhouse, the guards and the Worker (scripts/build-edge.sh),
# then runs tests/edge/*.test.mjs: the Worker under `wrangler dev` on 127.0.0.1 against
# native `guardhouse serve` (example suites case by case, /v1/evaluate, hostile guards,
# feature guards), edge-wide state (a Durable Object shared by two `wrangler dev`
# processes), the dry-run bundle's size, and `guardhouse edge build` of a gateway in a
# folder outside the repository (its own `wrangler dev` and dry run). Every server and
# request is bounded in time.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x node_modules/.bin/wrangler ] || npm ci --no-audit --no-fund
scripts/build-native.sh
export WRANGLER_SEND_METRICS=false CLOUDFLARE_CF_FETCH_ENABLED=false
# The guest corpus (18 MB of CPython and 12 MB of SpiderMonkey) gets a registry of its
# own: the default one stays within a deployable size.
GUARDHOUSE_EDGE_GATEWAYS="guests=guards/gateway-guests.yaml" scripts/build-edge.sh
echo "== edge: the guest corpus (wrangler dev vs guardhouse serve)"
GUARDHOUSE_EDGE_PREBUILT=1 node --test --test-concurrency=1 --test-timeout=600000 tests/edge/guests.mjs
scripts/build-edge.sh --registry-only
# Built once above: wrangler's [build] step (this same script) has nothing to do.
export GUARDHOUSE_EDGE_PREBUILT=1
echo "== edge tests (wrangler dev vs guardhouse serve)"
node --test --test-concurrency=1 --test-timeout=300000 tests/edge/
