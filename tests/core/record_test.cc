// Tests for core/record, core/link_list and core/key_hash: a record's block (values,
// link lists, the deleted mark), RecordPtr ownership, LinkList against std::vector,
// and the primary-key hash.

#include "core/record.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>
#include <unordered_set>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/key_hash.h"
#include "core/ulid.h"

namespace {

using namespace kin;

// Distinct addresses to store in link lists (never dereferenced).
const Record* P(size_t i) { return reinterpret_cast<const Record*>(0x1000 + 16 * i); }

std::vector<const Record*> AsVector(const LinkList& l) { return {l.begin(), l.end()}; }

}  // namespace

TEST_CASE("a link list holds one pointer inline and more on the heap", "[core]") {
  LinkList l;
  CHECK(l.empty());
  CHECK(l.heap_bytes() == 0);
  l.push_back(P(1));
  CHECK(l.size() == 1);
  CHECK(l.heap_bytes() == 0);  // inline
  CHECK(l.front() == P(1));
  l.push_back(P(2));
  CHECK(AsVector(l) == std::vector<const Record*>{P(1), P(2)});
  CHECK(l.heap_bytes() >= 2 * sizeof(const Record*));
  l.clear();
  CHECK(l.empty());
  l.assign(1, P(7));
  CHECK(AsVector(l) == std::vector<const Record*>{P(7)});
}

TEST_CASE("a link list behaves as a vector under random inserts and erases", "[core]") {
  std::mt19937 rng(7);
  LinkList l;
  std::vector<const Record*> v;
  for (int step = 0; step < 5000; ++step) {
    size_t op = rng() % 5;
    if (op < 3 || v.empty()) {
      size_t at = v.empty() ? 0 : rng() % (v.size() + 1);
      const Record* p = P(rng() % 1000);
      v.insert(v.begin() + static_cast<std::ptrdiff_t>(at), p);
      auto it = l.insert(l.begin() + at, p);
      REQUIRE(*it == p);
    } else if (op == 3) {
      size_t at = rng() % v.size();
      v.erase(v.begin() + static_cast<std::ptrdiff_t>(at));
      l.erase(l.begin() + at);
    } else {
      v.push_back(P(step));
      l.push_back(P(step));
    }
    REQUIRE(AsVector(l) == v);
    if (step % 1000 == 999) {
      LinkList copy(l);
      CHECK(copy == l);
      LinkList moved(std::move(copy));
      CHECK(AsVector(moved) == v);
      CHECK(copy.empty());  // NOLINT: moved-from lists are empty
      v.resize(v.size() % 2);
      l = LinkList(v.size());
      std::copy(v.begin(), v.end(), l.begin());
      REQUIRE(AsVector(l) == v);
    }
  }
}

TEST_CASE("copies and moves of link lists keep their elements, inline or not", "[core]") {
  for (size_t n : {0, 1, 2, 5}) {
    LinkList a;
    for (size_t i = 0; i < n; ++i) a.push_back(P(i));
    LinkList b;
    b.push_back(P(99));
    b = a;
    CHECK(b == a);
    LinkList c;
    c = std::move(b);
    CHECK(c == a);
    CHECK(b.empty());  // NOLINT: moved-from
    const LinkList& same = c;
    c = same;  // self-assignment keeps the list
    CHECK(c == a);
    LinkList sized(n);
    CHECK(sized.size() == n);
    CHECK(std::all_of(sized.begin(), sized.end(), [](const Record* r) { return r == nullptr; }));
  }
}

TEST_CASE("a record lives in its block: values, link lists and the deleted mark", "[core]") {
  std::vector<Value> values = {Value::Text("r1"), Value::Int(5)};
  RecordPtr r(std::span<Value>(values), 2);
  CHECK(r->id() == "r1");
  CHECK(r->value(1) == Value::Int(5));
  CHECK(r->link_count() == 2);
  CHECK(r->links(0).empty());
  CHECK_FALSE(r->marked_deleted());
  r->set_marked_deleted(true);
  r->links_for_update(1).push_back(P(3));

  RecordPtr copy(*r);
  CHECK(copy.get() != r.get());
  CHECK(copy->values()[0] == Value::Text("r1"));
  CHECK(copy->marked_deleted());
  CHECK(AsVector(copy->links(1)) == std::vector<const Record*>{P(3)});

  const Record* address = r.get();
  RecordPtr moved(std::move(r));
  CHECK(moved.get() == address);  // the record itself never moves
  CHECK_FALSE(r);                 // NOLINT: moved-from
}

