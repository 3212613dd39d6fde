// Concurrent readers and writers on one in-memory database (SPEC.md sections 2 and
// 11). Readers (ReadView walks, retrieve/list with relations and filters) run while
// writers relink many-to-many sets, move belongsTo and hasOne children, and delete,
// soft delete and restore records in transactions. Readers check, inside one
// consistent view, that both directions of every relation agree and that no
// transaction is ever seen half applied; at the end the same checks run over the
// whole store. About a second each, a few under ASan or TSan.

#include <atomic>
#include <chrono>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "core/block_pool.h"
#include "core/prefaulter.h"
#include "persistence/snapshot.h"
#include "tests/core/core_test_util.h"
#include "tests/persistence/persistence_test_util.h"
#include "tests/concurrency/workload.h"

namespace {

using namespace kin::testing;
using namespace kin::testing::concurrency;
using kin::Json;

TEST_CASE("relations stay symmetric for concurrent readers while writers relink, delete and restore",
          "[concurrency]") {
  auto db = OpenFixture("seed");
  Seed(*db);
  Problems problems;
  std::vector<std::string> live, soft;
  auto start = std::chrono::steady_clock::now();
  StressResult result = RunStress(*db, problems, 300, 400, &live, &soft);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
  INFO("stress run took " << ms << " ms; " << result.view_checks_during_writes
                          << " view checks ran while writers were active");
  INFO(problems.Text());
  CHECK(problems.count() == 0);
  CheckFinalState(*db, live, soft);
}

TEST_CASE("a writer gets in while readers' views keep overlapping: new readers wait behind a waiting writer",
          "[concurrency]") {
  // Each reader thread takes view after view, so some view is open at every moment.
  // Under a lock that lets new readers in while a writer waits, the writes below
  // could wait for as long as the readers run; here each write waits at most for the
  // views already open, and the readers stop only once the writes are done.
  auto db = OpenFixture("seed");
  const kin::ModelId store = db->schema().FindModel("Store");
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> views{0}, seen{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 3; ++t) {
    readers.emplace_back([&] {
      while (!stop) {
        kin::ReadView view = db->Read();
        view.ForEach(store, [&](kin::RecordRef) {
          ++seen;
          return true;
        });
        ++views;
      }
    });
  }
  while (views < 100) std::this_thread::yield();  // the readers are in
  for (int i = 0; i < 200; ++i) Ok(*db, "createStores", Json::array({{{"id", "s" + std::to_string(i)}}}));
  stop = true;
  for (auto& r : readers) r.join();
  CHECK(Ok(*db, "listAndCountStores", Json::array())[1] == 200);
}

TEST_CASE("concurrent readers never see half a transaction", "[concurrency]") {
  auto db = OpenFixture("seed");
  Seed(*db);
  const Ids ids(db->schema());
  Problems problems;
  std::atomic<bool> done{false};
  std::vector<std::string> live_a, soft_a, live_b, soft_b;
  std::thread a([&] { BatchWriter(*db, problems, 100, 7, "x", &live_a, &soft_a); });
  std::thread b([&] { BatchWriter(*db, problems, 100, 8, "y", &live_b, &soft_b); });
  std::vector<std::thread> readers;
  std::atomic<int> checks{0};
  for (int r = 0; r < 4; ++r) {
    readers.emplace_back([&, r] {
      std::mt19937 rng(200 + r);
      // A few checks even when the writers finish first; then until they are done.
      for (int i = 0; i < 120 && (i < 3 || !done.load()); ++i) {
        if (r % 2 == 0) {
          CheckView(*db, ids, problems, "batch view reader");
        } else {
          Caller c{*db, problems, "batch service reader"};
          auto counted = c.Call("listAndCountStores", R"([{"name": {"$like": "batch-%"}}, {"relations": ["products"]}])"_json);
          if (counted)
            for (const auto& s : counted->at(0))
              if (s.at("products").size() != kBatchSize)
                problems.Add("half a transaction: " + s.dump());
        }
        ++checks;
        std::this_thread::yield();
      }
    });
  }
  a.join();
  b.join();
  done = true;
  for (auto& t : readers) t.join();
  INFO(checks.load() << " reader checks");
  INFO(problems.Text());
  CHECK(problems.count() == 0);
  CHECK(checks.load() > 0);
  live_a.insert(live_a.end(), live_b.begin(), live_b.end());
  soft_a.insert(soft_a.end(), soft_b.begin(), soft_b.end());
  CheckFinalState(*db, live_a, soft_a);
}

}  // namespace

