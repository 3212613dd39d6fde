// Tests for core/block_pool, core/prefaulter, core/huge_page_arena and
// core/sized_pools: blocks carved from chunks and reused, the pool a block names, the
// walk over the blocks in use, the spare chunk a prefaulter maps in ahead, and the
// huge-page regions full-size chunks come from.

#include "core/block_pool.h"

#include <sys/mman.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "core/huge_page_arena.h"
#include "core/prefaulter.h"
#include "core/sized_pools.h"
#include "core/table.h"

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
  // Once every freed block is in use again, the walk reads no mark and still sees
  // each block once.
  for (int i = 0; i < 500; ++i) take();
  seen.clear();
  pool.ForEachBlockInUse([&](const void* b) { return seen.push_back(b), true; });
  CHECK(seen.size() == blocks.size());
  std::sort(seen.begin(), seen.end());
  CHECK(std::adjacent_find(seen.begin(), seen.end()) == seen.end());
  BlockPool empty(40, false);
  empty.ForEachBlockInUse([&](const void*) { return ++visits, true; });
  CHECK(visits == 10);
}

namespace {

// Whether the kernel may back `address`'s mapping with transparent huge pages: 1 or
// 0 from the "THPeligible" line of its mapping in /proc/self/smaps, -1 when the
// system does not tell (no such line, or huge pages off: setting "never").
int HugePageEligible(const void* address) {
  std::ifstream enabled("/sys/kernel/mm/transparent_hugepage/enabled");
  std::string setting;
  std::getline(enabled, setting);
  if (setting.find("[always]") == std::string::npos && setting.find("[madvise]") == std::string::npos) return -1;
  std::ifstream smaps("/proc/self/smaps");
  const auto a = reinterpret_cast<uintptr_t>(address);
  bool inside = false;
  for (std::string line; std::getline(smaps, line);) {
    unsigned long begin = 0, end = 0;
    if (std::sscanf(line.c_str(), "%lx-%lx ", &begin, &end) == 2 && line.find(' ') < line.find(':'))
      inside = a >= begin && a < end;
    else if (inside && line.rfind("THPeligible:", 0) == 0)
      return line.find('1') != std::string::npos ? 1 : 0;
  }
  return -1;
}

void CheckHugePageEligible(const void* address) {
  const int eligible = HugePageEligible(address);
  if (eligible < 0) WARN("this system does not say whether memory may get huge pages");
  else CHECK(eligible == 1);
}

}  // namespace

TEST_CASE("the huge page arena packs chunks into aligned regions and reuses a freed chunk first", "[core]") {
  HugePageArena& arena = HugePageArena::Global();
  const size_t regions_before = arena.region_count(), bytes_before = arena.bytes_in_use();
  std::vector<void*> chunks;
  for (size_t i = 0; i < 2 * HugePageArena::kChunksPerRegion + 1; ++i) chunks.push_back(arena.AllocateChunk());
  CHECK(arena.bytes_in_use() == bytes_before + chunks.size() * HugePageArena::kChunkBytes);
  std::set<uintptr_t> regions;
  for (void* c : chunks) {
    const auto a = reinterpret_cast<uintptr_t>(c);
    CHECK(a % HugePageArena::kChunkBytes == 0);
    regions.insert(a & ~(uintptr_t{HugePageArena::kRegionBytes} - 1));
    std::memset(c, 0x5a, HugePageArena::kChunkBytes);  // all of it writable
  }
  CHECK(std::set<void*>(chunks.begin(), chunks.end()).size() == chunks.size());
  // Packed: at most the regions the chunks need, plus those that had room before.
  CHECK(arena.region_count() <= regions_before + 3);
  CheckHugePageEligible(chunks.back());

  // A chunk freed from a full region is handed out again before any other.
  void* again = chunks[3];
  arena.FreeChunk(again);
  CHECK(arena.bytes_in_use() == bytes_before + (chunks.size() - 1) * HugePageArena::kChunkBytes);
  chunks[3] = arena.AllocateChunk();
  CHECK(chunks[3] == again);
  for (void* c : chunks) arena.FreeChunk(c);
  CHECK(arena.bytes_in_use() == bytes_before);
  CHECK(arena.region_count() <= regions_before);  // the regions the test filled are unmapped
}

