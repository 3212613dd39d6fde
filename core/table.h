#pragma once
// Table (internal to core): the Boost.MultiIndex container of one model's records,
// with a hashed unique index on the primary key and an ordered one for scans in key
// order, plus the model's secondary indexes. Owned by Store; same thread-safety.

#include <boost/multi_index/hashed_index.hpp>
#include <boost/multi_index/ordered_index.hpp>
#include <boost/multi_index/tag.hpp>
#include <boost/multi_index_container.hpp>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/record.h"

namespace kin {

struct ById {};
struct ByIdOrder {};

struct RecordIdKey {
  using result_type = std::string_view;
  std::string_view operator()(const Record& r) const { return r.id(); }
};

using RecordContainer = boost::multi_index_container<
    Record, boost::multi_index::indexed_by<
                boost::multi_index::hashed_unique<boost::multi_index::tag<ById>, RecordIdKey,
                                                  std::hash<std::string_view>>,
                boost::multi_index::ordered_unique<boost::multi_index::tag<ByIdOrder>, RecordIdKey>>>;

// Live records by index key (unique indexes hold at most one per key).
struct SecondaryIndex {
  std::unordered_map<std::string, std::vector<const Record*>> entries;
};

class Table {
 public:
  RecordContainer records;
  std::vector<SecondaryIndex> indexes;                // parallel to ModelDef::indexes
  std::unordered_map<uint32_t, int64_t> autoincrement;  // slot -> highest value seen
};

}  // namespace kin
