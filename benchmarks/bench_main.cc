// The benchmark binary's main: Google Benchmark's own.
#include <benchmark/benchmark.h>

BENCHMARK_MAIN();
