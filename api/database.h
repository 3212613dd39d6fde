#pragma once
// Database: kin's public entry point. Owns the schema, the store and the generated
// service of every model. Thread-safe: any number of concurrent readers; writes are
// serialized and each call (or transaction) applies completely or not at all.
//
//   auto db = kin::Database::OpenInMemory(schema).value();
//   auto product = db->Call("createProducts", {{{"title", "Shirt"}}});
//   auto rows = db->Model("Product").List({{"title", "Shirt"}});

#include <initializer_list>
#include <memory>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/field_value.h"
#include "api/read_view.h"
#include "core/schema.h"
#include "persistence/journal.h"
#include "core/status.h"

namespace kin {

using Json = nlohmann::ordered_json;  // keeps key order: `order` and output follow the caller

class Database;
namespace api {
struct Method;
struct ReadConfig;
}

using SyncPolicy = persistence::SyncPolicy;

// How a database on disk keeps its changes (SPEC.md section 10).
struct Options {
  SyncPolicy sync = SyncPolicy::kAlways;  // always | interval | none
  int sync_interval_ms = 100;             // interval: the most a crash can lose
  uint64_t segment_bytes = 64ull << 20;   // journal segment size before rotation
  uint64_t snapshot_every = 0;            // write a snapshot every N records (0: on demand)
  bool snapshot_in_child = true;          // encode snapshots in a forked child (writers wait
                                          // only for the fork); false: in this process.
                                          // Under ASan/TSan (g++ 12, clang 14) a child forked
                                          // while another thread allocates can hang in the
                                          // sanitizer's allocator: use false in such builds
  bool repair = false;                    // cut a corrupt journal at its first bad record
  persistence::FileSystem* file_system = nullptr;  // null: the real one (tests inject faults)
};

// One call of a transaction.
struct CallRequest {
  std::string method;
  Json args = Json::array();
};

// A retrieve whose model and config are resolved once, like a prepared SQL
// statement: each call finds one record and writes the same JSON text as
// retrieve<Model>(id, config). Valid while its database lives; thread-safe (each
// call takes the database's shared lock).
//
//   auto product = db->Model("Product").value().PrepareRetrieve({{"relations", {"orders"}}}).value();
//   std::string text;
//   Status s = product.Text("prod_01H...", &text);
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
class ModelHandle {
 public:
  ModelHandle(Database* db, ModelId model) : db_(db), model_(model) {}
  ModelId id() const { return model_; }

  Result<Json> Retrieve(std::string_view id, const Json& config = nullptr);
  Result<Json> List(const Json& filters = nullptr, const Json& config = nullptr);
  Result<Json> ListAndCount(const Json& filters = nullptr, const Json& config = nullptr);
  Result<Json> Create(const Json& data);
  Result<Json> Update(const Json& data);
  Status Delete(const Json& selector);
  Result<Json> SoftDelete(const Json& selector, const Json& config = nullptr);
  Result<Json> Restore(const Json& selector, const Json& config = nullptr);
  // Creates one record from typed fields, without JSON in or out: the same
  // defaults, id, timestamps, checks, errors and journal record as create<Models>
  // with the equivalent object. Relations other than belongsTo (given by the
  // parent's id) need the JSON form. Returns the new record's id.
  //
  //   auto id = products.Insert({{"title", Value::Text("Shirt")}, {"price", Value::Int(20)}});
  Result<std::string> Insert(std::initializer_list<FieldValue> fields) {
    return Insert(std::span<const FieldValue>(fields.begin(), fields.size()));
  }
  Result<std::string> Insert(std::span<const FieldValue> fields);
  // Parses `config` once for many retrieves (errors as retrieve reports them).
  Result<PreparedRetrieve> PrepareRetrieve(const Json& config = nullptr) const;

 private:
  Result<Json> Run(int operation, Json args);
  Database* db_;
  ModelId model_;
};

class Database {
 public:
  // A database held in memory only.
  static Result<std::unique_ptr<Database>> OpenInMemory(std::shared_ptr<const Schema> schema);
  // A database in directory `dir`. `schema_json` (SPEC.md section 1's JSON form)
  // is needed only to create it; an existing database uses its stored schema, and a
  // different `schema_json` is an invalid_argument error, never a silent change.
  //
  // Opening loads the newest valid snapshot and replays the journal after it; a
  // torn tail is cut (see open_notice()), other corruption is a database_error
  // naming file and offset unless `options.repair`.
  static Result<std::unique_ptr<Database>> Open(const std::string& dir, const std::string* schema_json,
                                                const Options& options = {});
  ~Database();

  const Schema& schema() const;

  // Calls a service method by name ("createProducts") with its arguments as a JSON
  // array, in JavaScript order. Errors carry SPEC.md section 7's types.
  Result<Json> Call(std::string_view method, const Json& args);
  // The same, with the result as JSON text, written without building a DOM.
  Result<std::string> CallText(std::string_view method, const Json& args);
  // Runs the calls in order as one atomic unit; the result is the array of their results.
  Result<std::string> TransactionText(const std::vector<CallRequest>& calls);
  Result<Json> Transaction(const std::vector<CallRequest>& calls);

  // The typed handle of a model; an unknown model is invalid_argument.
  Result<ModelHandle> Model(std::string_view name);
  // A consistent, non-copying view for reads; holds the shared lock while it lives.
  ReadView Read() const;

  // Writes a snapshot of the current state and removes the journal segments it
  // covers. Readers go on meanwhile; writers wait only while the image is encoded.
  Status Snapshot();
  // What opening had to cut or repair (empty when the files were clean).
  const std::string& open_notice() const;
  // Journal statistics (zero for an in-memory database).
  persistence::JournalStats journal_stats() const;

 // The implementation (opaque to users).
  struct Impl;

 private:
  friend class ModelHandle;
  friend class PreparedRetrieve;
  explicit Database(std::unique_ptr<Impl> impl);
  Result<Json> RunValue(const api::Method& method, const Json& args);
  std::unique_ptr<Impl> impl_;
};

}  // namespace kin
