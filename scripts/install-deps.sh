#!/usr/bin/env bash
# Installs the Debian 12 packages kin needs to build, test and benchmark.
# Idempotent: when everything is present it only checks and exits (no apt-get).
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache clang python3
  libboost-dev libboost-serialization-dev   # MultiIndex, CRC, Serialization
  libcereal-dev                             # journal payloads
  catch2                                    # tests (v2.13)
  nlohmann-json3-dev rapidjson-dev          # JSON at the API edge / streaming output
  libcli11-dev libedit-dev                  # the kin command line; line editing in `kin shell`
  libre2-dev pkg-config                     # $re filters: a linear-time regex engine
  libbenchmark-dev libsqlite3-dev           # benchmarks and their peer
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
