#pragma once
// OrderedIndex (internal to core): every record of one model, live and soft-deleted,
// ordered by the values of one index's properties (nulls after every value, as in
// PostgreSQL), then by primary key. It serves the planner's equality and range
// probes on the index's leading properties, and `order` read in index order.
//
// Layout: a two-level B+tree. Leaves hold up to kLeafMax entries in order, each an
// 8-byte order-preserving key of the record's first index value (IndexKey) beside
// the record's address; the top level holds each leaf's first entry in flat arrays.
// A search compares the inline keys and reads a record only when two keys tie, so
// finding a position costs a few cache misses instead of one per tree level.
// Holds record addresses, which the Store keeps stable; the Store erases a record
// before any of its key values change and inserts it again after. Owned by Table;
// same thread-safety (not synchronized; concurrent const access is safe).

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "kin/ids.h"
#include "core/key_range.h"
#include "core/record.h"
#include "kin/value.h"

namespace kin {

class OrderedIndex {
 public:
  explicit OrderedIndex(std::vector<SlotId> on) : on_(std::move(on)) { leaves_.push_back(std::make_unique<Leaf>()); }

  void Insert(const Record* r) {
    const Entry e{IndexKey(r->value(on_[0].value)), r};
    auto [leaf, pos] = Find([&](uint64_t key, const Record* rec) { return EntryLess(key, rec, e.key, e.rec); });
    if (leaf == leaves_.size()) leaf = leaves_.size() - 1, pos = leaves_[leaf]->n;
    Leaf& l = *leaves_[leaf];
    std::move_backward(l.keys + pos, l.keys + l.n, l.keys + l.n + 1);
    std::move_backward(l.recs + pos, l.recs + l.n, l.recs + l.n + 1);
    l.keys[pos] = e.key;
    l.recs[pos] = e.rec;
    ++l.n;
    ++size_;
    if (pos == 0 && leaf > 0) SetSeparator(leaf);
    if (l.n == kLeafMax) Split(leaf);
  }

  void Erase(const Record* r) {
    const uint64_t key = IndexKey(r->value(on_[0].value));
    auto [leaf, pos] = Find([&](uint64_t k, const Record* rec) { return EntryLess(k, rec, key, r); });
    if (leaf == leaves_.size() || leaves_[leaf]->recs[pos] != r) return;
    Leaf& l = *leaves_[leaf];
    std::move(l.keys + pos + 1, l.keys + l.n, l.keys + pos);
    std::move(l.recs + pos + 1, l.recs + l.n, l.recs + pos);
    --l.n;
    --size_;
    if (l.n == 0 && leaves_.size() > 1) {
      leaves_.erase(leaves_.begin() + leaf);
      sep_keys_.erase(sep_keys_.begin() + leaf);
      sep_recs_.erase(sep_recs_.begin() + leaf);
    } else if (pos == 0 && leaf > 0) {
      SetSeparator(leaf);
    }
  }

  size_t size() const { return size_; }

