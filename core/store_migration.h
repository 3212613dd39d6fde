#pragma once
// MigrateStore: the records of a store carried over into a new, empty store of
// another schema, matched by names (docs/schema-evolution.md). It carries out a
// migration plan (core/schema_diff.h) that was checked and allowed; it does not
// check the plan again.
//
// Per model of the new schema that the old one has too: every record, in primary-key
// order, with the values of the properties both schemas have (by name), the new
// property's default (or null) for a property the old schema lacked, and nothing of a
// property the new schema lacks. Automatic manyToMany links both schemas have are
// carried over; foreign-key adjacency and the indexes of the new schema are built
// as after a bulk load. Autoincrement counters are kept. Models only the old schema
// has are left behind.
//
// Reads `from` only: the caller keeps it unchanged meanwhile (the writer role) and
// may discard it afterwards. Not thread-safe beyond that.

#include <memory>

#include "core/store.h"

namespace kin {

// database_error when the records do not fit the new schema after all (a value not
// of its property's type, a foreign key naming a record of a model left behind):
// the caller's plan missed a step. A unique index is not checked here; the plan
// checked it. `from` is unchanged either way.
Result<std::unique_ptr<Store>> MigrateStore(const Store& from, std::shared_ptr<const Schema> to);

}  // namespace kin
