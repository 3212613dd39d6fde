#pragma once
// Whole-database operations outside a running Database: reading a database
// directory without changing it, writing a new database directory from a store,
// and the JSON export/import document. Used by the `kin` directory tools.
//
// The export document (deterministic: exporting the same state twice, or an import
// of an export, gives the same bytes):
//
//   {"format":"kin-export","version":1,
//   "schema":{...the canonical schema JSON...},
//   "schema_version":0,
//   "models":[
//   {"name":"Store","autoincrement":{},"records":[
//   {"id":"s1","name":"Main","created_at":"2026-...","updated_at":"...","deleted_at":null}
//   ]},
//   ...
//   ],
//   "links":[
//   {"relation":"Product.orders","from":"p1","to":"o1"}
//   ]}
//
// "schema_version" is the sequence number of the source database's journal record
// that changed it to this schema (0: the schema it was created with); an import
// starts a database of its own, whose exports say 0 again. An export without it
// (before schema evolution) reads as 0. Models in schema order, records (soft-deleted included) in primary-key order with
// every slot (foreign keys and timestamps too) in slot order, values as ValueToJson
// gives them except bigNumber, written as its exact decimal text (a JSON number
// would go through a double). "autoincrement" holds each autoincrement property's
// highest value ever assigned. "links" are the automatic manyToMany links from the
// side that owns them, by relation, then from-id, then to-id; links through a
// pivotEntity are pivot records and need no entry. Stateless; thread-safe.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "kin/database.h"
#include "kin/json.h"
#include "core/store.h"

namespace kin::api {

// Reports `done` of `total` units of work (records); may be empty.
using ProgressFn = std::function<void(uint64_t done, uint64_t total)>;

// The canonical text of a schema, as a database directory's schema.json holds it.
std::string CanonicalSchemaText(const Schema& schema);

// Reads and resolves `<dir>/schema.json`; invalid_argument when there is none.
Result<std::shared_ptr<const Schema>> LoadStoredSchema(const std::string& dir, std::string* text = nullptr);

// A database's state read from its files by persistence's recovery, nothing on disk
// changed (a torn journal tail is skipped, not cut); the database may be in use by
// another process (see persistence/recovery.h).
struct OfflineState {
  std::string schema_text;
  uint64_t schema_version = 0;  // the record that brought the schema in (persistence/schema_history.h)
  std::unique_ptr<Store> store;
  std::string snapshot_path;  // the snapshot loaded; empty when none
  uint64_t snapshot_seq = 0;
  uint64_t last_seq = 0;      // last journal record applied (snapshot_seq when none)
  uint64_t replayed = 0;      // journal records applied
  int64_t last_time_us = 0;   // commit time of record last_seq when it was replayed (0: unknown)
  std::string notice;         // a torn tail seen (it would be cut on open)
};

struct OfflineOptions {
  // Start from this snapshot file (its embedded schema is used); empty: the newest
  // snapshot of `<dir>/snapshots` with `<dir>/schema.json`.
  std::string snapshot;
  // Apply journal records up to and including this one. A journal that ends before
  // it is an error, unless it is the default (everything).
  uint64_t to_seq = UINT64_MAX;
  // Or up to the last record committed at or before this time (microseconds since
  // the epoch); without a snapshot, the newest one before that record is the start.
  int64_t to_time_us = INT64_MAX;
  ProgressFn progress;  // per journal record applied
};

// The state of the database in `dir` (its journal is `<dir>/journal`).
Result<OfflineState> LoadOffline(const std::string& dir, const OfflineOptions& options = {});

// True when `dir` holds (part of) a database: a schema.json, journal or snapshots.
bool HoldsDatabase(const std::string& dir);

// Creates a new database in `dir` holding `store` at journal position `seq`:
// schema.json, a snapshot at `seq` and an empty journal, all synced. It is built in
// a new directory next to `dir`, opened once with `options` to check it, and then
// renamed to `dir`, so a run that fails or is killed leaves `dir` as it was.
// Refuses (invalid_argument) a `dir` that holds a database or anything else.
Status WriteNewDatabase(const std::string& dir, const Store& store, uint64_t seq, const Options& options = {});
// The same with the snapshot written by `write_snapshot` into the directory it is
// given (Database::Backup writes the image of a live database there).
Status BuildNewDatabase(const std::string& dir, const std::string& schema_text,
                        const std::function<Status(const std::string& snapshots_dir)>& write_snapshot,
                        const Options& options = {});

// The "format" and "version" of an export document.
inline constexpr std::string_view kExportFormat = "kin-export";
inline constexpr int kExportVersion = 1;

// The export document of a store (whose schema is in force since `schema_version`),
// or of a database (under its read lock).
Result<std::string> ExportStoreJson(const Store& store, const ProgressFn& progress = {}, uint64_t schema_version = 0);
Result<std::string> ExportJson(const Database& db, const ProgressFn& progress = {});

// Builds the store an export document describes. invalid_argument for a document
// that is not an export, or whose records do not fit its schema, naming the model
// and record; database_error for records that contradict each other (a duplicate
// id, a foreign key naming no record, a bad link).
Result<std::unique_ptr<Store>> StoreFromExport(const std::string& json, const ProgressFn& progress = {});

// Creates a new database in `dir` from an export document, durably (a snapshot at
// sequence 0 and an empty journal), as WriteNewDatabase does. With `schema_json`,
// the new database has that schema: the export's records are carried over as a
// schema change would carry them (docs/schema-evolution.md), and a change the plan
// refuses under `migrate` is an invalid_argument error, nothing written.
Status ImportJson(const std::string& dir, const std::string& json, const Options& options = {},
                  const ProgressFn& progress = {}, const std::string* schema_json = nullptr,
                  const MigrateOptions& migrate = {});

}  // namespace kin::api
