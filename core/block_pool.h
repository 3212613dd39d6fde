#pragma once
// BlockPool: fixed-size blocks of memory carved out of chunks the pool owns. Allocate
// and Free are a pointer pop and push (a freed block is reused before any new chunk
// space); blocks carry no per-block header, and chunks grow geometrically up to
// kMaxChunkBytes, so a pool of a few blocks stays small. Chunks go back to the system
// only when the pool is destroyed; blocks still allocated then die with them (their
// contents are not destroyed: holders must be gone first). Full-size chunks come from
// the HugePageArena (2 MiB pages where the system has them: a large model's random
// reads then rarely miss the TLB); the smaller first ones from operator new.
//
// Every block can name its pool: Allocate reports the block's offset in its chunk,
// and Owner(address, offset) finds the pool from the chunk's header, so a holder of a
// block (a Record) needs no pointer to the pool to free it.
//
// With a Prefaulter that is enabled(), a pool whose chunks have reached
// kMaxChunkBytes keeps one spare chunk ahead, which the prefaulter's thread maps in
// while blocks are carved from the current one: a pool that keeps growing (records
// created one after another) then rarely stops for a page fault. The spare counts
// in reserved_bytes().
//
// Thread-safety: a pool made `synchronized` takes an internal lock in Allocate, Free
// and the statistics, so blocks may be allocated on one thread and freed on another;
// an unsynchronized pool must be used by one thread at a time (its owner's lock). The
// lock is a spin lock: it is held for a pointer pop or push (at most the allocation
// of a chunk and of its spare, which goes to the prefaulter after unlocking), and a
// pool is all but never used by two threads at once (a snapshot being decoded on one
// thread while another appends its records), so taking it costs one
// atomic exchange where a mutex costs two locked operations and a call.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <thread>

#include "core/huge_page_arena.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#endif

namespace kin {

class Prefaulter;

class BlockPool {
 public:
  // Larger blocks are not pooled (Serves is false): callers use operator new.
  static constexpr size_t kMaxBlockBytes = size_t{16} << 10;
  // Offsets in a chunk, in kAlignment units, fit 16 bits.
  static constexpr size_t kMaxChunkBytes = size_t{256} << 10;
  // Every block is aligned to this.
  static constexpr size_t kAlignment = 8;
  // The unit of memory cores share.
  static constexpr size_t kCacheLineBytes = 64;

  struct Block {
    void* address;
    uint16_t chunk_offset;  // distance from the chunk's start in kAlignment units; never 0
  };

  // A pool of blocks of `block_bytes` (rounded up to kAlignment, at least 16);
  // `prefaulter`, when given, must outlive the pool.
  BlockPool(size_t block_bytes, bool synchronized, Prefaulter* prefaulter = nullptr);
  ~BlockPool();
  BlockPool(const BlockPool&) = delete;
  BlockPool& operator=(const BlockPool&) = delete;

  static_assert(kMaxChunkBytes == HugePageArena::kChunkBytes, "full-size chunks fill the arena's");

  // Whether Allocate serves requests of `bytes` bytes (aligned to at most kAlignment).
  bool Serves(size_t bytes) const { return pooled_ && RoundUp(bytes) == block_bytes_; }
  // A block of block_bytes(); throws std::bad_alloc when the system has no memory.
  // Only when Serves(block_bytes()).
  Block Allocate();
  // Returns a block from Allocate of this pool, with the offset Allocate reported (or
  // 0 from a holder that never calls Owner: the offset is then unknown, and reported
  // as 0, when the block is handed out again).
  void Free(void* address, uint16_t chunk_offset);
  // The pool a block came from, given the offset Allocate reported with it.
  static BlockPool* Owner(const void* address, uint16_t chunk_offset);

  // The first two bytes of a block once it is freed: a pool whose holders never
  // leave these bytes 0 in a block they hold (a Record starts with its value count,
  // at least 1) can be walked with ForEachBlockInUse.
  static constexpr uint16_t kFreeMark = 0;
  // Visits each block handed out and not freed, `visit(const void* block)` returning
  // false to stop; within a chunk in address order, so the walk streams through
  // memory. Only for a pool whose holders keep the rule of kFreeMark, and only while
  // no Allocate or Free runs (the caller's lock keeps them out: the pool's own lock
  // is not taken, so walkers on several threads do not queue for it). Under
  // AddressSanitizer a freed block is poisoned whole and told by that instead.
  // `prefetch_at`: the offset in a block of the line the visit reads first, which the
  // walk asks for some blocks ahead.
  template <typename Visit>
  void ForEachBlockInUse(Visit&& visit, size_t prefetch_at = 0) const;

  size_t block_bytes() const { return block_bytes_; }
  size_t chunk_count() const;
  size_t blocks_in_use() const;
  // The same without the pool's lock: only while no Allocate or Free runs (as for
  // ForEachBlockInUse). A reader that takes no lock cannot be stuck on one a thread
  // held when the process forked.
  size_t blocks_in_use_unlocked() const { return in_use_; }
  // Bytes of every chunk (what the pool holds from the system).
  size_t reserved_bytes() const;

  // The newest array a PoolAllocator of this pool took from operator new or the
  // HugePageArena (the bucket array of a container's hashed index), until it is
  // freed: where to prefetch a bucket from (Store::PrefetchBucket). Only a hint,
  // never read through here.
  struct Array {
    const void* address = nullptr;
    size_t bytes = 0;
  };
  void NoteArray(const void* address, size_t bytes);
  void ForgetArray(const void* address);
  Array newest_array() const;

