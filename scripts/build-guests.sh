#!/usr/bin/env bash
# Builds the example guards written in other languages, each with its own toolchain, into
# guards/dist (see guards/gateway-guests.yaml):
#   python-guard  componentize-py (PyPI, pinned below) in a venv under target/
#   js-guard      @bytecodealliance/componentize-js (npm, pinned in package-lock.json)
# Idempotent: installs a toolchain only when it is missing or at another version, and
# rebuilds a guard only when its sources, the WIT or the toolchain are newer than its
# output. Prints each output's size and sha256.
set -euo pipefail
cd "$(dirname "$0")/.."

COMPONENTIZE_PY_VERSION=0.25.1
COMPONENTIZE_JS_VERSION=0.23.0
VENV=target/venv-componentize
WORLD=security-guard
DIST=guards/dist
mkdir -p "$DIST"

# componentize-py: a pinned wheel from PyPI in a venv of its own.
have=$("$VENV/bin/componentize-py" --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have" != "$COMPONENTIZE_PY_VERSION" ]; then
  echo "== installing componentize-py $COMPONENTIZE_PY_VERSION into $VENV (found: ${have:-none})"
  [ -x "$VENV/bin/pip" ] || python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "componentize-py==$COMPONENTIZE_PY_VERSION"
fi

# componentize-js: exactly as package-lock.json pins it (a devDependency).
js_pkg=node_modules/@bytecodealliance/componentize-js/package.json
have=$(node -p "require('./$js_pkg').version" 2>/dev/null || true)
if [ "$have" != "$COMPONENTIZE_JS_VERSION" ]; then
  echo "== npm ci for componentize-js $COMPONENTIZE_JS_VERSION (found: ${have:-none})"
  npm ci --no-audit --no-fund
fi

# True when $1 is missing or older than any of the other paths (files or directories).
stale() {
  local out=$1
  shift
  [ ! -f "$out" ] && return 0
  [ -n "$(find "$@" -newer "$out" -print -quit)" ]
}

report() {
  local out=$1 secs=$2
  printf '%-28s %9d bytes  sha256 %s  (%s)\n' "$out" "$(stat -c %s "$out")" \
    "$(sha256sum "$out" | cut -d' ' -f1)" "$secs"
}

build() {
  local name=$1 out=$DIST/$1.wasm
  shift 1
  local inputs=() cmd=()
  while [ "$1" != -- ]; do inputs+=("$1"); shift; done
  shift
  cmd=("$@")
  if stale "$out" "${inputs[@]}"; then
    echo "== building $name"
    local start=$SECONDS
    # Build to a temporary file so an interrupted build never leaves a half-written guard.
    "${cmd[@]}" "$out.tmp" >/dev/null
    mv "$out.tmp" "$out"
    report "$out" "built in $((SECONDS - start)) s"
  else
    report "$out" "up to date"
  fi
}

# componentize-py generates the bindings (module `wit_world`) in memory from the WIT, so
# none are committed; `-p` puts guards/python-guard on the module path for `app`.
build python-guard guards/python-guard wit "$VENV/bin/componentize-py" -- \
  "$VENV/bin/componentize-py" -d wit -w "$WORLD" componentize -p guards/python-guard app -o

# Every WASI feature is disabled: the guard needs only the host interface, so the
# component imports nothing else (no wasi:http, which guardhouse hosts do not provide).
build js-guard guards/js-guard/guard.js wit "$js_pkg" -- \
  npx --no-install componentize-js guards/js-guard/guard.js --wit wit -n "$WORLD" \
  -d stdio random clocks http fetch-event -o
