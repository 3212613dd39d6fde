// Tests for core/ulid: encoding, shape, prefixes, and strictly increasing ids across
// threads.

#include "core/ulid.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

constexpr std::string_view kAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

bool AllInAlphabet(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return kAlphabet.find(c) != std::string_view::npos; });
}

}  // namespace

TEST_CASE("a new ulid is 26 crockford base32 characters") {
  for (int i = 0; i < 100; ++i) {
    const std::string id = kin::NewUlid();
    REQUIRE(id.size() == 26);
    CHECK(AllInAlphabet(id));
    CHECK(kin::IsUlid(id));
  }
}

TEST_CASE("encoding the zero ulid gives all zeros") {
  CHECK(kin::EncodeUlid(0, 0, 0) == "00000000000000000000000000");
}

TEST_CASE("encoding the largest ulid gives 7 then Zs") {
  const uint64_t max_ms = (uint64_t{1} << 48) - 1;
  CHECK(kin::EncodeUlid(max_ms, 0xFFFF, ~uint64_t{0}) == "7ZZZZZZZZZZZZZZZZZZZZZZZZZ");
}

TEST_CASE("encoding puts the timestamp in the first ten characters") {
  // 1469918176385 ms is the ULID spec's example time "01ARYZ6S41".
  CHECK(kin::EncodeUlid(1469918176385, 0, 0) == "01ARYZ6S410000000000000000");
  CHECK(kin::EncodeUlid(0, 0, 1) == "00000000000000000000000001");
  CHECK(kin::EncodeUlid(0, 0, 32) == "00000000000000000000000010");
}

TEST_CASE("encoding splits the random part into high 16 and low 64 bits") {
  // Bit 64 of the 128-bit value is the lowest bit of hi16: 2^64 = 16 * 32^12.
  CHECK(kin::EncodeUlid(0, 1, 0) == "0000000000000G000000000000");
  CHECK(kin::EncodeUlid(0, 0xFFFF, 0) == "0000000000ZZZG000000000000");
  CHECK(kin::EncodeUlid(1, 0, 0) == "00000000010000000000000000");
}

TEST_CASE("encoding ignores bits beyond 48 for time and 16 for the random high part") {
  CHECK(kin::EncodeUlid(uint64_t{1} << 48, uint64_t{1} << 16, 0) == kin::EncodeUlid(0, 0, 0));
}

TEST_CASE("encoded ulids sort like their values") {
  CHECK(kin::EncodeUlid(5, 0, 0) < kin::EncodeUlid(5, 0, 1));
  CHECK(kin::EncodeUlid(5, 0, ~uint64_t{0}) < kin::EncodeUlid(5, 1, 0));
  CHECK(kin::EncodeUlid(5, 0xFFFF, ~uint64_t{0}) < kin::EncodeUlid(6, 0, 0));
}

TEST_CASE("encoding matches the 128-bit value five bits at a time") {
  // The reference reads bit j of (time << 80 | hi16 << 64 | lo64) one bit at a time.
  auto reference = [](uint64_t ms, uint64_t hi16, uint64_t lo64) {
    const uint64_t high = ((ms & ((uint64_t{1} << 48) - 1)) << 16) | (hi16 & 0xFFFF);
    auto bit = [&](std::size_t j) -> unsigned {
      if (j >= 128) return 0;
      return static_cast<unsigned>((j < 64 ? lo64 >> j : high >> (j - 64)) & 1);
    };
    std::string out(26, '0');
    for (std::size_t c = 0; c < 26; ++c) {
      unsigned digit = 0;
      for (std::size_t b = 0; b < 5; ++b) digit |= bit(5 * c + b) << b;
      out[25 - c] = kAlphabet[digit];
    }
    return out;
  };
  uint64_t x = 0x9E3779B97F4A7C15ull;  // splitmix-style sequence: many bit patterns
  for (int i = 0; i < 2000; ++i) {
    x += 0x9E3779B97F4A7C15ull;
    const uint64_t ms = x ^ (x >> 31), hi16 = x >> 17, lo64 = x * 0xBF58476D1CE4E5B9ull;
    REQUIRE(kin::EncodeUlid(ms, hi16, lo64) == reference(ms, hi16, lo64));
  }
}

TEST_CASE("a prefixed id is the prefix, an underscore and a ulid") {
  const std::string id = kin::NewPrefixedId("user");
  REQUIRE(id.size() == 5 + 26);
  CHECK(id.substr(0, 5) == "user_");
  CHECK(kin::IsUlid(id.substr(5)));
}

TEST_CASE("an id made at a given time carries that time, and ids stay increasing when the time goes back") {
  // A second ahead of the clock: after every id made so far (later ids in this process
  // share it for that second).
  const auto clock = std::chrono::system_clock::now().time_since_epoch();
  const uint64_t now = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(clock).count()) + 1000;
  const std::string at = kin::NewPrefixedId("p", now);
  CHECK(at.substr(2, 10) == kin::EncodeUlid(now, 0, 0).substr(0, 10));
  const std::string earlier = kin::NewPrefixedId("p", now - 5000);
  CHECK(at < earlier);  // the clock stepped back: the last id's time goes on
  CHECK(earlier.substr(2, 10) == at.substr(2, 10));
  CHECK(at < kin::NewPrefixedId("p", now + 1));
}

