#include <catch2/catch.hpp>

#include <random>
#include <string>

#include "persistence/checksum.h"

using kin::persistence::Crc32c;
using kin::persistence::Crc32cReference;

TEST_CASE("CRC-32C of the standard check input is 0xE3069283", "[persistence]") {
  CHECK(Crc32c("123456789") == 0xE3069283u);
  CHECK(Crc32c("") == 0u);
}

TEST_CASE("CRC-32C equals Boost.CRC's for every length and alignment", "[persistence]") {
  std::mt19937 rng(7);
  std::string bytes(1100, '\0');
  for (auto& c : bytes) c = static_cast<char>(rng());
  for (size_t offset = 0; offset < 8; ++offset)
    for (size_t size = 0; size + offset <= bytes.size(); size += (size < 64 ? 1 : 37)) {
      CAPTURE(offset, size);
      REQUIRE(Crc32c(bytes.data() + offset, size) == Crc32cReference(bytes.data() + offset, size));
    }
}

TEST_CASE("a CRC-32C continued over the next bytes equals the CRC-32C of both", "[persistence]") {
  const std::string whole = "length, sequence number and payload";
  for (size_t cut = 0; cut <= whole.size(); ++cut) {
    CAPTURE(cut);
    uint32_t first = Crc32c(whole.data(), cut);
    CHECK(kin::persistence::Crc32cExtend(first, whole.data() + cut, whole.size() - cut) == Crc32c(whole));
    CHECK(Crc32cReference(first, whole.data() + cut, whole.size() - cut) == Crc32c(whole));
  }
  CHECK(kin::persistence::Crc32cExtend(0, "123456789", 9) == 0xE3069283u);
}
