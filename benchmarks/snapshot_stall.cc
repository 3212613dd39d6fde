// Snapshot write stall: the longest a writer waits while a snapshot of N records
// (default 1M) is taken, in both snapshot modes (forked child, in-process).
// Usage: kin_snapshot_stall [N]
#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <thread>
#include <vector>

#include "kin/kin.h"
#include "kin/json.h"

using Clock = std::chrono::steady_clock;

namespace {

int Measure(int n, bool in_child) {
  char tmpl[] = "/tmp/kin-stall-XXXXXX";
  const std::string dir = std::string(mkdtemp(tmpl)) + "/db";
  const std::string schema = R"({"models": {"Item": {"properties": {
    "id": {"type": "id", "primaryKey": true}, "name": {"type": "text"}, "n": {"type": "number"}}}}})";
  kin::Options options;
  options.sync = kin::SyncPolicy::kNone;
  options.snapshot_in_child = in_child;
  auto db = std::move(kin::Database::Open(dir, schema, options)).value();
  auto t0 = Clock::now();
  for (int base = 0; base < n; base += 10000) {
    kin::Json batch = kin::Json::array();
    for (int i = base; i < std::min(n, base + 10000); ++i)
      batch.push_back({{"id", std::string("i").append(std::to_string(i))},  // not "i" + ...: GCC 12 -Wrestrict
                       {"name", std::string("item ").append(std::to_string(i))},
                       {"n", i}});
    if (!db->CallText("createItems", kin::Json::array({batch})).ok()) return 1;
  }
  double load_s = std::chrono::duration<double>(Clock::now() - t0).count();

  std::atomic<bool> stop{false}, snapshotting{false};
  std::vector<double> during, outside;
  std::thread writer([&] {
    int i = 0;
    while (!stop) {
      auto s = Clock::now();
      bool in_snapshot = snapshotting;
      auto r = db->CallText("createItems", kin::Json::array({{{"id", std::string("w").append(std::to_string(i++))}, {"name", "w"}, {"n", 1}}}));
      double us = std::chrono::duration<double, std::micro>(Clock::now() - s).count();
      ((in_snapshot || snapshotting) ? during : outside).push_back(us);
      if (!r.ok()) return;
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  snapshotting = true;
  auto s0 = Clock::now();
  kin::Status st = db->Snapshot();
  double snap_s = std::chrono::duration<double>(Clock::now() - s0).count();
  snapshotting = false;
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  stop = true;
  writer.join();
  auto mx = [](std::vector<double> v) { return v.empty() ? 0.0 : *std::max_element(v.begin(), v.end()); };
  auto p50 = [](std::vector<double> v) { if (v.empty()) return 0.0; std::sort(v.begin(), v.end()); return v[v.size() / 2]; };
  std::printf("[%s] records %d, load %.2f s, snapshot %s in %.3f s, snapshot file %.1f MB\n",
              in_child ? "forked child" : "in-process", n, load_s,
              st.ok() ? "ok" : st.ToString().c_str(), snap_s,
              std::filesystem::file_size(std::filesystem::directory_iterator(dir + "/snapshots")->path()) / 1e6);
  std::printf("writes during snapshot: %zu, longest %.1f ms, median %.1f us\n", during.size(), mx(during) / 1000, p50(during));
  std::printf("writes outside snapshot: %zu, longest %.1f ms, median %.1f us\n", outside.size(), mx(outside) / 1000, p50(outside));
  t0 = Clock::now();
  db.reset();
  auto reopened = kin::Database::Open(dir, options);
  std::printf("reopen from snapshot: %.3f s\n", std::chrono::duration<double>(Clock::now() - t0).count());
  std::filesystem::remove_all(std::filesystem::path(dir).parent_path());
  return st.ok() ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 1000000;
  return Measure(n, true) | Measure(n, false);
}
