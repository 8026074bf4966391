#!/usr/bin/env bash
# Coverage-guided fuzzing of guardhouse-core and the JS meter with libFuzzer, on the
# stable toolchain (see fuzz/README.md for how and why).
#
#   scripts/fuzz.sh build               build every target (fuzz/target)
#   scripts/fuzz.sh smoke               build, then run each target for SMOKE_SECONDS (10)
#   scripts/fuzz.sh run TARGET SECONDS  one long run; the corpus grows in fuzz/corpus/TARGET
#   scripts/fuzz.sh list                the targets
#
# Each run prints one summary line (execs, exec/s, cov, ft, corpus, crashes; under
# FUZZ_FLAGS="-fork=1 -ignore_crashes=1", which goes on past crashes, crashes counts
# oom/timeout/crash). FUZZ_FLAGS adds libFuzzer options to every run. Any crash,
# panic, timeout (>10 s) or allocation past 2 GiB fails the script with the input's path
# (fuzz/artifacts/TARGET/…); replay one with `fuzz/target/<triple>/release/TARGET FILE`.
# Everything runs under `nice -n 19`, one fuzzer at a time, on the smallest stack a
# host gives core code (FUZZ_STACK_KB, default 1024: a wasm32 Rust stack).
set -euo pipefail
cd "$(dirname "$0")/.."

TARGETS=(config case api mcp_request mcp_response sse inspect meter)
TRIPLE=$(rustc -vV | sed -n 's/^host: //p')
export CARGO_TARGET_DIR=$PWD/fuzz/target
BIN=$CARGO_TARGET_DIR/$TRIPLE/release
SMOKE_SECONDS=${SMOKE_SECONDS:-10}
STACK_KB=${FUZZ_STACK_KB:-1024}

# What cargo-fuzz passes to rustc: stable codegen options that add libFuzzer's
# SanitizerCoverage instrumentation (8-bit counters, PC table, compare tracing, stack
# depth) without `-Zsanitizer`, so no nightly is needed. `--target` keeps these flags off
# build scripts and proc macros.
RUSTFLAGS="-Cpasses=sancov-module \
-Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters \
-Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares \
-Cllvm-args=-sanitizer-coverage-stack-depth \
--cfg fuzzing -Cdebug-assertions -Coverflow-checks -Cforce-frame-pointers"

max_len() {
  case $1 in
    inspect) echo 262144 ;;
    meter) echo 8192 ;;
    sse) echo 8192 ;;
    *) echo 16384 ;;
  esac
}

# Per-target libFuzzer options. wasm-smith turns every input byte into module structure,
# so the meter starts at full length instead of growing inputs slowly from a few bytes.
extra_flags() {
  case $1 in
    meter) echo -len_control=0 ;;
  esac
}

build() {
  local start=$SECONDS
  echo "== building fuzz targets ($TRIPLE)"
  RUSTFLAGS=$RUSTFLAGS nice -n 19 cargo build --release \
    --manifest-path fuzz/Cargo.toml --target "$TRIPLE" --bins
  echo "== fuzz build took $((SECONDS - start)) s"
}

