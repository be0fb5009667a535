#!/usr/bin/env bash
# Runs every libFuzzer target of an address,undefined tree for FUZZ_SECONDS
# each (default 60), on top of its committed seed corpus (tests/fuzz/corpus),
# with its dictionary. The corpus grows in a scratch copy, never in the tree.
# A crash, sanitizer report or broken invariant fails the run; its input is
# kept in FUZZ_OUT (default BUILD_DIR/fuzz-findings/<target>/): commit it under
# tests/fuzz/regressions/<target>/ with the fix, and ctest replays it.
#   BUILD_DIR=build-asan FUZZ_SECONDS=60 bash scripts/fuzz.sh [target...]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build-asan}
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
FUZZ_OUT=${FUZZ_OUT:-$BUILD_DIR/fuzz-findings}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
targets=("$@")
if [ "${#targets[@]}" -eq 0 ]; then
  for binary in "$BUILD_DIR"/fuzz/fuzz_*; do targets+=("${binary##*/fuzz_}"); done
fi
scratch=$(mktemp -d /tmp/clusterctl-fuzz.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
failed=()
printf '%-18s %10s %8s %6s %6s %8s  %s\n' target execs exec/s cov ft corpus result
for target in "${targets[@]}"; do
  binary=$BUILD_DIR/fuzz/fuzz_$target
  mkdir -p "$scratch/$target" "$FUZZ_OUT/$target"
  args=(-max_total_time="$FUZZ_SECONDS" -timeout=25 -rss_limit_mb=2048 -print_final_stats=1
    -artifact_prefix="$FUZZ_OUT/$target/")
  [ -f "tests/fuzz/$target.dict" ] && args+=(-dict="tests/fuzz/$target.dict")
  log=$FUZZ_OUT/$target.log
  result=ok
  "$binary" "${args[@]}" "$scratch/$target" "tests/fuzz/corpus/$target" >"$log" 2>&1 ||
    result=FAILED
  last=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
  corpus=$(sed -n 's/.* corp: \([0-9]*\).*/\1/p' <<<"$last")
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
  printf '%-18s %10s %8s %6s %6s %8s  %s\n' "$target" "${execs:-?}" "${rate:-?}" "${cov:-?}" \
    "${ft:-?}" "${corpus:-?}" "$result"
  if [ "$result" != ok ]; then
    failed+=("$target")
    grep -E 'ERROR|SUMMARY|invariant broken|runtime error|Test unit written' "$log" | head -20
    echo "  full log: $log; to keep the input as a regression test:"
    echo "  cp $FUZZ_OUT/$target/<crash file> tests/fuzz/regressions/$target/ (and fix the bug)"
  fi
done
if [ "${#failed[@]}" -gt 0 ]; then
  echo "fuzzing found failures in: ${failed[*]}"
  exit 1
fi
