#!/usr/bin/env bash
# Sets everything up and runs the demo: builds guardhouse, the guards (the guest corpus
# included: Python and JavaScript guards through componentize-py and componentize-js)
# and the web page, runs the example suites, then serves the gateway API and the page
# on 127.0.0.1:8787 (open http://127.0.0.1:8787/; Ctrl-C to stop). DEMO_NO_SERVE=1 stops after the suites.
# The edge Worker: `cd host-edge && npx wrangler dev --ip 127.0.0.1` (see host-edge/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-toolchain.sh
cargo build --release -p guardhouse
scripts/build-guards.sh
scripts/build-guests.sh
scripts/build-web.sh
target/release/guardhouse test guards/suites/*.yaml
if [ "${DEMO_NO_SERVE:-0}" != 1 ]; then
  echo "== serving the API and the page on http://127.0.0.1:8787/"
  exec target/release/guardhouse serve --config guards/gateway.yaml --listen 127.0.0.1:8787 \
    --static web-ui/dist
fi
