#pragma once
// KeyHash: the hash of primary keys in a model's table (and of any short byte
// string). Reads the text in 8-byte words and folds them with 64x64->128-bit
// multiplies, so a 31-character prefixed ULID hashes in about 20 instructions
// (std::hash<std::string_view> takes about 55, plus a call). Every byte and the
// length take part; not seeded, so like std::hash it is no defence against keys
// chosen to collide. Stateless and thread-safe.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace kin {

struct KeyHash {
  // A key of 16 bytes or more hashes as its head (all but the last 2 bytes, mixed)
  // plus its last 2 bytes read as a big-endian number. The ULIDs one process makes
  // within a millisecond differ only in their last characters (the next adds one to
  // the one before), so each run of 1,024 gets hashes within 11,000 of each other
  // and neighbouring hash buckets: a run of creates writes one stretch of the
  // bucket array instead of a random line per create. Only the last 2 bytes add:
  // keys that share a head differ by less than 65,536 and so never share a bucket
  // of a table of more buckets than that, and keys chosen to collide need their
  // mixed heads to collide, as before.
  size_t operator()(std::string_view s) const noexcept {
    if (s.size() < 16) return Mixed(s);
    const size_t head = s.size() - 2;
    return Mixed(s.substr(0, head)) +
           ((size_t{static_cast<uint8_t>(s[head])} << 8) | static_cast<uint8_t>(s[head + 1]));
  }

 private:
  static size_t Mixed(std::string_view s) noexcept {
    constexpr uint64_t k0 = 0xa0761d6478bd642full, k1 = 0xe7037ed1a0b428dbull, k2 = 0x8ebc6af09c88c6e3ull;
    const char* p = s.data();
    size_t n = s.size();
    uint64_t h = k0 ^ (n * k1);
    for (; n > 16; p += 16, n -= 16) h = Mix(Load8(p) ^ k1, Load8(p + 8) ^ h);
    uint64_t a, b;
    if (n >= 8) {  // 8..16 bytes: two words, overlapping when fewer than 16
      a = Load8(p);
      b = Load8(p + n - 8);
    } else if (n >= 4) {
      a = Load4(p);
      b = Load4(p + n - 4);
    } else if (n > 0) {
      a = (uint64_t{static_cast<uint8_t>(p[0])} << 16) | (uint64_t{static_cast<uint8_t>(p[n / 2])} << 8) |
          static_cast<uint8_t>(p[n - 1]);
      b = 0;
    } else {
      a = b = 0;
    }
    return static_cast<size_t>(Mix(a ^ k2, b ^ h) ^ Mix(h, k1 ^ n));
  }
  __extension__ using U128 = unsigned __int128;  // GCC and Clang on 64-bit targets
  static uint64_t Mix(uint64_t a, uint64_t b) {
    U128 r = static_cast<U128>(a) * b;
    return static_cast<uint64_t>(r) ^ static_cast<uint64_t>(r >> 64);
  }
  static uint64_t Load8(const char* p) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    return v;
  }
  static uint64_t Load4(const char* p) {
    uint32_t v;
    std::memcpy(&v, p, 4);
    return v;
  }
};

}  // namespace kin
