// Write/<operation>/<contestant>/<sync>: create (one record per call), update (one
// scalar), replace (a manyToMany set) on an on-disk database, kin under sync
// none / interval / always against SQLite WAL with synchronous=NORMAL and FULL
// (one statement per commit) and bulk (all in one transaction), plus
// Write/fdatasync/raw/always: the bare write+fdatasync latency of the same disk.
// GroupCommit/<threads>: concurrent creates under always.
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>

#include "api/database_access.h"
#include "api/schema_json.h"
#include "benchmarks/fixture.h"

namespace kin::bench {
namespace {

constexpr int kSeedRecords = 1000;  // products and orders present before update/replace

// kCreate goes through the typed ModelHandle::Insert (no JSON in or out, as
// SQLite's prepared INSERT); kCreateJson through ModelHandle::Create with a JSON
// object in and the record as JSON out.
enum class Op { kCreate, kCreateJson, kUpdate, kReplace };

std::unique_ptr<Database> OpenKin(const std::string& dir, SyncPolicy sync) {
  Options options;
  options.sync = sync;
  options.sync_interval_ms = 100;
  auto db = Database::Open(dir, ProductOrderSchemaText(), options);
  if (!db.ok()) Die("open " + dir + ": " + db.status().ToString());
  return std::move(db).value();
}

std::string Id(const char* prefix, int i) {
  std::string s(prefix);  // not `prefix + std::to_string(i)`: GCC 12 warns falsely (-Wrestrict)
  s += std::to_string(i);
  return s;
}

void Seed(Database& db) {
  Json orders = Json::array(), products = Json::array();
  for (int i = 0; i < kSeedRecords; ++i) {
    orders.push_back({{"id", Id("o", i)}, {"reference", "r"}});
    products.push_back({{"id", Id("p", i)}, {"title", "t"}});
  }
  if (!db.CallText("createOrders", Json::array({orders})).ok()) Die("seed orders");
  if (!db.CallText("createProducts", Json::array({products})).ok()) Die("seed products");
}

void KinWrite(benchmark::State& state, Op op, SyncPolicy sync) {
  TempDir dir("write");
  auto db = OpenKin(dir.path(), sync);
  Seed(*db);
  auto products = db->Model("Product").value();
  int i = 0;
  rusage before{}, after{};  // of this thread
  getrusage(RUSAGE_THREAD, &before);
  for (auto _ : state) {
    Result<Json> r = Json();
    switch (op) {
      case Op::kCreate: {
        Result<std::string> id = products.Insert({{"title", Value::Text("Product")}});
        if (!id.ok()) r = id.status();
        break;
      }
      case Op::kCreateJson:
        r = products.Create({{"title", "Product"}});
        break;
      case Op::kUpdate:
        r = products.Update({{"id", Id("p", i % kSeedRecords)}, {"title", Id("title ", i)}});
        break;
      case Op::kReplace:
        r = products.Update({{"id", Id("p", i % kSeedRecords)},
                             {"orders", {Id("o", i % kSeedRecords), Id("o", (i + 7) % kSeedRecords),
                                         Id("o", (i + 13 * (i & 1)) % kSeedRecords)}}});
        break;
    }
    if (!r.ok()) state.SkipWithError(r.status().ToString().c_str());
    ++i;
  }
  getrusage(RUSAGE_THREAD, &after);
  // Page faults and kernel time of the writing thread alone (the journal's and the
  // pools' faulting threads are not counted): what memory first touched costs it.
  state.counters["faults"] = static_cast<double>(after.ru_minflt - before.ru_minflt);
  state.counters["sys_ms"] = static_cast<double>(after.ru_stime.tv_sec - before.ru_stime.tv_sec) * 1e3 +
                             static_cast<double>(after.ru_stime.tv_usec - before.ru_stime.tv_usec) / 1e3;
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  auto stats = api::DatabaseAccess::JournalStats(*db);
  state.counters["syncs"] = static_cast<double>(stats.syncs);
}

enum class SqlMode { kNormal, kFull, kBulk };

void SqliteWrite(benchmark::State& state, Op op, SqlMode mode) {
  TempDir dir("sqlite");
  sqlite3* db = nullptr;
  std::string file = dir.path() + "/db.sqlite";
  CheckSql(sqlite3_open(file.c_str(), &db), db, "open");
  std::string setup = std::string("PRAGMA journal_mode=WAL; PRAGMA synchronous=") +
                      (mode == SqlMode::kFull ? "FULL" : "NORMAL") +
                      ";"
                      "CREATE TABLE products(id TEXT PRIMARY KEY, title TEXT NOT NULL, created_at TEXT NOT NULL,"
                      " updated_at TEXT NOT NULL, deleted_at TEXT) WITHOUT ROWID;"
                      "CREATE TABLE orders(id TEXT PRIMARY KEY, reference TEXT NOT NULL) WITHOUT ROWID;"
                      "CREATE TABLE product_orders(product_id TEXT NOT NULL, order_id TEXT NOT NULL,"
                      " PRIMARY KEY(product_id, order_id)) WITHOUT ROWID;"
                      "CREATE INDEX order_products ON product_orders(order_id, product_id);"
                      "BEGIN;"
                      "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 999)"
                      " INSERT INTO products SELECT 'p' || i, 't', '2026', '2026', NULL FROM n;"
                      "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 999)"
                      " INSERT INTO orders SELECT 'o' || i, 'r' FROM n;"
                      "COMMIT;";
  CheckSql(sqlite3_exec(db, setup.c_str(), nullptr, nullptr, nullptr), db, "setup");
  auto prepare = [&](const char* text) {
    sqlite3_stmt* st = nullptr;
    CheckSql(sqlite3_prepare_v2(db, text, -1, &st, nullptr), db, text);
    return st;
  };
  sqlite3_stmt* insert = prepare("INSERT INTO products VALUES(?1, 'Product', ?2, ?2, NULL)");
  sqlite3_stmt* update = prepare("UPDATE products SET title = ?2, updated_at = ?3 WHERE id = ?1");
  sqlite3_stmt* unlink = prepare("DELETE FROM product_orders WHERE product_id = ?1");
  sqlite3_stmt* link = prepare("INSERT INTO product_orders VALUES(?1, ?2)");
  sqlite3_stmt* begin = prepare("BEGIN");
  sqlite3_stmt* commit = prepare("COMMIT");
  auto run = [&](sqlite3_stmt* st) {
    CheckSql(sqlite3_step(st), db, "step");
    sqlite3_reset(st);
  };
  const bool bulk = mode == SqlMode::kBulk;
  if (bulk) run(begin);
  int i = 0;
  for (auto _ : state) {
    std::string now = FormatTimestamp(Now());
    std::string id = op == Op::kCreate ? Id("n", i) : Id("p", i % kSeedRecords);
    if (!bulk) run(begin);
    switch (op) {
      case Op::kCreate:
      case Op::kCreateJson:
        sqlite3_bind_text(insert, 1, id.c_str(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(insert, 2, now.c_str(), -1, SQLITE_TRANSIENT);
        run(insert);
        break;
      case Op::kUpdate: {
        std::string title = Id("title ", i);
        sqlite3_bind_text(update, 1, id.c_str(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(update, 2, title.c_str(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(update, 3, now.c_str(), -1, SQLITE_TRANSIENT);
        run(update);
        break;
      }
      case Op::kReplace: {
        sqlite3_bind_text(unlink, 1, id.c_str(), -1, SQLITE_TRANSIENT);
        run(unlink);
        for (int o : {i % kSeedRecords, (i + 7) % kSeedRecords, (i + 13 * (i & 1)) % kSeedRecords}) {
          std::string order = Id("o", o);
          sqlite3_bind_text(link, 1, id.c_str(), -1, SQLITE_TRANSIENT);
          sqlite3_bind_text(link, 2, order.c_str(), -1, SQLITE_TRANSIENT);
          int rc = sqlite3_step(link);  // a repeated order id is a constraint error: kin links once
          sqlite3_reset(link);
          if (rc != SQLITE_DONE && rc != SQLITE_CONSTRAINT) CheckSql(rc, db, "link");
        }
        run(update);  // kin touches updated_at of the product on a link change
        break;
      }
    }
    if (!bulk || ++i == static_cast<int>(state.max_iterations)) run(commit);
    if (!bulk) ++i;
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  for (sqlite3_stmt* st : {insert, update, unlink, link, begin, commit}) sqlite3_finalize(st);
  sqlite3_close(db);
}

void FdatasyncRaw(benchmark::State& state) {
  TempDir dir("fsync");
  std::string file = dir.path() + "/f";
  int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (fd < 0) Die("open " + file);
  char record[128] = {};
  for (auto _ : state) {
    if (::write(fd, record, sizeof record) != static_cast<ssize_t>(sizeof record) || ::fdatasync(fd) != 0)
      state.SkipWithError("write/fdatasync failed");
  }
  ::close(fd);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

// Iteration counts are fixed: syncing runs are slow, and each run opens a fresh database.
constexpr int64_t kFast = 100000, kMedium = 20000, kSlow = 1000;
// The runs bound by the CPU take 50-400 ms each, short enough for a slow moment of
// the shared host to move one by half: kin's and SQLite's alike run kRepeats times
// (each on a fresh database) and report.py takes each one's median.
constexpr int kRepeats = 5;

#define KIN_WRITE(op, opname)                                                                             \
  BENCHMARK_CAPTURE(KinWrite, opname##_none, op, SyncPolicy::kNone)                                       \
      ->Name("Write/" #opname "/kin/none")->Iterations(kFast)->Repetitions(kRepeats)->UseRealTime();      \
  BENCHMARK_CAPTURE(KinWrite, opname##_interval, op, SyncPolicy::kInterval)                               \
      ->Name("Write/" #opname "/kin/interval")->Iterations(kFast)->Repetitions(kRepeats)->UseRealTime();  \
  BENCHMARK_CAPTURE(KinWrite, opname##_always, op, SyncPolicy::kAlways)                                   \
      ->Name("Write/" #opname "/kin/always")->Iterations(kSlow)->UseRealTime();                           \
  BENCHMARK_CAPTURE(SqliteWrite, opname##_normal, op, SqlMode::kNormal)                                   \
      ->Name("Write/" #opname "/sqlite_normal/normal")                                                    \
      ->Iterations(kMedium)                                                                               \
      ->Repetitions(kRepeats)                                                                             \
      ->UseRealTime();                                                                                    \
  BENCHMARK_CAPTURE(SqliteWrite, opname##_full, op, SqlMode::kFull)                                       \
      ->Name("Write/" #opname "/sqlite_full/full")->Iterations(kSlow)->UseRealTime();                     \
  BENCHMARK_CAPTURE(SqliteWrite, opname##_bulk, op, SqlMode::kBulk)                                       \
      ->Name("Write/" #opname "/sqlite_bulk/normal")->Iterations(kFast)->Repetitions(kRepeats)->UseRealTime()

KIN_WRITE(Op::kCreate, create);
BENCHMARK_CAPTURE(KinWrite, create_json_none, Op::kCreateJson, SyncPolicy::kNone)
    ->Name("Write/create_json/kin/none")->Iterations(kFast)->Repetitions(kRepeats)->UseRealTime();
KIN_WRITE(Op::kUpdate, update);
KIN_WRITE(Op::kReplace, replace);
BENCHMARK(FdatasyncRaw)->Name("Write/fdatasync/raw/always")->Iterations(kSlow)->UseRealTime();

// GroupCommit/<threads>: every thread creates records on one database under always.
struct GroupState {
  std::unique_ptr<TempDir> dir;
  std::unique_ptr<Database> db;
  persistence::JournalStats before;
  std::chrono::steady_clock::time_point start;
};
GroupState group;

void GroupCommit(benchmark::State& state) {
  if (state.thread_index() == 0) {
    group.dir = std::make_unique<TempDir>("group");
    group.db = OpenKin(group.dir->path(), SyncPolicy::kAlways);
    group.before = api::DatabaseAccess::JournalStats(*group.db);
  }
  // The loop's start is a barrier: thread 0 has opened the database by then.
  bool first = state.thread_index() == 0;
  for (auto _ : state) {
    if (first) group.start = std::chrono::steady_clock::now(), first = false;
    auto r = group.db->CallText("createProducts", Json::array({{{"title", "Product"}}}));
    if (!r.ok()) state.SkipWithError("create failed");
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  if (state.thread_index() == 0) {
    // The loop's end is a barrier too: every thread has finished writing.
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - group.start).count();
    auto after = api::DatabaseAccess::JournalStats(*group.db);
    double records = static_cast<double>(after.records - group.before.records);
    double syncs = static_cast<double>(after.syncs - group.before.syncs);
    state.counters["commits_per_flush"] = syncs > 0 ? records / syncs : 0;
    state.counters["syncs"] = syncs;
    // Google Benchmark's items_per_second is not wall-clock commits/s with threads.
    state.counters["commits_per_s"] = records / seconds;
    group.db.reset();
    group.dir.reset();
  }
}
BENCHMARK(GroupCommit)->Name("GroupCommit")->Threads(1)->Threads(4)->Threads(16)->Iterations(300)->UseRealTime();

}  // namespace
}  // namespace kin::bench
