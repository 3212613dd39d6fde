#pragma once
// Record: one stored record. Values are in the model's slot order (slot 0 is the
// primary key). `links` holds, per relation of the model (RelationDef::local), direct
// pointers to the related records, sorted by their primary key: a belongsTo holds its
// parent (0 or 1), a hasOne/hasMany its children, an automatic manyToMany the linked
// records, a manyToMany through a pivotEntity the pivot records. Records are owned by
// the Store; their addresses are stable for as long as they exist.

#include <string_view>
#include <vector>

#include "core/value.h"

namespace kin {

struct Record {
  std::vector<Value> values;
  std::vector<std::vector<const Record*>> links;

  std::string_view id() const { return values[0].as_text(); }
};

// Orders record pointers by primary key (the order of every link list).
struct RecordIdLess {
  bool operator()(const Record* a, const Record* b) const { return a->id() < b->id(); }
};

}  // namespace kin
