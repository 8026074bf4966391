#!/usr/bin/env bash
# The web page's end-to-end tests: builds guardhouse, the guards and the page when
# missing or stale, then drives Debian's Chromium with playwright-core (node --test).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x /usr/bin/chromium ] || { echo "Debian chromium is missing (apt-get install chromium)" >&2; exit 2; }
scripts/build-native.sh
[ -f guards/dist/simple-pattern.wasm ] && [ -f tests/fixtures/dist/hostile.wasm ] \
  && [ -f tests/fixtures/dist/memory64.wasm ] || scripts/build-guards.sh
scripts/build-web.sh
mkdir -p test-results
timeout 600 node --test --test-concurrency=1 tests/web/
