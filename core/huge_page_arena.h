#pragma once
// HugePageArena: where the block pools' full-size chunks (records, container nodes,
// secondary indexes' nodes and keys) and the large arrays of the stores' hash
// tables (record containers' and secondary indexes' buckets) come from. A large
// model's reads land on random records, and with 4 KiB pages nearly every one of
// them also misses the TLB (1M records of 300 bytes span 75,000 pages); backed by
// 2 MiB pages the same records span 150.
//
// Chunks of kChunkBytes are carved from regions of kRegionBytes aligned to
// kRegionBytes, mapped from the system (mmap) and marked for transparent huge pages
// (madvise MADV_HUGEPAGE): the kernel backs a region with one huge page when its
// first byte is touched, if it can (the system's THP setting "never", or no huge
// page free, leaves ordinary pages: the memory works the same, only slower; with
// the kernel's defrag setting at its default, a fault in an advised region may
// compact memory first). A freed chunk keeps its pages for the next AllocateChunk;
// a region goes back to the system only when its last chunk is freed, so memory
// stays near its peak while any chunk of a region is in use. Large arrays get their
// own mapping, rounded up to whole huge pages, and go back when freed.
//
// One arena per process (Global()); every function is thread-safe (one mutex around
// the region table; a region is unmapped outside it). A
// forked child must not call it (a fork may copy the mutex held); a snapshot child
// only reads records. Under AddressSanitizer a chunk not handed out is poisoned, and
// the regions are LeakSanitizer roots.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <vector>

namespace kin {

class HugePageArena {
 public:
  static constexpr size_t kRegionBytes = size_t{2} << 20;  // one x86-64 huge page
  static constexpr size_t kChunkBytes = size_t{256} << 10;  // BlockPool::kMaxChunkBytes
  static constexpr size_t kChunksPerRegion = kRegionBytes / kChunkBytes;
  // Arrays from this size on are mapped on their own (smaller ones gain little and
  // would round up to a whole huge page).
  static constexpr size_t kLargeArrayBytes = size_t{1} << 20;

  static HugePageArena& Global();

  // kChunkBytes of memory aligned to kChunkBytes (zeroed when new, as it was left
  // when handed out again); throws std::bad_alloc when the system has no memory.
  void* AllocateChunk();
  // A chunk from AllocateChunk.
  void FreeChunk(void* chunk);

  // `bytes` of memory for an array: from kLargeArrayBytes on, zeroed and aligned to
  // kRegionBytes in a mapping of its own; smaller, from operator new. Throws
  // std::bad_alloc. FreeArray takes the same size.
  static void* AllocateArray(size_t bytes);
  static void FreeArray(void* array, size_t bytes);

  // Regions mapped now (each kRegionBytes), for tests and statistics.
  size_t region_count() const;
  // Bytes handed out and not freed: chunks (kChunkBytes each) and arrays (their
  // mappings' size, whole huge pages).
  size_t bytes_in_use() const;

 private:
  HugePageArena() = default;
  // kRegionBytes aligned to kRegionBytes (or more, rounded up), marked for huge pages.
  static void* MapAligned(size_t bytes);
  static void Unmap(void* p, size_t bytes);
  static constexpr uint8_t kFull = (1u << kChunksPerRegion) - 1;
  static size_t MappedBytes(size_t bytes) { return (bytes + kRegionBytes - 1) / kRegionBytes * kRegionBytes; }

  mutable std::mutex mu_;
  // Region address -> bit i set when chunk i of the region is handed out.
  std::map<uintptr_t, uint8_t> regions_;
  // Regions with a free chunk, the one to take from last; its capacity is kept at
  // least the number of regions, so a free never allocates.
  std::vector<uintptr_t> with_room_;
  size_t chunks_in_use_ = 0;
  static std::atomic<size_t> array_bytes_;
  static_assert(kChunksPerRegion <= 8, "a region's chunks fit the bits of a byte");
};

}  // namespace kin
