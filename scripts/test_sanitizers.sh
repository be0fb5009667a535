#!/usr/bin/env bash
# The sanitizer suite, run by scripts/test.sh after the normal one (SANITIZERS=0
# there skips it). Every stage prints its time.
#   address: a clang tree with -fsanitize=address,undefined (build-asan; -O0,
#            which halves the compile time of -O1, line tables only, no
#            benchmarks, with the libFuzzer targets, core and fetcher -O1) runs
#            the whole ctest suite: unit, e2e and the fuzz regression replays;
#   fuzz:    each fuzzer runs FUZZ_SECONDS (default 60; 0 skips) from its seeds;
#   thread:  a clang tree with -fsanitize=thread (build-tsan) runs thread_tests,
#            the unit tests of the parts with worker threads.
# A report fails the run: sanitized code aborts on the first one
# (-fno-sanitize-recover=all, halt_on_error), and reports are also written to
# <tree>/sanitizer-logs/, which must stay empty (a daemon that dies in a
# test's teardown still counts). LeakSanitizer is on (see docs/ARCHITECTURE.md).
#   SANITIZERS="address fuzz thread"  the stages to run (default all three)
set -euo pipefail
cd "$(dirname "$0")/.."
STAGES=${SANITIZERS:-address fuzz thread}
[ "$STAGES" = 1 ] && STAGES="address fuzz thread"
[ "$STAGES" = 0 ] && exit 0
ASAN_BUILD_DIR=${ASAN_BUILD_DIR:-build-asan}
TSAN_BUILD_DIR=${TSAN_BUILD_DIR:-build-tsan}
JOBS=$(nproc)
# ccache (when installed) rewrites paths below the checkout to relative ones,
# so that another clone of the tree reuses what this one compiled.
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$PWD}
# -g would otherwise put the build directory into every hash: no clone could
# reuse another's objects.
export CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-true}
timings=()

stage() {
  local name=$1 start=$SECONDS
  shift
  echo "=== $name"
  "$@"
  timings+=("$(printf '%-22s %5d s' "$name" $((SECONDS - start)))")
  echo "=== $name: $((SECONDS - start)) s"
}

configure() {  # DIR SANITIZERS [cmake args...]
  local dir=$1 sanitizers=$2
  shift 2
  CC=clang CXX=clang++ cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
    "-DCMAKE_C_FLAGS_DEBUG=-O0 -gline-tables-only" "-DCMAKE_CXX_FLAGS_DEBUG=-O0 -gline-tables-only" \
    -DCLUSTERCTL_SANITIZE="$sanitizers" -DCLUSTERCTL_BENCHMARKS=OFF "$@" >/dev/null
}

# Runs ctest in DIR with the sanitizer logs in DIR/sanitizer-logs; fails if
# any test fails or any report was written.
run_ctest() {  # DIR [ctest args...]
  local dir=$1 logs supp
  shift
  logs=$(cd "$dir" && pwd)/sanitizer-logs
  supp=$PWD/tests/sanitizers/lsan.supp
  rm -rf "$logs" && mkdir -p "$logs"
  local status=0
  (cd "$dir" && ASAN_OPTIONS="log_path=$logs/report:detect_leaks=1:allocator_may_return_null=1" \
    LSAN_OPTIONS="suppressions=$supp:print_suppressions=0" \
    UBSAN_OPTIONS="log_path=$logs/report:halt_on_error=1:print_stacktrace=1" \
    TSAN_OPTIONS="log_path=$logs/report:halt_on_error=1:second_deadlock_stack=1" \
    ctest --output-on-failure -j "$JOBS" --timeout 900 "$@") || status=$?
  if [ -n "$(ls -A "$logs")" ]; then
    echo "sanitizer reports in $logs:"
    for report in "$logs"/*; do
      echo "--- $report"
      head -60 "$report"
    done
    return 1
  fi
  return "$status"
}

build_address() {
  configure "$ASAN_BUILD_DIR" address,undefined -DCLUSTERCTL_FUZZ=ON
  cmake --build "$ASAN_BUILD_DIR" -j "$JOBS"
}

build_thread() {
  configure "$TSAN_BUILD_DIR" thread
  cmake --build "$TSAN_BUILD_DIR" -j "$JOBS"
}

for name in $STAGES; do
  case $name in
    address)
      stage "asan build" build_address
      # A test that fails only because sanitized daemons are slower (timed
      # e2e checks) gets a second try; a sanitizer report still fails the run,
      # since the logs are checked whatever ctest says.
      stage "asan ctest" run_ctest "$ASAN_BUILD_DIR" --repeat until-pass:2
      ;;
    fuzz)
      if [ "${FUZZ_SECONDS:-60}" -gt 0 ]; then
        [ -d "$ASAN_BUILD_DIR/fuzz" ] || stage "asan build" build_address
        stage "fuzz (${FUZZ_SECONDS:-60} s each)" env BUILD_DIR="$ASAN_BUILD_DIR" bash scripts/fuzz.sh
      fi
      ;;
    thread)
      stage "tsan build" build_thread
      stage "tsan ctest" run_ctest "$TSAN_BUILD_DIR" --repeat until-pass:2
      ;;
    *)
      echo "unknown stage '$name' in SANITIZERS (use address, fuzz, thread)" >&2
      exit 2
      ;;
  esac
done
echo "sanitizer stages:"
printf '  %s\n' "${timings[@]}"
