// Reads and writes side by side on an on-disk database (SPEC.md section 11):
//
// DurableRetrieve/<writer>: retrieve one Product with its 10 Orders (through a
//   ReadView, as Retrieve/kin_view) from a database of 20k products and 20k
//   orders on disk, with no writer (0) or with one thread creating orders without
//   pause under sync=always (1). A reader never waits for a flush: the ratio of
//   the two is the cost of a concurrent durable writer to a reader.
// WriterLatency/<readers>/<writer>: one writer creating orders under sync=none (so
//   that the lock, not the disk, is what it waits for), alone (0/1), with a reader
//   on every core retrieving products without pause (N/1), and those readers alone
//   (N/0). Counters: the writer's p50, p99 and longest latency in microseconds, and
//   the readers' retrieves per second.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "benchmarks/fixture.h"

namespace kin::bench {
namespace {

using Clock = std::chrono::steady_clock;
constexpr int kProducts = 20000, kOrdersPerProduct = 10;

// An on-disk database of kProducts products with kOrdersPerProduct orders each,
// reopened with `sync`.
struct DiskFixture {
  TempDir dir{"durable"};
  std::unique_ptr<Database> db;
  ModelId product_model;
  RelationId product_orders;
  SlotId order_reference;

  explicit DiskFixture(SyncPolicy sync) {
    {
      Options fast;
      fast.sync = SyncPolicy::kNone;
      auto built = Database::Open(dir.path(), ProductOrderSchemaText(), fast);
      if (!built.ok()) Die("open: " + built.status().ToString());
      for (int start = 0; start < kProducts; start += 1000) {
        Json orders = Json::array(), products = Json::array();
        for (int p = start; p < start + 1000; ++p) {
          Json links = Json::array();
          for (int o = 0; o < kOrdersPerProduct; ++o) {
            const std::string id = Cat("o", static_cast<long long>(p) * kOrdersPerProduct + o);
            orders.push_back({{"id", id}, {"reference", "ref"}});
            links.push_back(id);
          }
          products.push_back({{"id", Cat("p", p)}, {"title", "t"}, {"orders", std::move(links)}});
        }
        if (!(*built)->CallText("createOrders", Json::array({orders})).ok()) Die("seed orders");
        if (!(*built)->CallText("createProducts", Json::array({products})).ok()) Die("seed products");
      }
      if (!(*built)->Snapshot().ok()) Die("snapshot");
    }
    Options options;
    options.sync = sync;
    auto opened = Database::Open(dir.path(), options);
    if (!opened.ok()) Die("reopen: " + opened.status().ToString());
    db = std::move(opened).value();
    product_model = db->schema().FindModel("Product");
    const ModelDef& pm = db->schema().model(product_model);
    product_orders = pm.FindRelation("orders");
    order_reference = db->schema().model(db->schema().FindModel("Order")).FindProperty("reference")->slot;
  }

  // Reads product `i` and its orders through a view; the number of orders read.
  size_t Retrieve(uint64_t i) const {
    ReadView view = db->Read();
    auto product = view.Find(product_model, Cat("p", static_cast<long long>(i % kProducts)));
    if (!product) Die("product not found");
    size_t n = 0;
    product->ForEachRelated(product_orders, [&](RecordRef order) {
      benchmark::DoNotOptimize(order.Get(order_reference).as_text().data());
      ++n;
    });
    return n;
  }
};

// A thread creating one order per call until stopped; latencies in microseconds.
class Writer {
 public:
  explicit Writer(Database& db) : thread_([this, &db] { Run(db); }) {}
  std::vector<double> Stop() {
    stop_ = true;
    thread_.join();
    return std::move(latencies_);
  }

 private:
  void Run(Database& db) {
    auto orders = db.Model("Order").value();
    for (long long i = 0; !stop_; ++i) {
      const auto start = Clock::now();
      Result<std::string> id = orders.Insert({{"reference", Value::Text(Cat("w", i))}});
      if (!id.ok()) Die("write: " + id.status().ToString());
      latencies_.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
    }
  }
  std::atomic<bool> stop_{false};
  std::vector<double> latencies_;
  std::thread thread_;
};

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

void DurableRetrieve(benchmark::State& state) {
  static DiskFixture f(SyncPolicy::kAlways);
  std::unique_ptr<Writer> writer;
  if (state.range(0) != 0) writer = std::make_unique<Writer>(*f.db);
  uint64_t i = 0, rows = 0;
  for (auto _ : state) rows += f.Retrieve(i++ * 7919);
  if (writer) state.counters["writes"] = static_cast<double>(writer->Stop().size());
  state.counters["rows"] = benchmark::Counter(static_cast<double>(rows) / static_cast<double>(state.iterations()));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(DurableRetrieve)->Arg(0)->Arg(1)->UseRealTime();

void WriterLatency(benchmark::State& state) {
  static DiskFixture f(SyncPolicy::kNone);
  const int readers = static_cast<int>(state.range(0));
  const bool write = state.range(1) != 0;
  for (auto _ : state) {
    std::atomic<bool> stop{false};
    std::atomic<uint64_t> reads{0};
    std::vector<std::thread> threads;
    for (int r = 0; r < readers; ++r)
      threads.emplace_back([&, r] {
        uint64_t n = 0;
        for (uint64_t i = static_cast<uint64_t>(r) * 1000; !stop; ++i, ++n) f.Retrieve(i * 7919);
        reads += n;
      });
    std::unique_ptr<Writer> writer;
    if (write) writer = std::make_unique<Writer>(*f.db);
    const auto start = Clock::now();
    std::this_thread::sleep_for(std::chrono::seconds(2));
    stop = true;
    std::vector<double> latencies = writer ? writer->Stop() : std::vector<double>();
    for (auto& t : threads) t.join();
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    state.counters["writer_p50_us"] = Percentile(latencies, 0.50);
    state.counters["writer_p99_us"] = Percentile(latencies, 0.99);
    state.counters["writer_max_us"] = Percentile(latencies, 1.0);
    state.counters["writes_per_s"] = static_cast<double>(latencies.size()) / seconds;
    state.counters["reads_per_s"] = static_cast<double>(reads.load()) / seconds;
  }
}
BENCHMARK(WriterLatency)
    ->Args({0, 1})
    ->Args({static_cast<int>(std::max(1u, std::thread::hardware_concurrency())), 1})
    ->Args({static_cast<int>(std::max(1u, std::thread::hardware_concurrency())), 0})
    ->Iterations(1)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace kin::bench
