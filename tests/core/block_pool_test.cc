// Tests for core/block_pool and core/prefaulter: blocks carved from chunks and
// reused, the pool a block names, the walk over the blocks in use, and the spare
// chunk a prefaulter maps in ahead.

#include "core/block_pool.h"

#include <sys/mman.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <thread>
#include <vector>

#include "core/prefaulter.h"

namespace {

using namespace kin;

const size_t kPage = static_cast<size_t>(::sysconf(_SC_PAGESIZE));

// Anonymous memory of `bytes` whose pages are not yet mapped in.
struct FreshMemory {
  explicit FreshMemory(size_t size)
      : bytes(size),
        data(static_cast<char*>(::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0))) {
    REQUIRE(data != MAP_FAILED);
    ::madvise(data, size, MADV_NOHUGEPAGE);
  }
  ~FreshMemory() { ::munmap(data, bytes); }
  // How many of the pages are mapped in.
  size_t Resident() const {
    std::vector<unsigned char> pages(bytes / kPage);
    REQUIRE(::mincore(data, bytes, pages.data()) == 0);
    size_t n = 0;
    for (unsigned char p : pages) n += p & 1;
    return n;
  }
  size_t bytes;
  char* data;
};

// Waits (up to 30 s) until the prefaulter has populated `n` ranges.
bool WaitPopulated(const Prefaulter& f, uint64_t n) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (f.populated() < n) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

TEST_CASE("a block pool reuses freed blocks and names its blocks' pool", "[core]") {
  BlockPool pool(40, /*synchronized=*/false);
  CHECK(pool.Serves(40));
  CHECK(pool.Serves(37));  // rounded up to the alignment
  CHECK(!pool.Serves(48));
  std::vector<BlockPool::Block> blocks;
  for (int i = 0; i < 1000; ++i) blocks.push_back(pool.Allocate());
  for (const auto& b : blocks) {
    CHECK(b.chunk_offset != 0);
    CHECK(BlockPool::Owner(b.address, b.chunk_offset) == &pool);
    CHECK(reinterpret_cast<uintptr_t>(b.address) % BlockPool::kAlignment == 0);
  }
  size_t chunks = pool.chunk_count();
  CHECK(pool.blocks_in_use() == 1000);
  for (const auto& b : blocks) pool.Free(b.address, b.chunk_offset);
  CHECK(pool.blocks_in_use() == 0);
  for (int i = 0; i < 1000; ++i) {
    BlockPool::Block b = pool.Allocate();
    CHECK(BlockPool::Owner(b.address, b.chunk_offset) == &pool);
  }
  CHECK(pool.chunk_count() == chunks);
  CHECK(pool.reserved_bytes() < 1000 * 40 * 2);
  CHECK(!BlockPool(BlockPool::kMaxBlockBytes + 8, false).Serves(BlockPool::kMaxBlockBytes + 8));
}

TEST_CASE("the prefaulter maps in a submitted range without changing a byte", "[core]") {
  if (!Prefaulter::Supported()) {
    WARN("this system cannot populate memory without writing it; nothing to check");
    return;
  }
  FreshMemory memory(256 * kPage);
  std::memcpy(memory.data + 3 * kPage + 5, "kept", 4);  // written before: must survive
  REQUIRE(memory.Resident() == 1);

  Prefaulter prefaulter;
  prefaulter.Submit(memory.data, memory.bytes);
  REQUIRE(WaitPopulated(prefaulter, 1));
  CHECK(memory.Resident() == 256);
  CHECK(std::memcmp(memory.data + 3 * kPage + 5, "kept", 4) == 0);
  size_t nonzero = 0;
  for (size_t i = 0; i < memory.bytes; ++i) nonzero += memory.data[i] != 0;
  CHECK(nonzero == 4);
}

TEST_CASE("a range cancelled before its turn is never mapped in", "[core]") {
  if (!Prefaulter::Supported()) {
    WARN("this system cannot populate memory without writing it; nothing to check");
    return;
  }
  FreshMemory first(16 * kPage), second(16 * kPage);
  Prefaulter prefaulter;
  prefaulter.Pause();
  prefaulter.Submit(first.data, first.bytes);
  prefaulter.Submit(second.data, second.bytes);
  CHECK(prefaulter.pending() == 2);
  prefaulter.Cancel(second.data);
  CHECK(prefaulter.pending() == 1);
  prefaulter.Resume();
  REQUIRE(WaitPopulated(prefaulter, 1));
  CHECK(prefaulter.pending() == 0);
  CHECK(prefaulter.populated() == 1);
  CHECK(first.Resident() == 16);
  CHECK(second.Resident() == 0);
}

