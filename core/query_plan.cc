#include "core/query_plan.h"

#include <algorithm>
#include <map>
#include <span>

#include "core/ordered_index.h"
#include "core/store.h"

namespace kin {

namespace {

using Node = QueryPlan::Node;
using Kind = Node::Kind;

// A range may cover at most this fraction of a model before a scan (which needs no
// sort by primary key afterwards) is taken instead; counting it stops there too.
constexpr size_t kRangeFraction = 4;


bool IsRangeOp(CompareOp op) {
  return op == CompareOp::kGt || op == CompareOp::kGte || op == CompareOp::kLt || op == CompareOp::kLte;
}

// Types whose index key (Value::AppendKey) is equal exactly when the values are
// equal as a filter compares them, so the hashed form of an index can answer.
bool HashableType(ValueType t) {
  return t == ValueType::kText || t == ValueType::kInt || t == ValueType::kBool || t == ValueType::kDateTime ||
         t == ValueType::kFloat;
}

// Whether a condition on `slot` compares values the way the indexes order them:
// scalars of the slot's own type (json and string lists filter differently).
bool OrderableSlot(const ModelDef& m, SlotId slot) {
  ValueType t = m.value_types[slot.value];
  return t != ValueType::kJson && t != ValueType::kStringList;
}

bool OfSlotType(const ModelDef& m, SlotId slot, const Value& v) {
  return v.is_null() || v.type() == m.value_types[slot.value];
}

// The range one comparison allows on its slot; nulls never satisfy one, and sort
// last, so a range open above stops before them (except on the primary key).
KeyRange RangeOf(CompareOp op, const Value& v, bool nullable) {
  KeyRange r;
  if (op == CompareOp::kGt || op == CompareOp::kGte) {
    r.lower = {v};
    r.lower_inclusive = op == CompareOp::kGte;
    if (nullable) {
      r.upper = {Value()};
      r.upper_inclusive = false;
    }
  } else {
    r.upper = {v};
    r.upper_inclusive = op == CompareOp::kLte;
  }
  return r;
}

// The tighter of two one-value bounds; `lower` picks the larger.
void Tighten(std::vector<Value>* bound, bool* inclusive, const std::vector<Value>& other, bool other_inclusive,
             bool lower) {
  if (other.empty()) return;
  if (bound->empty()) {
    *bound = other;
    *inclusive = other_inclusive;
    return;
  }
  int c = OrderedIndex::CompareKeyValues(other[0], (*bound)[0]);
  if (lower ? c > 0 : c < 0) {
    *bound = other;
    *inclusive = other_inclusive;
  } else if (c == 0) {
    *inclusive = *inclusive && other_inclusive;
  }
}

// What the top-level conditions of a filter say about one slot.
struct SlotBounds {
  std::optional<Value> eq;  // `{slot: v}` (v may be null)
  KeyRange range;           // from $gt/$gte/$lt/$lte, merged
  size_t range_conditions = 0;
};

// The conjuncts of `f`: its operands when an $and (flattened), else itself.
void Conjuncts(const Filter& f, std::vector<const Filter*>* out) {
  if (f.kind() == Filter::Kind::kAnd) {
    for (const Filter& p : f.parts()) Conjuncts(p, out);
  } else {
    out->push_back(&f);
  }
}

std::map<uint32_t, SlotBounds> CollectBounds(const ModelDef& m, const std::vector<const Filter*>& conjuncts) {
  std::map<uint32_t, SlotBounds> out;
  for (const Filter* f : conjuncts) {
    if (f->kind() != Filter::Kind::kCompare || !OrderableSlot(m, f->slot())) continue;
    if (!OfSlotType(m, f->slot(), f->value())) continue;
    SlotBounds& b = out[f->slot().value];
    if (f->op() == CompareOp::kEq) {
      b.eq = f->value();
    } else if (IsRangeOp(f->op()) && !f->value().is_null()) {
      KeyRange r = RangeOf(f->op(), f->value(), f->slot().value != 0);
      Tighten(&b.range.lower, &b.range.lower_inclusive, r.lower, r.lower_inclusive, true);
      Tighten(&b.range.upper, &b.range.upper_inclusive, r.upper, r.upper_inclusive, false);
      ++b.range_conditions;
    }
  }
  return out;
}

// Prepends an equality prefix to both sides of a range over the next property.
KeyRange WithPrefix(const std::vector<Value>& prefix, const KeyRange& next) {
  KeyRange r = next;
  r.lower.insert(r.lower.begin(), prefix.begin(), prefix.end());
  r.upper.insert(r.upper.begin(), prefix.begin(), prefix.end());
  if (next.lower.empty()) r.lower_inclusive = true;
  if (next.upper.empty()) r.upper_inclusive = true;
  return r;
}

// Planner: turns a filter over a model into a plan Node (the rules are in
// query_plan.h). Holds references to the store and schema for one Make; reads only.
class Planner {
 public:
  Planner(const Store& store, const ModelDef& root, bool with_deleted, SlotId walk, size_t cost_cap)
      : store_(store),
        schema_(store.schema()),
        root_(root),
        with_deleted_(with_deleted),
        walk_(walk),
        cost_cap_(cost_cap) {}

