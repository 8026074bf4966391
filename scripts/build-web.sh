#!/usr/bin/env bash
# Builds the web page into web-ui/dist, offline: cargo (wasm32) + wasm-bindgen (the CLI
# at Cargo.lock's version) for the app (app.js, app_bg.wasm) and the transpiler
# (web-ui/transpiler → transpile.js, transpile_bg.wasm, run by transpile-worker.js), the
# guard worker and the shared JS runtime (core/js/guard-runtime.mjs) with jco's
# preview2-shim browser files, and the demo's guards (examples and guests), gateways,
# suites and labelled corpora. WEB_OPT=1 also runs binaryen's wasm-opt (npm).
# WEB_PROFILE=size builds both with opt-level s, LTO and one codegen unit: less wasm but a
# slower first transpile (measured before the transpiler was split out: 41 % less, ~100 ms
# slower; see web-ui/README.md); the default is the workspace's release profile.
# Serve it: target/release/guardhouse serve -c guards/gateway.yaml --static web-ui/dist
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target/js}"
OUT=web-ui/dist
BINDGEN=${WASM_BINDGEN:-$HOME/.cargo/bin/wasm-bindgen}

want=$(grep -A1 '^name = "wasm-bindgen"$' Cargo.lock | sed -n 's/version = "\(.*\)"/\1/p')
have=$("$BINDGEN" --version 2>/dev/null | awk '{print $2}') || true
if [ "$have" != "$want" ]; then
  echo "wasm-bindgen $want needed (have: ${have:-none}); run scripts/setup-toolchain.sh" >&2
  exit 2
fi
if [ ! -f guards/dist/simple-pattern.wasm ] || [ ! -f tests/fixtures/dist/noop.wasm ]; then
  echo "guards/dist is empty: run scripts/build-guards.sh first" >&2
  exit 2
fi
[ -f guards/dist/python-guard.wasm ] || echo "warning: the guest guards are not built (scripts/build-guests.sh): their suites will fail in the page" >&2
[ -f core/js/guard-runtime.mjs ] || { echo "core/js/guard-runtime.mjs is missing" >&2; exit 2; }

case "${WEB_PROFILE:-release}" in
  release) profile=release; cfg=() ;;
  # Defined here with --config so no other crate's build changes; builds into …/web/.
  size) profile=web; cfg=(--config 'profile.web.inherits="release"' --config 'profile.web.opt-level="s"'
          --config 'profile.web.lto=true' --config 'profile.web.codegen-units=1'
          --config 'profile.web.panic="abort"') ;;
  *) echo "WEB_PROFILE must be release or size (got: $WEB_PROFILE)" >&2; exit 2 ;;
esac
# The app (guardhouse-web) and the transpiler (web-ui/transpiler: guardhouse-transpile as
# its own module, run in transpile-worker.js, fetched and compiled while the app loads).
cargo build -p guardhouse-web -p guardhouse-web-transpiler --target wasm32-unknown-unknown --profile "$profile" "${cfg[@]}"
rm -rf "$OUT"
mkdir -p "$OUT/guards/dist" "$OUT/guards/suites" "$OUT/guards/corpora" "$OUT/preview2-shim"
"$BINDGEN" --target web --no-typescript --remove-name-section --remove-producers-section --out-dir "$OUT" --out-name app \
  "$CARGO_TARGET_DIR/wasm32-unknown-unknown/$profile/guardhouse-web.wasm"
"$BINDGEN" --target web --no-typescript --remove-name-section --remove-producers-section --out-dir "$OUT" --out-name transpile \
  "$CARGO_TARGET_DIR/wasm32-unknown-unknown/$profile/guardhouse_web_transpiler.wasm"
# The transpiler worker's warm-up: a small guard it transpiles once at start, so V8
# compiles the transpiler's functions before the page's first guard needs them.
cp tests/fixtures/dist/noop.wasm "$OUT/transpile-warmup.wasm"
# binaryen.js (npm) needed over 10 minutes for the (then 12 MB) app module on 2 cores: opt-in only.
if [ "${WEB_OPT:-0}" = 1 ]; then
  for f in app_bg transpile_bg; do
    node_modules/binaryen/bin/wasm-opt -Os --enable-bulk-memory --enable-nontrapping-float-to-int \
      --enable-sign-ext --enable-mutable-globals --enable-reference-types \
      "$OUT/$f.wasm" -o "$OUT/$f.wasm"
  done
fi

cp web-ui/static/* "$OUT/"
# The runtime reaches jco's preview2-shim through node_modules; in the page the shim's
# browser files sit next to it.
for f in core/js/*.mjs; do
  sed 's#\.\./\.\./node_modules/@bytecodealliance/preview2-shim/lib/browser/#./preview2-shim/#g' "$f" > "$OUT/$(basename "$f")"
done
if grep -n "node_modules\|@bytecodealliance" "$OUT"/*.mjs | grep -v '^[^:]*:[0-9]*: *//'; then
  echo "a runtime module still imports from node_modules (see above)" >&2
  exit 1
fi
cp node_modules/@bytecodealliance/preview2-shim/lib/browser/*.js "$OUT/preview2-shim/"

# The page starts with gateway.yaml's chain; a suite naming another gateway listed in
# demo.json (gateway-guests.yaml: the Python, JavaScript and Rust WASI guests) gets that
# chain, and its guards load, when it runs.
cp guards/gateway*.yaml "$OUT/guards/"
cp guards/dist/*.wasm "$OUT/guards/dist/"
cp guards/suites/*.yaml "$OUT/guards/suites/"
# The labelled corpora, for the page's eval view (`guardhouse eval` in the page).
cp guards/corpora/*.yaml "$OUT/guards/corpora/"
list() { ls "$@" | sed 's/.*/"&"/' | paste -sd, -; }
gateways=$(cd "$OUT" && list guards/gateway*.yaml)
suites=$(cd "$OUT" && list guards/suites/*.yaml)
corpora=$(cd "$OUT" && list guards/corpora/*.yaml)
printf '{"gateway": "guards/gateway.yaml", "gateways": [%s], "suites": [%s], "corpora": [%s]}\n' \
  "$gateways" "$suites" "$corpora" > "$OUT/demo.json"

size=$(stat -c %s "$OUT/app_bg.wasm")
tsize=$(stat -c %s "$OUT/transpile_bg.wasm")
echo "web-ui/dist built: app_bg.wasm $((size / 1024)) KiB, transpile_bg.wasm $((tsize / 1024)) KiB"
