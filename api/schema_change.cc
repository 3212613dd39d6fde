#include "api/schema_change.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include "api/migration_plan_json.h"
#include "core/store_migration.h"
#include "core/store_migration_data.h"
#include "persistence/change_set_codec.h"
#include "persistence/journal_format.h"
#include "persistence/schema_history.h"

namespace kin::api {

namespace {
// The label of a schema change's journal record (what the feed shows as its method).
constexpr char kMigrateLabel[] = "migrate";
}  // namespace

Result<MigrationPlan> PlanSchemaChange(const persistence::RecoveredState& state, const Schema& to,
                                       const MigrateOptions& options, MigrationReport* report) {
  KIN_ASSIGN_OR_RETURN(MigrationPlan plan,
                       PlanMigration(state.store->schema(), to, StoreMigrationData(*state.store)));
  if (report) {
    report->plan = FormatPlan(plan);
    report->plan_json = MigrationPlanToJson(plan).dump();
    const Status refusal = PlanRefusal(plan, options.allow_destructive);
    report->refusal = refusal.ok() ? "" : refusal.message();
  }
  return plan;
}

Result<uint64_t> ApplySchemaChange(const std::string& dir, persistence::RecoveredState& state,
                                   std::shared_ptr<const Schema> to, const std::string& text, bool allow_destructive,
                                   persistence::Journal& journal, int64_t* time_us, persistence::FileSystem& fs,
                                   std::unique_ptr<Store>* retired) {
  // A change that only adds nullable properties (or changes no layout at all) is
  // taken by the store in place once the record is durable; any other carries the
  // records over into a new store first.
  std::shared_ptr<const Schema> kept = to->KeepingLayoutOf(state.store->schema());
  std::unique_ptr<Store> migrated;
  if (!kept) {
    KIN_ASSIGN_OR_RETURN(migrated, MigrateStore(*state.store, std::move(to)));
  }
  KIN_ASSIGN_OR_RETURN(auto versions, persistence::ListSchemaVersions(dir, fs));
  if (versions.empty()) KIN_RETURN_IF_ERROR(persistence::WriteSchemaVersion(dir, 0, state.schema_json, fs));
  const int64_t now = std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  *time_us = std::max(*time_us, now);
  std::string record;
  persistence::AppendRecordPrefix(*time_us, kMigrateLabel, &record);
  record += persistence::EncodeSchemaChange({text, allow_destructive});
  KIN_ASSIGN_OR_RETURN(uint64_t seq, journal.Append(record));
  // Durable whatever the sync policy; a failed sync cuts the record off again, so
  // that a failed change leaves nothing to replay.
  KIN_RETURN_IF_ERROR(journal.SyncOrCutBack());
  if (kept) KIN_RETURN_IF_ERROR(state.store->AdoptSchema(std::move(kept)));
  else *retired = std::exchange(state.store, std::move(migrated));
  state.schema_json = text;
  KIN_RETURN_IF_ERROR(persistence::WriteSchemaVersion(dir, seq, text, fs));
  KIN_RETURN_IF_ERROR(fs.WriteFileAtomically(dir + "/schema.json", text));
  return seq;
}

}  // namespace kin::api
