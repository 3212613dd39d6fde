#pragma once
// FieldValue: one field of a typed write (ModelHandle::Insert): a property by name
// with a Value of its type, or a belongsTo relation by name with the parent's id as
// text (or null). Plain data.

#include <string_view>

#include "kin/value.h"

namespace kin {

struct FieldValue {
  std::string_view name;
  Value value;
};

}  // namespace kin
