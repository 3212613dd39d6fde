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
#include <cstdint>
#include <memory>
#include <span>
#include <optional>
#include <string>
#include <vector>

#include <boost/container/small_vector.hpp>

#include "core/filter.h"
#include "core/key_range.h"
#include "core/record.h"
#include "kin/schema.h"

namespace kin {

// Costs saturate instead of wrapping around (a take or a fan-out can be huge).
inline size_t SatAdd(size_t a, size_t b) { return a > SIZE_MAX - b ? SIZE_MAX : a + b; }
inline size_t SatMul(size_t a, size_t b) { return b != 0 && a > SIZE_MAX / b ? SIZE_MAX : a * b; }

class Store;

class QueryPlan {
 public:
  // The plan of `filter` (null: every record) over `model`; `with_deleted` as the
  // query's (whether soft-deleted records can match, here and through relations).
  // `walk`, when valid, is a slot the caller can read in index order instead (see
  // RunQuery): a range on it is not counted, and other ranges are counted only up to
  // `cost_cap`, the cost of that walk (such a range then costs `cost_cap`).
  static QueryPlan Make(const Store& store, const ModelDef& model, const Filter* filter, bool with_deleted,
                        SlotId walk = SlotId(), size_t cost_cap = SIZE_MAX);
  // One pass over the model, whatever the filter.
  static QueryPlan Scan(const Store& store, const ModelDef& model);

  // Whether the plan is one pass over the model (then Candidates is not used).
  bool scans() const;
  // Estimated records the candidates cost to find (the model's size for a scan).
  size_t cost() const;
  // Every live candidate matches: the filter need not be checked again.
  bool exact() const;
  // Every candidate is live (equality probes read indexes of live records).
  bool all_live() const;
  // The one range of the index `index` (of the primary key when empty) that the
  // candidates come from, when they come from one: a walk of that index in order
  // reads the same records and can stop early.
  std::optional<KeyRange> ProbedRange(std::optional<size_t> index) const;
  // The candidates in primary-key order, each once; adds the records and index
  // entries read to *examined. Not for a scan. A single list the store keeps sorted
  // (one parent's children, one index key's entries) is lent, not copied: valid
  // while the store does not change.
  struct CandidateList {
    std::span<const Record* const> records;
    std::vector<const Record*> owned;  // what `records` views, when not lent
  };
  CandidateList Candidates(size_t* examined) const;
  // The range the filter's top-level conditions allow on `slot` (the primary key
  // for slot 0), when they bound it: a walk in that order reads only this range.
  std::optional<KeyRange> RangeOn(SlotId slot) const;
  // How the plan answers the filter, e.g. "children Product.store of 1 Store".
  std::string Describe() const;

  // One step of a plan (internal; built by core/query_plan.cc).
  struct Node {
    enum class Kind : uint8_t { kEmpty, kScan, kIds, kIdRange, kIndexKeys, kIndexRange, kChildren, kRelated, kUnion };
    Kind kind = Kind::kScan;
    const ModelDef* model = nullptr;
    size_t cost = 0;
    // Resolved while planning, so finding the candidates repeats no lookup. kIds: the
    // records; kIndexKeys: each key's entries; kChildren: the parents' lists.
    boost::container::small_vector<const Record*, 2> records;
    boost::container::small_vector<std::span<const Record* const>, 1> lists;
    size_t keys = 0;                        // ids, index keys or parents asked for
    size_t index = 0;                       // kIndexKeys, kIndexRange: into ModelDef::indexes
    std::vector<KeyRange> ranges;           // kIdRange, kIndexRange
    const RelationDef* relation = nullptr;  // kChildren: the belongsTo; kRelated: the filter's
    const Filter* inner = nullptr;          // kRelated: the condition on the related records
    std::vector<Node> parts;                // kUnion: the inputs; kRelated: the plan of `inner`
    // Every candidate matches the whole filter (when live): the filter is one
    // condition that this node answers as the filter would.
    bool exact = false;
    // Every candidate is live (index entries hold live records only).
    bool all_live = false;
  };

 private:
  QueryPlan() = default;
  const Store* store_ = nullptr;
  const ModelDef* model_ = nullptr;
  bool with_deleted_ = false;
  const Filter* filter_ = nullptr;
  Node root_;
};

// An index of `m` as plans name it: the model and its properties, "Product(code,store_id)".
std::string DescribeIndex(const ModelDef& m, size_t index);

}  // namespace kin
