#pragma once
// SizedPools: a BlockPool for each small size asked for (up to kMaxPooledBytes, in
// steps of BlockPool::kAlignment), made on first use, with large arrays from the
// HugePageArena and the sizes in between from operator new; and SizedPoolAllocator,
// the allocator of a standard container that draws on it. A secondary index's hash
// nodes, long keys and bucket arrays come from here, so the pages a large index
// spreads over are mostly huge ones: an equality probe's walk from bucket to node
// then rarely misses the TLB.
//
// Blocks freed go back to their pool for reuse by the same size, never to another
// size: a container that outgrew a size (a bucket array after a rehash) leaves its
// blocks there. Chunks go back to the system when the SizedPools is destroyed,
// after every container using it. Not internally synchronized: one thread at a
// time (the store's owner), as the containers it serves; the same holds for
// SizedPoolAllocator and its copies.

#include <array>
#include <cstddef>
#include <memory>
#include <new>

#include "core/block_pool.h"
#include "core/huge_page_arena.h"

namespace kin {

class SizedPools {
 public:
  // Nodes, keys and small bucket arrays; larger arrays below
  // HugePageArena::kLargeArrayBytes are operator new's.
  static constexpr size_t kMaxPooledBytes = 1024;

  SizedPools() = default;
  SizedPools(const SizedPools&) = delete;
  SizedPools& operator=(const SizedPools&) = delete;

  // `bytes` aligned to BlockPool::kAlignment; throws std::bad_alloc.
  void* Allocate(size_t bytes) {
    if (bytes <= kMaxPooledBytes) return Pool(bytes).Allocate().address;
    return HugePageArena::AllocateArray(bytes);
  }
  // Memory from Allocate of the same `bytes`.
  void Free(void* p, size_t bytes) {
    if (bytes <= kMaxPooledBytes) Pool(bytes).Free(p, 0);
    else HugePageArena::FreeArray(p, bytes);
  }

 private:
  BlockPool& Pool(size_t bytes) {
    auto& pool = pools_[(bytes + BlockPool::kAlignment - 1) / BlockPool::kAlignment];
    if (!pool) pool = std::make_unique<BlockPool>(bytes, /*synchronized=*/false);
    return *pool;
  }

  std::array<std::unique_ptr<BlockPool>, kMaxPooledBytes / BlockPool::kAlignment + 1> pools_;
};

// Copies (and rebinds) share the SizedPools, which must outlive every container
// using it.
template <typename T>
class SizedPoolAllocator {
 public:
  using value_type = T;
  using propagate_on_container_move_assignment = std::true_type;
  using propagate_on_container_swap = std::true_type;
  static_assert(alignof(T) <= BlockPool::kAlignment, "pool blocks are 8-byte aligned");

  explicit SizedPoolAllocator(SizedPools* pools) : pools_(pools) {}
  template <typename U>
  SizedPoolAllocator(const SizedPoolAllocator<U>& other) : pools_(other.pools()) {}  // NOLINT: rebinding

  T* allocate(size_t n) { return static_cast<T*>(pools_->Allocate(n * sizeof(T))); }
  void deallocate(T* p, size_t n) { pools_->Free(p, n * sizeof(T)); }

  SizedPools* pools() const { return pools_; }
  friend bool operator==(const SizedPoolAllocator& a, const SizedPoolAllocator& b) { return a.pools_ == b.pools_; }

 private:
  SizedPools* pools_;
};

}  // namespace kin