 private:
  struct Chunk {
    Chunk* next;
    BlockPool* pool;
    size_t bytes;
    size_t padding;  // blocks start 16-byte aligned
  };
  // Blocks in a full-size chunk, and that chunk's bytes.
  size_t max_blocks() const { return (kMaxChunkBytes - sizeof(Chunk)) / block_bytes_; }
  size_t full_chunk_bytes() const { return sizeof(Chunk) + max_blocks() * block_bytes_; }
  // A chunk's memory: full-size ones from the arena, the rest from operator new.
  void* AllocateChunkMemory(size_t bytes) const;
  void FreeChunkMemory(void* memory, size_t bytes) const;
  // A freed block: the mark first, in the bytes a holder's block never has 0 in.
  struct FreeBlock {
    uint16_t mark;  // kFreeMark
    uint16_t chunk_offset;
    FreeBlock* next;
  };
  static size_t RoundUp(size_t bytes) {
    size_t r = (bytes + kAlignment - 1) / kAlignment * kAlignment;
    return r < sizeof(FreeBlock) ? sizeof(FreeBlock) : r;
  }
  // A lock for the few moments a pool is shared: taken with one exchange, released
  // with one store; a thread that finds it taken spins (yielding after a while).
  class SpinLock {
   public:
    void lock() {
      for (int spins = 0; locked_.exchange(true, std::memory_order_acquire);) {
        while (locked_.load(std::memory_order_relaxed)) {
          if (++spins > 64) std::this_thread::yield();
        }
      }
    }
    void unlock() { locked_.store(false, std::memory_order_release); }

   private:
    std::atomic<bool> locked_{false};
  };
  // The pool's lock held when the pool is synchronized; an empty lock otherwise.
  std::unique_lock<SpinLock> Guard() const;
  // A spare chunk just allocated, for the caller to submit once the lock is released.
  struct Spare {
    void* address = nullptr;
    size_t bytes = 0;
  };
  Block AllocateLocked(Spare* spare);
  void FreeLocked(void* address, uint16_t chunk_offset);
  Spare AddChunk();

  const size_t block_bytes_;
  const bool pooled_;
  const bool synchronized_;
  Prefaulter* const prefaulter_;
  // What Allocate and Free change starts a cache line of its own (and the pool ends
  // its last one), so a thread that only asks what the pool serves (Serves, as the
  // thread appending a loaded snapshot's records does for each) never reads a line
  // the allocating thread writes: shared, that line moved between the cores on
  // every allocation, and the lock's exchange waited for it.
  alignas(kCacheLineBytes) mutable SpinLock mu_;  // held by a synchronized pool around the state below
  FreeBlock* free_ = nullptr;
  Chunk* chunks_ = nullptr;  // newest first; the newest is carved from next_ up to end_
  char* next_ = nullptr;
  char* end_ = nullptr;
  size_t chunk_count_ = 0;
  size_t in_use_ = 0;
  size_t reserved_ = 0;
  size_t next_chunk_blocks_ = 8;  // doubles with each chunk up to kMaxChunkBytes
  Array newest_array_;
  void* spare_ = nullptr;  // the next full-size chunk, submitted to prefaulter_
};

template <typename Visit>
void BlockPool::ForEachBlockInUse(Visit&& visit, size_t prefetch_at) const {
#if !defined(__SANITIZE_ADDRESS__)
  // With no block freed, every block carved is in use and no mark need be read
  // (a scan reads only what its visit does).
  const bool all_in_use = free_ == nullptr;
#endif
  for (const Chunk* c = chunks_; c; c = c->next) {
    const char* block = reinterpret_cast<const char*>(c + 1);
    const char* end = c == chunks_ ? next_ : block + (c->bytes - sizeof(Chunk)) / block_bytes_ * block_bytes_;
    for (; block < end; block += block_bytes_) {
      __builtin_prefetch(block + 8 * block_bytes_ + prefetch_at);  // the walk's next blocks, ahead
#if defined(__SANITIZE_ADDRESS__)
      const bool in_use = !__asan_address_is_poisoned(block);
#else
      uint16_t mark = 1;
      if (!all_in_use) __builtin_memcpy(&mark, block, sizeof mark);
      const bool in_use = mark != kFreeMark;
#endif
      if (in_use && !visit(static_cast<const void*>(block))) return;
    }
  }
}

// A stateful allocator that takes single objects of its pool's block size from the
// pool, large arrays from the HugePageArena, and everything else (small arrays,
// other sizes) from operator new, noting the newest array in the pool: the node
// allocator of a Boost.MultiIndex container.
// Copies (and rebinds) share the pool; the pool must outlive every container using
// it. Same thread-safety as the pool.
template <typename T>
class PoolAllocator {
 public:
  using value_type = T;

  explicit PoolAllocator(BlockPool* pool) : pool_(pool) {}
  template <typename U>
  PoolAllocator(const PoolAllocator<U>& other) : pool_(other.pool()) {}  // NOLINT: rebinding

  T* allocate(size_t n) {
    if (Pooled(n)) return static_cast<T*>(pool_->Allocate().address);
    T* array = static_cast<T*>(HugePageArena::AllocateArray(n * sizeof(T)));
    pool_->NoteArray(array, n * sizeof(T));
    return array;
  }
  void deallocate(T* p, size_t n) {
    if (Pooled(n)) {
      pool_->Free(p, 0);  // nodes never ask for their pool
      return;
    }
    pool_->ForgetArray(p);
    HugePageArena::FreeArray(p, n * sizeof(T));
  }

  BlockPool* pool() const { return pool_; }
  friend bool operator==(const PoolAllocator& a, const PoolAllocator& b) { return a.pool_ == b.pool_; }

 private:
  bool Pooled(size_t n) const {
    return n == 1 && alignof(T) <= BlockPool::kAlignment && pool_->Serves(sizeof(T));
  }

  BlockPool* pool_;
};

}  // namespace kin
