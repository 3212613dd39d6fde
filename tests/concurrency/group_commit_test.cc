// The journal under concurrent writers (SPEC.md section 10, DESIGN.md "Commit"):
// under sync=always every call a writer thread saw return is on disk, one
// fdatasync covers every record appended before it started (group commit), and
// nobody holds the database's lock while waiting for the disk; under
// sync=interval a background thread flushes while writers write, and closing the
// database stops it cleanly.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "tests/concurrency/workload.h"
#include "tests/persistence/persistence_test_util.h"

namespace {

using namespace kin;
using namespace kin::testing;
using namespace kin::testing::concurrency;

// Polls `done` every millisecond for up to `seconds`; whether it became true.
bool WaitUntil(const std::function<bool()>& done, int seconds = 20) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

// The real file system with a gate on WritableFile::Sync: while the gate is shut,
// a Sync waits until it opens. Counts the syncs that started and those waiting.
// Thread-safe.
class GatedFileSystem : public persistence::FileSystem {
 public:
  void Shut() {
    std::lock_guard l(mu_);
    open_ = false;
  }
  void Open() {
    {
      std::lock_guard l(mu_);
      open_ = true;
    }
    opened_.notify_all();
  }
  int waiting() const {
    std::lock_guard l(mu_);
    return waiting_;
  }
  int syncs() const {
    std::lock_guard l(mu_);
    return syncs_;
  }

  Result<std::unique_ptr<persistence::WritableFile>> OpenAppendable(const std::string& path, bool truncate) override {
    KIN_ASSIGN_OR_RETURN(auto file, base_.OpenAppendable(path, truncate));
    return std::unique_ptr<persistence::WritableFile>(new File(this, std::move(file)));
  }
  Result<std::optional<std::string>> ReadFile(const std::string& path) override { return base_.ReadFile(path); }
  Status WriteFileAtomically(const std::string& path, const std::string& bytes) override {
    return base_.WriteFileAtomically(path, bytes);
  }
  Status SyncDirectory(const std::string& dir) override { return base_.SyncDirectory(dir); }
  Status Truncate(const std::string& path, uint64_t size) override { return base_.Truncate(path, size); }
  Status Remove(const std::string& path) override { return base_.Remove(path); }
  Status Rename(const std::string& from, const std::string& to) override { return base_.Rename(from, to); }
  Status CreateDirectories(const std::string& dir) override { return base_.CreateDirectories(dir); }
  Result<std::vector<std::string>> ListDirectory(const std::string& dir) override { return base_.ListDirectory(dir); }

 private:
  class File : public persistence::WritableFile {
   public:
    File(GatedFileSystem* fs, std::unique_ptr<persistence::WritableFile> base) : fs_(fs), base_(std::move(base)) {}
    Status Append(std::string_view data) override { return base_->Append(data); }
    Status Sync() override {
      fs_->PassGate();
      return base_->Sync();
    }
    uint64_t size() const override { return base_->size(); }
    Status CutBack(uint64_t size) override { return base_->CutBack(size); }

   private:
    GatedFileSystem* fs_;
    std::unique_ptr<persistence::WritableFile> base_;
  };

  void PassGate() {
    std::unique_lock l(mu_);
    ++syncs_;
    ++waiting_;
    opened_.wait(l, [this] { return open_; });
    --waiting_;
  }

