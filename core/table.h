#pragma once
// Table (internal to core): the Boost.MultiIndex container of one model's records,
// with a hashed unique index on the primary key and an ordered one for scans in key
// order, plus the model's secondary indexes, and the pools its records and container
// nodes come from (all of a model's records have one shape, so each pool serves a
// single block size). Owned by Store; same thread-safety, except that the record
// pool is synchronized: records may be made on another thread (snapshot decoding).

#include <boost/multi_index/hashed_index.hpp>
#include <boost/multi_index/ordered_index.hpp>
#include <boost/multi_index/tag.hpp>
#include <boost/multi_index_container.hpp>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/block_pool.h"
#include "core/key_hash.h"
#include "core/record.h"

namespace kin {

struct ById {};
struct ByIdOrder {};

struct RecordIdKey {
  using result_type = std::string_view;
  std::string_view operator()(const RecordPtr& r) const { return r->id(); }
};

// Each element owns one record; the record's address is what the rest of the store
// holds (a node's address is never handed out).
using RecordContainer = boost::multi_index_container<
    RecordPtr, boost::multi_index::indexed_by<
                boost::multi_index::hashed_unique<boost::multi_index::tag<ById>, RecordIdKey,
                                                  KeyHash>,
                boost::multi_index::ordered_unique<boost::multi_index::tag<ByIdOrder>, RecordIdKey>>,
    PoolAllocator<RecordPtr>>;

// Live records by index key (unique indexes hold at most one per key).
struct SecondaryIndex {
  std::unordered_map<std::string, std::vector<const Record*>> entries;
};

class Table {
 public:
  // `prefaulter` (may be null) maps in the pools' next chunks; it outlives the table.
  Table(size_t value_count, size_t link_count, Prefaulter* prefaulter)
      : record_blocks(Record::BlockBytes(value_count, link_count), /*synchronized=*/true, prefaulter),
        nodes(sizeof(RecordContainer::final_node_type), /*synchronized=*/false, prefaulter),
        records(RecordContainer::ctor_args_list(), PoolAllocator<RecordPtr>(&nodes)) {}

  // Declared before `records`, so they outlive every record and node.
  BlockPool record_blocks;
  BlockPool nodes;
  RecordContainer records;
  std::vector<SecondaryIndex> indexes;                // parallel to ModelDef::indexes
  std::unordered_map<uint32_t, int64_t> autoincrement;  // slot -> highest value seen
  std::vector<uint32_t> autoincrement_slots;           // the model's autoincrement properties
};

}  // namespace kin
