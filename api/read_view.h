#pragma once
// ReadView: the non-copying read path. Holds the database's shared lock for its
// lifetime; RecordRefs obtained from it point straight at stored records and are
// valid only while the view lives. Traversing a relation follows the adjacency
// pointers (one memory access per edge, no id lookups). Not thread-safe itself;
// any number of views may exist on different threads at once. Writers wait while
// any view is open: keep views short, and never call a write method from a thread
// that holds one (the write would wait for that thread's own view).

#include <optional>
#include <shared_mutex>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/status.h"
#include "core/store.h"

namespace kin {

using Json = nlohmann::ordered_json;  // keeps key order: `order` and output follow the caller

class RecordRef {
 public:
  RecordRef(const Store* store, const ModelDef* model, const Record* record)
      : store_(store), model_(model), record_(record) {}

  std::string_view id() const { return record_->id(); }
  const ModelDef& model() const { return *model_; }
  bool deleted() const { return !store_->IsLive(*model_, *record_); }
  const Value& Get(SlotId slot) const { return record_->values()[slot.value]; }
  // By property name (a lookup; resolve a SlotId once for hot loops).
  const Value* Get(std::string_view property) const;
  const Record& record() const { return *record_; }

  // Calls fn(RecordRef) for each live record related through `relation` (a
  // relation of this record's model); through a pivotEntity, the far records.
  template <typename Fn>
  void ForEachRelated(RelationId relation, Fn&& fn, bool with_deleted = false) const;
  // Number of live related records.
  size_t CountRelated(RelationId relation) const;

 private:
  const Store* store_;
  const ModelDef* model_;
  const Record* record_;
};

class ReadView {
 public:
  ReadView(const Store& store, std::shared_mutex& mu) : store_(store), lock_(mu) {}

  const Schema& schema() const { return store_.schema(); }
  // The live record with this id, or nullopt.
  std::optional<RecordRef> Find(ModelId model, std::string_view id) const;
  // Visits every live record of a model in primary-key order until fn returns false.
  template <typename Fn>
  void ForEach(ModelId model, Fn&& fn) const {
    const ModelDef& m = schema().model(model);
    store_.Scan(model, [&](const Record& r) { return !store_.IsLive(m, r) || fn(RecordRef(&store_, &m, &r)); });
  }
  // The records list<Models>(filters, config) lists, in its order, with its skip and
  // take; the config's relations and select do not apply (follow the RecordRefs).
  // Filters run through the same plan as list. Errors as list reports them.
  //
  //   auto rows = view.List(product, {{"store_id", "s1"}}, {{"order", {{"title", "ASC"}}}, {"take", 10}});
  Result<std::vector<RecordRef>> List(ModelId model, const Json& filters = nullptr,
                                      const Json& config = nullptr) const;
  // The number of records listAndCount<Models>(filters, config) counts.
  Result<size_t> Count(ModelId model, const Json& filters = nullptr, const Json& config = nullptr) const;
  // Both at once, as listAndCount<Models> gives them: the page and the count.
  struct Page {
    std::vector<RecordRef> rows;
    size_t count = 0;
  };
  Result<Page> ListAndCount(ModelId model, const Json& filters = nullptr, const Json& config = nullptr) const;
  const Store& store() const { return store_; }

 private:
  const Store& store_;
  std::shared_lock<std::shared_mutex> lock_;
};

template <typename Fn>
void RecordRef::ForEachRelated(RelationId relation, Fn&& fn, bool with_deleted) const {
  const Schema& schema = store_->schema();
  const RelationDef& rel = schema.relation(relation);
  const ModelDef& target = schema.model(rel.target);
  if (!rel.through_pivot()) {
    for (const Record* r : record_->links(rel.local))
      if (with_deleted || store_->IsLive(target, *r)) fn(RecordRef(store_, &target, r));
    return;
  }
  const ModelDef& pivot = schema.model(rel.pivot);
  uint32_t far = schema.relation(rel.pivot_far).local;
  for (const Record* link : record_->links(rel.local)) {
    if (link->links(far).empty()) continue;
    const Record* r = link->links(far)[0];
    if (with_deleted || (store_->IsLive(pivot, *link) && store_->IsLive(target, *r))) fn(RecordRef(store_, &target, r));
  }
}

}  // namespace kin