# Writes the seed corpus of target $1 into directory $2, from the repository's own files
# (regenerated every run; nothing large is committed).
seeds() {
  local t=$1 dir=$2 f
  rm -rf "$dir"
  mkdir -p "$dir"
  case $t in
    config)
      cp guards/gateway.yaml guards/gateway-guests.yaml tests/configs/*.yaml \
        tests/edge/bench-gateway.yaml tests/mcp/filter-gateway.yaml tests/js/fixtures.yaml "$dir"/
      ;;
    case)
      cp guards/suites/*.yaml tests/js/*.cases.yaml "$dir"/
      ;;
    api)
      cp guards/suites/*.yaml fuzz/seeds/api/* "$dir"/
      ;;
    mcp_request)
      cp fuzz/seeds/mcp_request/* "$dir"/
      # The same bodies with scripts: deny, modify (echo), warn, trap.
      for f in fuzz/seeds/mcp_request/*; do
        { cat "$f"; printf '\xff\x04\x05\x09\x0b'; } >"$dir/scripted-$(basename "$f")"
      done
      ;;
    mcp_response)
      local call list
      call=$(cat fuzz/seeds/mcp_request/tools-call.json)
      list='{"jsonrpc":"2.0","id":2,"method":"tools/list"}'
      printf '%s\xff\xff\xff%s' "$call" \
        '{"jsonrpc":"2.0","id":"c1","result":{"content":[{"type":"text","text":"mail a@b.co"}]}}' \
        >"$dir/call-json"
      printf '%s\xff\x07\x05\xffapplication/json\xff%s\xff%s' "$list" \
        '{"jsonrpc":"2.0","id":2,"result":{"tools":[{"name":"a","description":"A",' \
        '"inputSchema":{"type":"object"},"annotations":{}},{"name":"b"}],"nextCursor":"n"}}' \
        >"$dir/list-json-chunked"
      printf '%s\xff\x09\x04\xfftext/event-stream; charset=utf-8\xff%s\xff%s\xff%s' "$call" \
        $': primed\n\nid: 1\nevent: message\ndata: {"jsonrpc":"2.0","method":"notifications/progress"}\n\n' \
        $'data: {"jsonrpc":"2.0","id":"c1",\r\ndata: "error":{"code":-1,"message":"m"}}\r' \
        $'\n\ndata: not json\n\n' >"$dir/call-sse"
      printf '%s\xff\xff\xfftext/html\xff<html>' "$list" >"$dir/refused-html"
      printf '%s\xff\xff\xff\xff \r\n\xff[{"jsonrpc":"2.0","id":2,"result":{"tools":[]}},{"jsonrpc":"2.0","id":9,"error":{"code":1,"message":"x"}}]' \
        "$list" >"$dir/batch-unlabelled"
      ;;
    sse)
      printf '\x00\x07%s' $'\xef\xbb\xbfevent: a\nid: 1\nretry: 10\ndata: x\ndata:y\n\n: c\n\n' >"$dir/fields"
      printf '\x00\x2a%s' $'data: {"a":1}\r\n\r\ndata\rdata: \r\rid: a\x00b\nfoo: bar\n\n' >"$dir/line-ends"
      printf '\x02\x01%s' $'data: 0123456789abcdef0123\n\n' >"$dir/too-large"
      ;;
    inspect)
      # Components as built (guards/dist, tests/fixtures/dist), when present and small
      # enough, and the smallest component and core module.
      for f in guards/dist/*.wasm tests/fixtures/dist/*.wasm; do
        [ -f "$f" ] && [ "$(stat -c %s "$f")" -le "$(max_len inspect)" ] && cp "$f" "$dir"/
      done
      printf '\x00asm\x0d\x00\x01\x00' >"$dir/empty-component"
      printf '\x00asm\x01\x00\x00\x00' >"$dir/empty-module"
      ;;
    meter) ;;
    *)
      echo "unknown target $t (targets: ${TARGETS[*]})" >&2
      exit 2
      ;;
  esac
}

# The figures of a libFuzzer log: execs, exec/s, cov, ft, corpus entries.
figures() {
  local log=$1 status
  status=$(grep -E '^#[0-9]+' "$log" | grep -E 'cov: ' | tail -n 1 || true)
  execs=$(sed -n 's/^stat::number_of_executed_units: //p' "$log" | tail -n 1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: //p' "$log" | tail -n 1)
  # -fork=1 prints no final stats: take the last status line's.
  [ -n "$execs" ] || execs=$(sed -n 's/^#\([0-9]*\).*/\1/p' <<<"$status")
  [ -n "$rate" ] || rate=$(sed -n 's/.* exec\/s: \([0-9]*\).*/\1/p' <<<"$status")
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$status")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$status")
  corp=$(sed -n 's/.* corp: \([0-9]*\).*/\1/p' <<<"$status")
  crashes=$(sed -n 's/.* oom\/timeout\/crash: \([0-9\/]*\).*/\1/p' <<<"$status")
  rss=$(sed -n 's/^stat::peak_rss_mb: //p' "$log" | tail -n 1)
}

# Runs target $1 for $2 seconds; appends its summary line to $SUMMARY.
run() {
  local t=$1 secs=$2 corpus=fuzz/corpus/$1 seeddir=$CARGO_TARGET_DIR/seeds/$1
  local artifacts=fuzz/artifacts/$1/ log=$CARGO_TARGET_DIR/logs/$1.log
  [ -x "$BIN/$t" ] || { echo "no $BIN/$t: run scripts/fuzz.sh build" >&2; exit 2; }
  mkdir -p "$corpus" "$artifacts" "$(dirname "$log")"
  seeds "$t" "$seeddir"
  echo "== fuzzing $t for $secs s (log: $log)"
  local rc=0 start=$SECONDS
  (
    ulimit -s "$STACK_KB"
    exec nice -n 19 "$BIN/$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
      -max_len="$(max_len "$t")" -print_final_stats=1 -artifact_prefix="$artifacts" \
      $(extra_flags "$t") ${FUZZ_FLAGS:-} "$corpus" "$seeddir"
  ) >"$log" 2>&1 || rc=$?
  local took=$((SECONDS - start)) crash=""
  figures "$log"
  if [ "$rc" -ne 0 ]; then
    crash=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
    tail -n 40 "$log"
    FAILED+=("$t: exit $rc, input ${crash:-none written (see $log)}")
  fi
  printf '%-13s %6ss %12s %9s %6s %7s %7s %7s %7s\n' "$t" "$took" "${execs:-?}" \
    "${rate:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" "${crashes:-$([ "$rc" -eq 0 ] && echo 0 || echo 1)}" \
    "${rss:-?}" >>"$SUMMARY"
}

report() {
  printf '%-13s %7s %12s %9s %6s %7s %7s %7s %7s\n' target time execs exec/s cov ft corpus \
    crashes rss_mb
  cat "$SUMMARY"
  if [ "${#FAILED[@]}" -gt 0 ]; then
    printf 'CRASH %s\n' "${FAILED[@]}"
    exit 1
  fi
}

SUMMARY=$(mktemp)
trap 'rm -f "$SUMMARY"' EXIT
FAILED=()
case ${1:-} in
  build) build ;;
  list) printf '%s\n' "${TARGETS[@]}" ;;
  smoke)
    build
    start=$SECONDS
    for t in "${TARGETS[@]}"; do run "$t" "$SMOKE_SECONDS"; done
    echo "== smoke run took $((SECONDS - start)) s"
    report
    ;;
  run)
    [ $# -eq 3 ] || { echo "usage: $0 run TARGET SECONDS" >&2; exit 2; }
    run "$2" "$3"
    report
    ;;
  *)
    echo "usage: $0 build | smoke | run TARGET SECONDS | list" >&2
    exit 2
    ;;
esac
