#pragma once
// Internal access to what the public headers keep opaque: the store behind a
// Database or a ReadView, the record behind a RecordRef, and opening with an
// injected file system. For kin's own layers, tools and tests; not installed.

#include <memory>
#include <string>

#include "core/record.h"
#include "core/store.h"
#include "kin/database.h"
#include "kin/json.h"
#include "persistence/file_system.h"
#include "persistence/journal.h"

namespace kin::api {

struct DatabaseAccess {
  // Database::Open with `fs` in place of the real file system (fault injection).
  // `schema_json` null: open an existing database with its stored schema.
  // With `migrate`, a different schema is applied as Database::Migrate does, and
  // what the change did goes to *report (when not null).
  static Result<std::unique_ptr<Database>> Open(const std::string& dir, const std::string* schema_json,
                                                const Options& options, persistence::FileSystem& fs,
                                                const MigrateOptions& migrate = {}, MigrationReport* report = nullptr);
  static persistence::JournalStats JournalStats(const Database& db);
  // Database::Migrate, with the report filled also when the change is refused (its
  // plan and refusal), so that a caller can show what was refused.
  static Status Migrate(const std::string& dir, std::string_view schema_json, const MigrateOptions& options,
                        const Options& open_options, MigrationReport* report);
  // The sequence number of the record that brought the database's schema in (0: the
  // schema it was created with, and for a database in memory).
  static uint64_t SchemaVersion(const Database& db);
};

struct ViewAccess {
  static const Store& StoreOf(const ReadView& view);
  static RecordRef Ref(const Schema& schema, const ModelDef& model, const Record* record) {
    return RecordRef(&schema, &model, record);
  }
  static const Record& RecordOf(const RecordRef& ref) { return *ref.record_; }
};

}  // namespace kin::api
