#!/usr/bin/env bash
# Installs everything clusterctl needs to build and test on Debian 12.
set -euo pipefail
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
PACKAGES=(cmake ninja-build g++ make pkg-config libcli11-dev libboost-dev libmsgpack-cxx-dev
  libzookeeper-mt-dev zookeeper libcgroup-dev cgroup-tools libarchive-dev libcurl4-openssl-dev
  libgtest-dev googletest libbenchmark-dev bats ccache libsasl2-dev libsasl2-modules python3-msgpack
  python3-kazoo curl procps iproute2 clang-format libssl-dev openssl python3 tar
  clang libclang-rt-14-dev libfuzzer-14-dev)
missing=()
for package in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" ||
    missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
