#!/usr/bin/env bash
# Builds the example guards written in other languages, each with its own toolchain, into
# guards/dist (see guards/gateway-guests.yaml):
#   python-guard  componentize-py (PyPI, pinned below) in a venv under target/
#   js-guard      @bytecodealliance/componentize-js (npm, pinned in package-lock.json)
# Both through `guardhouse build`, which holds the componentizers' command lines
# (host-native/src/componentize.rs); the tools are passed to it by path.
# Idempotent: installs a toolchain only when it is missing or at another version, and
# rebuilds a guard only when its sources, the WIT or the toolchain are newer than its
# output. Prints each output's size and sha256.
set -euo pipefail
cd "$(dirname "$0")/.."

COMPONENTIZE_PY_VERSION=0.25.1
COMPONENTIZE_JS_VERSION=0.23.0
VENV=target/venv-componentize
DIST=guards/dist
GH=${GUARDHOUSE:-target/release/guardhouse}
[ -x "$GH" ] || { echo "build-guests: missing $GH (run scripts/build-native.sh)" >&2; exit 2; }
mkdir -p "$DIST"
export GUARDHOUSE_COMPONENTIZE_PY=$VENV/bin/componentize-py
export GUARDHOUSE_COMPONENTIZE_JS=node_modules/.bin/componentize-js

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
  local inputs=()
  while [ "$1" != -- ]; do inputs+=("$1"); shift; done
  if stale "$out" "${inputs[@]}"; then
    echo "== building $name"
    local start=$SECONDS
    # guardhouse writes the component only once it is a usable guard, so an interrupted
    # build never leaves a half-written one.
    "$GH" build "guards/$name" --out "$out" >/dev/null
    report "$out" "built in $((SECONDS - start)) s"
  else
    report "$out" "up to date"
  fi
}

# componentize-py (no bindings committed: it generates module `wit_world` from the WIT).
build python-guard guards/python-guard wit "$VENV/bin/componentize-py" --
# componentize-js with every WASI feature disabled (the guard imports only the host).
build js-guard guards/js-guard/guard.js wit "$js_pkg" --
