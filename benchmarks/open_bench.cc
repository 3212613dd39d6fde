// Recovery and the directory tools on an on-disk database of N products (each
// created by its own call, so the journal holds N records) with one link each to
// 1000 orders; N is 1M unless the environment variable KIN_BENCH_OPEN_RECORDS says
// otherwise.
//   Open/<from>: opening it from the journal alone vs from a snapshot of the same
//     state (closing is not timed).
//   Snapshot/<where>: writing a snapshot of it, in a forked child (the default) or
//     in-process; the call returns once the file and its directory are synced.
//   Export/json, Import/json: the export document of it, and a new database
//     directory built from that document (snapshot written, opened once to check).
//   Migrate/<what>: opening it (from the snapshot) with a schema that adds a
//     nullable property to Product, every record kept: the whole Database::Open
//     (Migrate/open_add_nullable) against opening with its own schema
//     (Migrate/open_same). The change is taken in place (the records keep their
//     layout); Migrate/in_place_add_nullable times that alone on the recovered
//     store, Migrate/carry_add_nullable the copy of every record (MigrateStore)
//     that a change of another kind makes, and Migrate/update/<kind> 100k updates
//     of products right after either (a record kept in place moves to a block of
//     the new size on its first write).
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "api/database_access.h"
#include "api/export.h"
#include "api/schema_json.h"
#include "benchmarks/fixture.h"
#include "core/store_migration.h"
#include "kin/json.h"
#include "persistence/recovery.h"

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

  static std::unique_ptr<Database> Open(const std::string& dir, bool snapshot_in_child = true) {
    Options options;
    options.sync = SyncPolicy::kNone;
    options.snapshot_in_child = snapshot_in_child;
    auto db = Database::Open(dir, ProductOrderSchemaText(), options);
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
// Three runs of two opens each, compared by their medians: how long an open takes
// depends on whether the memory it fills was just freed or must be mapped in anew,
// which moves a single run of the snapshot's 150 ms by half.
BENCHMARK_CAPTURE(OpenFrom, journal, false)
    ->Name("Open/journal")
    ->Iterations(2)
    ->Repetitions(3)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(OpenFrom, snapshot, true)
    ->Name("Open/snapshot")
    ->Iterations(2)
    ->Repetitions(3)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

// The database of the snapshot directory is opened once (not timed); each iteration
// writes a full snapshot of the same state (the file of the same position is
// replaced atomically).
void SnapshotWrite(benchmark::State& state, bool in_child) {
  OpenFixture& f = OpenFixture::Get();
  auto db = OpenFixture::Open(f.snapshot_dir->path(), in_child);
  for (auto _ : state) {
    Status s = db->Snapshot();
    if (!s.ok()) state.SkipWithError(s.ToString().c_str());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * f.records);
  state.counters["records"] = static_cast<double>(f.records);
}
BENCHMARK_CAPTURE(SnapshotWrite, child, true)
    ->Name("Snapshot/child")
    ->Iterations(2)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(SnapshotWrite, inprocess, false)
    ->Name("Snapshot/inprocess")
    ->Iterations(2)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

// The export document, kept for Import/json (made once, by Export/json or on first use).
std::string& ExportText() {
  static std::string text;
  return text;
}

void ExportJson(benchmark::State& state) {
  OpenFixture& f = OpenFixture::Get();
  auto db = OpenFixture::Open(f.snapshot_dir->path());
  for (auto _ : state) {
    auto text = api::ExportJson(*db);
    if (!text.ok()) {
      state.SkipWithError(text.status().ToString().c_str());
      break;
    }
    ExportText() = std::move(text).value();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * f.records);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * ExportText().size()));
  state.counters["records"] = static_cast<double>(f.records);
}
BENCHMARK(ExportJson)->Name("Export/json")->Iterations(2)->UseRealTime()->Unit(benchmark::kMillisecond);

void ImportJson(benchmark::State& state) {
  OpenFixture& f = OpenFixture::Get();
  if (ExportText().empty()) {
    auto db = OpenFixture::Open(f.snapshot_dir->path());
    auto text = api::ExportJson(*db);
    if (!text.ok()) Die("export: " + text.status().ToString());
    ExportText() = std::move(text).value();
  }
  Options options;
  options.sync = SyncPolicy::kNone;
  for (auto _ : state) {
    state.PauseTiming();
    auto dir = std::make_unique<TempDir>("import");
    std::string target = dir->path() + "/db";
    state.ResumeTiming();
    Status s = api::ImportJson(target, ExportText(), options);
    if (!s.ok()) state.SkipWithError(s.ToString().c_str());
    state.PauseTiming();
    dir.reset();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * f.records);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * ExportText().size()));
  state.counters["records"] = static_cast<double>(f.records);
}
BENCHMARK(ImportJson)->Name("Import/json")->Iterations(2)->UseRealTime()->Unit(benchmark::kMillisecond);

// The fixture's schema with Product.note, a nullable text, added.
std::string WiderSchemaText() {
  Json schema = Json::parse(ProductOrderSchemaText());
  schema["models"]["Product"]["properties"]["note"] = {{"type", "text"}, {"nullable", true}};
  return schema.dump();
}

