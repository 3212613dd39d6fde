#include "persistence/checksum.h"

#include <boost/crc.hpp>
#include <cstring>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

namespace kin::persistence {

namespace {

// Boost.CRC's table-driven CRC-32C: the portable definition (one byte at a time),
// continuing from the checksum `crc` of the bytes before.
uint32_t Crc32cPortable(uint32_t crc, const void* data, size_t size) {
  // Boost takes the starting register unreflected; the running value is reflected.
  uint32_t start = 0, reg = crc ^ 0xFFFFFFFFu;
  for (int bit = 0; bit < 32; ++bit, reg >>= 1) start = (start << 1) | (reg & 1u);
  boost::crc_optimal<32, 0x1EDC6F41, 0xFFFFFFFF, 0xFFFFFFFF, true, true> engine(start);
  engine.process_bytes(data, size);
  return engine.checksum();
}

#if defined(__x86_64__)
// The same function computed by the CPU's SSE4.2 `crc32` instruction, which
// implements exactly the CRC-32C polynomial (8 bytes per instruction). Snapshot
// and journal reads checksum every byte they load, so this is on the open path.
__attribute__((target("sse4.2"))) uint32_t Crc32cHardware(uint32_t start, const void* data, size_t size) {
  const auto* p = static_cast<const unsigned char*>(data);
  uint64_t crc = start ^ 0xFFFFFFFFu;
  for (; size >= 8; size -= 8, p += 8) {
    uint64_t word;
    std::memcpy(&word, p, 8);
    crc = _mm_crc32_u64(crc, word);
  }
  auto crc32 = static_cast<uint32_t>(crc);
  for (; size > 0; --size, ++p) crc32 = _mm_crc32_u8(crc32, *p);
  return crc32 ^ 0xFFFFFFFFu;
}

bool CpuHasCrc32c() {
  static const bool has = __builtin_cpu_supports("sse4.2");
  return has;
}
#endif

}  // namespace

uint32_t Crc32cExtend(uint32_t crc, const void* data, size_t size) {
#if defined(__x86_64__)
  if (CpuHasCrc32c()) return Crc32cHardware(crc, data, size);
#endif
  return Crc32cPortable(crc, data, size);
}

uint32_t Crc32cReference(uint32_t crc, const void* data, size_t size) { return Crc32cPortable(crc, data, size); }

void StoreFixed32(char* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

void StoreFixed64(char* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

void PutFixed32(std::string* out, uint32_t v) {
  char b[4];
  StoreFixed32(b, v);
  out->append(b, 4);
}

void PutFixed64(std::string* out, uint64_t v) {
  char b[8];
  StoreFixed64(b, v);
  out->append(b, 8);
}

uint32_t DecodeFixed32(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(static_cast<unsigned char>(p[i])) << (8 * i);
  return v;
}

uint64_t DecodeFixed64(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(static_cast<unsigned char>(p[i])) << (8 * i);
  return v;
}

}  // namespace kin::persistence
