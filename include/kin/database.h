#pragma once
// Database: kin's entry point. Owns the schema, the records and the generated
// service of every model. Thread-safe: any number of concurrent readers; writes are
// serialized and each call (or transaction) applies completely or not at all.
//
//   #include <kin/kin.h>
//   #include <kin/json.h>  // for the JSON forms of calls and results
//
//   kin::SchemaBuilder b;
//   b.Model("Product").Id("id").Prefix("prod");
//   b.Model("Product").Text("title");
//   auto db = kin::Database::OpenInMemory(b).value();
//   auto products = db->Model("Product").value();
//   kin::Json shirt = products.Create({{"title", "Shirt"}}).value();
//   kin::Json rows = products.List({{"title", "Shirt"}}).value();

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "kin/feed.h"
#include "kin/field_value.h"
#include "kin/options.h"
#include "kin/read_view.h"
#include "kin/schema.h"
#include "kin/schema_builder.h"
#include "kin/status.h"

namespace kin {

using Json = nlohmann::ordered_json;  // keeps key order: `order` and output follow the caller

class Database;
namespace api {
struct Method;
struct ReadConfig;
struct DatabaseAccess;
}  // namespace api

// One call of a transaction: a method name and its arguments as a JSON array (an
// empty array, or null, for none).
struct CallRequest {
  std::string method;
  std::shared_ptr<const Json> args;  // null: no arguments
  CallRequest(std::string m);        // NOLINT: implicit, a call without arguments
  CallRequest(std::string m, const Json& args);
  CallRequest(std::string m, Json&& args);
  // The arguments as an array (empty for none).
  const Json& arguments() const;
};

// Figures of Database::Stats().
struct DatabaseStats {
  struct ModelStats {
    std::string name;
    uint64_t live = 0;          // records listed by default
    uint64_t soft_deleted = 0;  // records only withDeleted lists
  };
  std::vector<ModelStats> models;  // in schema order
  uint64_t links = 0;              // belongsTo references set (a pivot record's two included)
                                   // and links of manyToMany relations without a pivotEntity
  uint64_t memory_bytes = 0;       // record and index memory reserved from the system
  // The journal (zero for an in-memory database).
  uint64_t journal_records = 0;  // records appended since open
  uint64_t journal_syncs = 0;    // flushes (fdatasync) since open
  uint64_t journal_segments = 0; // segment files on disk
  uint64_t journal_bytes = 0;    // their total size
  uint64_t next_seq = 0;         // the sequence number the next write gets
  uint64_t snapshot_seq = 0;     // the newest snapshot covers records before this (0: none)
};

// A retrieve whose model and config are resolved once, like a prepared SQL
// statement: each call finds one record and writes the same JSON text as
// retrieve<Model>(id, config). Valid while its database lives; thread-safe.
//
//   auto product = db->Model("Product").value().PrepareRetrieve({{"relations", {"orders"}}}).value();
//   std::string text;
//   kin::Status s = product.Text("prod_01H...", &text);
class PreparedRetrieve {
 public:
  // Appends the record's JSON text to *out; not_found as retrieve reports it.
  Status Text(std::string_view id, std::string* out) const;

 private:
  friend class ModelHandle;
  PreparedRetrieve(const Database* db, ModelId model, std::shared_ptr<const api::ReadConfig> config)
      : db_(db), model_(model), config_(std::move(config)) {}
  const Database* db_;
  ModelId model_;
  std::shared_ptr<const api::ReadConfig> config_;
};

// The service methods of one model, resolved once (no method-name lookup per call).
// Each takes its arguments as the JSON forms the service methods take.
class ModelHandle {
 public:
  ModelHandle(Database* db, ModelId model) : db_(db), model_(model) {}
  ModelId id() const { return model_; }

  Result<Json> Retrieve(std::string_view id);
  Result<Json> Retrieve(std::string_view id, const Json& config);
  Result<Json> List();
  Result<Json> List(const Json& filters);
  Result<Json> List(const Json& filters, const Json& config);
  Result<Json> ListAndCount();
  Result<Json> ListAndCount(const Json& filters);
  Result<Json> ListAndCount(const Json& filters, const Json& config);
  // One object creates one record; an array creates each (the result mirrors it).
  Result<Json> Create(const Json& data);
  // {id, ...}, {selector, data}, or an array of them.
  Result<Json> Update(const Json& data);
  Status Delete(const Json& selector);
  Result<Json> SoftDelete(const Json& selector);
  Result<Json> SoftDelete(const Json& selector, const Json& config);
  Result<Json> Restore(const Json& selector);
  Result<Json> Restore(const Json& selector, const Json& config);
  // Creates one record from typed fields, without JSON in or out: the same
  // defaults, id, timestamps, checks, errors and journal record as create<Models>
  // with the equivalent object. Relations other than belongsTo (given by the
  // parent's id) need the JSON form. Returns the new record's id.
  //
  //   auto id = products.Insert({{"title", kin::Value::Text("Shirt")}, {"price", kin::Value::Int(20)}});
  Result<std::string> Insert(std::initializer_list<FieldValue> fields) {
    return Insert(std::span<const FieldValue>(fields.begin(), fields.size()));
  }
  Result<std::string> Insert(std::span<const FieldValue> fields);
  // Parses `config` once for many retrieves (errors as retrieve reports them).
  Result<PreparedRetrieve> PrepareRetrieve() const;
  Result<PreparedRetrieve> PrepareRetrieve(const Json& config) const;