TEST_CASE("a synchronized block pool hands each block to one holder while two threads allocate and free",
          "[concurrency]") {
  kin::BlockPool pool(32, /*synchronized=*/true);
  std::atomic<bool> clash{false};
  auto work = [&](unsigned char mark) {
    std::vector<kin::BlockPool::Block> held;
    for (int round = 0; round < 200; ++round) {
      for (int i = 0; i < 100; ++i) {
        held.push_back(pool.Allocate());
        std::memset(held.back().address, mark, 32);
      }
      for (const auto& b : held) {  // another holder of the block would have overwritten the mark
        const auto* bytes = static_cast<const unsigned char*>(b.address);
        if (bytes[0] != mark || bytes[31] != mark) clash = true;
      }
      for (const auto& b : held) pool.Free(b.address, b.chunk_offset);
      held.clear();
    }
  };
  std::thread a(work, 0xAA), b(work, 0x55);
  a.join();
  b.join();
  CHECK(!clash);
  CHECK(pool.blocks_in_use() == 0);
}

TEST_CASE("pools past full-size chunks hand out blocks while the prefaulter maps in their spares",
          "[concurrency]") {
  kin::Prefaulter prefaulter;
  kin::BlockPool pool(64, /*synchronized=*/true, &prefaulter);
  const size_t per_thread = 3 * kin::BlockPool::kMaxChunkBytes / 64;  // several full-size chunks each
  std::atomic<bool> clash{false};
  auto work = [&](unsigned char mark) {
    std::vector<kin::BlockPool::Block> held;
    for (size_t i = 0; i < per_thread; ++i) {
      held.push_back(pool.Allocate());
      std::memset(held.back().address, mark, 64);
    }
    for (const auto& b : held) {
      const auto* bytes = static_cast<const unsigned char*>(b.address);
      if (bytes[0] != mark || bytes[63] != mark) clash = true;
    }
    for (const auto& b : held) pool.Free(b.address, b.chunk_offset);
  };
  std::thread a(work, 0xAA), b(work, 0x55);
  a.join();
  b.join();
  CHECK(!clash);
  CHECK(pool.blocks_in_use() == 0);
}

TEST_CASE("a snapshot decoded on a second thread into full-size pool chunks loads the same store",
          "[concurrency]") {
  // The reading thread decodes products, then orders (a later model, with its
  // counter), then loads the links into both sides, while this thread inserts.
  using namespace kin::coretest;
  auto schema = CommerceSchema();
  kin::Store saved(schema);
  for (int i = 0; i < 8000; ++i) Put(saved, "Product", "p" + std::to_string(100000 + i), {{"title", T("Title")}});
  for (int i = 0; i < 50; ++i)
    Put(saved, "Order", "o" + std::to_string(100 + i), {{"status", T("new")}, {"number", kin::Value::Int(i + 1)}});
  for (int i = 0; i < 8000; i += 3)
    Link(saved, "Product", "orders", "p" + std::to_string(100000 + i), "o" + std::to_string(100 + i % 50));
  kin::testing::TempDir dir;
  auto file = kin::persistence::WriteSnapshotFile(dir.path(), 1, kin::persistence::EncodeSnapshot(saved, 1, "{}"));
  REQUIRE(file.ok());
  kin::Store loaded(schema);
  auto r = kin::persistence::LoadSnapshot(file.value().path, loaded, kin::persistence::FileSystem::Posix(),
                                          /*parallel_from=*/16);
  INFO(r.status().ToString());
  REQUIRE(r.ok());
  CHECK(Dump(loaded) == Dump(saved));
  const kin::Schema& s = loaded.schema();
  CHECK(loaded.LastAutoincrement(M(s, "Order"), S(s, "Order", "number")) == 50);
}
