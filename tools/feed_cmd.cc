// `kin feed`: the change feed of a database, read from its journal without opening
// it (another process may be writing it).
//
//   $ kin feed --db shop --from 7
//   #7 2026-12-06T21:00:00.000123Z updateProducts
//     updated Product p1 (title, updated_at)
//     linked Product.orders p1 -> o1
//     event product.updated p1
//   $ kin feed --db shop --from 8 --follow --json
//   {"seq":8,"time":"...","method":"createOrders","changes":[...],"events":[...]}
//
// --from is the first sequence number to show (a follower that saw N resumes with
// --from N+1); 0 and 1 both start at the first record. With --follow it waits for
// new records and prints each as it is committed, until SIGINT or SIGTERM, which
// end it with exit 0 after the last whole entry.

#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>

#include "api/export.h"
#include "api/feed.h"
#include "kin/json.h"
#include "persistence/journal_cursor.h"
#include "tools/commands.h"
#include "tools/progress.h"

namespace kin::tools {

namespace {

std::atomic<bool> stop_requested{false};
extern "C" void RequestStop(int) { stop_requested.store(true); }

// How long a follower waits before looking at the journal again when it had
// nothing new.
constexpr auto kPollInterval = std::chrono::milliseconds(20);

void PrintText(const FeedEntry& entry, std::string* out) {
  const Json j = FeedEntryToJson(entry);
  *out += "#" + std::to_string(entry.seq);
  *out += " " + (entry.time_us ? j["time"].get<std::string>() : std::string("(no time)"));
  *out += " " + (entry.method.empty() ? std::string("(no method)") : entry.method) + "\n";
  for (const Json& c : j["changes"]) {
    const std::string change = c["change"].get<std::string>();
    if (c.contains("schema")) {
      std::string models;
      if (c["schema"].contains("models"))
        for (const auto& [name, model] : c["schema"]["models"].items()) models += (models.empty() ? "" : ", ") + name;
      *out += "  " + change + " to models " + models +
              (c["allow_destructive"].get<bool>() ? " (destructive steps allowed)" : "") + "\n";
      continue;
    }
    if (c.contains("relation")) {
      *out += "  " + change + " " + c["relation"].get<std::string>() + " " + c["from"].get<std::string>() + " -> " +
              c["to"].get<std::string>() + "\n";
      continue;
    }
    *out += "  " + change + " " + c["model"].get<std::string>() + " " + c["id"].get<std::string>();
    if (c.contains("properties")) {
      std::string names;
      for (const Json& p : c["properties"]) names += (names.empty() ? "" : ", ") + p.get<std::string>();
      *out += " (" + names + ")";
    }
    *out += "\n";
  }
  for (const Json& e : j["events"])
    *out += "  event " + e["name"].get<std::string>() + " " + e["data"]["id"].get<std::string>() + "\n";
}

}  // namespace

int RunFeed(const FeedOptions& options) {
  auto loaded = api::LoadStoredSchema(options.db);
  if (!loaded.ok()) return Fail("feed", loaded.status());
  const uint64_t after = options.from == 0 ? 0 : options.from - 1;
  auto cursor = persistence::JournalCursor::Open(options.db + "/journal", after);
  if (!cursor.ok()) return Fail("feed", cursor.status());
  auto timeline = api::SchemaTimeline::At(options.db, after);
  if (!timeline.ok()) return Fail("feed", timeline.status());
  if (options.follow) {
    struct sigaction sa {};
    sa.sa_handler = RequestStop;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
  }
  std::string out;
  for (;;) {
    out.clear();
    auto read = (*cursor)->Next(1024, UINT64_MAX, [&](const persistence::JournalRecord& r) -> Status {
      FeedEntry entry;
      KIN_RETURN_IF_ERROR(api::DescribeRecord(*timeline, r, &entry));
      if (options.json) out += FeedEntryToJson(entry).dump() + "\n";
      else PrintText(entry, &out);
      return Status::Ok();
    });
    if (!out.empty()) {
      std::fwrite(out.data(), 1, out.size(), stdout);
      std::fflush(stdout);
    }
    if (!read.ok()) return Fail("feed", read.status());
    if (*read > 0) continue;
    if (!options.follow || stop_requested.load()) return kExitOk;
    std::this_thread::sleep_for(kPollInterval);
    if (stop_requested.load()) return kExitOk;
  }
}

}  // namespace kin::tools
