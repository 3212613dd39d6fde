#pragma once
// CRC-32C (Castagnoli) over byte ranges. Stateless; thread-safe. On x86-64 CPUs
// with SSE4.2 the `crc32` instruction computes it; elsewhere Boost.CRC does.

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace kin::persistence {

// Continues a checksum: Crc32cExtend(Crc32c(a), b) == Crc32c(a + b), and
// Crc32c(x) == Crc32cExtend(0, x).
uint32_t Crc32cExtend(uint32_t crc, const void* data, size_t size);
inline uint32_t Crc32c(const void* data, size_t size) { return Crc32cExtend(0, data, size); }
inline uint32_t Crc32c(std::string_view bytes) { return Crc32c(bytes.data(), bytes.size()); }
// Boost.CRC's result, whatever the CPU (tests check Crc32cExtend against it).
uint32_t Crc32cReference(uint32_t crc, const void* data, size_t size);
inline uint32_t Crc32cReference(const void* data, size_t size) { return Crc32cReference(0, data, size); }

// Little-endian fixed-width integers, as every file header and frame stores them.
void PutFixed32(std::string* out, uint32_t v);
void PutFixed64(std::string* out, uint64_t v);
// The same, stored at p (which has room for them).
void StoreFixed32(char* p, uint32_t v);
void StoreFixed64(char* p, uint64_t v);
uint32_t DecodeFixed32(const char* p);
uint64_t DecodeFixed64(const char* p);

}  // namespace kin::persistence