  Node Plan(const ModelDef& m, const Filter& f) {
    switch (f.kind()) {
      case Filter::Kind::kFalse: return Empty(m);
      case Filter::Kind::kCompare: return PlanCompare(m, f);
      case Filter::Kind::kRelated: return PlanRelated(m, f);
      case Filter::Kind::kAnd: return PlanAnd(m, f);
      case Filter::Kind::kOr: return PlanOr(m, f);
      default: return ScanOf(m);  // true, $not, q: every record is a candidate
    }
  }

  Node ScanOf(const ModelDef& m) const {
    Node n;
    n.kind = Kind::kScan;
    n.model = &m;
    n.cost = store_.Count(m.id);
    return n;
  }

 private:
  Node Empty(const ModelDef& m) const {
    Node n;
    n.kind = Kind::kEmpty;
    n.model = &m;
    return n;
  }

  // Whether `slot` of `m` is the one the caller can walk in order.
  bool Walked(const ModelDef& m, SlotId slot) const { return &m == &root_ && slot == walk_; }

  size_t RangeCap(const ModelDef& m) const { return store_.Count(m.id) / kRangeFraction + 1; }

  // The model's index whose first property is `slot`: a single-property one if any
  // (its hashed form answers equality), else the first composite.
  std::optional<size_t> IndexLedBy(const ModelDef& m, SlotId slot) const {
    std::optional<size_t> found;
    for (size_t i = 0; i < m.indexes.size(); ++i) {
      if (m.indexes[i].on[0] != slot) continue;
      if (m.indexes[i].on.size() == 1) return i;
      if (!found) found = i;
    }
    return found;
  }

  // Entries in `ranges` of the index (or of the primary key when `index` is empty),
  // counted up to a cap: past a quarter of the model a range costs a scan; past the
  // caller's cap (a cheaper alternative it has) the cap is its cost.
  size_t RangeCost(const ModelDef& m, std::optional<size_t> index, const std::vector<KeyRange>& ranges) const {
    const size_t cap = std::min(RangeCap(m), cost_cap_);
    size_t n = 0;
    auto count = [&](const Record*) { return ++n < cap; };
    for (const KeyRange& r : ranges) {
      if (index) store_.IndexRange(m.id, *index, r, false, count);
      else store_.ScanKeyRange(m.id, r, false, count);
      if (n >= cap) return cap == cost_cap_ ? cap : store_.Count(m.id);
    }
    return n;
  }

