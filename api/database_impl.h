#pragma once
// Database::Impl: what a Database owns — schema, store, method table, the lock
// readers share, the committer, and for a database on disk its directory lock,
// journal and snapshot thread. Internal to api (database.cc, database_snapshot.cc).
// Thread-safety: as Database (include/kin/database.h).

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <system_error>
#include <thread>

#include <nlohmann/json.hpp>

#include "api/committer.h"
#include "api/guarded.h"
#include "api/limits.h"
#include "api/operations.h"
#include "core/commit_time.h"
#include "core/mutation.h"
#include "kin/database.h"
#include "kin/feed.h"
#include "kin/json.h"
#include "persistence/directory_lock.h"
#include "persistence/file_system.h"
#include "persistence/journal.h"

namespace kin {

namespace api {
// glibc's rwlock, under std::shared_mutex, lets a new reader in while a writer
// waits: a steady stream of overlapping readers can hold a writer off for ever.
// Made writer-preferring, a waiting writer keeps new readers out, so its wait is
// bounded by the readers already in. The price: a thread must not take the lock
// shared twice (a second read while holding a ReadView) when a writer may be
// waiting, as that second read would wait behind the writer that waits for the first.
void PreferWriters(std::shared_mutex& mu);
}  // namespace api


using api::CallContext;
using api::Method;

struct Database::Impl {
  explicit Impl(std::shared_ptr<const Schema> s) : Impl(std::make_unique<Store>(std::move(s))) {}
  // Over a recovered store, whose schema is the database's.
  explicit Impl(std::unique_ptr<Store> s)
      : schema(s->schema_ptr()), store_owner(std::move(s)), store(*store_owner), methods(*schema) {
    api::PreferWriters(mu);
  }
  ~Impl() {
    StopSnapshotter();
    std::lock_guard l(retirer_mu);
    if (retirer.joinable()) retirer.join();
  }

  // Frees a store the database no longer uses (the one before a schema change) on a
  // thread of its own, so that opening does not wait for it; joined on close.
  void Retire(std::unique_ptr<Store> old) {
    try {
      retirer = std::thread([old = std::move(old)]() mutable { old.reset(); });
    } catch (const std::system_error&) {  // no thread to be had: freed here
    }
  }

  // Runs `body` against a context: under the shared lock for reads, through the
  // committer for writes (a Mutation undone unless `body` succeeds).
  // `label` names the call in its journal record (the method or transaction).
  template <typename Body>
  Result<std::string> Run(bool write, std::string_view label, Body&& body) {
    if (!write) {
      std::shared_lock lock(mu);
      CallContext ctx{*schema, store, nullptr, Now()};
      return Guarded(ctx, body);
    }
    bool journaled = false;
    auto call = [&](Mutation& mutation) {
      // The call's timestamps are its commit time, which its journal record carries.
      CallContext ctx{*schema, store, &mutation, Timestamp{CommitTimeMillis(committer.call_time_us())}};
      Result<std::string> r = Guarded(ctx, body);
      journaled = r.ok() && !mutation.empty();
      return r;
    };
    Result<std::string> r = committer.Write(call, label);
    if (!r.ok() && journal && r.status().type() == ErrorType::kDatabaseError) return LogDiskError(r.status());
    if (r.ok() && journaled && options.snapshot_every != 0 && ++since_snapshot >= options.snapshot_every) {
      since_snapshot = 0;
      ScheduleSnapshot();
    }
    return r;
  }

  // Asks the snapshot thread (started on first use) for a snapshot: the write that
  // asks never waits for it and never fails because of it.
  void ScheduleSnapshot();
  void SnapshotLoop();
  void StopSnapshotter();
  // The image is frozen in the writer role: writers wait for a fork (the default),
  // or for the whole encoding when options.snapshot_in_child is off. Readers never
  // wait. (database_snapshot.cc)
  Status TakeSnapshot();
  // Writes the image of the state into `snapshots_dir` the way TakeSnapshot does;
  // returns the position it holds. `segment_follows`: a rotation comes after it,
  // so the next segment is asked for while the image is written.
  Result<uint64_t> WriteImage(const std::string& snapshots_dir, bool segment_follows);

  // A call's body with its errors as values (api::Guarded).
  template <typename Body>
  static Result<std::string> Guarded(CallContext& ctx, Body& body) {
    return api::Guarded([&] { return body(ctx); });
  }

  // The method called `name`, once its arguments passed the depth limit (checked
  // before any recursive walk of them).
  Result<Method> Resolve(std::string_view name, const Json& args) const {
    KIN_RETURN_IF_ERROR(api::CheckJsonDepth(args));
    auto m = methods.Find(name);
    if (!m) return Status::InvalidArgument("Unknown method \"" + api::QuoteInput(name) + "\"");
    return *m;
  }

  std::shared_ptr<const Schema> schema;
  std::unique_ptr<Store> store_owner;
  Store& store;
  api::MethodTable methods;
  mutable std::shared_mutex mu;           // readers share it; the committer changes the store under it
  api::Committer committer{store, mu};

  // Durability (absent for an in-memory database).
  std::string dir, schema_json, notice;
  uint64_t schema_version = 0;  // see DatabaseAccess::SchemaVersion
  Options options;
  persistence::FileSystem* file_system = &persistence::FileSystem::Posix();
  std::optional<persistence::DirectoryLock> dir_lock;  // held while open; declared before the journal,
                                                      // so it is released after the journal closes
  std::unique_ptr<persistence::Journal> journal;
  std::atomic<uint64_t> since_snapshot{0};
  std::mutex snapshot_mu;  // one snapshot at a time
  // The thread that takes the snapshots snapshot_every asks for (started on first use).
  std::mutex snapshotter_mu;
  std::condition_variable snapshotter_cv;
  bool snapshot_wanted = false, snapshotter_stopping = false;
  std::thread snapshotter;
  std::mutex retirer_mu;  // joining the retirer (Retire runs before the database is handed out)
  std::thread retirer;    // see Retire

  // ApplyFeedEntry: an entry applies only to a database of the schema it was
  // written under, and a schema change only as nothing, to a database that has
  // that schema already; invalid_argument otherwise. The last entry schema found
  // equal is remembered, so a follower compares schema texts once per schema.
  Status CheckFeedSchema(const FeedEntry& entry);
  std::mutex feed_schema_mu;
  std::optional<std::string> feed_schema_text;          // this database's, canonical
  std::shared_ptr<const Schema> feed_schema_checked;  // an entry schema equal to it

  persistence::FileSystem& fs() const { return *file_system; }

  Status LogDiskError(Status s) const {
    Log(LogEvent::kDiskError, s.ToString());
    return s;
  }

  // Tells options.log, when set (never under mu).
  void Log(LogEvent event, std::string_view message) const {
    if (options.log) options.log(event, message);
  }
};

}  // namespace kin
