#include "api/database.h"

#include <pthread.h>

#include <atomic>
#include <cassert>
#include <condition_variable>
#include <optional>
#include <mutex>
#include <thread>

#include "api/committer.h"

#include "api/limits.h"
#include "api/operations.h"
#include "api/query.h"
#include "api/record_editor.h"
#include "api/schema_json.h"
#include "persistence/change_set_codec.h"
#include "persistence/directory_lock.h"
#include "persistence/journal_end.h"
#include "persistence/file_system.h"
#include "persistence/journal_reader.h"
#include "persistence/snapshot.h"
#include "persistence/snapshot_process.h"
#include "core/mutation.h"

namespace kin {

using api::CallContext;
using api::Method;
using api::Operation;

namespace {

// glibc's rwlock, under std::shared_mutex, lets a new reader in while a writer
// waits: a steady stream of overlapping readers can hold a writer off for ever.
// Made writer-preferring, a waiting writer keeps new readers out, so its wait is
// bounded by the readers already in. The price: a thread must not take the lock
// shared twice (a second read while holding a ReadView) when a writer may be
// waiting, as that second read would wait behind the writer that waits for the first.
void PreferWriters(std::shared_mutex& mu) {
  pthread_rwlockattr_t attr;
  pthread_rwlockattr_init(&attr);
  pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
  auto* handle = static_cast<pthread_rwlock_t*>(mu.native_handle());  // libstdc++: the rwlock itself
  pthread_rwlock_destroy(handle);
  pthread_rwlock_init(handle, &attr);
  pthread_rwlockattr_destroy(&attr);
}

}  // namespace

struct Database::Impl {
  explicit Impl(std::shared_ptr<const Schema> s) : schema(std::move(s)), store(schema), methods(*schema) {
    PreferWriters(mu);
  }
  ~Impl() { StopSnapshotter(); }

  // Runs `body` against a context: under the shared lock for reads, through the
  // committer for writes (a Mutation undone unless `body` succeeds).
  template <typename Body>
  Result<std::string> Run(bool write, Body&& body) {
    if (!write) {
      std::shared_lock lock(mu);
      CallContext ctx{*schema, store, nullptr, Now()};
      return Guarded(ctx, body);
    }
    bool journaled = false;
    auto call = [&](Mutation& mutation) {
      CallContext ctx{*schema, store, &mutation, Now()};
      Result<std::string> r = Guarded(ctx, body);
      journaled = r.ok() && !mutation.empty();
      return r;
    };
    Result<std::string> r = committer.Write(call);
    if (r.ok() && journaled && options.snapshot_every != 0 && ++since_snapshot >= options.snapshot_every) {
      since_snapshot = 0;
      ScheduleSnapshot();
    }
    return r;
  }

  // Asks the snapshot thread (started on first use) for a snapshot: the write that
  // asks never waits for it and never fails because of it.
  void ScheduleSnapshot() {
    std::lock_guard l(snapshotter_mu);
    snapshot_wanted = true;
    if (!snapshotter.joinable()) snapshotter = std::thread([this] { SnapshotLoop(); });
    snapshotter_cv.notify_one();
  }
  void SnapshotLoop() {
    std::unique_lock l(snapshotter_mu);
    for (;;) {
      snapshotter_cv.wait(l, [&] { return snapshot_wanted || snapshotter_stopping; });
      if (snapshotter_stopping) return;
      snapshot_wanted = false;
      l.unlock();
      // A scheduled snapshot that fails (a full disk) is tried again when the next
      // one is due; the database stays as it was (see TakeSnapshot).
      (void)TakeSnapshot();
      l.lock();
    }
  }
  void StopSnapshotter() {
    {
      std::lock_guard l(snapshotter_mu);
      snapshotter_stopping = true;
    }
    snapshotter_cv.notify_one();
    if (snapshotter.joinable()) snapshotter.join();
  }

