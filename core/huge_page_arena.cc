#include "core/huge_page_arena.h"

#include <sys/mman.h>

#include <bit>
#include <cassert>
#include <new>

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
  return reinterpret_cast<void*>(aligned);
}

void* HugePageArena::AllocateChunk() {
  std::lock_guard<std::mutex> l(mu_);
  if (with_room_.empty()) {
    const auto region = reinterpret_cast<uintptr_t>(MapAligned(kRegionBytes));
    regions_.emplace(region, 0);
    with_room_.insert(region);
  }
  const uintptr_t region = *with_room_.begin();
  uint8_t& used = regions_.find(region)->second;
  const int i = std::countr_one(used);
  assert(static_cast<size_t>(i) < kChunksPerRegion);
  used = static_cast<uint8_t>(used | (1u << i));
  ++chunks_in_use_;
  if (std::popcount(used) == static_cast<int>(kChunksPerRegion)) with_room_.erase(region);
  return reinterpret_cast<void*>(region + static_cast<size_t>(i) * kChunkBytes);
}

void HugePageArena::FreeChunk(void* chunk) {
  const auto address = reinterpret_cast<uintptr_t>(chunk);
  const uintptr_t region = address & ~(uintptr_t{kRegionBytes} - 1);
  const auto i = static_cast<unsigned>((address - region) / kChunkBytes);
  std::lock_guard<std::mutex> l(mu_);
  auto it = regions_.find(region);
  assert(it != regions_.end() && (it->second & (1u << i)));
  it->second = static_cast<uint8_t>(it->second & ~(1u << i));
  --chunks_in_use_;
  if (it->second == 0) {
    regions_.erase(it);
    with_room_.erase(region);
    munmap(reinterpret_cast<void*>(region), kRegionBytes);
    return;
  }
  with_room_.insert(region);  // its pages stay: dropping them would split the huge page
}

void* HugePageArena::AllocateArray(size_t bytes) {
  assert(bytes >= kLargeArrayBytes);
  void* array = MapAligned(bytes);
  array_bytes_ += MappedBytes(bytes);
  return array;
}

void HugePageArena::FreeArray(void* array, size_t bytes) {
  munmap(array, MappedBytes(bytes));
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