TEST_CASE("a pool's full-size chunks come from the huge page arena, its first small ones from the heap", "[core]") {
  const size_t bytes_before = HugePageArena::Global().bytes_in_use();
  {
    BlockPool pool(512, /*synchronized=*/false);
    std::vector<BlockPool::Block> blocks;
    for (size_t i = 0; i < 4 * BlockPool::kMaxChunkBytes / 512; ++i) blocks.push_back(pool.Allocate());
    CHECK(HugePageArena::Global().bytes_in_use() >= bytes_before + 3 * HugePageArena::kChunkBytes);
    // The last block is in a full-size chunk: the arena's, aligned to its size.
    const auto* chunk = static_cast<const char*>(blocks.back().address) - blocks.back().chunk_offset * BlockPool::kAlignment;
    CHECK(reinterpret_cast<uintptr_t>(chunk) % HugePageArena::kChunkBytes == 0);
    CheckHugePageEligible(blocks.back().address);
    for (const auto& b : blocks) CHECK(BlockPool::Owner(b.address, b.chunk_offset) == &pool);
  }
  CHECK(HugePageArena::Global().bytes_in_use() == bytes_before);  // the pool's chunks went back
}

TEST_CASE("a container on sized pools keeps its elements through growth and erasure, its buckets in the arena",
          "[core]") {
  using Map = std::unordered_map<uint64_t, uint64_t, std::hash<uint64_t>, std::equal_to<>,
                                 SizedPoolAllocator<std::pair<const uint64_t, uint64_t>>>;
  const size_t bytes_before = HugePageArena::Global().bytes_in_use();
  {
    SizedPools pools;
    Map map{SizedPoolAllocator<char>(&pools)};
    // 200k keys: the bucket array passes HugePageArena::kLargeArrayBytes.
    for (uint64_t k = 0; k < 200000; ++k) map.emplace(k, k * 10);
    REQUIRE(map.bucket_count() * sizeof(void*) >= HugePageArena::kLargeArrayBytes);
    // The nodes' chunks and the bucket array are the arena's.
    CHECK(HugePageArena::Global().bytes_in_use() >=
          bytes_before + map.bucket_count() * sizeof(void*) + 200000 * 24 / 2);
    for (uint64_t k = 0; k < 200000; k += 2) map.erase(k);
    REQUIRE(map.size() == 100000);
    for (uint64_t k = 1; k < 200000; k += 2) {
      auto it = map.find(k);
      REQUIRE(it != map.end());
      CHECK(it->second == k * 10);
    }
  }
  CHECK(HugePageArena::Global().bytes_in_use() == bytes_before);
}

TEST_CASE("a secondary index keeps its entries with their pools through moves, and a moved-from one is usable",
          "[core]") {
  const auto* r1 = reinterpret_cast<const Record*>(uintptr_t{0x1000});
  const auto* r2 = reinterpret_cast<const Record*>(uintptr_t{0x2000});
  const std::string long_key(40, 'k');  // longer than a string holds inline: in the pools
  SecondaryIndex a;
  a.ListOf(long_key).push_back(r1);
  a.ListOf("short").push_back(r2);

  SecondaryIndex b(std::move(a));
  REQUIRE(b.Find(long_key) != b.end());
  CHECK(b.Find(long_key)->second == SecondaryIndex::List{r1});
  a.ListOf(long_key + "-after").push_back(r2);  // the moved-from index takes new keys
  CHECK(a.entries().size() == 1);

  SecondaryIndex c;
  c.ListOf(std::string(50, 'c')).push_back(r2);
  c = std::move(b);  // c's former entries go to b, with their pools
  CHECK(c.entries().size() == 2);
  CHECK(c.Find("short")->second == SecondaryIndex::List{r2});
  REQUIRE(b.Find(std::string(50, 'c')) != b.end());
  b.ListOf(std::string(60, 'b')).push_back(r1);
  c.Erase(c.Find(long_key));
  CHECK(c.entries().size() == 1);
  CHECK(b.entries().size() == 2);
}