  // The image is frozen in the writer role: writers wait for a fork (the
  // default), or for the whole encoding when options.snapshot_in_child is off.
  // Readers never wait. Once the file is durable the journal starts a new segment
  // (in the writer role, not under the readers' lock) and the segments the snapshot
  // covers are removed; a snapshot that fails leaves no file and no segment behind.
  Status TakeSnapshot() {
    std::lock_guard one_at_a_time(snapshot_mu);
    const std::string snapshot_dir = dir + "/snapshots";
    uint64_t seq;
    std::optional<persistence::SnapshotProcess> child;
    std::string bytes;
    // Frozen in the writer role, not under the readers' lock: nothing changes the
    // store meanwhile, and readers go on (under a shared lock, a writer waiting
    // for it would hold new readers off, the lock preferring writers).
    KIN_RETURN_IF_ERROR(committer.InWriterRole([&]() -> Status {
      seq = committer.applied_seq();
      if (options.snapshot_in_child) {
        KIN_ASSIGN_OR_RETURN(auto forked, persistence::SnapshotProcess::Fork(store, seq, schema_json, snapshot_dir, fs(),
                                                                          dir_lock ? dir_lock->fd() : -1));
        child.emplace(std::move(forked));
      } else {
        bytes = persistence::EncodeSnapshot(store, seq, schema_json);
      }
      return Status::Ok();
    }));
    if (child) {
      KIN_RETURN_IF_ERROR(child->Wait().status());
    } else {
      KIN_RETURN_IF_ERROR(persistence::WriteSnapshotFile(snapshot_dir, seq, bytes, fs()).status());
    }
    // A new segment, so that the one holding `seq` can go once nothing after it is
    // left there. The snapshot is done either way: a segment that cannot be started
    // now (a full disk) only keeps older segments a while longer.
    (void)committer.InWriterRole([&] { return journal->Rotate(); });
    return journal->RemoveSegmentsBefore(seq + 1);
  }

  // Library exceptions (JSON access, allocation) become error values here.
  template <typename Body>
  static Result<std::string> Guarded(CallContext& ctx, Body& body) {
    try {
      return body(ctx);
    } catch (const nlohmann::ordered_json::exception& e) {
      return Status::InvalidArgument(std::string("Malformed request: ") + e.what());
    } catch (const std::bad_alloc&) {
      return Status::DatabaseError("Out of memory while running the call");
    } catch (const std::exception& e) {
      return Status::DatabaseError(std::string("Internal error: ") + e.what());
    }
  }

  // The method called `name`, once its arguments passed the depth limit (checked
  // before any recursive walk of them).
  Result<Method> Resolve(std::string_view name, const Json& args) const {
    KIN_RETURN_IF_ERROR(api::CheckJsonDepth(args));
    auto m = methods.Find(name);
    if (!m) return Status::InvalidArgument("Unknown method \"" + std::string(name) + "\"");
    return *m;
  }

  std::shared_ptr<const Schema> schema;
  Store store;
  api::MethodTable methods;
  mutable std::shared_mutex mu;           // readers share it; the committer changes the store under it
  api::Committer committer{store, mu};

  // Durability (absent for an in-memory database).
  std::string dir, schema_json, notice;
  Options options;
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

