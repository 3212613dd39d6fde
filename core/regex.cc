#include "core/regex.h"

#include <re2/re2.h>

#include <string>

namespace kin {

Regex::Regex(std::unique_ptr<re2::RE2> re) : re_(std::move(re)) {}

Regex::~Regex() = default;

Result<std::shared_ptr<const Regex>> Regex::Compile(std::string_view pattern, size_t max_memory) {
  re2::RE2::Options options;
  options.set_log_errors(false);  // errors are returned, never printed
  options.set_max_mem(static_cast<int64_t>(max_memory));
  options.set_encoding(re2::RE2::Options::EncodingUTF8);
  auto re = std::make_unique<re2::RE2>(re2::StringPiece(pattern.data(), pattern.size()), options);
  if (re->ok()) return std::shared_ptr<const Regex>(new Regex(std::move(re)));
  if (re->error_code() == re2::RE2::ErrorPatternTooLarge)
    return Status::InvalidArgument("the pattern needs more than " + std::to_string(max_memory) +
                                   " bytes of memory to compile");
  // RE2's message ("invalid perl operator: (?=") says what it refused; say why.
  std::string why = re->error();
  const std::string& arg = re->error_arg();
  const bool lookbehind = arg.starts_with("(?<") && (pattern.find("(?<=") != std::string_view::npos ||
                                                      pattern.find("(?<!") != std::string_view::npos);
  if (re->error_code() == re2::RE2::ErrorBadPerlOp && (arg.starts_with("(?=") || arg.starts_with("(?!") || lookbehind))
    why += " (lookahead and lookbehind are not supported)";
  else if (re->error_code() == re2::RE2::ErrorBadEscape && arg.size() >= 2 &&
           ((arg[1] >= '1' && arg[1] <= '9') || arg[1] == 'k'))
    why += " (backreferences are not supported)";
  return Status::InvalidData(std::move(why));
}

bool Regex::Search(std::string_view text) const {
  return re2::RE2::PartialMatch(re2::StringPiece(text.data(), text.size()), *re_);
}

}  // namespace kin
