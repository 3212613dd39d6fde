# The two commands a new user runs: `make demo` and `make test`. `make bench` runs benchmarks.
BUILD      ?= build
ASAN_BUILD ?= build-asan
JOBS       ?= $(shell nproc)
GENERATOR  := $(shell command -v ninja >/dev/null 2>&1 && echo "-G Ninja")

.PHONY: deps build build-asan demo test test-release test-asan bench clean fuzz

deps:
	@bash scripts/install-deps.sh

build: deps
	@cmake -S . -B $(BUILD) $(GENERATOR) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

build-asan: deps
	@cmake -S . -B $(ASAN_BUILD) $(GENERATOR) -DCMAKE_BUILD_TYPE=Debug -DKIN_SANITIZE=ON -DKIN_BUILD_BENCHMARKS=OFF >/dev/null
	@cmake --build $(ASAN_BUILD) -j $(JOBS)

# The demo needs only the libraries and the `kin` command: no tests, no benchmarks.
# Its first build compiles 58 files, about 3 minutes of CPU time (1.5 to 3 minutes
# on 2 cores); later runs start at once.
demo: deps
	@cmake -S . -B $(BUILD) $(GENERATOR) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@test -x $(BUILD)/tools/kin || echo "make demo: the first build compiles the kin command (58 files, 1.5 to 3 minutes on 2 cores)"
	@cmake --build $(BUILD) -j $(JOBS) --target kin
	@$(BUILD)/tools/kin demo

# Sanitizer build first, release build last, so the output ends with CTest's summary line.
test: deps
	@bash scripts/run-tests.sh

# `make bench BENCH_FILTER=regex` runs a subset; the JSON lands in build/bench.json.
# E.g. the query suite alone (3 dataset sizes, the 1M one built in about a minute):
#   make bench BENCH_FILTER='Query/'
bench: deps
	@cmake -S . -B build-release $(GENERATOR) -DCMAKE_BUILD_TYPE=Release -DKIN_BUILD_TESTS=OFF >/dev/null
	@cmake --build build-release -j $(JOBS) --target kin_bench kin_snapshot_stall
	@mkdir -p build
	@build-release/benchmarks/kin_bench --benchmark_out=build/bench.json --benchmark_out_format=json \
	  $(if $(BENCH_FILTER),--benchmark_filter='$(BENCH_FILTER)')
	@python3 benchmarks/report.py build/bench.json
	@build-release/benchmarks/kin_snapshot_stall

# libFuzzer targets (tests/fuzz) under ASan+UBSan, clang only: each runs FUZZ_SECONDS
# over its corpus; new inputs go to a scratch dir. Non-zero exit on any finding.
FUZZ_BUILD   ?= build-fuzz
FUZZ_SECONDS ?= 60
fuzz: deps
	@cmake -S . -B $(FUZZ_BUILD) $(GENERATOR) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ -DKIN_FUZZ=ON -DKIN_SANITIZE=ON -DKIN_BUILD_TESTS=OFF -DKIN_BUILD_BENCHMARKS=OFF >/dev/null
	@cmake --build $(FUZZ_BUILD) -j $(JOBS)
	@bash tests/fuzz/run-fuzz.sh $(FUZZ_BUILD) time $(FUZZ_SECONDS)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) build-release build-tsan
