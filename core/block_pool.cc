#include "core/block_pool.h"

#include <algorithm>
#include <cassert>
#include <new>
#include <utility>

#include "core/prefaulter.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
// Free blocks and uncarved chunk space are poisoned, so AddressSanitizer still
// reports a use of a record or node after it was freed into the pool.
#define KIN_POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define KIN_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define KIN_POISON(p, n) ((void)(p), (void)(n))
#define KIN_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

namespace kin {

static_assert(alignof(std::max_align_t) >= BlockPool::kAlignment);
static_assert(alignof(BlockPool) == BlockPool::kCacheLineBytes && sizeof(BlockPool) % BlockPool::kCacheLineBytes == 0,
              "a pool's changing state keeps to cache lines of its own");

BlockPool::BlockPool(size_t block_bytes, bool synchronized, Prefaulter* prefaulter)
    : block_bytes_(RoundUp(block_bytes)),
      pooled_(block_bytes_ <= kMaxBlockBytes),
      synchronized_(synchronized),
      prefaulter_(prefaulter) {}

BlockPool::~BlockPool() {
  if (spare_) {
    prefaulter_->Cancel(spare_);
    FreeChunkMemory(spare_, full_chunk_bytes());
  }
  for (Chunk* c = chunks_; c;) {
    Chunk* next = c->next;
    if (prefaulter_) prefaulter_->Cancel(c);  // a spare taken before it was populated
    KIN_UNPOISON(c, c->bytes);
    FreeChunkMemory(c, c->bytes);
    c = next;
  }
}

std::unique_lock<BlockPool::SpinLock> BlockPool::Guard() const {
  return synchronized_ ? std::unique_lock<SpinLock>(mu_) : std::unique_lock<SpinLock>();
}

BlockPool::Block BlockPool::Allocate() {
  Spare spare;
  Block b;
  {
    auto l = Guard();
    b = AllocateLocked(&spare);
  }
  // Outside the lock: the spare is freed only by the destructor, which cancels it.
  if (spare.address) prefaulter_->Submit(spare.address, spare.bytes);
  return b;
}

void BlockPool::Free(void* address, uint16_t chunk_offset) {
  auto l = Guard();
  FreeLocked(address, chunk_offset);
}

BlockPool* BlockPool::Owner(const void* address, uint16_t chunk_offset) {
  assert(chunk_offset != 0);
  auto* chunk = reinterpret_cast<const Chunk*>(static_cast<const char*>(address) - chunk_offset * kAlignment);
  return chunk->pool;
}

BlockPool::Block BlockPool::AllocateLocked(Spare* spare) {
  assert(pooled_);
  if (free_) {
    FreeBlock* b = free_;
    KIN_UNPOISON(b, block_bytes_);
    free_ = b->next;
    ++in_use_;
    return {b, b->chunk_offset};
  }
  if (static_cast<size_t>(end_ - next_) < block_bytes_) *spare = AddChunk();
  ++in_use_;
  char* p = next_;
  next_ += block_bytes_;
  KIN_UNPOISON(p, block_bytes_);
  return {p, static_cast<uint16_t>((p - reinterpret_cast<char*>(chunks_)) / kAlignment)};
}

void BlockPool::FreeLocked(void* address, uint16_t chunk_offset) {
  static_assert(sizeof(FreeBlock) <= 16, "a freed block fits the smallest block");
  assert(in_use_ > 0);
  assert(chunk_offset == 0 || Owner(address, chunk_offset) == this);
  --in_use_;
  auto* b = static_cast<FreeBlock*>(address);
  b->mark = kFreeMark;
  b->next = free_;
  b->chunk_offset = chunk_offset;
  free_ = b;
  KIN_POISON(b, block_bytes_);  // ForEachBlockInUse tells it by that under ASan
}

BlockPool::Spare BlockPool::AddChunk() {
  const size_t full = max_blocks();
  size_t blocks = std::min(next_chunk_blocks_, full);
  next_chunk_blocks_ = std::min(next_chunk_blocks_ * 2, full);
  size_t bytes = sizeof(Chunk) + blocks * block_bytes_;
  void* memory;
  if (spare_) {  // made only once chunks are full-size: it has this chunk's size
    assert(blocks == full);
    memory = std::exchange(spare_, nullptr);
    reserved_ -= bytes;  // counted again as a chunk below
  } else {
    memory = AllocateChunkMemory(bytes);
  }
  auto* c = static_cast<Chunk*>(memory);
  c->next = chunks_;
  c->pool = this;
  c->bytes = bytes;
  c->padding = 0;
  chunks_ = c;
  ++chunk_count_;
  reserved_ += bytes;
  next_ = reinterpret_cast<char*>(c + 1);
  end_ = reinterpret_cast<char*>(c) + bytes;
  KIN_POISON(next_, static_cast<size_t>(end_ - next_));
  // Full-size chunks from now on: have the next one mapped in while this one is used.
  if (prefaulter_ && blocks == full && prefaulter_->enabled()) {
    try {
      spare_ = AllocateChunkMemory(bytes);
    } catch (const std::bad_alloc&) {
      return {};  // the next AddChunk tries again, and reports a lack of memory
    }
    reserved_ += bytes;
    return {spare_, bytes};
  }
  return {};
}

void* BlockPool::AllocateChunkMemory(size_t bytes) const {
  if (bytes != full_chunk_bytes()) return ::operator new(bytes);
  return HugePageArena::Global().AllocateChunk();
}

void BlockPool::FreeChunkMemory(void* memory, size_t bytes) const {
  if (bytes == full_chunk_bytes()) HugePageArena::Global().FreeChunk(memory);
  else ::operator delete(memory);
}

size_t BlockPool::chunk_count() const {
  auto l = Guard();
  return chunk_count_;
}

size_t BlockPool::blocks_in_use() const {
  auto l = Guard();
  return in_use_;
}

size_t BlockPool::reserved_bytes() const {
  auto l = Guard();
  return reserved_;
}

void BlockPool::NoteArray(const void* address, size_t bytes) {
  auto l = Guard();
  newest_array_ = {address, bytes};
}

void BlockPool::ForgetArray(const void* address) {
  auto l = Guard();
  if (newest_array_.address == address) newest_array_ = {};
}

BlockPool::Array BlockPool::newest_array() const {
  auto l = Guard();
  return newest_array_;
}

}  // namespace kin
