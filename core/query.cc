#include "core/query.h"

#include <algorithm>

#include <boost/container/small_vector.hpp>

#include "core/ordered_index.h"
#include "core/query_plan.h"
#include "core/store.h"

namespace kin {

namespace {

thread_local int force_scan_depth = 0;


// When a walk in index order could fill the page, ranges are counted up to the
// page's size times kWalkSlack (at least kWalkCap entries): past that, the walk is
// the cheaper way to read them.
constexpr size_t kWalkSlack = 16;
constexpr size_t kWalkCap = 64;

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

// Whether `r` is one of the query's matches; what a plan guarantees is not checked
// again (liveness when every candidate is live, the filter when the plan is exact).
// A filter every record matches: no condition, or an $and of none.
bool AlwaysTrue(const Filter& f) {
  if (f.kind() == Filter::Kind::kTrue) return true;
  if (f.kind() != Filter::Kind::kAnd) return false;
  for (const Filter& part : f.parts())
    if (!AlwaysTrue(part)) return false;
  return true;
}

class Matcher {
 public:
  Matcher(const Store& store, const ModelDef& model, const QueryRequest& q, bool live_known = false,
          bool filter_known = false)
      : store_(store),
        model_(model),
        filter_(filter_known || !q.filter || AlwaysTrue(*q.filter) ? nullptr : q.filter),
        check_live_(!q.with_deleted && !live_known),
        with_deleted_(q.with_deleted) {}
  bool operator()(const Record& r) const {
    return (!check_live_ || store_.IsLive(model_, r)) && (!filter_ || filter_->Matches(store_, model_, r, with_deleted_));
  }
  // Whether every candidate matches without being read.
  bool trivial() const { return !check_live_ && !filter_; }