  persistence::FileSystem& base_ = persistence::FileSystem::Posix();
  mutable std::mutex mu_;
  std::condition_variable opened_;
  bool open_ = true;
  int waiting_ = 0;
  int syncs_ = 0;
};

Json CreateStore(const std::string& id) { return Json::array({{{"id", id}, {"name", "store " + id}}}); }

TEST_CASE("every call acknowledged by concurrent writers under sync=always survives a reopen", "[concurrency]") {
  constexpr int kWriters = 4, kCalls = 40;
  TempDir dir;
  Options options;
  options.sync = SyncPolicy::kAlways;
  options.segment_bytes = 16 << 10;  // segments rotate while other writers wait for their flush
  auto db = OpenDir(dir.path(), options);
  Seed(*db);
  const auto before = api::DatabaseAccess::JournalStats(*db);
  const Ids ids(db->schema());
  Problems problems;
  std::vector<std::vector<std::string>> acked(kWriters);  // per writer, the stores whose call returned ok
  std::atomic<int> writers_running{kWriters};
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      Caller c{*db, problems, "writer"};
      for (int n = 0; n < kCalls; ++n) {
        std::string store = "g" + std::to_string(w) + "_" + std::to_string(n);
        bool ok = n % 2 == 0 ? c.Call("createStores", CreateStore(store)).has_value()
                             : c.Transaction({{"createStores", CreateStore(store)},
                                              {"createProducts", Json::array({{{"id", store + "-p"},
                                                                               {"title", "t"},
                                                                               {"store_id", store}}})}})
                                   .has_value();
        if (ok) acked[w].push_back(store);
      }
      --writers_running;
    });
  }
  for (int r = 0; r < 2; ++r) {
    threads.emplace_back([&, r] {
      std::mt19937 rng(300 + r);
      for (int i = 0; i < 200 && writers_running.load() > 0; ++i) {
        if (i % 2 == 0) CheckView(*db, ids, problems, "view reader");
        else ServiceRead(*db, problems, rng);
        std::this_thread::yield();
      }
    });
  }
  for (auto& t : threads) t.join();
  INFO(problems.Text());
  REQUIRE(problems.count() == 0);

  const auto after = api::DatabaseAccess::JournalStats(*db);
  const uint64_t written = after.records - before.records;
  CHECK(written == kWriters * kCalls);  // one journal record per call
  // Every sync is started by a writer whose own record was not yet durable and
  // makes it durable, so there are never more syncs than records; with several
  // writers waiting at once there are usually far fewer.
  INFO(written << " records, " << after.syncs - before.syncs << " syncs");
  CHECK(after.syncs > before.syncs);
  CHECK(after.syncs - before.syncs <= written);

  const std::string dump = Dump(*db);
  db.reset();
  db = OpenDir(dir.path(), options);
  CHECK(db->open_notice().empty());
  for (int w = 0; w < kWriters; ++w) {
    CHECK(acked[w].size() == kCalls);
    for (const auto& store : acked[w]) {
      INFO("acknowledged store " << store);
      CHECK(db->Call("retrieveStore", Json::array({store})).ok());
    }
  }
  CHECK(Dump(*db) == dump);
}

TEST_CASE("one fdatasync covers every call that arrived while another sync was running", "[concurrency]") {
  TempDir dir;
  GatedFileSystem gate;
  Options options;
  options.sync = SyncPolicy::kAlways;
  auto db = OpenDir(dir.path(), options, "seed", &gate);
  Ok(*db, "createStores", CreateStore("s0"));
  const auto before = api::DatabaseAccess::JournalStats(*db);
  const int gate_syncs = gate.syncs();

  gate.Shut();
  std::vector<std::thread> writers;
  std::atomic<int> failed{0};
  auto write = [&](std::string id) {
    writers.emplace_back([&, id] { failed += db->Call("createStores", CreateStore(id)).ok() ? 0 : 1; });
  };
  write("first");  // appends record 1 and starts the sync that covers it, which waits at the gate
  REQUIRE(WaitUntil([&] { return gate.waiting() == 1; }));
  for (const char* id : {"second", "third", "fourth"}) write(id);  // arrive while that sync runs
  REQUIRE(WaitUntil([&] { return api::DatabaseAccess::JournalStats(*db).writers_waiting == 3; }));
  // Nobody holds the database's lock while waiting for the disk: reads go on.
  CHECK(db->Call("listStores", Json::array()).ok());
  CHECK(gate.waiting() == 1);  // the other three wait for the running sync, not in one of their own
  gate.Open();
  for (auto& t : writers) t.join();

  CHECK(failed.load() == 0);
  const auto after = api::DatabaseAccess::JournalStats(*db);
  CHECK(after.records - before.records == 4);
  // The first sync covered record 1 only; the three calls that arrived during it
  // are appended together and share the one sync that follows.
  CHECK(after.syncs - before.syncs == 2);
  CHECK(gate.syncs() - gate_syncs == 2);
}

TEST_CASE("under sync=always a reader sees a write only once its sync is done, and never waits for it",
          "[concurrency]") {
  TempDir dir;
  GatedFileSystem gate;
  Options options;
  options.sync = SyncPolicy::kAlways;
  auto db = OpenDir(dir.path(), options, "seed", &gate);
  Ok(*db, "createStores", CreateStore("s0"));
  const std::string before = Dump(*db);

  gate.Shut();
  std::atomic<bool> returned{false};
  std::thread writer([&] {
    CHECK(db->Call("updateStores", Json::array({{{"id", "s0"}, {"name", "renamed"}}})).ok());
    CHECK(db->Call("createStores", CreateStore("s1")).ok());
    returned = true;
  });
  REQUIRE(WaitUntil([&] { return gate.waiting() == 1; }));  // the update's record waits for its sync
  // The reader runs while the sync is held open: it sees the state before the update.
  CHECK(Ok(*db, "retrieveStore", Json::array({"s0"}))["name"] == "store s0");
  CHECK(Dump(*db) == before);
  CHECK_FALSE(returned.load());
  gate.Open();
  writer.join();
  CHECK(Ok(*db, "retrieveStore", Json::array({"s0"}))["name"] == "renamed");
  CHECK(Ok(*db, "retrieveStore", Json::array({"s1"}))["id"] == "s1");
}

