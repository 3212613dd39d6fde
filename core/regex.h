#pragma once
// Regex: a compiled `$re` pattern (RE2 syntax). Matching takes time linear in the
// text and memory bounded by the budget given at compile time, whatever the
// pattern or the text: no backtracking, no recursion. Patterns RE2 cannot match in
// linear time (backreferences, lookahead and lookbehind) do not compile.
// Immutable after Compile; Search is thread-safe.

#include <cstddef>
#include <memory>
#include <string_view>

#include "kin/status.h"

namespace re2 {
class RE2;
}

namespace kin {

class Regex {
 public:
  // Compiles `pattern` (UTF-8). Errors: invalid_data with RE2's reason (a syntax
  // error, an unsupported construct, invalid UTF-8); invalid_argument when the
  // compiled program would need more than `max_memory` bytes.
  static Result<std::shared_ptr<const Regex>> Compile(std::string_view pattern, size_t max_memory);

  ~Regex();
  Regex(const Regex&) = delete;
  Regex& operator=(const Regex&) = delete;

  // Whether the pattern matches anywhere in `text` (unanchored, like JavaScript's
  // RegExp.test).
  bool Search(std::string_view text) const;

 private:
  explicit Regex(std::unique_ptr<re2::RE2> re);
  std::unique_ptr<re2::RE2> re_;
};

}  // namespace kin
