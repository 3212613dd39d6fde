#pragma once
// Table (internal to core): the Boost.MultiIndex container of one model's records,
// with a hashed unique index on the primary key and an ordered one for scans in key
// order, plus the model's secondary indexes, and the pools its records and container
// nodes come from (all of a model's records have one shape, so each pool serves a
// single block size; records kept across an in-place schema change stay in the
// pool of their older size). Owned by Store; same thread-safety, except that the record
// pool is synchronized: records may be made on another thread (snapshot decoding).

#include <boost/multi_index/hashed_index.hpp>
#include <boost/multi_index/ordered_index.hpp>
#include <boost/multi_index/tag.hpp>
#include <boost/multi_index_container.hpp>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/block_pool.h"
#include "core/key_hash.h"
#include "core/ordered_index.h"
#include "core/record.h"
#include "core/sized_pools.h"

namespace kin {

struct ById {};
struct ByIdOrder {};

// One element of a table: the record and the hash of its primary key. The hash sits
// in the container's node, so walking a bucket (a lookup, an insert's uniqueness
// check, a rehash) compares hashes without touching any record, and reads a
// record's id only when the hashes are equal. The primary key
// never changes while the record is stored, so neither does the hash.
class StoredRecord {
 public:
  explicit StoredRecord(RecordPtr record) : hash_(KeyHash()(record->id())), record_(std::move(record)) {}
  // No record, only a hash: a probe for a bucket's position.
  static StoredRecord Probe(size_t hash) { return StoredRecord(hash); }
  Record* get() const { return record_.get(); }
  Record* operator->() const { return record_.get(); }
  Record& operator*() const { return *record_; }
  size_t hash() const { return hash_; }
  // The record, no longer held here.
  RecordPtr Release() { return std::move(record_); }
  // Holds `record` (the same primary key, so the same hash) instead of the one it
  // held, which it returns: how a record moves to a larger block (Store::Widen).
  RecordPtr Replace(RecordPtr record) {
    std::swap(record, record_);
    return record;
  }

 private:
  explicit StoredRecord(size_t hash) : hash_(hash) {}
  size_t hash_;
  RecordPtr record_;
};

// The hashed index's key of an element: a reference to it, so taking the key costs
// nothing and the hash is read from the node.
struct StoredIdRef {
  const StoredRecord* element;
};
struct StoredIdKey {
  using result_type = StoredIdRef;
  StoredIdRef operator()(const StoredRecord& s) const { return {&s}; }
};
// What a lookup by id passes: the id and its hash, computed once.
struct IdLookup {
  explicit IdLookup(std::string_view s) : id(s), hash(KeyHash()(s)) {}
  std::string_view id;
  size_t hash;
};
struct StoredIdHash {
  size_t operator()(StoredIdRef k) const { return k.element->hash(); }
  size_t operator()(const IdLookup& k) const { return k.hash; }
};
struct StoredIdEqual {
  bool operator()(StoredIdRef a, StoredIdRef b) const {
    return a.element->hash() == b.element->hash() && (*a.element)->id() == (*b.element)->id();
  }
  bool operator()(const IdLookup& a, StoredIdRef b) const {
    return a.hash == b.element->hash() && a.id == (*b.element)->id();
  }
  bool operator()(StoredIdRef a, const IdLookup& b) const { return (*this)(b, a); }
};

struct RecordIdKey {
  using result_type = std::string_view;
  std::string_view operator()(const StoredRecord& r) const { return r->id(); }
};

// Each element owns one record; the record's address is what the rest of the store
// holds (a node's address is never handed out).
using RecordContainer = boost::multi_index_container<
    StoredRecord, boost::multi_index::indexed_by<
                      boost::multi_index::hashed_unique<boost::multi_index::tag<ById>, StoredIdKey, StoredIdHash,
                                                        StoredIdEqual>,
                      boost::multi_index::ordered_unique<boost::multi_index::tag<ByIdOrder>, RecordIdKey>>,
    PoolAllocator<StoredRecord>>;

// Live records by index key (unique indexes hold at most one per key): what unique
// checks and the planner's equality probes read. Each index is also kept ordered
// (OrderedIndex) for ranges, `order`, and queries that include deleted records.
// Owns its SizedPools, which its hash nodes, its keys longer than a string holds
// inline, and its bucket arrays (up to 1 KiB, and from 1 MiB on, the arena's) come
// from; the key lists are operator new's (pooled, each list capacity kept its peak
// as free blocks, and reads of a foreign key's list measured slower). A moved-from
// index is an empty one with pools of its own. Same thread-safety as the Store.
class SecondaryIndex {
 public:
  using Key = std::basic_string<char, std::char_traits<char>, SizedPoolAllocator<char>>;
  using List = std::vector<const Record*>;
  // Looked up by string_view without a copy of the key.
  struct TextHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  using Entries = std::unordered_map<Key, List, TextHash, std::equal_to<>,
                                     SizedPoolAllocator<std::pair<const Key, List>>>;

  SecondaryIndex() : memory_(std::make_unique<SizedPools>()), entries_(Alloc()) {}
  // A move swaps: each side keeps entries with the pools they came from.
  SecondaryIndex(SecondaryIndex&& other) : SecondaryIndex() { Swap(other); }
  SecondaryIndex& operator=(SecondaryIndex&& other) noexcept {
    Swap(other);
    return *this;
  }
  void Swap(SecondaryIndex& other) noexcept {
    entries_.swap(other.entries_);  // the allocators go with the entries
    memory_.swap(other.memory_);
  }

  const Entries& entries() const { return entries_; }
  // The list of `key`, made empty when the key has none. One hash lookup; a key
  // longer than a string holds inline is copied into the pools even when present.
  List& ListOf(std::string_view key) { return entries_.try_emplace(Key(key, Alloc())).first->second; }
  Entries::iterator Find(std::string_view key) { return entries_.find(key); }
  Entries::iterator end() { return entries_.end(); }
  void Erase(Entries::iterator it) { entries_.erase(it); }

 private:
  SizedPoolAllocator<char> Alloc() const { return SizedPoolAllocator<char>(memory_.get()); }

  std::unique_ptr<SizedPools> memory_;  // declared first: outlives the entries
  Entries entries_;
};

class Table {
 public:
  // `prefaulter` (may be null) maps in the pools' next chunks; it outlives the table.
  Table(size_t value_count, size_t link_count, Prefaulter* prefaulter)
      : record_blocks(std::make_unique<BlockPool>(Record::BlockBytes(value_count, link_count),
                                                  /*synchronized=*/true, prefaulter)),
        nodes(sizeof(RecordContainer::final_node_type), /*synchronized=*/false, prefaulter),
        records(RecordContainer::ctor_args_list(), PoolAllocator<StoredRecord>(&nodes)) {}

  // Declared before `records`, so they outlive every record and node.
  std::unique_ptr<BlockPool> record_blocks;
  // The pools of the sizes the model's records had before it gained properties in
  // place (Store::AdoptSchema): the records built then stay in their blocks.
  std::vector<std::unique_ptr<BlockPool>> earlier_record_blocks;
  BlockPool nodes;
  RecordContainer records;
  std::vector<SecondaryIndex> indexes;                // parallel to ModelDef::indexes
  std::vector<OrderedIndex> ordered;                  // the same indexes, ordered (all records)
  std::unordered_map<uint32_t, int64_t> autoincrement;  // slot -> highest value seen
  std::vector<uint32_t> autoincrement_slots;           // the model's autoincrement properties
};

}  // namespace kin
