// Open/<from>: opening an on-disk database of N products (each created by its own
// call, so the journal holds N records) with one link each to 1000 orders, from the
// journal alone vs from a snapshot of the same state. N is 1M unless the
// environment variable KIN_BENCH_OPEN_RECORDS says otherwise. The snapshot write
// time is reported as a counter of Open/snapshot.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "benchmarks/fixture.h"

namespace kin::bench {
namespace {

constexpr int kOrders = 1000;

struct OpenFixture {
  std::unique_ptr<TempDir> journal_dir = std::make_unique<TempDir>("open-journal");
  std::unique_ptr<TempDir> snapshot_dir = std::make_unique<TempDir>("open-snapshot");
  int64_t records = 0;
  double build_seconds = 0, snapshot_write_seconds = 0;

  static OpenFixture& Get() {
    static OpenFixture f;  // destroyed at exit: its directories are removed
    static bool built = (f.Build(), true);
    (void)built;
    return f;
  }

  static std::unique_ptr<Database> Open(const std::string& dir) {
    Options options;
    options.sync = SyncPolicy::kNone;
    auto db = Database::Open(dir, &ProductOrderSchemaText(), options);
    if (!db.ok()) Die("open " + dir + ": " + db.status().ToString());
    return std::move(db).value();
  }

  void Build() {
    const char* env = std::getenv("KIN_BENCH_OPEN_RECORDS");
    records = env ? std::atoll(env) : 1000000;
    std::fprintf(stderr, "kin_bench: building a journal of %lld product creates...\n", static_cast<long long>(records));
    auto start = std::chrono::steady_clock::now();
    {
      auto db = Open(journal_dir->path());
      Json orders = Json::array();
      for (int i = 0; i < kOrders; ++i) orders.push_back({{"id", Cat("o", i)}, {"reference", "r"}});
      if (!db->CallText("createOrders", Json::array({orders})).ok()) Die("create orders");
      auto products = db->Model("Product").value();
      for (int64_t i = 0; i < records; ++i) {
        std::string order = Cat("o", i % kOrders);
        if (!products.Create({{"title", "Product"}, {"orders", {order}}}).ok()) Die("create product");
      }
    }
    build_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::filesystem::remove_all(snapshot_dir->path());
    std::filesystem::copy(journal_dir->path(), snapshot_dir->path(), std::filesystem::copy_options::recursive);
    auto db = Open(snapshot_dir->path());
    start = std::chrono::steady_clock::now();
    if (!db->Snapshot().ok()) Die("snapshot");
    snapshot_write_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::fprintf(stderr, "kin_bench: journal built in %.1f s, snapshot written in %.2f s\n", build_seconds,
                 snapshot_write_seconds);
  }
};

void OpenFrom(benchmark::State& state, bool snapshot) {
  OpenFixture& f = OpenFixture::Get();
  const std::string& dir = snapshot ? f.snapshot_dir->path() : f.journal_dir->path();
  for (auto _ : state) {
    auto db = OpenFixture::Open(dir);
    benchmark::DoNotOptimize(db.get());
    state.PauseTiming();  // closing is not opening
    db.reset();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * f.records);
  state.counters["records"] = static_cast<double>(f.records);
  if (snapshot) state.counters["snapshot_write_s"] = f.snapshot_write_seconds;
  else state.counters["journal_build_s"] = f.build_seconds;
}

// Wall clock: a snapshot loads on two threads, so the opening thread's CPU time
// would overstate the rate (records per second are reported from real time).
BENCHMARK_CAPTURE(OpenFrom, journal, false)
    ->Name("Open/journal")
    ->Iterations(2)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(OpenFrom, snapshot, true)
    ->Name("Open/snapshot")
    ->Iterations(2)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace kin::bench
