#include "core/query.h"

#include <algorithm>

#include "core/ordered_index.h"
#include "core/query_plan.h"
#include "core/store.h"

namespace kin {

namespace {

thread_local int force_scan_depth = 0;

// Orders records as list does: by the order keys, then by primary key (so a plan's
// result equals a stable sort of the primary-key-ordered matches).
class RowOrder {
 public:
  RowOrder(const Store& store, const std::vector<OrderKey>& keys, bool with_deleted, size_t first_key = 0)
      : store_(store), keys_(keys), with_deleted_(with_deleted), first_key_(first_key) {}

  bool operator()(const Record* a, const Record* b) const {
    for (size_t i = first_key_; i < keys_.size(); ++i) {
      const OrderKey& k = keys_[i];
      int c = CompareKey(OrderValue(store_, *a, k, with_deleted_), OrderValue(store_, *b, k, with_deleted_));
      if (c != 0) return k.descending ? c > 0 : c < 0;
    }
    return a->id() < b->id();
  }

  static int CompareKey(const Value* x, const Value* y) {
    static const Value kNull;
    return OrderedIndex::CompareKeyValues(x ? *x : kNull, y ? *y : kNull);
  }

 private:
  const Store& store_;
  const std::vector<OrderKey>& keys_;
  bool with_deleted_;
  size_t first_key_;
};

// Whether `r` is one of the query's matches.
class Matcher {
 public:
  Matcher(const Store& store, const ModelDef& model, const QueryRequest& q) : store_(store), model_(model), q_(q) {}
  bool operator()(const Record& r) const {
    return (q_.with_deleted || store_.IsLive(model_, r)) &&
           (!q_.filter || q_.filter->Matches(store_, model_, r, q_.with_deleted));
  }

 private:
  const Store& store_;
  const ModelDef& model_;
  const QueryRequest& q_;
};

// Collects the page: matches numbered from 0 in order, those in [skip, skip+take).
class Pager {
 public:
  explicit Pager(const QueryRequest& q)
      : skip_(q.skip), end_(q.take ? q.skip + std::min(*q.take, SIZE_MAX - q.skip) : SIZE_MAX) {}
  // Takes the next match; false once the page is full.
  bool Add(const Record* r, std::vector<const Record*>* rows) {
    if (seen_ >= skip_ && seen_ < end_) rows->push_back(r);
    ++seen_;
    return seen_ < end_;
  }
  size_t end() const { return end_; }

