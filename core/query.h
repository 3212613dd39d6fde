#pragma once
// Query: runs a compiled Filter over one model the way list, listAndCount, selector
// updates and filter deletes need it (SPEC.md section 5.1): the filter is planned
// first (core/query_plan.h), the plan's candidates are checked against the whole
// filter, then ordered and paged. Every plan returns exactly what a scan of the
// model would, in the same order; only the number of records touched differs.
//
// Stateless functions over a const Store: thread-safe wherever the store may be
// read (the caller holds the database's shared or exclusive lock).

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "core/filter.h"
#include "kin/ids.h"
#include "core/record.h"
#include "kin/schema.h"

namespace kin {

class Store;

// One key of an `order`: the value of `slot` on the listed record, or, when
// `through` names relations, on the records reached by following them, as a SQL
// join sorted by that value would place the record: through a to-one relation (the
// live record first; none, or a soft-deleted one when the query does not include
// deleted records, reads as null), and through a to-many relation the first value
// in the key's direction over the live related records (the smallest ascending, the
// largest descending; none reads as null). Nulls sort after every value ascending
// and before every value descending, as in PostgreSQL.
struct OrderKey {
  std::vector<RelationId> through;
  SlotId slot;
  bool descending = false;
};

struct QueryRequest {
  const Filter* filter = nullptr;  // null: every record
  bool with_deleted = false;
  std::vector<OrderKey> order;     // then primary key ascending
  size_t skip = 0;
  std::optional<size_t> take;
  bool count = false;              // also count every match (listAndCount)
  bool explain = false;            // describe the plan in QueryResult::plan
};

struct QueryResult {
  std::vector<const Record*> rows;  // the page, in order
  size_t count = 0;                 // every match, when asked for
  size_t examined = 0;              // records the query read (candidates and index entries)
  std::string plan;                 // how the filter was answered, when explain was asked
};

// The page (and count) of `request` over `model`.
QueryResult RunQuery(const Store& store, const ModelDef& model, const QueryRequest& request);

// Every record of `model` that matches `filter` (live ones unless `with_deleted`), in
// primary-key order: what selector updates and filter deletes act on.
std::vector<const Record*> MatchAll(const Store& store, const ModelDef& model, const Filter& filter,
                                    bool with_deleted);

// Whether `a` comes before `b` in list's order: by `keys`, then primary key ascending.
bool OrderedBefore(const Store& store, const Record& a, const Record& b, const std::vector<OrderKey>& keys,
                   bool with_deleted);

// The value an order key reads on `r` (see OrderKey); nullptr stands for null.
const Value* OrderValue(const Store& store, const Record& r, const OrderKey& key, bool with_deleted);

// While one lives, every query run on this thread scans its model instead of using
// a plan: the reference that tests compare plans against. Nests.
class ScopedForceScan {
 public:
  ScopedForceScan();
  ~ScopedForceScan();
  ScopedForceScan(const ScopedForceScan&) = delete;
  ScopedForceScan& operator=(const ScopedForceScan&) = delete;
  static bool active();
};

}  // namespace kin
