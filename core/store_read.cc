// The Store's reads: lookups by id, scans, index probes and ranges (core/store.h).
// Kept apart from the writes in store.cc; both work on the tables of core/table.h.

#include <algorithm>

#include "core/store.h"
#include "core/table.h"

namespace kin {

const Record* Store::Find(ModelId model, std::string_view id) const {
  if (model.value >= tables_.size()) return nullptr;
  const auto& idx = tables_[model.value]->records.get<ById>();
  auto it = idx.find(IdLookup(id));
  return it == idx.end() ? nullptr : it->get();
}

bool Store::Holds(ModelId model, std::string_view id) const {
  if (model.value >= tables_.size()) return false;
  const auto& ordered = tables_[model.value]->records.get<ByIdOrder>();
  if (ordered.empty() || (*std::prev(ordered.end()))->id() < id) {
    PrefetchBucket(model, KeyHash()(id));
    return false;
  }
  return Find(model, id) != nullptr;
}

void Store::FindMany(ModelId model, std::span<const std::string_view> ids, std::span<const Record*> out) const {
  assert(out.size() == ids.size());
  const auto& by_id = tables_[model.value]->records.get<ById>();
  constexpr size_t kBatch = 16;
  size_t hashes[kBatch], buckets[kBatch];
  for (size_t base = 0; base < ids.size(); base += kBatch) {
    const size_t n = std::min(kBatch, ids.size() - base);
    // Each stage reads what the one before started loading: the buckets, then their
    // first nodes, then the records whose hash matches.
    for (size_t i = 0; i < n; ++i) {
      hashes[i] = KeyHash()(ids[base + i]);
      const StoredRecord probe = StoredRecord::Probe(hashes[i]);
      buckets[i] = by_id.bucket(StoredIdRef{&probe});
      PrefetchBucket(model, hashes[i]);
    }
    for (size_t i = 0; i < n; ++i) {
      auto first = by_id.begin(buckets[i]);
      if (first != by_id.end(buckets[i])) __builtin_prefetch(&*first);
    }
    for (size_t i = 0; i < n; ++i)
      for (auto it = by_id.begin(buckets[i]); it != by_id.end(buckets[i]); ++it)
        if (it->hash() == hashes[i]) {
          __builtin_prefetch(it->get());
          break;
        }
    for (size_t i = 0; i < n; ++i) out[base + i] = Find(model, ids[base + i]);
  }
}

size_t Store::Count(ModelId model) const { return tables_[model.value]->records.size(); }

namespace {
// Asks for the first two cache lines of a record (its header, id and first values).
inline void PrefetchRecord(const Record* r) {
  __builtin_prefetch(r);
  __builtin_prefetch(reinterpret_cast<const char*>(r) + 64);
}
}  // namespace

void Store::Scan(ModelId model, FunctionRef<bool(const Record&)> visit) const {
  // The walk reads records in key order, which is not their order in memory once
  // records came and went; a second iterator runs kAhead records ahead and asks for
  // the header and first values of the record it is on, so the visits do not wait
  // for each record in turn.
  constexpr int kAhead = 8;
  const auto& ordered = tables_[model.value]->records.get<ByIdOrder>();
  auto ahead = ordered.begin();
  for (int i = 0; i < kAhead && ahead != ordered.end(); ++i, ++ahead) PrefetchRecord(ahead->get());
  for (auto it = ordered.begin(); it != ordered.end(); ++it) {
    if (ahead != ordered.end()) {
      PrefetchRecord(ahead->get());
      ++ahead;
    }
    if (!visit(**it)) return;
  }
}

std::vector<const BlockPool*> Store::PoolsHoldingAll(ModelId model) const {
  const Table& t = *tables_[model.value];
  // Every block in use in the model's pools is one of its stored records while the
  // caller holds the store and no NewRecord is outstanding (see store.h); when some
  // record is not in a pool, the counts differ.
  std::vector<const BlockPool*> pools{t.record_blocks.get()};
  size_t pooled = t.record_blocks->blocks_in_use_unlocked();
  for (const auto& pool : t.earlier_record_blocks) {
    pooled += pool->blocks_in_use_unlocked();
    pools.push_back(pool.get());
  }
  if (pooled != t.records.size()) pools.clear();
  return pools;
}

std::span<const Record* const> Store::IndexLookup(ModelId model, size_t index, std::string_view key) const {
  const auto& entries = tables_[model.value]->indexes[index].entries();
  auto it = entries.find(key);
  if (it == entries.end()) return {};
  return {it->second.data(), it->second.size()};
}

void Store::ScanKeyRange(ModelId model, const KeyRange& range, bool descending,
                         FunctionRef<bool(const Record*)> visit) const {
  // One search, where the walk starts; the other bound is checked on each id read.
  const auto& ordered = tables_[model.value]->records.get<ByIdOrder>();
  auto key = [](const std::vector<Value>& bound) { return bound[0].as_text(); };
  if (!descending) {
    auto it = range.lower.empty()          ? ordered.begin()
              : range.lower_inclusive ? ordered.lower_bound(key(range.lower))
                                      : ordered.upper_bound(key(range.lower));
    for (; it != ordered.end(); ++it) {
      if (!range.upper.empty()) {
        const std::string_view id = (*it)->id(), upper = key(range.upper);
        if (id > upper || (id == upper && !range.upper_inclusive)) return;
      }
      if (!visit(it->get())) return;
    }
    return;
  }
  auto it = range.upper.empty()          ? ordered.end()
            : range.upper_inclusive ? ordered.upper_bound(key(range.upper))
                                    : ordered.lower_bound(key(range.upper));
  while (it != ordered.begin()) {
    --it;
    if (!range.lower.empty()) {
      const std::string_view id = (*it)->id(), lower = key(range.lower);
      if (id < lower || (id == lower && !range.lower_inclusive)) return;
    }
    if (!visit(it->get())) return;
  }
}

void Store::IndexRange(ModelId model, size_t index, const KeyRange& range, bool descending,
                       FunctionRef<bool(const Record*)> visit) const {
  tables_[model.value]->ordered[index].Visit(range, descending, visit);
}

int64_t Store::LastAutoincrement(ModelId model, SlotId slot) const {
  const auto& a = tables_[model.value]->autoincrement;
  auto it = a.find(slot.value);
  return it == a.end() ? 0 : it->second;
}

}  // namespace kin
