#pragma once
// ReadView: the non-copying read path. A view is a consistent state of the database:
// it holds the database's shared lock for its lifetime, and the RecordRefs obtained
// from it point straight at stored records, valid only while the view lives.
// Traversing a relation follows the adjacency lists (no id lookups). A view is not
// thread-safe itself; any number of views may exist on different threads at once.
// Writers wait while any view is open: keep views short, and never call a write
// method from a thread that holds one (the write would wait for that thread's own
// view).
//
//   kin::ReadView view = db->Read();
//   kin::ModelId product = db->schema().FindModel("Product");
//   if (auto r = view.Find(product, "prod_1")) std::cout << r->Get("title")->as_text();

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "kin/function_ref.h"
#include "kin/ids.h"
#include "kin/schema.h"
#include "kin/status.h"
#include "kin/value.h"

namespace kin {

using Json = nlohmann::ordered_json;  // keeps key order: `order` and output follow the caller

class Database;
class Record;  // a stored record; reached only through RecordRef
namespace api {
struct ViewAccess;
}

// One stored record seen through a ReadView. Two pointers and the schema; copy freely
// while the view lives.
class RecordRef {
 public:
  std::string_view id() const;
  const ModelDef& model() const { return *model_; }
  // Soft-deleted (only withDeleted reads and ForEachRelated(..., true) give these).
  bool deleted() const;
  const Value& Get(SlotId slot) const;
  // By property name (a lookup; resolve a SlotId once for hot loops); nullptr when the
  // model has no such property.
  const Value* Get(std::string_view property) const;

  // Calls fn for each live record related through `relation` (a relation of this
  // record's model); through a pivotEntity, the far records. With `with_deleted`,
  // soft-deleted ones too.
  void ForEachRelated(RelationId relation, FunctionRef<void(RecordRef)> fn, bool with_deleted = false) const;
  // Number of live related records.
  size_t CountRelated(RelationId relation) const;

 private:
  friend struct api::ViewAccess;
  RecordRef(const Schema* schema, const ModelDef* model, const Record* record)
      : schema_(schema), model_(model), record_(record) {}
  const Schema* schema_;
  const ModelDef* model_;
  const Record* record_;
};

class ReadView {
 public:
  ReadView(ReadView&& other) noexcept : db_(other.db_) { other.db_ = nullptr; }
  ReadView(const ReadView&) = delete;
  ReadView& operator=(const ReadView&) = delete;
  ReadView& operator=(ReadView&&) = delete;
  ~ReadView();

  const Schema& schema() const;
  // The live record with this id, or nullopt.
  std::optional<RecordRef> Find(ModelId model, std::string_view id) const;
  // Visits every live record of a model in primary-key order until fn returns false.
  void ForEach(ModelId model, FunctionRef<bool(RecordRef)> fn) const;

  // The records list<Models>(filters, config) lists, in its order, with its skip and
  // take; the config's relations and select do not apply (follow the RecordRefs).
  // Filters run through the same plan as list. Errors as list reports them.
  //
  //   auto rows = view.List(product, {{"store_id", "s1"}}, {{"order", {{"title", "ASC"}}}, {"take", 10}});
  Result<std::vector<RecordRef>> List(ModelId model) const;
  Result<std::vector<RecordRef>> List(ModelId model, const Json& filters) const;
  Result<std::vector<RecordRef>> List(ModelId model, const Json& filters, const Json& config) const;
  // The number of records listAndCount<Models>(filters, config) counts.
  Result<size_t> Count(ModelId model) const;
  Result<size_t> Count(ModelId model, const Json& filters) const;
  Result<size_t> Count(ModelId model, const Json& filters, const Json& config) const;
  // Both at once, as listAndCount<Models> gives them: the page and the count.
  struct Page {
    std::vector<RecordRef> rows;
    size_t count = 0;
  };
  Result<Page> ListAndCount(ModelId model) const;
  Result<Page> ListAndCount(ModelId model, const Json& filters) const;
  Result<Page> ListAndCount(ModelId model, const Json& filters, const Json& config) const;

  // How a list finds its records, learnt by running it: the plan and what it read.
  struct QueryReport {
    // The plan (docs/queries.md), e.g. "children Product.store of 1 Store",
    // "related Product.orders <- index Order(reference) (1 keys)", "scan Product" for
    // a filter no plan serves. A page read in the order asked for, from an index
    // or the primary key, where reading stops once the page is full, names what it
    // walks and ends in " (read in order)": "index range Product(price) (read in
    // order)". "none" when `take: 0` leaves nothing to read.
    std::string plan;
    size_t examined = 0;  // records and index entries read
    size_t rows = 0;      // records on the page
    size_t count = 0;     // every match, when `count` was asked for (listAndCount)
  };
  // Runs list<Models>(filters, config), or with `count` listAndCount<Models>, and
  // reports its plan instead of its records. Errors as list reports them.
  //
  //   auto report = view.Explain(product, {{"orders", {{"reference", "R1"}}}});
  //   std::cout << report->plan << ", read " << report->examined << "\n";
  Result<QueryReport> Explain(ModelId model) const;
  Result<QueryReport> Explain(ModelId model, const Json& filters) const;
  Result<QueryReport> Explain(ModelId model, const Json& filters, const Json& config, bool count = false) const;

 private:
  friend class Database;
  friend struct api::ViewAccess;
  explicit ReadView(const Database* db);  // takes the shared lock
  const Database* db_;
};

}  // namespace kin
