#!/usr/bin/env bash
# Runs the libFuzzer targets of a fuzz build (tests/fuzz/CMakeLists.txt) over their
# seed corpora in tests/fuzz/corpus/<target>/.
#
#   run-fuzz.sh BUILD_DIR time SECONDS   each target for SECONDS (make fuzz)
#   run-fuzz.sh BUILD_DIR runs N         each target over its corpus plus N runs, seed 1
#                                        (the short stage of scripts/run-tests.sh)
#
# New inputs and crash artifacts go to a scratch directory (never the repository),
# kept and named on failure. Exits non-zero when any target finds a crash, a leak,
# a timeout (hang) or an out-of-memory.
set -uo pipefail
cd "$(dirname "$0")/../.."
build=${1:?build dir}; mode=${2:?time|runs}; amount=${3:?amount}
targets=(fuzz_journal_segment fuzz_snapshot fuzz_schema fuzz_request)

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

case "$mode" in
  time) limit=(-max_total_time="$amount") ;;
  runs) limit=(-runs="$amount" -seed=1) ;;
  *) echo "run-fuzz.sh: mode is time or runs" >&2; exit 2 ;;
esac

scratch=$(mktemp -d "${TMPDIR:-/tmp}/kin-fuzz.XXXXXX")
failed=()
for t in "${targets[@]}"; do
  bin="$build/tests/fuzz/$t"
  [[ -x "$bin" ]] || { echo "run-fuzz.sh: $bin is not built" >&2; exit 2; }
  mkdir -p "$scratch/$t/new"
  t0=$SECONDS
  # The scratch dir comes first: libFuzzer writes new inputs into the first corpus dir.
  if "$bin" "${limit[@]}" -timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
       -artifact_prefix="$scratch/$t/" "$scratch/$t/new" "tests/fuzz/corpus/$t" >"$scratch/$t/log" 2>&1; then
    runs=$(grep -m1 -oE 'stat::number_of_executed_units: *[0-9]+' "$scratch/$t/log" | grep -oE '[0-9]+$')
    echo "fuzz: $t ok (${runs:-?} runs, $((SECONDS - t0)) s)"
  else
    echo "fuzz: $t FAILED after $((SECONDS - t0)) s; log and artifacts in $scratch/$t"
    grep -m1 -A20 -E 'ERROR:|runtime error|fuzz invariant|Test unit written' "$scratch/$t/log" | head -n 40
    failed+=("$t")
  fi
done
if ((${#failed[@]})); then
  echo "fuzz: findings in ${failed[*]} (inputs in $scratch)"
  exit 1
fi
rm -rf "$scratch"
