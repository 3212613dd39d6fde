// ULID generation. A process-wide generator (guarded by a mutex) remembers the last
// timestamp and 80-bit random part; within one millisecond, or if the clock steps
// back, the next id reuses that timestamp and adds one to the random part, so ids
// are strictly increasing across all threads. Fresh randomness comes from a
// per-thread std::mt19937_64 seeded from std::random_device.

#include "core/ulid.h"

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <mutex>
#include <random>
#include <string>
#include <string_view>
#include <thread>

namespace kin {
namespace {

constexpr std::string_view kAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
constexpr std::size_t kUlidLength = 26;
constexpr uint64_t kMaxTimestamp = (uint64_t{1} << 48) - 1;
constexpr uint64_t kHi16Mask = 0xFFFF;

// Seeds from std::random_device; falls back to time and thread id if it fails.
std::mt19937_64 MakeEngine() {
  uint64_t seed = 0;
  try {
    std::random_device device;
    seed = (static_cast<uint64_t>(device()) << 32) ^ device();
  } catch (...) {
    seed = static_cast<uint64_t>(
               std::chrono::high_resolution_clock::now().time_since_epoch().count()) ^
           std::hash<std::thread::id>{}(std::this_thread::get_id());
  }
  return std::mt19937_64(seed);
}

uint64_t RandomU64() {
  thread_local std::mt19937_64 engine = MakeEngine();
  return engine();
}

uint64_t NowMs() {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(now).count());
}

// The last id handed out; the next one is always greater.
struct UlidState {
  std::mutex mu;
  uint64_t ms = 0;
  uint64_t hi16 = 0;
  uint64_t lo64 = 0;
  bool started = false;
};

UlidState& State() {
  static UlidState state;
  return state;
}

// Adds one to the 80-bit value (hi16, lo64); false when it wraps around.
bool Increment80(uint64_t& hi16, uint64_t& lo64) {
  if (++lo64 != 0) return true;
  hi16 = (hi16 + 1) & kHi16Mask;
  return hi16 != 0;
}

// Fills ms/hi16/lo64 with the next id's parts at time `now_ms` under the generator's lock.
void NextParts(uint64_t now_ms, uint64_t& ms, uint64_t& hi16, uint64_t& lo64) {
  const uint64_t now = now_ms & kMaxTimestamp;
  UlidState& s = State();
  std::lock_guard<std::mutex> lock(s.mu);
  if (!s.started || now > s.ms) {
    s.ms = now;
    s.hi16 = RandomU64() & kHi16Mask;
    s.lo64 = RandomU64();
    s.started = true;
  } else if (!Increment80(s.hi16, s.lo64)) {
    // The random part overflowed within one millisecond: borrow the next one.
    s.ms = (s.ms + 1) & kMaxTimestamp;
    s.hi16 = RandomU64() & kHi16Mask;
    s.lo64 = RandomU64();
  }
  ms = s.ms;
  hi16 = s.hi16;
  lo64 = s.lo64;
}

// The two characters of every 10-bit value: one lookup writes two characters.
constexpr auto kPairs = [] {
  std::array<std::array<char, 2>, 1024> pairs{};
  for (std::size_t i = 0; i < pairs.size(); ++i) pairs[i] = {kAlphabet[i >> 5], kAlphabet[i & 0x1F]};
  return pairs;
}();

// Writes the 26 characters of the ULID (unix_ms, random_hi16, random_lo64) to out.
// Character i (from the right) holds bits [5i, 5i+5) of the 128-bit value whose
// high 64 bits are the 48-bit time and the random part's top 16, the low 64 the
// rest: the 12 rightmost characters come from the low word alone, the 13th
// straddles the words, and the 13 leftmost come from the high word. Characters go
// out two at a time (ten bits) where they can.
void WriteUlid(char* out, uint64_t unix_ms, uint64_t random_hi16, uint64_t random_lo64) {
  uint64_t high = ((unix_ms & kMaxTimestamp) << 16) | (random_hi16 & kHi16Mask);
  uint64_t low = random_lo64;
  for (std::size_t i = kUlidLength; i > 14; i -= 2) {  // characters 14-25
    std::memcpy(out + i - 2, kPairs[low & 0x3FF].data(), 2);
    low >>= 10;
  }
  out[13] = kAlphabet[(low & 0xF) | ((high & 1) << 4)];  // bits 60-63 of low, bit 0 of high
  high >>= 1;
  for (std::size_t i = 13; i > 1; i -= 2) {  // characters 1-12
    std::memcpy(out + i - 2, kPairs[high & 0x3FF].data(), 2);
    high >>= 10;
  }
  out[0] = kAlphabet[high & 0x1F];
}

int AlphabetIndex(char c) {
  const auto pos = kAlphabet.find(c);
  return pos == std::string_view::npos ? -1 : static_cast<int>(pos);
}

}  // namespace

std::string EncodeUlid(uint64_t unix_ms, uint64_t random_hi16, uint64_t random_lo64) {
  std::string out(kUlidLength, '0');
  WriteUlid(out.data(), unix_ms, random_hi16, random_lo64);
  return out;
}

std::string NewUlid() {
  uint64_t ms = 0;
  uint64_t hi16 = 0;
  uint64_t lo64 = 0;
  NextParts(NowMs(), ms, hi16, lo64);
  return EncodeUlid(ms, hi16, lo64);
}

std::string NewPrefixedId(std::string_view prefix) { return NewPrefixedId(prefix, NowMs()); }

std::string NewPrefixedId(std::string_view prefix, uint64_t unix_ms) {
  // One allocation for the whole id: prefix, separator, then the 26 characters.
  std::string out(PrefixedIdSize(prefix), '_');
  WritePrefixedId(prefix, unix_ms, out.data());
  return out;
}

size_t PrefixedIdSize(std::string_view prefix) { return (prefix.empty() ? 0 : prefix.size() + 1) + kUlidLength; }

void WritePrefixedId(std::string_view prefix, uint64_t unix_ms, char* out) {
  uint64_t ms = 0;
  uint64_t hi16 = 0;
  uint64_t lo64 = 0;
  NextParts(unix_ms, ms, hi16, lo64);
  if (!prefix.empty()) {
    prefix.copy(out, prefix.size());
    out += prefix.size();
    *out++ = '_';
  }
  WriteUlid(out, ms, hi16, lo64);
}

bool IsUlid(std::string_view s) {
  if (s.size() != kUlidLength || s[0] < '0' || s[0] > '7') return false;
  for (char c : s) {
    if (AlphabetIndex(c) < 0) return false;
  }
  return true;
}

}  // namespace kin
