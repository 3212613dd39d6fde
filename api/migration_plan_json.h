#pragma once
// The JSON form of a migration plan (core/schema_diff.h), for `kin migrate --dry-run`
// and the protocol. Stateless.

#include <nlohmann/json.hpp>

#include "core/schema_diff.h"

namespace kin::api {

// {"steps": [{"kind": "add_unique_index", "safety": "impossible", "model": "Product",
//             "on": ["title", "store_id"], "check": "no_clash", "finding": "p1, p2 share \"Shirt\", \"s1\"",
//             "description": "add unique index Product(title, store_id) (refused: ...)"}, ...],
//  "safe": 0, "destructive": 0, "impossible": 1}
// A step has "property" unless it concerns a whole model or an index, "on" for an
// index, "from" and "to" for a changed attribute (either may be ""), and "check" and
// "finding" when it was checked against the records.
nlohmann::ordered_json MigrationPlanToJson(const MigrationPlan& plan);

}  // namespace kin::api