TEST_CASE("a prefixed id written in place fills exactly the size given for it") {
  CHECK(kin::PrefixedIdSize("prod") == 5 + 26);
  CHECK(kin::PrefixedIdSize("") == 26);
  std::string buffer(40, '#');
  kin::WritePrefixedId("prod", 0, buffer.data());
  CHECK(buffer.substr(0, 5) == "prod_");
  CHECK(kin::IsUlid(buffer.substr(5, 26)));
  CHECK(buffer.substr(31) == std::string(9, '#'));  // nothing written past it
  kin::WritePrefixedId("", 0, buffer.data());
  CHECK(kin::IsUlid(buffer.substr(0, 26)));
}

TEST_CASE("a prefixed id with an empty prefix is a bare ulid") {
  CHECK(kin::IsUlid(kin::NewPrefixedId("")));
}

TEST_CASE("ulids from one thread strictly increase") {
  std::string previous = kin::NewUlid();
  for (int i = 0; i < 10000; ++i) {
    const std::string next = kin::NewUlid();
    REQUIRE(previous < next);
    previous = next;
  }
}

TEST_CASE("ulids from concurrent threads are unique and increase per thread") {
  constexpr std::size_t kThreads = 4;
  constexpr std::size_t kPerThread = 2500;
  std::vector<std::vector<std::string>> per_thread(kThreads);
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < kThreads; ++t) {
    threads.emplace_back([&ids = per_thread[t]] {
      ids.reserve(kPerThread);
      for (std::size_t i = 0; i < kPerThread; ++i) ids.push_back(kin::NewUlid());
    });
  }
  for (auto& thread : threads) thread.join();

  std::vector<std::string> all;
  for (const auto& ids : per_thread) {
    CHECK(std::is_sorted(ids.begin(), ids.end()));
    CHECK(std::adjacent_find(ids.begin(), ids.end()) == ids.end());
    all.insert(all.end(), ids.begin(), ids.end());
  }
  std::sort(all.begin(), all.end());
  CHECK(all.size() == kThreads * kPerThread);
  CHECK(std::adjacent_find(all.begin(), all.end()) == all.end());
}

TEST_CASE("prefixed ids from concurrent threads are unique and increase per thread") {
  constexpr std::size_t kThreads = 4;
  constexpr std::size_t kPerThread = 2500;
  std::vector<std::vector<std::string>> per_thread(kThreads);
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < kThreads; ++t) {
    threads.emplace_back([&ids = per_thread[t]] {
      for (std::size_t i = 0; i < kPerThread; ++i) ids.push_back(kin::NewPrefixedId("prod"));
    });
  }
  for (auto& thread : threads) thread.join();
  std::vector<std::string> all;
  for (const auto& ids : per_thread) {
    CHECK(std::adjacent_find(ids.begin(), ids.end(), std::greater_equal<>()) == ids.end());
    all.insert(all.end(), ids.begin(), ids.end());
  }
  std::sort(all.begin(), all.end());
  CHECK(std::adjacent_find(all.begin(), all.end()) == all.end());
  for (const auto& id : all) REQUIRE((id.substr(0, 5) == "prod_" && kin::IsUlid(id.substr(5))));
}

TEST_CASE("is ulid accepts well-formed ids") {
  CHECK(kin::IsUlid("01ARZ3NDEKTSV4RRFFQ69G5FAV"));
  CHECK(kin::IsUlid("00000000000000000000000000"));
  CHECK(kin::IsUlid("7ZZZZZZZZZZZZZZZZZZZZZZZZZ"));
}

TEST_CASE("is ulid rejects malformed ids") {
  CHECK_FALSE(kin::IsUlid(""));
  CHECK_FALSE(kin::IsUlid("01ARZ3NDEKTSV4RRFFQ69G5FA"));    // 25 characters
  CHECK_FALSE(kin::IsUlid("01ARZ3NDEKTSV4RRFFQ69G5FAVX"));  // 27 characters
  CHECK_FALSE(kin::IsUlid("81ARZ3NDEKTSV4RRFFQ69G5FAV"));   // first character above 7
  CHECK_FALSE(kin::IsUlid("01arz3ndektsv4rrffq69g5fav"));   // lower case
  CHECK_FALSE(kin::IsUlid("01ARZ3NDEKTSV4RRFFQ69G5FAI"));   // I is not in the alphabet
  CHECK_FALSE(kin::IsUlid("01ARZ3NDEKTSV4RRFFQ69G5FAU"));   // nor is U
  CHECK_FALSE(kin::IsUlid("user_01ARZ3NDEKTSV4RRFFQ69G5FAV"));
}
