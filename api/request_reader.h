#pragma once
// Reading one request line of the JSON-lines protocol of `kin exec` into a
// JSON value, within bounded memory. Before anything is parsed, one pass over the
// bytes checks the line's size, that it holds no NUL byte and is valid UTF-8, its
// nesting (kMaxJsonDepth), and what its parsed form will cost; it also counts the
// elements of every array and object, so the parse reserves each container's exact
// size instead of growing it (docs/limits.md states the resulting bound). Every
// refusal is invalid_argument. Stateless functions; thread-safe.

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "kin/status.h"

namespace kin::api {

// The parsed form of a request line may take at most this many times the line's
// bytes, plus kParseAllowanceBytes (so small requests are never refused for it).
inline constexpr size_t kMaxParseFactor = 10;
inline constexpr size_t kParseAllowanceBytes = size_t{1} << 20;

// The bytes the parsed form of `line` takes at most (nlohmann::ordered_json on a
// 64-bit libstdc++, every container reserved to its exact size), as the scan
// estimates it; valid only for a line that passed the scan's other checks.
struct RequestShape {
  size_t parsed_bytes = 0;
  size_t containers = 0;
};

// The checks above, without parsing: invalid_argument naming the first problem.
Status CheckRequestLine(std::string_view line, RequestShape* shape = nullptr);

// The checks, then the parse. "The request is not valid JSON" for text the parser refuses.
Result<nlohmann::ordered_json> ParseRequestLine(std::string_view line);

// Empties `json` (it becomes an empty container) without the memory nlohmann's
// destructor takes: to avoid recursion, it moves a container's elements into a
// second vector first, which for a large request doubles its memory for a moment.
// This empties the containers deepest first instead, with memory in the depth only.
void ReleaseJson(nlohmann::ordered_json& json);

}  // namespace kin::api
