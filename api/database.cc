#include "kin/database.h"
#include "kin/json.h"

#include <nlohmann/json.hpp>

#include <pthread.h>

#include <atomic>
#include <cassert>
#include <condition_variable>
#include <filesystem>
#include <optional>
#include <mutex>
#include <shared_mutex>
#include <thread>

#include "api/committer.h"
#include "api/database_impl.h"
#include "api/database_access.h"
#include "api/limits.h"
#include "api/open_footprint.h"
#include "api/operations.h"
#include "api/query.h"
#include "api/record_editor.h"
#include "api/export.h"
#include "api/migration_plan_json.h"
#include "api/schema_change.h"
#include "api/schema_json.h"
#include "persistence/change_set_codec.h"
#include "persistence/directory_lock.h"
#include "persistence/journal_end.h"
#include "persistence/journal_format.h"
#include "persistence/file_system.h"
#include "persistence/journal_reader.h"
#include "persistence/recovery.h"
#include "persistence/schema_history.h"
#include "persistence/snapshot.h"
#include "persistence/snapshot_process.h"
#include "core/mutation.h"

namespace kin {

// (The reason is at the declaration, api/database_impl.h.)
void api::PreferWriters(std::shared_mutex& mu) {
  pthread_rwlockattr_t attr;
  pthread_rwlockattr_init(&attr);
  pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
  auto* handle = static_cast<pthread_rwlock_t*>(mu.native_handle());  // libstdc++: the rwlock itself
  pthread_rwlock_destroy(handle);
  pthread_rwlock_init(handle, &attr);
  pthread_rwlockattr_destroy(&attr);
}

using api::OpenFootprint;
using api::Operation;

namespace {

// The state recovered from the files (persistence/recovery.h), and what opening
// needs to go on from it.
struct Recovered {
  persistence::RecoveredState state;
  std::string notice;      // what was cut or repaired
  std::string end_record;  // the journal's end record
};

Result<Recovered> RecoverState(const std::string& dir, const Options& options, persistence::FileSystem& fs) {
  // A journal shorter than where it is recorded to end lost its newest segments.
  const std::string journal_dir = dir + "/journal";
  Recovered out;
  out.end_record = persistence::JournalEndPath(journal_dir);
  KIN_ASSIGN_OR_RETURN(auto segments, persistence::ListSegments(journal_dir, fs));
  Status whole = persistence::CheckJournalEnd(out.end_record, journal_dir, segments, fs);
  if (!whole.ok() && !options.repair) return whole;
  persistence::RecoveryOptions recovery;
  recovery.repair = options.repair;
  recovery.file_system = &fs;
  recovery.parse_schema = api::SchemaFromText;
  KIN_ASSIGN_OR_RETURN(out.state, persistence::RecoverForOpen(dir, recovery));
  out.notice = out.state.report.notice;
  if (!whole.ok()) out.notice += (out.notice.empty() ? "" : "; ") + whole.message() + " (opened anyway: repair)";
  return out;
}

// The journal, open for appending after the recovered state's last record.
Result<std::unique_ptr<persistence::Journal>> OpenJournal(const std::string& dir, const Options& options,
                                                          const Recovered& recovered, persistence::FileSystem& fs) {
  const persistence::RecoveryReport& report = recovered.state.report;
  persistence::JournalOptions jo;
  jo.sync = options.sync;
  jo.interval_ms = options.sync_interval_ms;
  jo.segment_bytes = options.segment_bytes;
  jo.rotate_in_append = false;  // the committer rotates, outside the readers' lock
  jo.end_record = recovered.end_record;
  // A segment of an older format is left as it is: appending starts a new one.
  const std::string& tail = report.tail_version == persistence::kSegmentVersion ? report.tail_segment : "";
  return persistence::Journal::Open(dir + "/journal", jo, report.last_seq + 1, tail, fs);
}

}  // namespace

Database::Database(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Database::~Database() = default;

Result<std::unique_ptr<Database>> Database::OpenInMemory(std::shared_ptr<const Schema> schema) {
  if (!schema) return Status::InvalidArgument("A database needs a schema");
  return std::unique_ptr<Database>(new Database(std::make_unique<Impl>(std::move(schema))));
}

Result<std::unique_ptr<Database>> Database::OpenInMemory(const SchemaBuilder& schema) {
  KIN_ASSIGN_OR_RETURN(auto built, schema.Build());
  return OpenInMemory(std::move(built));
}

Result<std::unique_ptr<Database>> Database::Open(const std::string& dir, const Options& options) {
  return api::DatabaseAccess::Open(dir, nullptr, options, persistence::FileSystem::Posix());
}

Result<std::unique_ptr<Database>> Database::Open(const std::string& dir, std::string_view schema_json,
                                                 const Options& options) {
  const std::string text(schema_json);
  return api::DatabaseAccess::Open(dir, &text, options, persistence::FileSystem::Posix());
}

Result<std::unique_ptr<Database>> Database::Open(const std::string& dir, const SchemaBuilder& schema,
                                                 const Options& options) {
  const std::string text = api::SchemaDraftToJson(schema.draft()).dump();
  return api::DatabaseAccess::Open(dir, &text, options, persistence::FileSystem::Posix());
}

namespace {

Result<std::unique_ptr<Database::Impl>> OpenLocked(const std::string& dir, const std::string* schema_json,
                                                   const Options& options, persistence::FileSystem& fs,
                                                   persistence::DirectoryLock lock, const MigrateOptions& migrate,
                                                   MigrationReport* report);

}  // namespace

Result<std::unique_ptr<Database>> api::DatabaseAccess::Open(const std::string& dir, const std::string* schema_json,
                                                            const Options& options, persistence::FileSystem& fs,
                                                            const MigrateOptions& migrate, MigrationReport* report) {
  if (options.keep_snapshots == 0)
    return Status::InvalidArgument("keep_snapshots must be at least 1 (the newest snapshot is always kept)");
  const OpenFootprint before = OpenFootprint::Of(dir);
  Status created = fs.CreateDirectories(dir);
  if (!created.ok()) {
    before.RemoveCreated();
    return created;
  }
  auto lock = persistence::DirectoryLock::Acquire(dir);
  if (!lock.ok()) {
    // Another process may hold it, and use what is there: only empty directories
    // this call created go.
    before.RemoveEmpty(dir);
    return lock.status();
  }
  auto impl = OpenLocked(dir, schema_json, options, fs, std::move(lock).value(), migrate, report);
  if (!impl.ok()) {
    before.Undo(dir);
    return impl.status();
  }
  const Database::Impl& opened = **impl;
  opened.Log(LogEvent::kOpen, "opened " + dir);
  if (!opened.notice.empty()) opened.Log(options.repair ? LogEvent::kRepair : LogEvent::kCut, opened.notice);
  return std::unique_ptr<Database>(new Database(std::move(impl).value()));
}

namespace {

// The schema JSON text in the canonical form kin stores and compares.
Result<std::string> CanonicalText(const std::string& schema_json) {
  KIN_ASSIGN_OR_RETURN(SchemaDraft draft, api::SchemaDraftFromText(schema_json));
  return api::SchemaDraftToJson(draft).dump(2) + "\n";
}

// Open, once the directory exists and `lock` holds it.
Result<std::unique_ptr<Database::Impl>> OpenLocked(const std::string& dir, const std::string* schema_json,
                                                   const Options& options, persistence::FileSystem& fs,
                                                   persistence::DirectoryLock lock, const MigrateOptions& migrate,
                                                   MigrationReport* report) {
  const std::string path = dir + "/schema.json";
  KIN_ASSIGN_OR_RETURN(auto stored, fs.ReadFile(path));
  std::string canonical;
  if (schema_json) {
    KIN_ASSIGN_OR_RETURN(canonical, CanonicalText(*schema_json));
  }
  if (!stored) {
    if (!schema_json) return Status::InvalidArgument("No database at " + dir + ": give a schema to create one");
    KIN_ASSIGN_OR_RETURN(auto schema, api::SchemaFromText(canonical));  // validate before writing anything
    (void)schema;
    KIN_RETURN_IF_ERROR(fs.WriteFileAtomically(path, canonical));
    stored = canonical;
  }
  KIN_ASSIGN_OR_RETURN(Recovered recovered, RecoverState(dir, options, fs));
  persistence::RecoveredState& state = recovered.state;
  // A schema that differs in text only (declaration order) still changes how
  // records are laid out: it is carried out like any change, with an empty plan.
  std::shared_ptr<const Schema> target;
  if (schema_json && canonical != state.schema_json) {
    KIN_ASSIGN_OR_RETURN(target, api::SchemaFromText(canonical));
    KIN_ASSIGN_OR_RETURN(MigrationPlan plan, api::PlanSchemaChange(state, *target, migrate, report));
    KIN_RETURN_IF_ERROR(PlanRefusal(plan, migrate.allow_destructive));
  }
  KIN_ASSIGN_OR_RETURN(auto journal, OpenJournal(dir, options, recovered, fs));
  int64_t last_time_us = state.report.last_time_us;
  std::unique_ptr<Store> retired;  // the store before a schema change
  if (target) {
    KIN_ASSIGN_OR_RETURN(uint64_t seq, api::ApplySchemaChange(dir, state, target, canonical, migrate.allow_destructive,
                                                              *journal, &last_time_us, fs, &retired));
    if (report) report->applied = true, report->seq = seq;
  } else if (state.schema_json != *stored) {
    // A crash came after a schema change's record and before schema.json was written.
    KIN_RETURN_IF_ERROR(fs.WriteFileAtomically(path, state.schema_json));
  }
  auto impl = std::make_unique<Database::Impl>(std::move(state.store));
  impl->dir = dir;
  impl->schema_json = state.schema_json;
  impl->options = options;
  impl->file_system = &fs;
  impl->dir_lock.emplace(std::move(lock));
  impl->notice = recovered.notice;
  KIN_ASSIGN_OR_RETURN(impl->schema_version, persistence::SchemaVersionAt(dir, UINT64_MAX, fs));
  impl->journal = std::move(journal);
  impl->committer.AttachJournal(impl->journal.get(), options.sync, *impl->schema, last_time_us);
  if (retired) impl->Retire(std::move(retired));
  return impl;
}

}  // namespace

Result<MigrationReport> Database::Migrate(const std::string& dir, std::string_view schema_json,
                                         const MigrateOptions& options, const Options& open_options) {
  MigrationReport report;
  KIN_RETURN_IF_ERROR(api::DatabaseAccess::Migrate(dir, schema_json, options, open_options, &report));
  return report;
}

Status api::DatabaseAccess::Migrate(const std::string& dir, std::string_view schema_json,
                                    const MigrateOptions& options, const Options& open_options,
                                    MigrationReport* report) {
  *report = MigrationReport();
  report->plan = FormatPlan(MigrationPlan{});
  report->plan_json = api::MigrationPlanToJson(MigrationPlan{}).dump();
  if (!api::HoldsDatabase(dir)) return Status::InvalidArgument("No database at " + dir);
  KIN_ASSIGN_OR_RETURN(std::string canonical, CanonicalText(std::string(schema_json)));
  KIN_ASSIGN_OR_RETURN(auto target, api::SchemaFromText(canonical));
  if (!options.dry_run) {
    const std::string text(schema_json);
    return api::DatabaseAccess::Open(dir, &text, open_options, persistence::FileSystem::Posix(), options, report)
        .status();
  }
  persistence::RecoveryOptions recovery;
  recovery.parse_schema = api::SchemaFromText;
  KIN_ASSIGN_OR_RETURN(persistence::RecoveredState state, persistence::ReadDatabase(dir, recovery));
  if (canonical == state.schema_json) return Status::Ok();
  return api::PlanSchemaChange(state, *target, options, report).status();
}

const std::string& Database::open_notice() const { return impl_->notice; }

// Counts by visiting every record (soft-deleted ones and links are not kept as
// totals): O(records + links), under the shared lock.
DatabaseStats Database::Stats() const {
  DatabaseStats stats;
  {
    std::shared_lock lock(impl_->mu);
    const Schema& schema = *impl_->schema;
    for (const ModelDef& m : schema.models()) {
      DatabaseStats::ModelStats& ms = stats.models.emplace_back();
      ms.name = m.name;
      std::vector<uint32_t> counted;  // link lists that count each related pair once
      for (RelationId rid : m.relations) {
        const RelationDef& rel = schema.relation(rid);
        if (rel.kind == RelationKind::kBelongsTo || (rel.kind == RelationKind::kManyToMany && rel.owns_links))
          counted.push_back(rel.local);
      }
      impl_->store.ScanUnordered(m.id, [&](const Record& r) {  // counts only
        ++(r.marked_deleted() ? ms.soft_deleted : ms.live);
        for (uint32_t local : counted) stats.links += r.links(local).size();
        return true;
      });
      stats.memory_bytes += impl_->store.Pools(m.id).reserved_bytes;
    }
    if (impl_->journal) {
      stats.journal_records = impl_->journal->stats().records;
      stats.journal_syncs = impl_->journal->stats().syncs;
      stats.next_seq = impl_->journal->next_seq();
    }
  }
  if (impl_->journal) {
    if (auto segments = persistence::ListSegments(impl_->dir + "/journal", impl_->fs()); segments.ok()) {
      stats.journal_segments = segments->size();
      for (const auto& seg : *segments) {
        std::error_code ec;
        const auto size = std::filesystem::file_size(seg.path, ec);
        if (!ec) stats.journal_bytes += size;
      }
    }
    if (auto snaps = persistence::ListSnapshots(impl_->dir + "/snapshots", impl_->fs()); snaps.ok() && !snaps->empty())
      stats.snapshot_seq = snaps->front().seq + 1;
  }
  return stats;
}

uint64_t api::DatabaseAccess::SchemaVersion(const Database& db) { return db.impl_->schema_version; }

persistence::JournalStats api::DatabaseAccess::JournalStats(const Database& db) {
  persistence::JournalStats stats = db.impl_->journal ? db.impl_->journal->stats() : persistence::JournalStats{};
  stats.writers_waiting = db.impl_->committer.waiting();
  return stats;
}

const Schema& Database::schema() const { return *impl_->schema; }

namespace {
const Json& NoArguments() {
  static const Json kNone = Json::array();
  return kNone;
}
// A call's arguments: null stands for none.
const Json& ArgumentsOf(const Json& args) { return args.is_null() ? NoArguments() : args; }
}  // namespace

CallRequest::CallRequest(std::string m) : method(std::move(m)) {}
CallRequest::CallRequest(std::string m, const Json& a) : method(std::move(m)), args(std::make_shared<Json>(a)) {}
CallRequest::CallRequest(std::string m, Json&& a)
    : method(std::move(m)), args(std::make_shared<Json>(std::move(a))) {}
const Json& CallRequest::arguments() const { return args ? ArgumentsOf(*args) : NoArguments(); }

Result<std::string> Database::CallText(std::string_view method, const Json& given) {
  const Json& args = ArgumentsOf(given);
  KIN_ASSIGN_OR_RETURN(Method m, impl_->Resolve(method, args));
  return impl_->Run(api::IsWrite(m.operation), method,
                    [&](CallContext& ctx) { return api::RunMethod(ctx, m, args); });
}

Result<std::string> Database::CallText(std::string_view method) { return CallText(method, Json::array()); }
Result<Json> Database::Call(std::string_view method) { return Call(method, Json::array()); }

Result<Json> Database::Call(std::string_view method, const Json& given) {
  const Json& args = ArgumentsOf(given);
  KIN_ASSIGN_OR_RETURN(Method m, impl_->Resolve(method, args));
  return RunValue(m, args);
}

namespace {
Result<std::vector<Method>> ResolveAll(const Database::Impl& impl, const std::vector<CallRequest>& calls,
                                       size_t* failed_call = nullptr) {
  std::vector<Method> resolved;
  for (size_t i = 0; i < calls.size(); ++i) {
    auto m = impl.Resolve(calls[i].method, calls[i].arguments());
    if (!m.ok()) {
      if (failed_call) *failed_call = i;
      return m.status();
    }
    resolved.push_back(*m);
  }
  return resolved;
}

// "transaction createUsers,updateUsers": the journal label of a transaction.
std::string TransactionLabel(const std::vector<CallRequest>& calls) {
  std::string label = "transaction";
  for (size_t i = 0; i < calls.size() && label.size() <= persistence::kMaxLabel; ++i)
    label += (i ? "," : " ") + calls[i].method;
  return label;
}
}  // namespace

Result<std::string> Database::TransactionText(const std::vector<CallRequest>& calls, size_t* failed_call) {
  KIN_ASSIGN_OR_RETURN(std::vector<Method> resolved, ResolveAll(*impl_, calls, failed_call));
  return impl_->Run(true, TransactionLabel(calls), [&](CallContext& ctx) -> Result<std::string> {
    std::string out = "[";
    for (size_t i = 0; i < calls.size(); ++i) {
      auto one = api::RunMethod(ctx, resolved[i], calls[i].arguments());
      if (!one.ok()) {
        if (failed_call) *failed_call = i;
        return one.status();
      }
      out += (i ? "," : "") + *one;
    }
    return out + "]";
  });
}

Result<Json> Database::Transaction(const std::vector<CallRequest>& calls) {
  KIN_ASSIGN_OR_RETURN(std::vector<Method> resolved, ResolveAll(*impl_, calls));
  Json results = Json::array();
  Result<std::string> run = impl_->Run(true, TransactionLabel(calls), [&](CallContext& ctx) -> Result<std::string> {
    for (size_t i = 0; i < calls.size(); ++i) {
      ctx.result = &results.emplace_back();
      KIN_RETURN_IF_ERROR(api::RunMethod(ctx, resolved[i], calls[i].arguments()).status());
    }
    return std::string();
  });
  if (!run.ok()) return run.status();
  return results;
}

Result<ModelHandle> Database::Model(std::string_view name) {
  ModelId id = impl_->schema->FindModel(name);
  if (!id.valid()) return Status::InvalidArgument("Unknown model \"" + api::QuoteInput(name) + "\"");
  return ModelHandle(this, id);
}

ReadView Database::Read() const { return ReadView(this); }

// The result is built as a value while the call runs (no text in between).
Result<Json> Database::RunValue(const api::Method& m, const Json& args) {
  Json result;
  Result<std::string> run = impl_->Run(api::IsWrite(m.operation), impl_->methods.Name(m), [&](CallContext& ctx) {
    ctx.result = &result;
    return api::RunMethod(ctx, m, args);
  });
  if (!run.ok()) return run.status();
  return result;
}

// ---- ModelHandle (the JSON methods are in model_handle.cc) ----------------------

Result<Json> ModelHandle::Run(int operation, const Json* a, const Json* b) {
  Json args = Json::array();
  if (a) args.push_back(*a);
  if (b) args.push_back(*b);
  return db_->RunValue(api::Method{model_, static_cast<Operation>(operation)}, args);
}

Result<std::string> ModelHandle::Insert(std::span<const FieldValue> fields) {
  return db_->impl_->Run(true, db_->impl_->methods.Name({model_, api::Operation::kCreate}), [&](CallContext& ctx) {
    return api::RecordEditor(ctx, ctx.schema.model(model_)).Create(fields);
  });
}

Result<PreparedRetrieve> ModelHandle::PrepareRetrieve() const { return PrepareRetrieve(nullptr); }

Result<PreparedRetrieve> ModelHandle::PrepareRetrieve(const Json& config) const {
  KIN_RETURN_IF_ERROR(api::CheckJsonDepth(config));
  const Schema& schema = db_->schema();
  KIN_ASSIGN_OR_RETURN(api::ReadConfig parsed, api::ParseReadConfig(schema, schema.model(model_), config));
  return PreparedRetrieve(db_, model_, std::make_shared<const api::ReadConfig>(std::move(parsed)));
}

Status PreparedRetrieve::Text(std::string_view id, std::string* out) const {
  return db_->impl_
      ->Run(false, "",
            [&](CallContext& ctx) -> Result<std::string> {
              KIN_RETURN_IF_ERROR(api::RetrieveText(ctx, ctx.schema.model(model_), id, *config_, out));
              return std::string();  // the text went to *out
            })
      .status();
}

// ---- ReadView: the lock and the store (the rest is in read_view.cc) ---------------

ReadView::ReadView(const Database* db) : db_(db) { db_->impl_->mu.lock_shared(); }

ReadView::~ReadView() {
  if (db_) db_->impl_->mu.unlock_shared();
}

const Schema& ReadView::schema() const { return *db_->impl_->schema; }

const Store& api::ViewAccess::StoreOf(const ReadView& view) { return view.db_->impl_->store; }

}  // namespace kin
