#!/usr/bin/env bash
# Builds and runs every test: first the ASan+UBSan build, then the fuzz targets, then
# the concurrency tests under ThreadSanitizer, then the release build's tests.
# Prints how long each stage took; the output ends with CTest's summary line.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)
gen=""; command -v ninja >/dev/null 2>&1 && gen="-G Ninja"

stage() { # name, command...
  local name=$1; shift
  local t0=$SECONDS
  echo "== $name"
  "$@"
  echo "== $name took $((SECONDS - t0)) s"
}

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}

stage "configure+build (asan+ubsan)" bash -c "cmake -S . -B build-asan $gen -DCMAKE_BUILD_TYPE=Debug -DKIN_SANITIZE=ON -DKIN_BUILD_BENCHMARKS=OFF >/dev/null && cmake --build build-asan -j $jobs"
stage "configure+build (release)" bash -c "cmake -S . -B build $gen -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null && cmake --build build -j $jobs"
# Programs using kin: cmake --install, find_package, pkg-config, add_subdirectory,
# FetchContent (examples/cpp), and every C++ block of README.md and docs/ compiles.
stage "consumers" bash scripts/check-consumers.sh build
stage "tests (asan+ubsan)" ctest --test-dir build-asan --output-on-failure -j "$jobs"
# libFuzzer targets (tests/fuzz, clang, ASan+UBSan): each over its corpus plus 2000 runs.
stage "fuzz (short)" bash -c "cmake -S . -B build-fuzz $gen -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ -DKIN_FUZZ=ON -DKIN_SANITIZE=ON -DKIN_BUILD_TESTS=OFF -DKIN_BUILD_BENCHMARKS=OFF >/dev/null && cmake --build build-fuzz -j $jobs && bash tests/fuzz/run-fuzz.sh build-fuzz runs 2000"
# ThreadSanitizer (KIN_SANITIZE=thread): only the libraries and kin_concurrency_tests
# (readers, writers, group commit, the interval flusher, snapshots while writing).
stage "configure+build (tsan)" bash -c "cmake -S . -B build-tsan $gen -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKIN_SANITIZE=thread -DKIN_BUILD_BENCHMARKS=OFF >/dev/null && cmake --build build-tsan -j $jobs --target kin_concurrency_tests"
# Bounded: a hang fails the stage instead of stalling CI (it takes seconds).
stage "tests (tsan)" timeout 600 build-tsan/tests/kin_concurrency_tests
echo "== tests (release)"
t0=$SECONDS
ctest --test-dir build --output-on-failure -j "$jobs" 2>&1 | tee build/ctest.log
status=${PIPESTATUS[0]}
echo "== tests (release) took $((SECONDS - t0)) s" >&2
# Repeat CTest's summary as the final line of output.
grep -E 'tests passed|tests failed' build/ctest.log | tail -n 1
exit "$status"
