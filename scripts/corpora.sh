#!/usr/bin/env bash
# External corpora for `guardhouse eval`, installed like any dependency: pinned packages
# from PyPI into target/venv-corpora, converted by scripts/corpora/convert.py into case
# files under target/corpora/ (never copied into the repository). Idempotent: installs
# only what is missing and converts only when the output is missing or out of date.
#   agentdojo 0.1.35 (MIT)        task suites, injection tasks and attacks
#   spikee 0.9.2 (Apache-2.0)     seed injections, jailbreaks and a false-positive set
# spikee is installed without its dependencies (an LLM SDK, datasets, pandas, Flask): its
# generator needs only tabulate and what agentdojo already brings.
set -euo pipefail
cd "$(dirname "$0")/.."

SPIKEE_VERSION=0.9.2
TABULATE_VERSION=0.9.0
VENV=target/venv-corpora
OUT=target/corpora
REQUIREMENTS=scripts/corpora/requirements.txt

installed="$(sha256sum "$REQUIREMENTS" | cut -c1-16) spikee==$SPIKEE_VERSION tabulate==$TABULATE_VERSION"
if [ "$(cat "$VENV/.installed" 2>/dev/null)" != "$installed" ]; then
  echo "== installing the external corpora's packages (PyPI) into $VENV"
  [ -x "$VENV/bin/pip" ] || python3 -m venv "$VENV"
  # --no-compile: byte-compiling the LLM SDKs agentdojo depends on is a third of the
  # install time, and the converter runs little of them.
  pip=("$VENV/bin/pip" install --quiet --disable-pip-version-check --no-compile)
  "${pip[@]}" -r "$REQUIREMENTS"
  "${pip[@]}" --no-deps "spikee==$SPIKEE_VERSION" "tabulate==$TABULATE_VERSION"
  echo "$installed" >"$VENV/.installed"
fi

converted="$(cat scripts/corpora/*.py "$VENV/.installed" | sha256sum | cut -c1-16)"
if [ "$(cat "$OUT/.converted" 2>/dev/null)" != "$converted" ] || [ ! -f "$OUT/manifest.json" ]; then
  echo "== converting the external corpora into $OUT"
  # A fixed hash seed: AgentDojo's tools return some sets, whose order would vary; -B:
  # no __pycache__ in scripts/corpora/.
  PYTHONHASHSEED=0 "$VENV/bin/python" -B scripts/corpora/convert.py "$OUT"
  echo "$converted" >"$OUT/.converted"
fi
