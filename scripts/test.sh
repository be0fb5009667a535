#!/usr/bin/env bash
# Installs dependencies, builds, and runs every test (unit and end-to-end),
# then the sanitizer suite (scripts/test_sanitizers.sh: the whole suite under
# ASan+UBSan, the fuzzers, the threaded parts under TSan).
#   SANITIZERS=0 bash scripts/test.sh   the normal suite only (quick)
set -euo pipefail
cd "$(dirname "$0")/.."
start=$SECONDS
bash scripts/install-deps.sh
bash scripts/build.sh
echo "=== build: $((SECONDS - start)) s"
tests_start=$SECONDS
(cd "${BUILD_DIR:-build}" && ctest --output-on-failure -j "$(nproc)" --timeout 900)
echo "=== ctest: $((SECONDS - tests_start)) s"
if [ "${SANITIZERS:-1}" != 0 ]; then
  bash scripts/test_sanitizers.sh
fi
echo "=== scripts/test.sh: $((SECONDS - start)) s"
