#pragma once
// kin::Json, defined: nlohmann::ordered_json (keeps key order, so `order` and output
// follow the caller). Needed wherever a program builds arguments or reads results
// of the JSON forms of calls; kin.h alone only declares it.

#include <nlohmann/json.hpp>  // IWYU pragma: export

namespace kin {
using Json = nlohmann::ordered_json;
}  // namespace kin
