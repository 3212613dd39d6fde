#pragma once
// Changing a database's schema (docs/schema-evolution.md): the plan from the
// recovered state to a new schema, and carrying it out. Internal to api; used by
// Database::Open and Database::Migrate under the directory lock, before the
// database is handed out (no other thread sees the state).

#include <cstdint>
#include <memory>
#include <string>

#include "core/schema_diff.h"
#include "kin/database.h"
#include "persistence/file_system.h"
#include "persistence/journal.h"
#include "persistence/recovery.h"

namespace kin::api {

// The plan from the state's schema to `to`, checked against its records, and the
// report that tells it (plan text and JSON, and the refusal under `options`).
Result<MigrationPlan> PlanSchemaChange(const persistence::RecoveredState& state, const Schema& to,
                                       const MigrateOptions& options, MigrationReport* report);

// Carries out an allowed change to `to` (whose canonical text is `text`):
//   1. unless the store can take `to` in place (Schema::KeepingLayoutOf), the
//      store carried over in memory (nothing written if this fails);
//   2. the creation schema kept as schema version 0, when no version is kept yet;
//   3. the journal record of the change, appended and synced (cut off again when
//      the sync fails);
//   4. the store takes `to` in place, or the carried store replaces it; the
//      record's schema version and schema.json.
// Returns the record's sequence number; *time_us (the last commit time) becomes the
// record's commit time, and *retired the store the state had when it was carried
// over (null when the change was taken in place; the caller frees it,
// off the opening thread if it likes). After a failure at step 3 or 4 the caller
// must not go on with the state (reopening recovers whichever state the disk holds).
Result<uint64_t> ApplySchemaChange(const std::string& dir, persistence::RecoveredState& state,
                                   std::shared_ptr<const Schema> to, const std::string& text, bool allow_destructive,
                                   persistence::Journal& journal, int64_t* time_us, persistence::FileSystem& fs,
                                   std::unique_ptr<Store>* retired);

}  // namespace kin::api
