#!/usr/bin/env bash
# Configures and builds clusterctl into build/ (BUILD_DIR to change).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
# ccache (when installed) rewrites paths below the checkout to relative ones,
# so that another clone of the tree reuses what this one compiled.
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$PWD}
# -g would otherwise put the build directory into every hash: no clone could
# reuse another's objects.
export CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-true}
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD_DIR" -j "$(nproc)"
