#pragma once
// File names that carry a sequence number as 20 zero-padded decimal digits between
// a fixed prefix and suffix, so that they sort by number: journal segments
// ("00000000000000000007.log"), snapshots ("snapshot-...06.snap"), schema versions
// ("...15.json"). Stateless; thread-safe.

#include <cstdint>
#include <string>
#include <string_view>

namespace kin::persistence {

inline std::string NumberedName(std::string_view prefix, uint64_t seq, std::string_view suffix) {
  std::string digits = std::to_string(seq);
  std::string out(prefix);
  out.append(20 - digits.size(), '0');
  out += digits;
  out += suffix;
  return out;
}

// The number in `name`; false when it is not `prefix`, 20 digits, `suffix`.
inline bool ParseNumberedName(std::string_view name, std::string_view prefix, std::string_view suffix,
                              uint64_t* seq) {
  if (name.size() != prefix.size() + 20 + suffix.size() || name.substr(0, prefix.size()) != prefix ||
      name.substr(prefix.size() + 20) != suffix)
    return false;
  uint64_t v = 0;
  for (char c : name.substr(prefix.size(), 20)) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  *seq = v;
  return true;
}

}  // namespace kin::persistence
