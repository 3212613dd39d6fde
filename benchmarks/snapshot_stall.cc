// Stalls: the longest a writer and a reader wait while a snapshot of N records
// (default 1M) is taken, in both snapshot modes (forked child, in-process), and
// while the journal rotates its segments under sync=always. One writer thread
// creates records and one reader thread looks records up, each without pause,
// and each records how long every call took. Last, the journal alone: how long an
// appender under sync=always waits for a rotation, with the next segment prepared
// ahead and without.
// Usage: kin_snapshot_stall [N]
#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <thread>
#include <vector>

#include "kin/kin.h"
#include "kin/json.h"
#include "persistence/journal.h"

using Clock = std::chrono::steady_clock;

namespace {

const char* kSchema = R"({"models": {"Item": {"properties": {
    "id": {"type": "id", "primaryKey": true}, "name": {"type": "text"}, "n": {"type": "number"}}}}})";

std::string Id(const char* prefix, long long i) { return std::string(prefix).append(std::to_string(i)); }

double Max(const std::vector<double>& v) { return v.empty() ? 0.0 : *std::max_element(v.begin(), v.end()); }
double Median(std::vector<double> v) {
  if (v.empty()) return 0.0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// Call latencies (microseconds) of a writer and a reader, split into those that
// overlapped `during` and the others.
struct Stalls {
  std::vector<double> write_during, write_outside, read_during, read_outside;
  void Print(const char* what) const {
    std::printf("  writes during %s: %zu, longest %.2f ms, median %.1f us (outside: %zu, longest %.2f ms)\n", what,
                write_during.size(), Max(write_during) / 1000, Median(write_during), write_outside.size(),
                Max(write_outside) / 1000);
    std::printf("  reads during %s: %zu, longest %.2f ms, median %.1f us (outside: %zu, longest %.2f ms)\n", what,
                read_during.size(), Max(read_during) / 1000, Median(read_during), read_outside.size(),
                Max(read_outside) / 1000);
  }
};

// Runs a writer and a reader on `db` for 300 ms, then `action` (flagged as
// "during"), then 300 ms more.
Stalls Measure(kin::Database& db, long long readable, const std::function<void()>& action) {
  std::atomic<bool> stop{false}, during{false};
  Stalls stalls;
  std::thread writer([&] {
    for (long long i = 0; !stop; ++i) {
      const bool in = during;
      auto s = Clock::now();
      auto r = db.CallText("createItems", kin::Json::array({{{"id", Id("w", i)}, {"name", "w"}, {"n", 1}}}));
      double us = std::chrono::duration<double, std::micro>(Clock::now() - s).count();
      ((in || during) ? stalls.write_during : stalls.write_outside).push_back(us);
      if (!r.ok()) return;
    }
  });
  std::thread reader([&] {
    const kin::ModelId item = db.schema().FindModel("Item");
    for (long long i = 0; !stop; ++i) {
      const bool in = during;
      auto s = Clock::now();
      {
        kin::ReadView view = db.Read();
        if (!view.Find(item, Id("i", i * 7919 % readable))) std::abort();
      }
      double us = std::chrono::duration<double, std::micro>(Clock::now() - s).count();
      ((in || during) ? stalls.read_during : stalls.read_outside).push_back(us);
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  during = true;
  action();
  during = false;
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  stop = true;
  writer.join();
  reader.join();
  return stalls;
}

std::unique_ptr<kin::Database> Load(const std::string& dir, int n, const kin::Options& options) {
  const std::string schema = kSchema;
  auto db = std::move(kin::Database::Open(dir, schema, options)).value();
  for (int base = 0; base < n; base += 10000) {
    kin::Json batch = kin::Json::array();
    for (int i = base; i < std::min(n, base + 10000); ++i)
      batch.push_back({{"id", Id("i", i)}, {"name", Id("item ", i)}, {"n", i}});
    if (!db->CallText("createItems", kin::Json::array({batch})).ok()) std::exit(1);
  }
  return db;
}

int Snapshot(int n, bool in_child) {
  char tmpl[] = "/tmp/kin-stall-XXXXXX";
  const std::string dir = std::string(mkdtemp(tmpl)) + "/db";
  kin::Options options;
  options.sync = kin::SyncPolicy::kNone;
  options.snapshot_in_child = in_child;
  auto t0 = Clock::now();
  auto db = Load(dir, n, options);
  double load_s = std::chrono::duration<double>(Clock::now() - t0).count();
  kin::Status st;
  double snap_s = 0;
  Stalls stalls = Measure(*db, n, [&] {
    auto s0 = Clock::now();
    st = db->Snapshot();
    snap_s = std::chrono::duration<double>(Clock::now() - s0).count();
  });
  std::printf("[snapshot, %s] records %d, load %.2f s, snapshot %s in %.3f s, snapshot file %.1f MB\n",
              in_child ? "forked child" : "in-process", n, load_s, st.ok() ? "ok" : st.ToString().c_str(), snap_s,
              std::filesystem::file_size(std::filesystem::directory_iterator(dir + "/snapshots")->path()) / 1e6);
  stalls.Print("the snapshot");
  t0 = Clock::now();
  db.reset();
  auto reopened = kin::Database::Open(dir, options);
  std::printf("  reopen from snapshot: %.3f s\n", std::chrono::duration<double>(Clock::now() - t0).count());
  std::filesystem::remove_all(std::filesystem::path(dir).parent_path());
  return st.ok() ? 0 : 1;
}

// Under sync=always with `segment_bytes` segments: with 16 KiB the writer rotates
// every hundred or so calls for the whole measured second; with the default 64 MiB
// it never does (the same run without rotations, to compare).
int Rotation(uint64_t segment_bytes) {
  char tmpl[] = "/tmp/kin-stall-XXXXXX";
  const std::string dir = std::string(mkdtemp(tmpl)) + "/db";
  kin::Options options;
  options.sync = kin::SyncPolicy::kAlways;
  options.segment_bytes = segment_bytes;
  auto db = Load(dir, 10000, options);
  auto segments = [&] {
    size_t n = 0;
    for (const auto& e : std::filesystem::directory_iterator(dir + "/journal")) n += e.path().extension() == ".log";
    return n;
  };
  const size_t before = segments();
  Stalls stalls = Measure(*db, 10000, [] { std::this_thread::sleep_for(std::chrono::seconds(1)); });
  std::printf("[rotation, sync=always, %llu KiB segments] segments started while measuring: %zu\n",
              static_cast<unsigned long long>(segment_bytes >> 10), segments() - before);
  stalls.Print("the second measured");
  db.reset();
  std::filesystem::remove_all(std::filesystem::path(dir).parent_path());
  return 0;
}

// The journal alone under sync=always, 16 KiB segments, 100-byte records: each
// call appends, waits until durable and rotates a full segment, as a database
// write does. Reports the median call, and the median and longest of the calls
// that rotated and of the first calls of a new segment (which wait for it to be
// settled when it was prepared ahead).
int JournalRotation(bool prepare) {
  char tmpl[] = "/tmp/kin-stall-XXXXXX";
  const std::string dir = std::string(mkdtemp(tmpl)) + "/journal";
  kin::persistence::JournalOptions options;
  options.sync = kin::SyncPolicy::kAlways;
  options.segment_bytes = 16 << 10;
  options.rotate_in_append = false;
  options.prepare_segments = prepare;
  options.end_record = dir + "-end";
  auto journal = std::move(kin::persistence::Journal::Open(dir, options, 1, "")).value();
  std::vector<double> calls, rotating, first;
  const std::string payload(100, 'x');
  bool after_rotation = false;
  for (int i = 0; i < 20000; ++i) {
    auto s = Clock::now();
    auto seq = journal->Append(payload);
    if (!seq.ok() || !journal->WaitDurable(*seq).ok()) return 1;
    const uint64_t before = journal->segment_size();
    if (!journal->RotateIfFull().ok()) return 1;
    const bool rotated = journal->segment_size() < before;
    double us = std::chrono::duration<double, std::micro>(Clock::now() - s).count();
    (rotated ? rotating : after_rotation ? first : calls).push_back(us);
    after_rotation = rotated;
    // Paced like a writer that computes between calls, so preparing has time to run.
    if (prepare && journal->segment_size() >= options.segment_bytes / 2)
      while (!journal->stats().prepared_ready) std::this_thread::yield();
  }
  std::printf("[journal rotation, sync=always, 16 KiB segments, %s] %zu rotations (%llu from prepared files)\n",
              prepare ? "prepared ahead" : "not prepared", rotating.size(),
              static_cast<unsigned long long>(journal->stats().prepared_segments));
  std::printf("  other calls: median %.1f us; rotating calls: median %.1f us, longest %.2f ms; "
              "first calls of a segment: median %.1f us, longest %.2f ms\n",
              Median(calls), Median(rotating), Max(rotating) / 1000, Median(first), Max(first) / 1000);
  journal.reset();
  std::filesystem::remove_all(std::filesystem::path(dir).parent_path());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 1000000;
  return Rotation(16 << 10) | Rotation(64ull << 20) | Snapshot(n, true) | Snapshot(n, false) |
         JournalRotation(false) | JournalRotation(true);
}