  // Equality with any of `eqs` (when given) or `range` on one slot.
  Node PlanSlot(const ModelDef& m, SlotId slot, const std::span<const Value>* eqs, const KeyRange* range) {
    Node n;
    n.model = &m;
    const PropertyDef& p = m.properties[slot.value];
    if (slot.value == 0) {
      if (eqs) {
        n.kind = Kind::kIds;
        boost::container::small_vector<std::string_view, 16> ids;
        for (const Value& v : *eqs)
          if (!v.is_null()) ids.push_back(v.as_text());
        boost::container::small_vector<const Record*, 16> found(ids.size());
        store_.FindMany(m.id, {ids.data(), ids.size()}, {found.data(), found.size()});  // misses overlap
        n.keys = ids.size();
        for (const Record* r : found)
          if (r) n.records.push_back(r);
        n.cost = n.records.size();
      } else {
        n.kind = Kind::kIdRange;
        n.ranges = {*range};
        n.cost = Walked(m, slot) ? cost_cap_ : RangeCost(m, std::nullopt, n.ranges);
      }
      return n;
    }
    const bool all_set = eqs && std::none_of(eqs->begin(), eqs->end(), [](const Value& v) { return v.is_null(); });
    if (p.type == PropertyType::kForeignKey && all_set) {
      n.kind = Kind::kChildren;
      n.relation = &schema_.relation(p.relation);
      const uint32_t list = schema_.relation(n.relation->inverse).local;
      for (const Value& v : *eqs) {
        ++n.keys;
        if (const Record* parent = store_.Find(n.relation->target, v.as_text())) {
          const LinkList& children = parent->links(list);
          n.lists.emplace_back(children.begin(), children.size());
          n.cost += children.size();
        }
      }
      return n;
    }
    std::optional<size_t> index = IndexLedBy(m, slot);
    if (!index) return ScanOf(m);
    n.index = *index;
    if (eqs && all_set && !with_deleted_ && m.indexes[*index].on.size() == 1 &&
        HashableType(m.value_types[slot.value])) {
      n.kind = Kind::kIndexKeys;
      n.all_live = true;
      std::string key;
      for (const Value& v : *eqs) {
        ++n.keys;
        v.AppendKey(&key);
        std::span<const Record* const> entries = store_.IndexLookup(m.id, *index, key);
        key.clear();
        if (entries.empty()) continue;
        n.lists.push_back(entries);
        n.cost += entries.size();
      }
      return n;
    }
    n.kind = Kind::kIndexRange;
    if (eqs) {
      for (const Value& v : *eqs) n.ranges.push_back(KeyRange::Equal({v}));
    } else {
      n.ranges = {*range};
    }
    // A range on the slot the caller can walk in order is read best by that walk.
    n.cost = !eqs && Walked(m, slot) ? cost_cap_ : RangeCost(m, index, n.ranges);
    return n;
  }

  Node PlanCompare(const ModelDef& m, const Filter& f) {
    const SlotId slot = f.slot();
    if (!OrderableSlot(m, slot)) return ScanOf(m);
    if (f.op() == CompareOp::kEq || f.op() == CompareOp::kIn) {
      std::span<const Value> eqs =
          f.op() == CompareOp::kEq ? std::span<const Value>(&f.value(), 1) : std::span<const Value>(f.values());
      for (const Value& v : eqs)
        if (!OfSlotType(m, slot, v)) return ScanOf(m);
      Node n = PlanSlot(m, slot, &eqs, nullptr);
      n.exact = n.kind != Kind::kScan && std::none_of(eqs.begin(), eqs.end(), [](const Value& v) { return v.is_null(); });
      return n;
    }
    if (!IsRangeOp(f.op()) || f.value().is_null() || !OfSlotType(m, slot, f.value())) return ScanOf(m);
    KeyRange r = RangeOf(f.op(), f.value(), slot.value != 0);
    Node n = PlanSlot(m, slot, nullptr, &r);
    n.exact = n.kind != Kind::kScan;
    return n;
  }

  // Candidates of the records related through the relation to those matching its
  // inner filter: the inner filter's own plan, walked back.
  Node PlanRelated(const ModelDef& m, const Filter& f) {
    const RelationDef& rel = schema_.relation(f.relation());
    if (!rel.inverse.valid()) return ScanOf(m);
    const ModelDef& target = schema_.model(rel.target);
    Node inner = Plan(target, f.parts()[0]);
    const size_t inner_rows = inner.cost;
    // Records reached per related record: one parent for a parent-side relation,
    // else the average number of this model's records per related one.
    size_t fanout = 1;
    if (!rel.is_parent_side()) fanout = std::max<size_t>(1, store_.Count(m.id) / std::max<size_t>(1, store_.Count(target.id)));
    Node n;
    n.kind = Kind::kRelated;
    n.model = &m;
    n.relation = &rel;
    n.inner = &f.parts()[0];
    n.cost = SatAdd(inner.cost, SatMul(inner_rows, fanout));
    n.parts.push_back(std::move(inner));
    // Walking back finds exactly the records whose forward check would succeed (the
    // same links, the same liveness rules).
    n.exact = true;
    return n;
  }

