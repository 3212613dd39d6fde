#!/usr/bin/env bash
# Checks that programs can use kin the three CMake ways and through pkg-config, with
# the shop example (examples/cpp): `cmake --install` of the build in $1 into a
# scratch prefix, then find_package(kin CONFIG), pkg-config, add_subdirectory and
# FetchContent (from this repository's HEAD). Each build runs the example. Then every
# C++ block of README.md and docs/*.md is compiled against the installed headers.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
root=$(pwd)
scratch=$(mktemp -d /tmp/kin-consumers-XXXXXX)
trap 'rm -rf "$scratch"' EXIT
gen=""; command -v ninja >/dev/null 2>&1 && gen="-G Ninja"
jobs=$(nproc)

step() { echo "-- $*"; }

step "install into $scratch/prefix"
cmake --install "$build" --prefix "$scratch/prefix" >/dev/null

step "find_package(kin CONFIG)"
cmake -S examples/cpp -B "$scratch/package" $gen -DCMAKE_BUILD_TYPE=Release -DKIN_CONSUME=package \
      -DCMAKE_PREFIX_PATH="$scratch/prefix" >/dev/null
cmake --build "$scratch/package" -j "$jobs" >/dev/null
"$scratch/package/shop" "$scratch/db" >/dev/null
"$scratch/package/shop" "$scratch/db2" | grep -q "sells 2 products"

step "pkg-config kin"
PKG_CONFIG_PATH="$scratch/prefix/lib/pkgconfig" pkg-config --exists kin
c++ -o "$scratch/shop-pc" examples/cpp/shop.cc \
    $(PKG_CONFIG_PATH="$scratch/prefix/lib/pkgconfig" pkg-config --cflags --static --libs kin)
"$scratch/shop-pc" | grep -q "sells 2 products"

# A file that includes only the installed headers compiles without the source tree.
step "installed headers alone"
printf '#include <kin/kin.h>\nint main() { return 0; }\n' > "$scratch/only.cc"
c++ -std=c++20 -fsyntax-only -I"$scratch/prefix/include" "$scratch/only.cc"

step "add_subdirectory"
cmake -S examples/cpp -B "$scratch/subdir" $gen -DCMAKE_BUILD_TYPE=Release -DKIN_CONSUME=subdirectory \
      -DKIN_SOURCE_DIR="$root" >/dev/null
cmake --build "$scratch/subdir" -j "$jobs" >/dev/null
"$scratch/subdir/shop" | grep -q "sells 2 products"

step "FetchContent"
cmake -S examples/cpp -B "$scratch/fetch" $gen -DCMAKE_BUILD_TYPE=Release -DKIN_CONSUME=fetchcontent \
      -DKIN_GIT_REPOSITORY="$root" -DKIN_GIT_TAG="$(git rev-parse HEAD)" >/dev/null
cmake --build "$scratch/fetch" -j "$jobs" >/dev/null
"$scratch/fetch/shop" | grep -q "sells 2 products"

step "C++ blocks of README.md and docs/"
bash scripts/check-doc-code.sh "$scratch/prefix/include"
echo "consumers: ok"