 private:
  const Store& store_;
  const ModelDef& model_;
  const Filter* filter_;
  bool check_live_;
  bool with_deleted_;
};

// Starts loading the first lines of the page's records, which the caller reads next.
void PrefetchRows(const std::vector<const Record*>& rows) {
  for (const Record* r : rows) {
    __builtin_prefetch(r);
    __builtin_prefetch(reinterpret_cast<const char*>(r) + 64);
  }
}

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

// The walk an order allows (by the primary key when there is no order), without its
// range; none when the first key is not read from an index.
std::optional<OrderedWalk> WalkFor(const ModelDef& model, const QueryRequest& q, SlotId* slot) {
  OrderedWalk w;
  *slot = SlotId(0);
  if (!q.order.empty()) {
    const OrderKey& first = q.order[0];
    if (!first.through.empty()) return std::nullopt;
    *slot = first.slot;
    w.descending = first.descending;
  }
  if (slot->value == 0) {
    w.by_primary_key = true;
    return w;
  }
  for (size_t i = 0; i < model.indexes.size(); ++i)
    if (model.indexes[i].on[0] == *slot) {
      w.index = i;
      return w;
    }
  return std::nullopt;
}

void Walk(const Store& store, const ModelDef& model, const QueryRequest& q, const OrderedWalk& w,
          QueryResult* result) {
  const Matcher matches(store, model, q);
  Pager pager(q);
  const RowOrder rest(store, q.order, q.with_deleted, 1);
  boost::container::small_vector<const Record*, 16> group;  // matches whose first key equals the group's
  const Value* group_key = nullptr;
  bool full = false;
  result->rows.reserve(std::min<size_t>(pager.end(), 256));
  auto flush = [&] {
    if (group.size() > 1) std::sort(group.begin(), group.end(), rest);
    for (const Record* r : group) {
      if (!pager.Add(r, &result->rows)) {
        full = true;
        break;
      }
    }
    group.clear();
  };
  // Records come in the page's order without gathering ties when the walk is by
  // primary key, or ascending over a one-property index with a one-key order (its
  // ties are in primary-key order, as the order's are).
  const bool in_order = w.by_primary_key ||
                        (!w.descending && q.order.size() == 1 && model.indexes[w.index].on.size() == 1);
  auto visit = [&](const Record* r) {
    ++result->examined;
    if (in_order) {
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
  Pager pager(q);
  if (q.take == size_t{0} && !q.count) return result;  // take: 0 (and any skip) reads nothing
  const bool force_scan = ScopedForceScan::active();
  // With a page to fill and nothing to count, reading in the requested order can
  // stop after the page. Ranges are counted only as far as such a walk would read.
  SlotId walk_slot;
  std::optional<OrderedWalk> walk;
  size_t cost_cap = SIZE_MAX;
  if (!q.count && q.take && !force_scan) {
    walk = WalkFor(model, q, &walk_slot);
    if (walk) cost_cap = std::max<size_t>(kWalkCap, SatMul(pager.end(), kWalkSlack));
  }
  const QueryPlan plan = force_scan ? QueryPlan::Scan(store, model)
                                    : QueryPlan::Make(store, model,
                                                      q.filter && AlwaysTrue(*q.filter) ? nullptr : q.filter,
                                                      q.with_deleted, walk ? walk_slot : SlotId(), cost_cap);
  if (q.explain) result.plan = plan.Describe();
  if (walk) {
    // The walk reads, in order, the range the plan's candidates come from when they
    // come from one range of the same index (it then stops after the page), else the
    // range the filter allows on its key. It wins then, when the plan scans, or when
    // the page's share of the model, at the rate the plan's candidates suggest, is
    // smaller than the plan.
    const size_t total = store.Count(model.id);
    std::optional<KeyRange> same = plan.ProbedRange(walk->by_primary_key ? std::nullopt : std::optional(walk->index));
    const size_t walk_cost = SatMul(pager.end(), total / std::max<size_t>(1, plan.cost()));
    if (plan.scans() || same || walk_cost < plan.cost()) {
      bool ranged = true;
      if (same) walk->range = std::move(*same);
      else if (auto range = plan.RangeOn(walk_slot)) walk->range = std::move(*range);
      else ranged = false;
      if (q.explain) {
        // What the walk reads, unless it is the plan's own range read in order.
        if (!same)
          result.plan = walk->by_primary_key ? (ranged ? "id range " : "scan ") + model.name
                                             : "index range " + DescribeIndex(model, walk->index);
        result.plan += " (read in order)";
      }
      Walk(store, model, q, *walk, &result);
      return result;
    }
  }
  const Matcher matches(store, model, q, plan.all_live(), plan.exact());
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
    const QueryPlan::CandidateList list = plan.Candidates(&result.examined);
    const std::span<const Record* const> candidates = list.records;
    if (matches.trivial() && q.order.empty()) {
      // Every candidate matches: the count is their number, the page a slice.
      result.count = candidates.size();
      const size_t begin = std::min(q.skip, candidates.size()), end = std::min(pager.end(), candidates.size());
      result.rows.assign(candidates.begin() + static_cast<std::ptrdiff_t>(begin),
                         candidates.begin() + static_cast<std::ptrdiff_t>(end));
      PrefetchRows(result.rows);
      return result;
    }
    // Candidates are at scattered addresses: their loads are started ahead.
    constexpr size_t kAhead = 8;
    for (size_t i = 0; i < std::min(kAhead, candidates.size()); ++i) __builtin_prefetch(candidates[i]);
    for (size_t i = 0; i < candidates.size(); ++i) {
      if (i + kAhead < candidates.size()) __builtin_prefetch(candidates[i + kAhead]);
      if (!take(*candidates[i])) break;
    }
  }
  if (q.order.empty()) {
    PrefetchRows(result.rows);
    return result;
  }
  const RowOrder order(store, q.order, q.with_deleted);
  const size_t end = std::min(pager.end(), found.size());
  if (end < found.size()) std::partial_sort(found.begin(), found.begin() + end, found.end(), order);
  else std::sort(found.begin(), found.end(), order);
  for (size_t i = std::min(q.skip, end); i < end; ++i) result.rows.push_back(found[i]);
  PrefetchRows(result.rows);
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
