#pragma once
// KeyRange: a range over the leading properties of an ordered index (or over the
// primary key), in the index's order (nulls after every value). `lower` and `upper`
// are prefixes of a key, each compared on its own length: {lower: [a]} with
// lower_inclusive starts at the first key whose first value is a. An empty bound is
// unbounded on that side. Plain data; thread-safe to copy.

#include <vector>

#include "kin/value.h"

namespace kin {

struct KeyRange {
  std::vector<Value> lower, upper;
  bool lower_inclusive = true, upper_inclusive = true;

  // Every key whose leading values equal `prefix`.
  static KeyRange Equal(std::vector<Value> prefix) {
    KeyRange r;
    r.lower = prefix;
    r.upper = std::move(prefix);
    return r;
  }
};

}  // namespace kin
