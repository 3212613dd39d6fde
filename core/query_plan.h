#pragma once
// QueryPlan: how one filter over one model is answered (SPEC.md section 5.1). A plan
// names the records that can match (its candidates) without reading the others:
//   - ids: an id or `$in` of ids, or a range of them, from the primary-key indexes;
//   - an index probe: equality or `$in` on a unique or plain index (its hash), or
//     a range, or equality on the leading properties of a composite index (its
//     ordered form, OrderedIndex), nulls included;
//   - children: a belongsTo foreign key (`{store_id: "s1"}`), walking the parent's
//     adjacency list;
//   - related: a relation filter in either direction, pivot models included: the
//     related records that match (themselves found through a plan) are walked back
//     through their adjacency lists;
//   - an `$and` is answered by its cheapest input, the rest checked per candidate;
//   - an `$or` by the union of its inputs when every one has a plan;
//   - otherwise one pass over the model (a scan).
// Costs are estimates of records touched, from sizes the store keeps anyway (index
// entries, list lengths, record counts); nothing is maintained for the planner.
// Candidates are a superset of the matches: the caller checks the whole filter on
// each, so a plan can change how much is read, never what matches.
//
// A plan points into the Filter it was made from and reads the Store: both must
// outlive it and the store must not change while it is used. Immutable; thread-safe
// under the same conditions as reading the store.

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/filter.h"
#include "core/key_range.h"
#include "core/record.h"
#include "core/schema.h"

namespace kin {

class Store;

class QueryPlan {
 public:
  // The plan of `filter` (null: every record) over `model`; `with_deleted` as the
  // query's (whether soft-deleted records can match, here and through relations).
  static QueryPlan Make(const Store& store, const ModelDef& model, const Filter* filter, bool with_deleted);
  // One pass over the model, whatever the filter.
  static QueryPlan Scan(const Store& store, const ModelDef& model);

  // Whether the plan is one pass over the model (then Candidates is not used).
  bool scans() const;
  // Estimated records the candidates cost to find (the model's size for a scan).
  size_t cost() const;
  // The candidates in primary-key order, each once; adds the records and index
  // entries read to *examined. Not for a scan.
  std::vector<const Record*> Candidates(size_t* examined) const;
  // The range the filter's top-level conditions allow on `slot` (the primary key
  // for slot 0), when they bound it: a walk in that order reads only this range.
  std::optional<KeyRange> RangeOn(SlotId slot) const;
  // How the plan answers the filter, e.g. "children Product.store of 1 Store".
  std::string Describe() const;

  struct Node;  // core/query_plan.cc

 private:
  QueryPlan() = default;
  const Store* store_ = nullptr;
  const ModelDef* model_ = nullptr;
  bool with_deleted_ = false;
  const Filter* filter_ = nullptr;
  std::shared_ptr<const Node> root_;
};

}  // namespace kin