TEST_CASE("a growing pool with a prefaulter keeps one spare chunk ahead and counts it", "[core]") {
  const size_t block = 256;
  const size_t count = 8 * BlockPool::kMaxChunkBytes / block;  // well past the growth to full-size chunks
  Prefaulter prefaulter;
  BlockPool plain(block, /*synchronized=*/false);
  BlockPool ahead(block, /*synchronized=*/true, &prefaulter);
  std::vector<BlockPool::Block> blocks;
  for (size_t i = 0; i < count; ++i) {
    plain.Allocate();
    blocks.push_back(ahead.Allocate());
    std::memset(blocks.back().address, 0xAB, block);
  }
  CHECK(ahead.chunk_count() == plain.chunk_count());
  const size_t spare = ahead.reserved_bytes() - plain.reserved_bytes();
  CHECK(spare > BlockPool::kMaxChunkBytes - block);
  CHECK(spare <= BlockPool::kMaxChunkBytes);
  for (const auto& b : blocks) CHECK(BlockPool::Owner(b.address, b.chunk_offset) == &ahead);
  if (Prefaulter::Supported()) CHECK(WaitPopulated(prefaulter, 1));
  // Blocks carved from a chunk that was populated meanwhile hold what was written.
  size_t intact = 0;
  for (const auto& b : blocks) intact += static_cast<unsigned char>(static_cast<char*>(b.address)[block - 1]) == 0xAB;
  CHECK(intact == count);
}

TEST_CASE("a pool destroyed while its spare chunk waits to be mapped in takes it off the queue", "[core]") {
  if (!Prefaulter::Supported()) {
    WARN("this system cannot populate memory without writing it; nothing to check");
    return;
  }
  Prefaulter prefaulter;
  prefaulter.Pause();  // the spare waits in the queue
  {
    BlockPool pool(512, /*synchronized=*/false, &prefaulter);
    for (size_t i = 0; i < 4 * BlockPool::kMaxChunkBytes / 512; ++i) pool.Allocate();
    CHECK(prefaulter.pending() > 0);  // each spare, taken or not, waits
  }  // AddressSanitizer reports the spare chunk if it leaked
  CHECK(prefaulter.pending() == 0);
  prefaulter.Resume();
  CHECK(prefaulter.populated() == 0);
}

TEST_CASE("a pool notes the newest array its allocator hands out, until that array is freed", "[core]") {
  BlockPool pool(sizeof(uint64_t), /*synchronized=*/false);
  PoolAllocator<uint64_t> alloc(&pool);
  CHECK(pool.newest_array().address == nullptr);
  uint64_t* single = alloc.allocate(1);  // a node: from the pool, not noted
  CHECK(pool.newest_array().address == nullptr);
  uint64_t* old_buckets = alloc.allocate(100);
  CHECK(pool.newest_array().address == old_buckets);
  CHECK(pool.newest_array().bytes == 100 * sizeof(uint64_t));
  uint64_t* new_buckets = alloc.allocate(400);  // a rehash allocates before it frees
  alloc.deallocate(old_buckets, 100);
  CHECK(pool.newest_array().address == new_buckets);
  CHECK(pool.newest_array().bytes == 400 * sizeof(uint64_t));
  alloc.deallocate(new_buckets, 400);
  CHECK(pool.newest_array().address == nullptr);
  CHECK(pool.newest_array().bytes == 0);
  alloc.deallocate(single, 1);
}

}  // namespace

TEST_CASE("a pool walk visits exactly the blocks in use, each once, in address order within a chunk", "[core]") {
  BlockPool pool(40, /*synchronized=*/false);
  std::vector<BlockPool::Block> blocks;
  // A holder's block never starts with the free mark: here, a nonzero count.
  auto take = [&] {
    BlockPool::Block b = pool.Allocate();
    const uint16_t tag = 7;
    std::memcpy(b.address, &tag, sizeof tag);
    blocks.push_back(b);
  };
  for (int i = 0; i < 3000; ++i) take();  // several chunks
  std::vector<BlockPool::Block> kept;
  for (size_t i = 0; i < blocks.size(); ++i) {
    if (i % 3 == 0) pool.Free(blocks[i].address, blocks[i].chunk_offset);
    else kept.push_back(blocks[i]);
  }
  blocks = kept;
  for (int i = 0; i < 500; ++i) take();  // half the freed blocks back in use
  REQUIRE(pool.blocks_in_use() == blocks.size());

  std::vector<const void*> seen;
  pool.ForEachBlockInUse([&](const void* b) { return seen.push_back(b), true; });
  std::vector<const void*> expected;
  for (const auto& b : blocks) expected.push_back(b.address);
  std::vector<const void*> sorted_seen = seen;
  std::sort(sorted_seen.begin(), sorted_seen.end());
  std::sort(expected.begin(), expected.end());
  CHECK(sorted_seen == expected);
  size_t backwards = 0;  // chunks come newest first; within one, addresses rise
  for (size_t i = 1; i < seen.size(); ++i) backwards += seen[i] < seen[i - 1];
  CHECK(backwards < pool.chunk_count());

  size_t visits = 0;
  pool.ForEachBlockInUse([&](const void*) { return ++visits < 10; });
  CHECK(visits == 10);
  BlockPool empty(40, false);
  empty.ForEachBlockInUse([&](const void*) { return ++visits, true; });
  CHECK(visits == 10);
}
