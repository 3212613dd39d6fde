#pragma once
// The JSON-lines protocol of `kin exec` (SPEC.md section 9): one request line in,
// one response line out. Shared by the tool, the tests and the fuzzers.
//
//   {"call": "createProducts", "args": [{...}], "id": 7}
//   {"transaction": [{"call": ..., "args": [...]}, ...]}
//   -> {"id": 7, "ok": true, "result": ...} | {"ok": false, "error": {"type": ..., "message": ...}}

#include <string>
#include <string_view>

#include "kin/database.h"
#include "kin/json.h"

namespace kin {

// Answers one request line; never throws. The answer has no trailing newline.
// A line over kMaxRequestLineBytes or nested deeper than kMaxJsonDepth
// (api/limits.h) is answered with invalid_argument without being parsed.
std::string HandleRequestLine(Database& db, std::string_view line);

// The error response line for a status (used for failures outside a request).
std::string ErrorResponse(const Status& status);

}  // namespace kin