  Node PlanAnd(const ModelDef& m, const Filter& f) {
    std::vector<const Filter*> conjuncts;
    Conjuncts(f, &conjuncts);
    Node best = ScanOf(m);
    auto consider = [&](Node n) {
      if (n.kind != Kind::kScan && n.cost < best.cost) best = std::move(n);
    };
    for (const Filter* c : conjuncts) {
      if (best.kind == Kind::kEmpty) return best;
      consider(Plan(m, *c));
    }
    // Conditions that only answer together: two bounds of one range, and the leading
    // properties of a composite index.
    std::map<uint32_t, SlotBounds> bounds = CollectBounds(m, conjuncts);
    for (const auto& [slot, b] : bounds)
      if (b.range_conditions > 1) consider(PlanSlot(m, SlotId(slot), nullptr, &b.range));
    for (size_t i = 0; i < m.indexes.size(); ++i) {
      const std::vector<SlotId>& on = m.indexes[i].on;
      if (on.size() < 2) continue;
      std::vector<Value> prefix;
      size_t k = 0;
      for (; k < on.size(); ++k) {
        auto it = bounds.find(on[k].value);
        if (it == bounds.end() || !it->second.eq) break;
        prefix.push_back(*it->second.eq);
      }
      KeyRange range = KeyRange::Equal(prefix);
      if (k < on.size()) {
        auto it = bounds.find(on[k].value);
        if (it != bounds.end() && it->second.range_conditions > 0) range = WithPrefix(prefix, it->second.range);
        else if (k < 2) continue;  // the leading property alone is planned above
      }
      if (prefix.empty() && k == 0) continue;
      Node n;
      n.kind = Kind::kIndexRange;
      n.model = &m;
      n.index = i;
      n.ranges = {range};
      n.cost = RangeCost(m, i, n.ranges);
      consider(std::move(n));
    }
    best.exact = false;  // the other conditions are checked per candidate
    return best;
  }

  Node PlanOr(const ModelDef& m, const Filter& f) {
    Node n;
    n.kind = Kind::kUnion;
    n.model = &m;
    for (const Filter& p : f.parts()) {
      Node part = Plan(m, p);
      if (part.kind == Kind::kScan) return ScanOf(m);
      n.cost = SatAdd(n.cost, part.cost);
      n.parts.push_back(std::move(part));
    }
    if (n.parts.empty()) return Empty(m);
    return n;
  }

  const Store& store_;
  const Schema& schema_;
  const ModelDef& root_;  // the model queried (walk_ is one of its slots)
  bool with_deleted_;
  SlotId walk_;      // see QueryPlan::Make
  size_t cost_cap_;  // past this, a range is not counted further
};

void SortUnique(std::vector<const Record*>* v) {
  std::sort(v->begin(), v->end(), RecordIdLess());
  v->erase(std::unique(v->begin(), v->end()), v->end());
}

// Produces the candidates of a node (see QueryPlan::Candidates).
class CandidateWalker {
 public:
  CandidateWalker(const Store& store, bool with_deleted, size_t* examined)
      : store_(store), schema_(store.schema()), with_deleted_(with_deleted), examined_(*examined) {}

  std::vector<const Record*> Run(const Node& n) {
    std::vector<const Record*> out;
    Collect(n, &out);
    return out;
  }

