#include "core/commit_time.h"

#include "kin/value.h"

namespace kin {

int64_t CommitTimeMillis(int64_t micros) { return micros / 1000 - (micros % 1000 < 0 ? 1 : 0); }

std::string FormatCommitTime(int64_t micros) {
  const int64_t ms = CommitTimeMillis(micros);
  std::string text = FormatTimestamp(Timestamp{ms});  // ...SS.mmmZ
  const int sub = static_cast<int>(micros - ms * 1000);
  const char digits[3] = {static_cast<char>('0' + sub / 100), static_cast<char>('0' + sub / 10 % 10),
                          static_cast<char>('0' + sub % 10)};
  if (!text.empty() && text.back() == 'Z') text.insert(text.size() - 1, digits, 3);
  return text;
}

std::optional<int64_t> ParseCommitTime(std::string_view text) {
  std::optional<Timestamp> ms = ParseTimestamp(text);
  if (!ms) return std::nullopt;
  int64_t micros = ms->ms * 1000;
  // ParseTimestamp reads the first three fraction digits; the next three are microseconds.
  const size_t t = text.find_first_of("T ");
  const size_t dot = t == std::string_view::npos ? t : text.find('.', t);
  if (dot != std::string_view::npos) {
    size_t end = dot + 1;
    while (end < text.size() && text[end] >= '0' && text[end] <= '9') ++end;
    if (end - dot - 1 > 6) return std::nullopt;
    int64_t extra = 0, scale = 100;
    for (size_t i = dot + 4; i < end; ++i, scale /= 10) extra += (text[i] - '0') * scale;
    micros += extra;
  }
  return micros;
}

}  // namespace kin