 private:
  Result<Json> Run(int operation, const Json* a, const Json* b);
  Database* db_;
  ModelId model_;
};

// Database::Migrate's options: the same as `kin migrate`'s.
struct MigrateOptions {
  bool dry_run = false;            // plan only: nothing changes
  bool allow_destructive = false;  // apply destructive steps too (a dropped property leaves every record)
};

// What a schema change did, or would do (docs/schema-evolution.md).
struct MigrationReport {
  std::string plan;       // one line per step, then the counts; "no change" for none
  std::string plan_json;  // {"steps": [...], "safe": n, "destructive": n, "impossible": n}
  std::string refusal;    // dry run: why the change would be refused; empty when it may apply
  bool applied = false;   // the change was made (not a dry run, and the schema differed)
  uint64_t seq = 0;       // the journal record of the change, when applied
};

class Database {
 public:
  // A database held in memory only.
  static Result<std::unique_ptr<Database>> OpenInMemory(std::shared_ptr<const Schema> schema);
  static Result<std::unique_ptr<Database>> OpenInMemory(const SchemaBuilder& schema);

  // A database in directory `dir`, created if it does not exist. The schema (the
  // JSON form as text, or a SchemaBuilder) is needed only to create it; an existing
  // database opened without one uses its stored schema. Opened with a different
  // schema, the database changes to it when every step of the change is safe (a new
  // model, a nullable or defaulted property, an index, ...; docs/schema-evolution.md):
  // one journal record, durable before Open returns. A change with a destructive or
  // impossible step is an invalid_argument error listing each, and nothing changes
  // (Migrate applies destructive steps when allowed).
  //
  // Opening loads the newest valid snapshot and replays the journal after it; a
  // torn tail is cut (see open_notice()), other corruption is a database_error
  // naming file and offset unless `options.repair`.
  static Result<std::unique_ptr<Database>> Open(const std::string& dir, const Options& options = {});
  static Result<std::unique_ptr<Database>> Open(const std::string& dir, std::string_view schema_json,
                                                const Options& options = {});
  static Result<std::unique_ptr<Database>> Open(const std::string& dir, const SchemaBuilder& schema,
                                                const Options& options = {});
  ~Database();

  // Changes the schema of the closed database in `dir` to `schema_json`, as Open
  // does, and also with destructive steps when options.allow_destructive; with
  // options.dry_run it only plans (reading the files as they are, without the
  // directory lock). A refused change is an invalid_argument error, except in a dry
  // run, whose report says why. The database must exist.
  static Result<MigrationReport> Migrate(const std::string& dir, std::string_view schema_json,
                                         const MigrateOptions& options = {}, const Options& open_options = {});

  const Schema& schema() const;

  // Calls a service method by name ("createProducts") with its arguments as a JSON
  // array, in JavaScript order (null or an empty array: no arguments). Errors carry
  // the error types of docs/errors.md.
  //
  //   db->Call("listProducts");
  //   db->Call("createProducts", kin::Json::array({{{"title", "Shirt"}}}));
  Result<Json> Call(std::string_view method);
  Result<Json> Call(std::string_view method, const Json& args);
  // The same, with the result as JSON text, written without building a DOM.
  Result<std::string> CallText(std::string_view method);
  Result<std::string> CallText(std::string_view method, const Json& args);
  // Runs the calls in order as one atomic unit; the result is the array of their
  // results; the first failing call fails the whole transaction, which changes nothing.
  // On failure, *failed_call (if given) is the index of the call that failed.
  Result<std::string> TransactionText(const std::vector<CallRequest>& calls, size_t* failed_call = nullptr);
  Result<Json> Transaction(const std::vector<CallRequest>& calls);

  // The typed handle of a model; an unknown model is invalid_argument.
  Result<ModelHandle> Model(std::string_view name);
  // A consistent, non-copying view for reads; holds the shared lock while it lives.
  ReadView Read() const;

  // Writes a snapshot of the current state; keeps the newest
  // Options::keep_snapshots of them and the journal since the oldest. Readers go on
  // meanwhile; writers wait only while the image is frozen.
  Status Snapshot();
  // Copies the current state into `dir`, a new database (a snapshot and an empty
  // journal) that opens on its own. `dir` must be absent or empty; the copy is
  // built beside it and renamed into place, so a backup that fails or is killed
  // leaves `dir` as it was. Calls go on meanwhile, as during Snapshot().
  Status Backup(const std::string& dir);
  // The change feed after record `after_seq` (0: from the first record): see
  // kin/feed.h. invalid_argument for an in-memory database (it keeps no journal),
  // `gap` when the journal no longer holds the records after `after_seq`.
  Result<FeedCursor> Feed(uint64_t after_seq);
  // Applies an entry of another database's feed (of the same schema) to this one,
  // as one write journaled under the entry's method: records are written with the
  // entry's values (timestamps included), deleted, linked and unlinked as it says.
  // Replaying a feed from its first entry onto an empty database rebuilds the same
  // state. invalid_argument for an entry that does not fit the schema; an entry
  // that contradicts this database's state (a missing record, a clashing unique
  // value) is an error and changes nothing.
  Status ApplyFeedEntry(const FeedEntry& entry);
  // What opening had to cut or repair (empty when the files were clean).
  const std::string& open_notice() const;
  // Records per model, links, memory and journal figures (`kin stats` prints them).
  DatabaseStats Stats() const;

  struct Impl;  // the implementation, opaque

 private:
  friend class ModelHandle;
  friend class PreparedRetrieve;
  friend class ReadView;
  friend struct api::DatabaseAccess;
  friend struct api::ViewAccess;
  explicit Database(std::unique_ptr<Impl> impl);
  Result<Json> RunValue(const api::Method& method, const Json& args);
  std::unique_ptr<Impl> impl_;
};

}  // namespace kin