  // Visits the records whose leading values lie in `range`, in index order (or its
  // reverse), until visit returns false.
  template <typename Fn>
  void Visit(const KeyRange& range, bool descending, Fn&& visit) const {
    // One search of the tree, at the end the walk starts from; the other bound is
    // checked on each record read (it is read anyway), which saves a second descent.
    if (size_ == 0) return;
    if (!descending) {
      Pos p{0, 0};
      if (!range.lower.empty()) p = Find(Before(range.lower, range.lower_inclusive));
      const Probe upper = ProbeOf(range.upper);
      if (p.leaf < leaves_.size()) {
        const Leaf& l = *leaves_[p.leaf];
        for (size_t i = p.pos; i < std::min<size_t>(l.n, p.pos + kAhead); ++i) __builtin_prefetch(l.recs[i]);
      }
      for (size_t leaf = p.leaf, pos = p.pos; leaf < leaves_.size(); ++leaf, pos = 0) {
        const Leaf& l = *leaves_[leaf];
        for (; pos < l.n; ++pos) {
          if (pos + kAhead < l.n) __builtin_prefetch(l.recs[pos + kAhead]);
          if (!range.upper.empty()) {
            const int c = Compare(l.keys[pos], l.recs[pos], upper);
            if (c > 0 || (c == 0 && !range.upper_inclusive)) return;
          }
          if (!visit(l.recs[pos])) return;
        }
      }
      return;
    }
    Pos p{leaves_.size(), 0};
    if (!range.upper.empty()) p = Find(Before(range.upper, !range.upper_inclusive));
    if (p.leaf == leaves_.size()) p = {leaves_.size() - 1, leaves_.back()->n};
    const Probe lower = ProbeOf(range.lower);
    {
      const Leaf& l = *leaves_[p.leaf];
      for (size_t i = p.pos; i-- > 0 && i + kAhead >= p.pos;) __builtin_prefetch(l.recs[i]);
    }
    for (size_t leaf = p.leaf + 1, pos = p.pos; leaf-- > 0; pos = leaf > 0 ? leaves_[leaf - 1]->n : 0) {
      const Leaf& l = *leaves_[leaf];
      while (pos-- > 0) {
        if (pos >= kAhead) __builtin_prefetch(l.recs[pos - kAhead]);
        if (!range.lower.empty()) {
          const int c = Compare(l.keys[pos], l.recs[pos], lower);
          if (c < 0 || (c == 0 && !range.lower_inclusive)) return;
        }
        if (!visit(l.recs[pos])) return;
      }
    }
  }

  // The index order of two values of one property: nulls last.
  static int CompareKeyValues(const Value& a, const Value& b) {
    if (a.is_null() || b.is_null()) return int(a.is_null()) - int(b.is_null());
    return CompareValues(a, b);
  }

  // An order-preserving summary of a value in 8 bytes: a < b (CompareKeyValues)
  // implies IndexKey(a) <= IndexKey(b); equal keys say nothing. The top byte is the
  // kind (numbers of every type share one, nulls are last), the rest its leading
  // part: a number as a double's ordered bits, a text's first 7 bytes, a time.
  // Assumes, as the comparison itself does, that one property holds one kind.
  static uint64_t IndexKey(const Value& v) {
    constexpr uint64_t kPayload = (uint64_t{1} << 56) - 1;
    auto kind = [](uint64_t k) { return k << 56; };
    switch (v.type()) {
      case ValueType::kNull: return ~uint64_t{0};
      case ValueType::kBool: return kind(1) | uint64_t(v.as_bool());
      case ValueType::kInt:
      case ValueType::kFloat:
      case ValueType::kDecimal: {
        const std::optional<double> n = v.AsNumber();
        if (!n) return kind(2);
        const double d = *n == 0 ? 0.0 : *n;  // -0 equals 0
        uint64_t bits;
        std::memcpy(&bits, &d, sizeof bits);
        bits = (bits >> 63) ? ~bits : bits | (uint64_t{1} << 63);  // negative numbers reversed
        return kind(2) | (bits >> 8);
      }
      case ValueType::kText: {
        const std::string_view s = v.as_text();
        uint64_t out = 0;
        for (size_t i = 0; i < 7; ++i) out = out << 8 | (i < s.size() ? uint8_t(s[i]) : 0);
        return kind(4) | out;
      }
      case ValueType::kDateTime: {
        const int64_t ms = std::clamp<int64_t>(v.as_time().ms, -(int64_t{1} << 55), (int64_t{1} << 55) - 1);
        return kind(5) | (uint64_t(ms + (int64_t{1} << 55)) & kPayload);
      }
      default: return kind(uint64_t(v.type()));
    }
  }

 private:
  static constexpr size_t kLeafMax = 128;
  static constexpr size_t kAhead = 4;  // records a walk starts loading before it reads them
  struct Entry {
    uint64_t key;
    const Record* rec;
  };
  struct Leaf {
    uint32_t n = 0;
    uint64_t keys[kLeafMax];
    const Record* recs[kLeafMax];
  };
  struct Pos {
    size_t leaf, pos;
  };
  // A bound: the first values of a key, with the key of the first.
  struct Probe {
    uint64_t key;
    std::span<const Value> values;
  };