TEST_CASE("sync=interval flushes in the background while writers write", "[concurrency]") {
  TempDir dir;
  Options options;
  options.sync = SyncPolicy::kInterval;
  options.sync_interval_ms = 2;
  options.segment_bytes = 16 << 10;
  auto db = OpenDir(dir.path(), options);
  Seed(*db);
  const auto before = api::DatabaseAccess::JournalStats(*db);
  Problems problems;
  std::vector<std::string> live, soft;
  RunStress(*db, problems, 60, 150, &live, &soft);
  INFO(problems.Text());
  REQUIRE(problems.count() == 0);
  // Under interval no call waits for the disk and nothing here asks for a sync:
  // every sync counted comes from the background flusher.
  CHECK(WaitUntil([&] { return api::DatabaseAccess::JournalStats(*db).syncs > before.syncs; }));
  CheckFinalState(*db, live, soft);

  const std::string dump = Dump(*db);
  db.reset();  // stops the flusher, then syncs what is left
  db = OpenDir(dir.path(), options);
  CHECK(db->open_notice().empty());
  CHECK(Dump(*db) == dump);
  CheckFinalState(*db, live, soft);
}

TEST_CASE("closing a sync=interval database stops its flusher and keeps every call", "[concurrency]") {
  TempDir dir;
  Options options;
  options.sync = SyncPolicy::kInterval;
  options.sync_interval_ms = 1;
  for (int round = 0; round < 20; ++round) {
    INFO("round " << round);
    auto db = OpenDir(dir.path(), options);
    Json found = Ok(*db, "listStores", Json::array());
    CHECK(found.size() == static_cast<size_t>(round));
    Ok(*db, "createStores", CreateStore("s" + std::to_string(round)));
    // Close at a different moment of the flusher's cycle each round.
    if (round % 2) std::this_thread::sleep_for(std::chrono::microseconds(100 * round));
  }
}

}  // namespace

TEST_CASE("a follower reads the feed while writers commit across rotations: every call once, in order",
          "[concurrency][feed]") {
  constexpr int kWriters = 3, kCalls = 40;
  TempDir dir;
  Options options;
  options.sync = SyncPolicy::kAlways;
  options.segment_bytes = 8 << 10;  // segments rotate (from prepared files) while the follower reads
  auto db = OpenDir(dir.path(), options);
  Seed(*db);
  const uint64_t seeded = api::DatabaseAccess::JournalStats(*db).records;
  std::atomic<int> writers_running{kWriters};
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      for (int n = 0; n < kCalls; ++n)
        (void)db->Call("createStores", CreateStore("f" + std::to_string(w) + "_" + std::to_string(n)));
      --writers_running;
    });
  }
  // Problems are collected on the follower's thread and checked on this one.
  std::vector<std::string> problems;
  std::vector<std::string> created;
  uint64_t last = 0;
  std::thread follower([&] {
    auto cursor = db->Feed(0);
    if (!cursor.ok()) {
      problems.push_back(cursor.status().ToString());
      return;
    }
    for (;;) {
      const bool writing = writers_running.load() > 0;
      auto next = cursor->Next(16);
      if (!next.ok()) {
        problems.push_back(next.status().ToString());
        return;
      }
      for (const FeedEntry& e : *next) {
        if (e.seq != last + 1) problems.push_back("entry " + std::to_string(e.seq) + " after " + std::to_string(last));
        last = e.seq;
        for (const FeedChange& c : e.changes)
          if (c.kind == FeedChange::Kind::kCreated && c.id[0] == 'f') created.push_back(c.id);
      }
      if (next->empty()) {
        if (!writing) return;  // the writers were done before this read: it saw everything
        std::this_thread::yield();
      }
    }
  });
  for (auto& t : threads) t.join();
  follower.join();
  for (const auto& p : problems) FAIL_CHECK(p);
  CHECK(last == seeded + kWriters * kCalls);
  CHECK(created.size() == static_cast<size_t>(kWriters * kCalls));
}
