// Feed/<what>: the change feed's cost and speed.
//
//   Feed/create/<followers>    one create per call (typed Insert) under sync=none,
//                              with no follower (0) and with one thread reading the
//                              feed without pause (1): the feed's cost to writers
//                              (200,000 creates a run, median of five runs).
//   Feed/follow_apply          a follower that reads 100k single-create entries from
//                              a database's journal and applies each to an in-memory
//                              copy (Database::ApplyFeedEntry): changes per second.
//   Feed/follow_read           the same reading alone (journal to FeedEntry).
#include <benchmark/benchmark.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "api/schema_json.h"
#include "benchmarks/fixture.h"

namespace kin::bench {
namespace {

std::unique_ptr<Database> OpenOnDisk(const std::string& dir) {
  Options options;
  options.sync = SyncPolicy::kNone;
  auto db = Database::Open(dir, ProductOrderSchemaText(), options);
  if (!db.ok()) Die("open " + dir + ": " + db.status().ToString());
  return std::move(db).value();
}

void FeedCreate(benchmark::State& state) {
  TempDir dir("feed");
  auto db = OpenOnDisk(dir.path());
  auto products = db->Model("Product").value();
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> read{0};
  std::thread follower;
  if (state.range(0) == 1) {
    follower = std::thread([&] {
      auto cursor = db->Feed(0);
      if (!cursor.ok()) Die("feed: " + cursor.status().ToString());
      while (!stop.load(std::memory_order_relaxed)) {
        auto next = cursor->Next(4096);
        if (!next.ok()) Die("feed: " + next.status().ToString());
        read.fetch_add(next->size(), std::memory_order_relaxed);
        if (next->empty()) std::this_thread::sleep_for(std::chrono::milliseconds(1));  // caught up: look again soon
      }
    });
  }
  for (auto _ : state) {
    Result<std::string> id = products.Insert({{"title", Value::Text("Product")}});
    if (!id.ok()) Die("insert: " + id.status().ToString());
  }
  stop = true;
  if (follower.joinable()) follower.join();
  if (state.range(0) == 1)
    state.counters["followed"] = static_cast<double>(read.load()) / static_cast<double>(state.iterations());
}
// Both sides create the same number of records, each run on a fresh database (a
// run's time depends on how much new memory it maps in), and each runs kRepeats
// times: report.py compares their medians, as it does for Write/create.
constexpr int64_t kFeedCreates = 200000;
constexpr int kRepeats = 5;
BENCHMARK(FeedCreate)
    ->Name("Feed/create")
    ->Arg(0)
    ->Arg(1)
    ->Iterations(kFeedCreates)
    ->Repetitions(kRepeats)
    ->UseRealTime();

constexpr int kFollowed = 100000;

// A database whose journal holds kFollowed single-create calls.
struct FollowSource {
  TempDir dir{"feed-source"};
  std::unique_ptr<Database> db = OpenOnDisk(dir.path());
  FollowSource() {
    auto products = db->Model("Product").value();
    for (int i = 0; i < kFollowed; ++i)
      if (!products.Insert({{"title", Value::Text("Product")}}).ok()) Die("insert");
  }
};

void FollowFeed(benchmark::State& state, bool apply) {
  static FollowSource* source = new FollowSource();  // built once, kept for both benchmarks
  uint64_t changes = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto schema = api::SchemaFromText(ProductOrderSchemaText());
    if (!schema.ok()) Die("schema");
    auto target = Database::OpenInMemory(*schema);
    if (!target.ok()) Die("open target");
    auto cursor = source->db->Feed(0);
    if (!cursor.ok()) Die("feed: " + cursor.status().ToString());
    state.ResumeTiming();
    for (;;) {
      auto next = cursor->Next(4096);
      if (!next.ok()) Die("feed: " + next.status().ToString());
      if (next->empty()) break;
      for (const FeedEntry& e : *next) {
        changes += e.changes.size();
        if (apply && !(*target)->ApplyFeedEntry(e).ok()) Die("apply");
      }
    }
  }
  state.counters["changes_per_s"] =
      benchmark::Counter(static_cast<double>(changes), benchmark::Counter::kIsRate);
}
BENCHMARK_CAPTURE(FollowFeed, apply, true)->Name("Feed/follow_apply")->Iterations(3)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(FollowFeed, read, false)->Name("Feed/follow_read")->Iterations(3)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace kin::bench
