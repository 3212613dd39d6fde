#pragma once
// OrderedIndex (internal to core): every record of one model, live and soft-deleted,
// ordered by the values of one index's properties (nulls after every value, as in
// PostgreSQL), then by primary key. It serves the planner's equality and range
// probes on the index's leading properties, and `order` read in index order.
// Holds record addresses, which the Store keeps stable; the Store erases a record
// before any of its key values change and inserts it again after. Owned by Table;
// same thread-safety (not synchronized; concurrent const access is safe).

#include <set>
#include <span>
#include <vector>

#include "core/ids.h"
#include "core/key_range.h"
#include "core/record.h"
#include "core/value.h"

namespace kin {

class OrderedIndex {
 public:
  explicit OrderedIndex(std::vector<SlotId> on) : entries_(Less{std::move(on)}) {}

  void Insert(const Record* r) { entries_.insert(r); }
  void Erase(const Record* r) { entries_.erase(r); }
  size_t size() const { return entries_.size(); }

  // Visits the records whose leading values lie in `range`, in index order (or its
  // reverse), until visit returns false.
  template <typename Fn>
  void Visit(const KeyRange& range, bool descending, Fn&& visit) const {
    auto first = range.lower.empty()          ? entries_.begin()
                 : range.lower_inclusive ? entries_.lower_bound(Prefix{range.lower})
                                         : entries_.upper_bound(Prefix{range.lower});
    auto last = range.upper.empty()          ? entries_.end()
                : range.upper_inclusive ? entries_.upper_bound(Prefix{range.upper})
                                        : entries_.lower_bound(Prefix{range.upper});
    if (first == entries_.end()) return;
    if (last != entries_.end() && !entries_.key_comp()(*first, *last)) return;  // an empty range
    if (!descending) {
      for (auto it = first; it != last; ++it)
        if (!visit(*it)) return;
      return;
    }
    for (auto it = last; it != first;)
      if (!visit(*--it)) return;
  }

  // The index order of two values of one property: nulls last.
  static int CompareKeyValues(const Value& a, const Value& b) {
    if (a.is_null() || b.is_null()) return int(a.is_null()) - int(b.is_null());
    return CompareValues(a, b);
  }

 private:
  // A probe: the first values of a key; a record equals it when its leading values do.
  struct Prefix {
    std::span<const Value> values;
  };
  struct Less {
    using is_transparent = void;
    std::vector<SlotId> on;

    int ComparePrefix(const Record* r, Prefix p) const {
      for (size_t i = 0; i < p.values.size() && i < on.size(); ++i)
        if (int c = CompareKeyValues(r->value(on[i].value), p.values[i])) return c;
      return 0;
    }
    bool operator()(const Record* a, const Record* b) const {
      for (SlotId s : on)
        if (int c = CompareKeyValues(a->value(s.value), b->value(s.value))) return c < 0;
      return a->id() < b->id();
    }
    bool operator()(const Record* a, Prefix p) const { return ComparePrefix(a, p) < 0; }
    bool operator()(Prefix p, const Record* b) const { return ComparePrefix(b, p) > 0; }
  };

  std::set<const Record*, Less> entries_;
};

}  // namespace kin