 private:
  size_t skip_, end_, seen_ = 0;
};

// The walk of `order`'s first key through an index (or the primary key) that reads
// records already in order and stops when the page is full. Ties of the first key
// are gathered and sorted by the rest of the order.
struct OrderedWalk {
  bool by_primary_key = false;
  size_t index = 0;
  bool descending = false;
  KeyRange range;
};

std::optional<OrderedWalk> WalkFor(const ModelDef& model, const QueryRequest& q, const QueryPlan& plan) {
  OrderedWalk w;
  SlotId slot(0);
  if (!q.order.empty()) {
    const OrderKey& first = q.order[0];
    if (!first.through.empty()) return std::nullopt;
    slot = first.slot;
    w.descending = first.descending;
  }
  if (slot.value == 0) {
    w.by_primary_key = true;
  } else {
    bool found = false;
    for (size_t i = 0; i < model.indexes.size() && !found; ++i)
      if (model.indexes[i].on[0] == slot) {
        w.index = i;
        found = true;
      }
    if (!found) return std::nullopt;
  }
  if (auto r = plan.RangeOn(slot)) w.range = std::move(*r);
  return w;
}

void Walk(const Store& store, const ModelDef& model, const QueryRequest& q, const OrderedWalk& w,
          QueryResult* result) {
  const Matcher matches(store, model, q);
  Pager pager(q);
  const RowOrder rest(store, q.order, q.with_deleted, 1);
  std::vector<const Record*> group;  // matches whose first key equals the group's
  const Value* group_key = nullptr;
  bool full = false;
  auto flush = [&] {
    std::sort(group.begin(), group.end(), rest);
    for (const Record* r : group) {
      if (!pager.Add(r, &result->rows)) {
        full = true;
        break;
      }
    }
    group.clear();
  };
  auto visit = [&](const Record* r) {
    ++result->examined;
    if (w.by_primary_key) {
      if (matches(*r)) full = !pager.Add(r, &result->rows);
      return !full;
    }
    const Value& key = r->value(q.order[0].slot.value);
    if (group_key && OrderedIndex::CompareKeyValues(*group_key, key) != 0) {
      flush();
      if (full) return false;
    }
    group_key = &key;
    if (matches(*r)) group.push_back(r);
    return true;
  };
  if (w.by_primary_key) store.ScanKeyRange(model.id, w.range, w.descending, visit);
  else store.IndexRange(model.id, w.index, w.range, w.descending, visit);
  if (!full) flush();
}

}  // namespace

namespace {

// The value of key.slot reached from `r` through key.through[step...] (see OrderKey).
const Value* Reached(const Store& store, const Record& r, const OrderKey& key, size_t step, bool with_deleted) {
  if (step == key.through.size()) {
    const Value& v = r.value(key.slot.value);
    return v.is_null() ? nullptr : &v;
  }
  const Schema& schema = store.schema();
  const RelationDef& rel = schema.relation(key.through[step]);
  const ModelDef& target = schema.model(rel.target);
  const LinkList& links = r.links(rel.local);
  if (!rel.is_many()) {
    // A hasOne parent may also hold soft-deleted children: the live one counts first.
    const Record* next = nullptr;
    for (const Record* l : links)
      if (store.IsLive(target, *l)) {
        next = l;
        break;
      }
    if (!next && with_deleted && !links.empty()) next = links[0];
    return next ? Reached(store, *next, key, step + 1, with_deleted) : nullptr;
  }
  // To-many: the first value in the key's direction, nulls largest (as a join sorted
  // in SQL puts each record's rows); no related record reads as null.
  const Value* best = nullptr;
  bool any = false;
  auto consider = [&](const Record& o) {
    const Value* v = Reached(store, o, key, step + 1, with_deleted);
    const int c = any ? RowOrder::CompareKey(v, best) : 0;
    if (!any || (key.descending ? c > 0 : c < 0)) best = v;
    any = true;
  };
  if (!rel.through_pivot()) {
    for (const Record* o : links)
      if (with_deleted || store.IsLive(target, *o)) consider(*o);
    return best;
  }
  const ModelDef& pivot = schema.model(rel.pivot);
  const uint32_t far = schema.relation(rel.pivot_far).local;
  for (const Record* link : links) {
    if (link->links(far).empty()) continue;
    const Record* o = link->links(far)[0];
    if (with_deleted || (store.IsLive(pivot, *link) && store.IsLive(target, *o))) consider(*o);
  }
  return best;
}

}  // namespace

const Value* OrderValue(const Store& store, const Record& r, const OrderKey& key, bool with_deleted) {
  return Reached(store, r, key, 0, with_deleted);
}

bool OrderedBefore(const Store& store, const Record& a, const Record& b, const std::vector<OrderKey>& keys,
                   bool with_deleted) {
  return RowOrder(store, keys, with_deleted)(&a, &b);
}

QueryResult RunQuery(const Store& store, const ModelDef& model, const QueryRequest& q) {
  QueryResult result;
  const QueryPlan plan =
      ScopedForceScan::active() ? QueryPlan::Scan(store, model) : QueryPlan::Make(store, model, q.filter, q.with_deleted);
  if (q.explain) result.plan = plan.Describe();
  Pager pager(q);
  if (pager.end() == 0 && !q.count) return result;  // take: 0
  // With a page to fill and nothing to count, reading in the requested order stops
  // early: taken when its estimated cost (the page's share of the model) is below
  // the plan's. A scan reads the model in primary-key order anyway.
  if (!q.count && q.take && !ScopedForceScan::active()) {
    if (auto walk = WalkFor(model, q, plan)) {
      const size_t total = store.Count(model.id);
      const size_t walk_cost = pager.end() * (total / std::max<size_t>(1, plan.cost()));
      if (plan.scans() || walk_cost < plan.cost()) {
        if (q.explain) result.plan += " (read in order)";
        Walk(store, model, q, *walk, &result);
        return result;
      }
    }
  }
  const Matcher matches(store, model, q);
  std::vector<const Record*> found;
  auto take = [&](const Record& r) {
    ++result.examined;
    if (!matches(r)) return true;
    ++result.count;
    if (!q.order.empty()) found.push_back(&r);
    else if (!pager.Add(&r, &result.rows) && !q.count) return false;
    return true;
  };
  if (plan.scans()) {
    store.Scan(model.id, take);
  } else {
    for (const Record* r : plan.Candidates(&result.examined))
      if (!take(*r)) break;
  }
  if (q.order.empty()) return result;
  const RowOrder order(store, q.order, q.with_deleted);
  const size_t end = std::min(pager.end(), found.size());
  if (end < found.size()) std::partial_sort(found.begin(), found.begin() + end, found.end(), order);
  else std::sort(found.begin(), found.end(), order);
  for (size_t i = std::min(q.skip, end); i < end; ++i) result.rows.push_back(found[i]);
  return result;
}

std::vector<const Record*> MatchAll(const Store& store, const ModelDef& model, const Filter& filter,
                                    bool with_deleted) {
  QueryRequest q;
  q.filter = &filter;
  q.with_deleted = with_deleted;
  return RunQuery(store, model, q).rows;
}

ScopedForceScan::ScopedForceScan() { ++force_scan_depth; }
ScopedForceScan::~ScopedForceScan() { --force_scan_depth; }
bool ScopedForceScan::active() { return force_scan_depth > 0; }

}  // namespace kin
