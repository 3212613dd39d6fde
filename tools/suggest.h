#pragma once
// "Did you mean": the nearest known name to a mistyped one, for the `kin` command's
// subcommands and the shell's methods, models and dot commands. Stateless.

#include <string>
#include <string_view>
#include <vector>

namespace kin::tools {

// The number of single-character insertions, deletions, substitutions and swaps of
// neighbours that turn `a` into `b`, ignoring case.
size_t EditDistance(std::string_view a, std::string_view b);

// The candidate nearest to `word`, or "" when none is near enough to be a likely
// typo: at most a third of the word's length in edits (at least 1, at most 3), or
// one that starts with `word` when `word` has 3 or more characters. Ties go to
// the earlier candidate.
std::string NearestName(std::string_view word, const std::vector<std::string>& candidates);

// ` Did you mean "x"?` for the nearest candidate, or "" when there is none.
std::string DidYouMean(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace kin::tools