  Probe ProbeOf(const std::vector<Value>& values) const {
    return {values.empty() ? 0 : IndexKey(values[0]), values};
  }

  // The order of an entry against a probe, comparing only the probe's values.
  int Compare(uint64_t key, const Record* r, const Probe& p) const {
    if (key != p.key) return key < p.key ? -1 : 1;
    for (size_t i = 0; i < p.values.size() && i < on_.size(); ++i)
      if (int c = CompareKeyValues(r->value(on_[i].value), p.values[i])) return c;
    return 0;
  }

  // Whether entries sort before a probe: strictly (`inclusive`: the walk starts at
  // the probe's first equal) or up to equal.
  // (A named type rather than a lambda: a deduced return type cannot be used in
  // the member functions above its definition.)
  struct BeforeProbe {
    const OrderedIndex* index;
    Probe probe;
    bool inclusive;
    bool operator()(uint64_t key, const Record* r) const {
      const int c = index->Compare(key, r, probe);
      return inclusive ? c < 0 : c <= 0;
    }
  };
  BeforeProbe Before(const std::vector<Value>& values, bool inclusive) const {
    return BeforeProbe{this, ProbeOf(values), inclusive};
  }

  bool EntryLess(uint64_t ak, const Record* a, uint64_t bk, const Record* b) const {
    if (ak != bk) return ak < bk;
    for (SlotId s : on_)
      if (int c = CompareKeyValues(a->value(s.value), b->value(s.value))) return c < 0;
    return a->id() < b->id();
  }

  // The first position whose entry is not `before` (a predicate true on a prefix of
  // the order); {leaves_.size(), 0} when every entry is.
  template <typename Pred>
  Pos Find(Pred&& before) const {
    // Separators 1.. are the first entries of leaves 1..; the answer lies in the
    // last leaf whose first entry is before, or at the start of the next.
    size_t lo = 1, hi = leaves_.size();
    while (lo < hi) {
      const size_t mid = (lo + hi) / 2;
      if (before(sep_keys_[mid], sep_recs_[mid])) lo = mid + 1;
      else hi = mid;
    }
    const size_t leaf = lo - 1;
    const Leaf& l = *leaves_[leaf];
    // The leaf's keys are loaded at once rather than one line per halving.
    for (size_t i = 0; i < l.n; i += 64 / sizeof(uint64_t)) __builtin_prefetch(l.keys + i);
    size_t a = 0, b = l.n;
    while (a < b) {
      const size_t mid = (a + b) / 2;
      if (before(l.keys[mid], l.recs[mid])) a = mid + 1;
      else b = mid;
    }
    if (a < l.n) return {leaf, a};
    return leaf + 1 < leaves_.size() ? Pos{leaf + 1, 0} : Pos{leaves_.size(), 0};
  }

  void SetSeparator(size_t leaf) {
    sep_keys_[leaf] = leaves_[leaf]->keys[0];
    sep_recs_[leaf] = leaves_[leaf]->recs[0];
  }

  void Split(size_t leaf) {
    Leaf& l = *leaves_[leaf];
    auto right = std::make_unique<Leaf>();
    const size_t half = l.n / 2;
    right->n = uint32_t(l.n - half);
    std::copy(l.keys + half, l.keys + l.n, right->keys);
    std::copy(l.recs + half, l.recs + l.n, right->recs);
    l.n = uint32_t(half);
    sep_keys_.insert(sep_keys_.begin() + leaf + 1, right->keys[0]);
    sep_recs_.insert(sep_recs_.begin() + leaf + 1, right->recs[0]);
    leaves_.insert(leaves_.begin() + leaf + 1, std::move(right));
  }

  std::vector<SlotId> on_;
  size_t size_ = 0;
  std::vector<std::unique_ptr<Leaf>> leaves_;  // never empty; only an empty index has an empty leaf
  std::vector<uint64_t> sep_keys_{0};          // [i]: leaves_[i]'s first key ([0] unused)
  std::vector<const Record*> sep_recs_{nullptr};
};

}  // namespace kin