 private:
  // Appends the node's candidates to *out, which ends sorted and free of duplicates
  // when it started empty.
  void Collect(const Node& n, std::vector<const Record*>* out) {
    const size_t start = out->size();
    bool sorted = true;  // whether what this node appended is in primary-key order
    auto add = [&](const Record* r) {
      ++examined_;
      out->push_back(r);
      return true;
    };
    switch (n.kind) {
      case Kind::kEmpty: break;
      case Kind::kScan: store_.Scan(n.model->id, [&](const Record& r) { return add(&r); }); break;
      case Kind::kIds:
        for (const Record* r : n.records) add(r);
        sorted = n.records.size() <= 1;
        break;
      case Kind::kIdRange:
        for (const KeyRange& r : n.ranges) store_.ScanKeyRange(n.model->id, r, false, add);
        sorted = n.ranges.size() == 1;
        break;
      case Kind::kIndexKeys:
      case Kind::kChildren:
        for (std::span<const Record* const> list : n.lists) {
          examined_ += list.size();
          out->insert(out->end(), list.begin(), list.end());
        }
        sorted = n.lists.size() <= 1;
        break;
      case Kind::kIndexRange:
        for (const KeyRange& r : n.ranges) store_.IndexRange(n.model->id, n.index, r, false, add);
        sorted = false;
        break;
      case Kind::kRelated: WalkBack(n, out); sorted = false; break;
      case Kind::kUnion:
        for (const Node& p : n.parts) Collect(p, out);
        sorted = false;
        break;
    }
    if (!sorted) {
      std::vector<const Record*> mine(out->begin() + static_cast<std::ptrdiff_t>(start), out->end());
      SortUnique(&mine);
      out->resize(start);
      out->insert(out->end(), mine.begin(), mine.end());
    }
  }

  // The records of n.model related through n.relation to a live (unless deleted
  // ones count) related record that matches n.inner.
  void WalkBack(const Node& n, std::vector<const Record*>* out) {
    const RelationDef& rel = *n.relation;
    const ModelDef& target = schema_.model(rel.target);
    auto reach = [&](const Record& o) {  // o matches n.inner
      if (with_deleted_ || store_.IsLive(target, o)) Reach(rel, &o, out);
      return true;
    };
    auto visit = [&](const Record& o) {
      ++examined_;
      return !n.inner->Matches(store_, target, o, with_deleted_) || reach(o);
    };
    // Every record is looked at and what is kept is sorted: memory order will do;
    // equality with text on a text property is compared in place by the store.
    const std::string* text = n.inner->equal_text();
    if (n.parts[0].kind != Kind::kScan) {
      for (const Record* o : Run(n.parts[0])) visit(*o);
    } else if (text && target.value_types[n.inner->slot().value] == ValueType::kText) {
      store_.ScanTextEquals(target.id, n.inner->slot(), *text, reach);
      examined_ += store_.Count(target.id);
    } else {
      store_.ScanUnordered(target.id, visit);
    }
  }

  // Appends the records whose list of `rel` holds `o` (or, through a pivotEntity, a
  // live pivot record that points at `o`).
  void Reach(const RelationDef& rel, const Record* o, std::vector<const Record*>* out) {
    if (!rel.through_pivot()) {
      const LinkList& back = o->links(schema_.relation(rel.inverse).local);
      if (rel.is_parent_side()) {
        if (!back.empty()) out->push_back(back[0]);
      } else {
        out->insert(out->end(), back.begin(), back.end());
      }
      for (const Record* r : back) __builtin_prefetch(r);  // sorted by id next
      examined_ += back.size();
      return;
    }
    const ModelDef& pivot = schema_.model(rel.pivot);
    const RelationDef& far = schema_.relation(rel.pivot_far);
    const uint32_t near_list = schema_.relation(rel.pivot_near).local;
    for (const Record* link : o->links(schema_.relation(far.inverse).local)) {
      ++examined_;
      if (!with_deleted_ && !store_.IsLive(pivot, *link)) continue;
      const LinkList& near = link->links(near_list);
      if (!near.empty()) out->push_back(near[0]);
    }
  }

