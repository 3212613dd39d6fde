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

#include "kin/ids.h"
#include "core/key_range.h"
#include "core/record.h"
#include "kin/value.h"

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
    // One search of the tree, at the end the walk starts from; the other bound is
    // checked on each record read (it is read anyway), which saves a second descent.
    const Less& less = entries_.key_comp();
    if (!descending) {
      auto it = range.lower.empty()          ? entries_.begin()
                : range.lower_inclusive ? entries_.lower_bound(Prefix{range.lower})
                                        : entries_.upper_bound(Prefix{range.lower});
      for (; it != entries_.end(); ++it) {
        if (!range.upper.empty()) {
          const int c = less.ComparePrefix(*it, Prefix{range.upper});
          if (c > 0 || (c == 0 && !range.upper_inclusive)) return;
        }
        if (!visit(*it)) return;
      }
      return;
    }
    auto it = range.upper.empty()          ? entries_.end()
              : range.upper_inclusive ? entries_.upper_bound(Prefix{range.upper})
                                      : entries_.lower_bound(Prefix{range.upper});
    while (it != entries_.begin()) {
      --it;
      if (!range.lower.empty()) {
        const int c = less.ComparePrefix(*it, Prefix{range.lower});
        if (c < 0 || (c == 0 && !range.lower_inclusive)) return;
      }
      if (!visit(*it)) return;
    }
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
