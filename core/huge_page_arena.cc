#include "core/huge_page_arena.h"

#include <sys/mman.h>

#include <algorithm>
#include <bit>
#include <cassert>
#include <new>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#include <sanitizer/lsan_interface.h>
// A chunk in the arena and not handed out is poisoned, so AddressSanitizer reports a
// use of a record whose pool is gone; LeakSanitizer scans the regions for pointers
// (records hold text and lists from the heap), as it scans the heap.
#define KIN_ARENA_POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define KIN_ARENA_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#define KIN_LSAN_ROOT(p, n) __lsan_register_root_region((p), (n))
#define KIN_LSAN_UNROOT(p, n) __lsan_unregister_root_region((p), (n))
#else
#define KIN_ARENA_POISON(p, n) ((void)(p), (void)(n))
#define KIN_ARENA_UNPOISON(p, n) ((void)(p), (void)(n))
#define KIN_LSAN_ROOT(p, n) ((void)(p), (void)(n))
#define KIN_LSAN_UNROOT(p, n) ((void)(p), (void)(n))
#endif

namespace kin {

std::atomic<size_t> HugePageArena::array_bytes_{0};

HugePageArena& HugePageArena::Global() {
  // Never destroyed: pools of objects with static storage may free chunks late.
  static HugePageArena* arena = new HugePageArena();
  return *arena;
}

void* HugePageArena::MapAligned(size_t bytes) {
  bytes = MappedBytes(bytes);
  // Map one region more than asked and unmap the ends around an aligned start.
  const size_t mapped = bytes + kRegionBytes;
  void* p = mmap(nullptr, mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  const auto start = reinterpret_cast<uintptr_t>(p);
  const uintptr_t aligned = (start + kRegionBytes - 1) & ~(uintptr_t{kRegionBytes} - 1);
  if (aligned > start) munmap(p, aligned - start);
  if (const uintptr_t end = start + mapped; end > aligned + bytes)
    munmap(reinterpret_cast<void*>(aligned + bytes), end - (aligned + bytes));
  // Only a hint: without transparent huge pages the mapping keeps ordinary pages.
  (void)madvise(reinterpret_cast<void*>(aligned), bytes, MADV_HUGEPAGE);
  KIN_LSAN_ROOT(reinterpret_cast<void*>(aligned), bytes);
  return reinterpret_cast<void*>(aligned);
}

void HugePageArena::Unmap(void* p, size_t bytes) {
  KIN_LSAN_UNROOT(p, bytes);
  KIN_ARENA_UNPOISON(p, bytes);
  munmap(p, bytes);
}

void* HugePageArena::AllocateChunk() {
  std::lock_guard<std::mutex> l(mu_);
  if (with_room_.empty()) {
    void* mapped = MapAligned(kRegionBytes);
    const auto region = reinterpret_cast<uintptr_t>(mapped);
    try {
      regions_.emplace(region, 0);
      with_room_.reserve(regions_.size());  // FreeChunk's push_back never allocates
    } catch (...) {
      regions_.erase(region);
      Unmap(mapped, kRegionBytes);
      throw;
    }
    with_room_.push_back(region);
  }
  const uintptr_t region = with_room_.back();
  uint8_t& used = regions_.find(region)->second;
  const int i = std::countr_one(used);
  assert(static_cast<size_t>(i) < kChunksPerRegion);
  used = static_cast<uint8_t>(used | (1u << i));
  ++chunks_in_use_;
  if (used == kFull) with_room_.pop_back();
  void* chunk = reinterpret_cast<void*>(region + static_cast<size_t>(i) * kChunkBytes);
  KIN_ARENA_UNPOISON(chunk, kChunkBytes);
  return chunk;
}

void HugePageArena::FreeChunk(void* chunk) {
  const auto address = reinterpret_cast<uintptr_t>(chunk);
  const uintptr_t region = address & ~(uintptr_t{kRegionBytes} - 1);
  const auto i = static_cast<unsigned>((address - region) / kChunkBytes);
  {
    std::lock_guard<std::mutex> l(mu_);
    auto it = regions_.find(region);
    assert(it != regions_.end() && (it->second & (1u << i)));
    const bool was_full = it->second == kFull;
    it->second = static_cast<uint8_t>(it->second & ~(1u << i));
    --chunks_in_use_;
    KIN_ARENA_POISON(chunk, kChunkBytes);  // a use after free is still reported
    if (it->second != 0) {
      // Its pages stay: dropping them would split the huge page.
      if (was_full) with_room_.push_back(region);  // within the reserved capacity
      return;
    }
    regions_.erase(it);
    if (!was_full) with_room_.erase(std::find(with_room_.begin(), with_room_.end(), region));
  }
  Unmap(reinterpret_cast<void*>(region), kRegionBytes);  // outside the lock
}

void* HugePageArena::AllocateArray(size_t bytes) {
  if (bytes < kLargeArrayBytes) return ::operator new(bytes);
  void* array = MapAligned(bytes);
  array_bytes_ += MappedBytes(bytes);
  return array;
}

void HugePageArena::FreeArray(void* array, size_t bytes) {
  if (bytes < kLargeArrayBytes) return ::operator delete(array);
  Unmap(array, MappedBytes(bytes));
  array_bytes_ -= MappedBytes(bytes);
}

size_t HugePageArena::bytes_in_use() const {
  std::lock_guard<std::mutex> l(mu_);
  return chunks_in_use_ * kChunkBytes + array_bytes_.load();
}

size_t HugePageArena::region_count() const {
  std::lock_guard<std::mutex> l(mu_);
  return regions_.size();
}

}  // namespace kin