TEST_CASE("the key hash reads every byte and the length of a key", "[core]") {
  KeyHash hash;
  std::string text(64, 'a');
  for (size_t n = 0; n <= text.size(); ++n) {
    std::string key = text.substr(0, n);
    CHECK(hash(key) == hash(std::string(key)));  // equal text, equal hash
    if (n > 0) CHECK(hash(key) != hash(text.substr(0, n - 1)));
    for (size_t i = 0; i < n; ++i) {
      std::string changed = key;
      changed[i] = 'b';
      CHECK(hash(changed) != hash(key));
    }
  }
}

TEST_CASE("the key hash spreads ids that share a long prefix", "[core]") {
  KeyHash hash;
  std::unordered_set<size_t> seen, buckets;
  const size_t kCount = 100000, kBuckets = 100003;  // a prime, as Boost's bucket counts
  char id[32];
  for (size_t i = 0; i < kCount; ++i) {
    std::snprintf(id, sizeof id, "prod_01JD8Z3K4M%016zu", i);
    seen.insert(hash(id));
    buckets.insert(hash(id) % kBuckets);
  }
  CHECK(seen.size() == kCount);
  // Random placement fills about 1 - 1/e of the buckets (63%).
  CHECK(buckets.size() > kCount * 6 / 10);
}

TEST_CASE("the key hash puts ids made one after another in nearby buckets", "[core]") {
  // Within a millisecond each new ULID adds one to the one before; a run of 1,024
  // of them shares all but the last two characters, and so their hashes differ by
  // little: a run of creates writes one stretch of the bucket array.
  KeyHash hash;
  const size_t kBuckets = 393241;  // one of Boost's prime bucket counts
  std::unordered_set<size_t> buckets;
  const size_t first = hash("prod_" + EncodeUlid(1700000000000, 7, 5 * 1024)) % kBuckets;
  size_t before = first;
  buckets.insert(first);
  auto ahead = [&](size_t from, size_t to) { return (to + kBuckets - from) % kBuckets; };
  for (uint64_t i = 1; i < 1024; ++i) {
    const size_t b = hash("prod_" + EncodeUlid(1700000000000, 7, 5 * 1024 + i)) % kBuckets;
    CHECK(ahead(before, b) > 0);
    CHECK(ahead(before, b) <= 2048);  // forward, at most 16 KiB of the array
    buckets.insert(b);
    before = b;
  }
  CHECK(ahead(first, before) <= 11000);  // the whole run within 86 KiB
  CHECK(buckets.size() == 1024);         // no two share a bucket
  // The head still decides: the same tail under another millisecond lands elsewhere.
  CHECK(hash("prod_" + EncodeUlid(1700000000001, 7, 1001)) % kBuckets !=
        hash("prod_" + EncodeUlid(1700000000000, 7, 1001)) % kBuckets);
}

TEST_CASE("the key hash keeps buckets short for common shapes of ids", "[core]") {
  // 300k keys in Boost's 393,241 buckets: placed at random, the longest chain is
  // about 7; a counter written in a key's tail must do no worse.
  KeyHash hash;
  const size_t kKeys = 300000, kBuckets = 393241;
  char key[64];
  for (const char* shape : {"order_%010zu", "%016zx", "item-%012zu", "prod_01JD8Z3K4M%016zu"}) {
    std::vector<uint8_t> chain(kBuckets);
    uint8_t longest = 0;
    for (size_t i = 0; i < kKeys; ++i) {
      std::snprintf(key, sizeof key, shape, i);
      longest = std::max(longest, ++chain[hash(key) % kBuckets]);
    }
    INFO(shape);
    CHECK(longest <= 12);
  }
  // ULIDs made in runs, a fresh random part each millisecond.
  std::mt19937_64 random(7);
  std::vector<uint8_t> chain(kBuckets);
  uint8_t longest = 0;
  uint64_t lo = random();
  for (size_t i = 0; i < kKeys; ++i) {
    if (i % 2000 == 0) lo = random();
    longest = std::max(longest, ++chain[hash("prod_" + EncodeUlid(1700000000000 + i / 2000, 7, lo + i)) % kBuckets]);
  }
  CHECK(longest <= 12);
}

TEST_CASE("a record built in place frees what it made when a value fails", "[core]") {
  BlockPool pool(Record::BlockBytes(3, 1), /*synchronized=*/true);
  RecordPtr made(3, 1, &pool, [](size_t slot) { return Value::Text("value number " + std::to_string(slot) + "!!!"); });
  CHECK(made->id() == "value number 0!!!");
  CHECK(made->value(2) == Value::Text("value number 2!!!"));
  CHECK(made->links(0).empty());
  CHECK(pool.blocks_in_use() == 1);
  auto failing = [](size_t slot) {
    if (slot == 2) throw std::runtime_error("truncated");
    return Value::Text("a string too long for the inline buffer: " + std::to_string(slot));  // a leak would show under ASan
  };
  CHECK_THROWS_AS(RecordPtr(3, 1, &pool, failing), std::runtime_error);
  CHECK(pool.blocks_in_use() == 1);
}
