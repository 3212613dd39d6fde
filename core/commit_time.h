#pragma once
// Commit times of journal records: microseconds since 1970-01-01T00:00:00Z, shown
// as "2026-12-06T18:40:01.123456Z". Stateless; thread-safe.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kin {

std::string FormatCommitTime(int64_t micros);
// The millisecond a commit time falls in (rounded down, also before 1970): the
// timestamp a call's records get.
int64_t CommitTimeMillis(int64_t micros);
// The forms dateTime values accept ("2026-12-06", "2026-12-06T18:40:01Z",
// "...T18:40:01.5+02:00"), with up to six fraction digits; nullopt otherwise.
std::optional<int64_t> ParseCommitTime(std::string_view text);

}  // namespace kin
