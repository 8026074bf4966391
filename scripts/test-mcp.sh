#!/usr/bin/env bash
# MCP proxy mode end to end: @modelcontextprotocol/sdk's Client and McpServer (npm, over
# Streamable HTTP on 127.0.0.1) talk through guardhouse running guards/gateway.yaml, on
# each host in GUARDHOUSE_MCP_HOSTS (default "native edge": `guardhouse serve --upstream`,
# then the Worker under `wrangler dev --var UPSTREAM:…`). Builds what it needs first
# (GUARDHOUSE_EDGE_PREBUILT=1 skips the edge build). Tests: tests/mcp/proxy.test.mjs;
# latency: `node tests/mcp/bench.mjs` (GUARDHOUSE_MCP_HOST=native|edge).
set -euo pipefail
cd "$(dirname "$0")/.."
HOSTS=${GUARDHOUSE_MCP_HOSTS:-native edge}
[ -d node_modules/@modelcontextprotocol/sdk ] || npm ci --no-audit --no-fund
scripts/build-native.sh
for guard in server-spoofing simple-pattern tool-poisoning rug-pull prompt-injection pii-mask legacy-tool-count; do
  if [ ! -f "guards/dist/$guard.wasm" ]; then
    scripts/build-guards.sh
    break
  fi
done
for host in $HOSTS; do
  if [ "$host" = edge ]; then
    # Build once; wrangler dev's [build] step then has nothing to do.
    scripts/build-edge.sh
    export GUARDHOUSE_EDGE_PREBUILT=1
  fi
  echo "== MCP proxy end to end: $host"
  GUARDHOUSE_MCP_HOST=$host node --test --test-timeout=180000 tests/mcp/
done