void MigrateOpen(benchmark::State& state, bool change) {
  OpenFixture& f = OpenFixture::Get();
  Options options;
  options.sync = SyncPolicy::kNone;
  const std::string schema = change ? WiderSchemaText() : ProductOrderSchemaText();
  for (auto _ : state) {
    state.PauseTiming();
    auto dir = std::make_unique<TempDir>("migrate");
    std::filesystem::remove_all(dir->path());
    std::filesystem::copy(f.snapshot_dir->path(), dir->path(), std::filesystem::copy_options::recursive);
    state.ResumeTiming();
    auto db = Database::Open(dir->path(), schema, options);
    if (!db.ok()) {
      state.SkipWithError(db.status().ToString().c_str());
      break;
    }
    state.PauseTiming();
    db.value().reset();
    dir.reset();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * f.records);
  state.counters["records"] = static_cast<double>(f.records);
}
BENCHMARK_CAPTURE(MigrateOpen, open_add_nullable, true)
    ->Name("Migrate/open_add_nullable")
    ->Iterations(3)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(MigrateOpen, open_same, false)
    ->Name("Migrate/open_same")
    ->Iterations(3)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

void MigrateCarry(benchmark::State& state) {
  OpenFixture& f = OpenFixture::Get();
  auto db = OpenFixture::Open(f.snapshot_dir->path());
  auto wider = api::SchemaFromText(WiderSchemaText());
  if (!wider.ok()) Die("schema: " + wider.status().ToString());
  ReadView view = db->Read();
  const Store& store = api::ViewAccess::StoreOf(view);
  for (auto _ : state) {
    auto carried = MigrateStore(store, wider.value());
    if (!carried.ok()) {
      state.SkipWithError(carried.status().ToString().c_str());
      break;
    }
    state.PauseTiming();
    carried.value().reset();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * f.records);
  state.counters["records"] = static_cast<double>(f.records);
}
BENCHMARK(MigrateCarry)->Name("Migrate/carry_add_nullable")->Iterations(3)->UseRealTime()->Unit(benchmark::kMillisecond);

// The fixture's state, read from its snapshot into a store of its own.
std::unique_ptr<Store> RecoveredStore() {
  persistence::RecoveryOptions options;
  options.parse_schema = api::SchemaFromText;
  auto state = persistence::ReadDatabase(OpenFixture::Get().snapshot_dir->path(), options);
  if (!state.ok()) Die("recovery: " + state.status().ToString());
  return std::move(state->store);
}

// What Open does to the store for a change it takes in place: the kept layout and
// Store::AdoptSchema, on the recovered store (recovered again, untimed, per run).
void MigrateInPlace(benchmark::State& state) {
  OpenFixture& f = OpenFixture::Get();
  auto wider = api::SchemaFromText(WiderSchemaText());
  if (!wider.ok()) Die("schema: " + wider.status().ToString());
  for (auto _ : state) {
    state.PauseTiming();
    std::unique_ptr<Store> store = RecoveredStore();
    state.ResumeTiming();
    auto kept = wider.value()->KeepingLayoutOf(store->schema());
    Status adopted = kept ? store->AdoptSchema(kept) : Status::DatabaseError("layout not kept");
    if (!adopted.ok()) {
      state.SkipWithError(adopted.ToString().c_str());
      break;
    }
    state.PauseTiming();
    store.reset();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * f.records);
  state.counters["records"] = static_cast<double>(f.records);
}
BENCHMARK(MigrateInPlace)->Name("Migrate/in_place_add_nullable")->Iterations(3)->UseRealTime()->Unit(benchmark::kMillisecond);

// Updating 100k products (Store::Apply of a put that changes the title), each
// once, in a store that took the wider schema in place (each update first moves a
// narrow record to a block of the new size: /first_write) and in one whose records
// were carried over (/carried): what the first write after an in-place change costs.
void MigrateUpdate(benchmark::State& state, bool in_place) {
  auto wider = api::SchemaFromText(WiderSchemaText());
  if (!wider.ok()) Die("schema: " + wider.status().ToString());
  constexpr size_t kUpdates = 100'000;
  size_t done = 0;
  for (auto _ : state) {
    state.PauseTiming();
    std::unique_ptr<Store> store = RecoveredStore();
    if (in_place) {
      Status adopted = store->AdoptSchema(wider.value()->KeepingLayoutOf(store->schema()));
      if (!adopted.ok()) Die("adopt: " + adopted.ToString());
    } else {
      auto carried = MigrateStore(*store, wider.value());
      if (!carried.ok()) Die("carry: " + carried.status().ToString());
      store = std::move(carried).value();
    }
    const ModelDef& product = store->schema().model(store->schema().FindModel("Product"));
    const SlotId title = product.FindProperty("title")->slot;
    std::vector<PutStep> puts;
    store->Scan(product.id, [&](const Record& r) {
      PutStep put{product.id, r.CopyValues(product.properties.size())};
      put.values[title.value] = Value::Text("retitled");
      puts.push_back(std::move(put));
      return puts.size() < kUpdates;
    });
    state.ResumeTiming();
    for (PutStep& put : puts) {
      Status s = store->Apply(ChangeStep(std::move(put)));
      if (!s.ok()) Die("update: " + s.ToString());
    }
    done += puts.size();
    state.PauseTiming();
    store.reset();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(static_cast<int64_t>(done));
}
BENCHMARK_CAPTURE(MigrateUpdate, first_write, true)
    ->Name("Migrate/update/first_write")
    ->Iterations(3)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(MigrateUpdate, carried, false)
    ->Name("Migrate/update/carried")
    ->Iterations(3)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace kin::bench