  const Store& store_;
  const Schema& schema_;
  bool with_deleted_;
  size_t& examined_;
};

std::string Describe(const Schema& schema, const Node& n) {
  const ModelDef& m = *n.model;
  auto index_name = [&](size_t i) { return DescribeIndex(m, i); };
  switch (n.kind) {
    case Kind::kEmpty: return "empty";
    case Kind::kScan: return "scan " + m.name;
    case Kind::kIds: return "ids " + m.name + " (" + std::to_string(n.keys) + ")";
    case Kind::kIdRange: return "id range " + m.name;
    case Kind::kIndexKeys: return "index " + index_name(n.index) + " (" + std::to_string(n.keys) + " keys)";
    case Kind::kIndexRange: return "index range " + index_name(n.index);
    case Kind::kChildren:
      return "children " + m.name + "." + n.relation->name + " of " + std::to_string(n.keys) + " " +
             schema.model(n.relation->target).name;
    case Kind::kRelated: return "related " + m.name + "." + n.relation->name + " <- " + Describe(schema, n.parts[0]);
    case Kind::kUnion: {
      std::string s = "union(";
      for (size_t i = 0; i < n.parts.size(); ++i) s += (i ? ", " : "") + Describe(schema, n.parts[i]);
      return s + ")";
    }
  }
  return "";
}

}  // namespace

std::string DescribeIndex(const ModelDef& m, size_t index) {
  std::string s = m.name + "(";
  for (size_t k = 0; k < m.indexes[index].on.size(); ++k)
    s += (k ? "," : "") + m.properties[m.indexes[index].on[k].value].name;
  return s + ")";
}

QueryPlan QueryPlan::Make(const Store& store, const ModelDef& model, const Filter* filter, bool with_deleted,
                          SlotId walk, size_t cost_cap) {
  QueryPlan plan;
  plan.store_ = &store;
  plan.model_ = &model;
  plan.with_deleted_ = with_deleted;
  plan.filter_ = filter;
  Planner planner(store, model, with_deleted, walk, cost_cap);
  if (!filter) {
    plan.root_ = planner.ScanOf(model);
    return plan;
  }
  Node root = planner.Plan(model, *filter);
  // A plan whose candidates cost as much as the model holds is no better than a scan,
  // which needs no sort afterwards.
  if (root.kind != Kind::kEmpty && root.kind != Kind::kRelated && root.cost >= store.Count(model.id))
    root = planner.ScanOf(model);
  plan.root_ = std::move(root);
  return plan;
}

QueryPlan QueryPlan::Scan(const Store& store, const ModelDef& model) { return Make(store, model, nullptr, false); }

bool QueryPlan::exact() const { return root_.exact; }

bool QueryPlan::all_live() const { return root_.all_live; }

std::optional<KeyRange> QueryPlan::ProbedRange(std::optional<size_t> index) const {
  if (root_.ranges.size() != 1) return std::nullopt;
  if (root_.kind == Kind::kIdRange && !index) return root_.ranges[0];
  if (root_.kind == Kind::kIndexRange && index && root_.index == *index) return root_.ranges[0];
  return std::nullopt;
}

bool QueryPlan::scans() const { return root_.kind == Kind::kScan; }

size_t QueryPlan::cost() const { return root_.cost; }

QueryPlan::CandidateList QueryPlan::Candidates(size_t* examined) const {
  CandidateList out;
  const Node& n = root_;
  if ((n.kind == Kind::kIndexKeys || n.kind == Kind::kChildren) && n.lists.size() <= 1) {
    if (!n.lists.empty()) out.records = n.lists[0];  // kept sorted by the store
    *examined += out.records.size();
    return out;
  }
  out.owned = CandidateWalker(*store_, with_deleted_, examined).Run(n);
  out.records = out.owned;
  return out;
}

std::optional<KeyRange> QueryPlan::RangeOn(SlotId slot) const {
  if (!filter_) return std::nullopt;
  std::vector<const Filter*> conjuncts;
  Conjuncts(*filter_, &conjuncts);
  std::map<uint32_t, SlotBounds> bounds = CollectBounds(*model_, conjuncts);
  auto it = bounds.find(slot.value);
  if (it == bounds.end()) return std::nullopt;
  const SlotBounds& b = it->second;
  if (b.eq && (slot.value != 0 || !b.eq->is_null())) return KeyRange::Equal({*b.eq});
  if (b.range_conditions > 0) return b.range;
  return std::nullopt;
}

std::string QueryPlan::Describe() const { return kin::Describe(store_->schema(), root_); }

}  // namespace kin
