#pragma once
// The JSON-lines protocol of `kin exec` (SPEC.md section 9): one request line in,
// one response line out. Shared by the tool, the tests and the fuzzers.
//
//   {"call": "createProducts", "args": [{...}], "id": 7}
//   {"transaction": [{"call": ..., "args": [...]}, ...]}
//   -> {"id": 7, "ok": true, "result": ...} | {"ok": false, "error": {"type": ..., "message": ...}}
//
// A failing transaction's error also carries "call": the index (from 0) of the
// call that failed. A line that is not JSON is answered with where the parser
// stopped: "The request is not valid JSON at column 12: syntax error ...".

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

// Answers one request line and says whether it succeeded (`kin exec` counts
// failures for its exit status and --bail).
std::string HandleRequestLine(Database& db, std::string_view line, bool* ok);

// Where and why JSON text is not valid JSON.
struct JsonSyntaxError {
  size_t offset = 0;   // the byte (from 0) where the parser stopped
  std::string reason;  // "syntax error while parsing value - invalid literal; last read: 'tru'"
};
// Parses JSON text; on failure returns false and fills *error. Never throws.
bool ParseJsonText(std::string_view text, Json* out, JsonSyntaxError* error);
// A position in `text` for people: "column 7" (counted from 1), or "line 2, column 3"
// when the text spans several lines.
std::string DescribePosition(std::string_view text, size_t offset);

}  // namespace kin