  persistence::FileSystem& fs() const {
    return options.file_system ? *options.file_system : persistence::FileSystem::Posix();
  }
};

namespace {

// Loads the newest snapshot that reads cleanly into `impl`'s empty store, then
// replays the journal after it, then opens the journal for appending.
Status Recover(Database::Impl& impl) {
  persistence::FileSystem& fs = impl.fs();
  uint64_t after = 0;
  KIN_ASSIGN_OR_RETURN(auto snapshots, persistence::ListSnapshots(impl.dir + "/snapshots", fs));
  if (!snapshots.empty()) {
    auto loaded = persistence::LoadSnapshot(snapshots.front().path, impl.store, fs);
    if (!loaded.ok()) return loaded.status();  // a bad newest snapshot is not skipped silently
    after = loaded->seq;
  }
  // A journal shorter than where it is recorded to end lost its newest segments.
  const std::string journal_dir = impl.dir + "/journal", end_record = persistence::JournalEndPath(journal_dir);
  KIN_ASSIGN_OR_RETURN(auto segments, persistence::ListSegments(journal_dir, fs));
  Status whole = persistence::CheckJournalEnd(end_record, journal_dir, segments, fs);
  if (!whole.ok() && !impl.options.repair) return whole;
  persistence::ReplayOptions replay;
  replay.repair = impl.options.repair;
  KIN_ASSIGN_OR_RETURN(
      auto report, persistence::ReplayJournal(impl.dir + "/journal", after, replay, [&](uint64_t, std::string_view p) {
        KIN_ASSIGN_OR_RETURN(ChangeSet cs, persistence::DecodeChangeSet(p, *impl.schema));
        return impl.store.Apply(cs);
      }, fs));
  impl.notice = report.notice;
  if (!whole.ok()) impl.notice += (impl.notice.empty() ? "" : "; ") + whole.message() + " (opened anyway: repair)";
  persistence::JournalOptions jo;
  jo.sync = impl.options.sync;
  jo.interval_ms = impl.options.sync_interval_ms;
  jo.segment_bytes = impl.options.segment_bytes;
  jo.rotate_in_append = false;  // the committer rotates, outside the readers' lock
  jo.end_record = end_record;
  KIN_ASSIGN_OR_RETURN(impl.journal,
                       persistence::Journal::Open(impl.dir + "/journal", jo, report.last_seq + 1, report.tail_segment, fs));
  impl.committer.AttachJournal(impl.journal.get(), impl.options.sync, *impl.schema);
  return Status::Ok();
}

}  // namespace

Database::Database(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Database::~Database() = default;

Result<std::unique_ptr<Database>> Database::OpenInMemory(std::shared_ptr<const Schema> schema) {
  if (!schema) return Status::InvalidArgument("A database needs a schema");
  return std::unique_ptr<Database>(new Database(std::make_unique<Impl>(std::move(schema))));
}

Result<std::unique_ptr<Database>> Database::Open(const std::string& dir, const std::string* schema_json,
                                                 const Options& options) {
  persistence::FileSystem& fs = options.file_system ? *options.file_system : persistence::FileSystem::Posix();
  KIN_RETURN_IF_ERROR(fs.CreateDirectories(dir));
  KIN_ASSIGN_OR_RETURN(persistence::DirectoryLock lock, persistence::DirectoryLock::Acquire(dir));
  const std::string path = dir + "/schema.json";
  KIN_ASSIGN_OR_RETURN(auto stored, fs.ReadFile(path));
  std::string canonical;
  if (schema_json) {
    KIN_ASSIGN_OR_RETURN(SchemaDraft draft, api::SchemaDraftFromText(*schema_json));
    canonical = api::SchemaDraftToJson(draft).dump(2) + "\n";
  }
  if (!stored) {
    if (!schema_json) return Status::InvalidArgument("No database at " + dir + ": give a schema to create one");
    KIN_ASSIGN_OR_RETURN(auto schema, api::SchemaFromText(canonical));  // validate before writing anything
    (void)schema;
    KIN_RETURN_IF_ERROR(fs.WriteFileAtomically(path, canonical));
    stored = canonical;
  } else if (schema_json && canonical != *stored) {
    return Status::InvalidArgument("The database at " + dir +
                                   " was created with a different schema; open it without one to use its own");
  }
  auto schema = api::SchemaFromText(*stored);
  if (!schema.ok()) return Status::DatabaseError("The stored schema " + path + " is invalid: " + schema.status().message());
  auto impl = std::make_unique<Impl>(std::move(schema).value());
  impl->dir = dir;
  impl->schema_json = *stored;
  impl->options = options;
  impl->dir_lock.emplace(std::move(lock));
  KIN_RETURN_IF_ERROR(Recover(*impl));
  return std::unique_ptr<Database>(new Database(std::move(impl)));
}

Status Database::Snapshot() {
  if (!impl_->journal) return Status::InvalidArgument("An in-memory database has no snapshots");
  return impl_->TakeSnapshot();
}

const std::string& Database::open_notice() const { return impl_->notice; }

persistence::JournalStats Database::journal_stats() const {
  persistence::JournalStats stats = impl_->journal ? impl_->journal->stats() : persistence::JournalStats{};
  stats.writers_waiting = impl_->committer.waiting();
  return stats;
}

const Schema& Database::schema() const { return *impl_->schema; }

Result<std::string> Database::CallText(std::string_view method, const Json& args) {
  KIN_ASSIGN_OR_RETURN(Method m, impl_->Resolve(method, args));
  return impl_->Run(api::IsWrite(m.operation), [&](CallContext& ctx) { return api::RunMethod(ctx, m, args); });
}

Result<Json> Database::Call(std::string_view method, const Json& args) {
  KIN_ASSIGN_OR_RETURN(Method m, impl_->Resolve(method, args));
  return RunValue(m, args);
}

namespace {
Result<std::vector<Method>> ResolveAll(const Database::Impl& impl, const std::vector<CallRequest>& calls) {
  std::vector<Method> resolved;
  for (const auto& c : calls) {
    KIN_ASSIGN_OR_RETURN(Method m, impl.Resolve(c.method, c.args));
    resolved.push_back(m);
  }
  return resolved;
}
}  // namespace

Result<std::string> Database::TransactionText(const std::vector<CallRequest>& calls) {
  KIN_ASSIGN_OR_RETURN(std::vector<Method> resolved, ResolveAll(*impl_, calls));
  return impl_->Run(true, [&](CallContext& ctx) -> Result<std::string> {
    std::string out = "[";
    for (size_t i = 0; i < calls.size(); ++i) {
      KIN_ASSIGN_OR_RETURN(std::string one, api::RunMethod(ctx, resolved[i], calls[i].args));
      out += (i ? "," : "") + one;
    }
    return out + "]";
  });
}

Result<Json> Database::Transaction(const std::vector<CallRequest>& calls) {
  KIN_ASSIGN_OR_RETURN(std::vector<Method> resolved, ResolveAll(*impl_, calls));
  Json results = Json::array();
  Result<std::string> run = impl_->Run(true, [&](CallContext& ctx) -> Result<std::string> {
    for (size_t i = 0; i < calls.size(); ++i) {
      ctx.result = &results.emplace_back();
      KIN_RETURN_IF_ERROR(api::RunMethod(ctx, resolved[i], calls[i].args).status());
    }
    return std::string();
  });
  if (!run.ok()) return run.status();
  return results;
}

Result<ModelHandle> Database::Model(std::string_view name) {
  ModelId id = impl_->schema->FindModel(name);
  if (!id.valid()) return Status::InvalidArgument("Unknown model \"" + std::string(name) + "\"");
  return ModelHandle(this, id);
}

ReadView Database::Read() const { return ReadView(impl_->store, impl_->mu); }

// The result is built as a value while the call runs (no text in between).
Result<Json> Database::RunValue(const api::Method& m, const Json& args) {
  Json result;
  Result<std::string> run = impl_->Run(api::IsWrite(m.operation), [&](CallContext& ctx) {
    ctx.result = &result;
    return api::RunMethod(ctx, m, args);
  });
  if (!run.ok()) return run.status();
  return result;
}

// ---- ModelHandle ----------------------------------------------------------------

Result<Json> ModelHandle::Run(int operation, Json args) {
  return db_->RunValue(api::Method{model_, static_cast<Operation>(operation)}, args);
}

// Each argument is checked before the copy into the argument array: a copy of a
// nlohmann value recurses once per nesting level.
Result<Json> ModelHandle::Retrieve(std::string_view id, const Json& config) {
  KIN_RETURN_IF_ERROR(api::CheckJsonDepth(config));
  return Run(static_cast<int>(Operation::kRetrieve), Json::array({id, config}));
}
Result<Json> ModelHandle::List(const Json& filters, const Json& config) {
  KIN_RETURN_IF_ERROR(api::CheckJsonDepth(filters));
  KIN_RETURN_IF_ERROR(api::CheckJsonDepth(config));
  return Run(static_cast<int>(Operation::kList), Json::array({filters, config}));
}
Result<Json> ModelHandle::ListAndCount(const Json& filters, const Json& config) {
  KIN_RETURN_IF_ERROR(api::CheckJsonDepth(filters));
  KIN_RETURN_IF_ERROR(api::CheckJsonDepth(config));
  return Run(static_cast<int>(Operation::kListAndCount), Json::array({filters, config}));
}
Result<Json> ModelHandle::Create(const Json& data) {
  KIN_RETURN_IF_ERROR(api::CheckJsonDepth(data));
  return Run(static_cast<int>(Operation::kCreate), Json::array({data}));
}
Result<Json> ModelHandle::Update(const Json& data) {
  KIN_RETURN_IF_ERROR(api::CheckJsonDepth(data));
  return Run(static_cast<int>(Operation::kUpdate), Json::array({data}));
}
Status ModelHandle::Delete(const Json& selector) {
  KIN_RETURN_IF_ERROR(api::CheckJsonDepth(selector));
  return Run(static_cast<int>(Operation::kDelete), Json::array({selector})).status();
}
Result<Json> ModelHandle::SoftDelete(const Json& selector, const Json& config) {
  KIN_RETURN_IF_ERROR(api::CheckJsonDepth(selector));
  KIN_RETURN_IF_ERROR(api::CheckJsonDepth(config));
  return Run(static_cast<int>(Operation::kSoftDelete), Json::array({selector, config}));
}
Result<Json> ModelHandle::Restore(const Json& selector, const Json& config) {
  KIN_RETURN_IF_ERROR(api::CheckJsonDepth(selector));
  KIN_RETURN_IF_ERROR(api::CheckJsonDepth(config));
  return Run(static_cast<int>(Operation::kRestore), Json::array({selector, config}));
}

Result<std::string> ModelHandle::Insert(std::span<const FieldValue> fields) {
  return db_->impl_->Run(true, [&](CallContext& ctx) {
    return api::RecordEditor(ctx, ctx.schema.model(model_)).Create(fields);
  });
}

Result<PreparedRetrieve> ModelHandle::PrepareRetrieve(const Json& config) const {
  KIN_RETURN_IF_ERROR(api::CheckJsonDepth(config));
  const Schema& schema = db_->schema();
  KIN_ASSIGN_OR_RETURN(api::ReadConfig parsed, api::ParseReadConfig(schema, schema.model(model_), config));
  return PreparedRetrieve(db_, model_, std::make_shared<const api::ReadConfig>(std::move(parsed)));
}

Status PreparedRetrieve::Text(std::string_view id, std::string* out) const {
  return db_->impl_
      ->Run(false,
            [&](CallContext& ctx) -> Result<std::string> {
              KIN_RETURN_IF_ERROR(api::RetrieveText(ctx, ctx.schema.model(model_), id, *config_, out));
              return std::string();  // the text went to *out
            })
      .status();
}

// ---- RecordRef / ReadView ---------------------------------------------------------

const Value* RecordRef::Get(std::string_view property) const {
  const PropertyDef* p = model_->FindProperty(property);
  return p ? &record_->values()[p->slot.value] : nullptr;
}

size_t RecordRef::CountRelated(RelationId relation) const {
  size_t n = 0;
  ForEachRelated(relation, [&](const RecordRef&) { ++n; });
  return n;
}

std::optional<RecordRef> ReadView::Find(ModelId model, std::string_view id) const {
  const ModelDef& m = schema().model(model);
  const Record* r = store_.Find(model, id);
  if (!r || !store_.IsLive(m, *r)) return std::nullopt;
  return RecordRef(&store_, &m, r);
}

}  // namespace kin
