#pragma once
// Store: every record of every model, their adjacency and secondary indexes.
// Owns one table per model, and per model the pools its record blocks, container
// nodes and secondary indexes come from (their full-size chunks the process's
// HugePageArena's), and a Prefaulter whose thread maps in the pools' next chunks once
// a model has grown large (see BlockPool). Not internally synchronized: the owner
// (api::Database) serializes Apply against readers; concurrent const access is safe. NewRecord (and
// destroying its records) and LoadLinks are safe on another thread alongside the
// other bulk-loading calls (LoadLinks touches only the link lists of the records it
// is given, which no other loading call reads or writes).

#include <cassert>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/change_set.h"
#include "core/key_range.h"
#include "core/record.h"
#include "kin/function_ref.h"
#include "kin/schema.h"
#include "kin/status.h"

namespace kin {

class Prefaulter;
class StoredRecord;
class Table;

class Store {
 public:
  explicit Store(std::shared_ptr<const Schema> schema);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  const Schema& schema() const { return *schema_; }
  const std::shared_ptr<const Schema>& schema_ptr() const { return schema_; }

  // The record with this primary key (soft-deleted included), or nullptr.
  const Record* Find(ModelId model, std::string_view id) const;
  // Whether a record has this primary key (soft-deleted included), as Find would
  // say. A key above every stored one (a new ULID) is answered from the ordered
  // index's last key, with no hash lookup; the id's hash bucket is then only
  // prefetched, for the insert that usually follows.
  bool Holds(ModelId model, std::string_view id) const;
  // The records with these primary keys (soft-deleted included; nullptr where none)
  // into out[i]; looked up together, so that their cache misses overlap.
  void FindMany(ModelId model, std::span<const std::string_view> ids, std::span<const Record*> out) const;
  // Number of records of a model, soft-deleted included.
  size_t Count(ModelId model) const;
  // Visits records in primary-key order until `visit` returns false.
  void Scan(ModelId model, FunctionRef<bool(const Record&)> visit) const;
  // Visits the same records as Scan, in no particular order, until `visit` returns
  // false: in memory order where the model's records are all in its pools, which
  // streams through memory instead of walking the key order's tree (what a filter
  // that must look at every record wants; the caller sorts what it keeps). Not
  // while a record from NewRecord is outstanding (a store being loaded), and it
  // takes no lock of the pools. Inline, so that the visit of each record is not a
  // call through a pointer (it is the loop of every scan of a filter).
  template <typename Visit>  // bool(const Record&)
  void ScanUnordered(ModelId model, Visit&& visit) const;
  // The pools that hold every record of `model` (its current one first), or none
  // when some record is not in a pool (a block too large to pool): what
  // ScanUnordered walks, read without the pools' locks (a reader in a forked
  // snapshot process must not wait on a lock some other reader held at the fork).
  std::vector<const BlockPool*> PoolsHoldingAll(ModelId model) const;
  // Visits, as ScanUnordered, the records (soft-deleted included) whose value in
  // `slot` is text equal to `text`, until `visit` returns false. In the model's
  // current pool each record's value is read where it lies, not its header: every
  // record there has the model's full width (AdoptSchema starts a new pool when the
  // width changes), so a scan for `{property: "text"}` reads one value per record.
  template <typename Visit>  // bool(const Record&)
  void ScanTextEquals(ModelId model, SlotId slot, std::string_view text, Visit&& visit) const;
  // Live records whose key for the model's index `index` equals `key`.
  std::span<const Record* const> IndexLookup(ModelId model, size_t index, std::string_view key) const;
  // The planner's reads (core/query_plan.h): records of `model`, soft-deleted
  // included, whose primary key (ScanKeyRange) or whose leading values of the
  // model's index `index` (IndexRange; see OrderedIndex) lie in `range`, in that
  // order or its reverse, until `visit` returns false.
  void ScanKeyRange(ModelId model, const KeyRange& range, bool descending,
                    FunctionRef<bool(const Record*)> visit) const;
  void IndexRange(ModelId model, size_t index, const KeyRange& range, bool descending,
                  FunctionRef<bool(const Record*)> visit) const;
  // Takes `to`, a schema that keeps this store's layout (Schema::KeepingLayoutOf
  // of its schema), in place: no record is copied or moved. A model that gained
  // properties builds its new records in blocks of the new size; a record from
  // before holds fewer values than its model (Record::value reads null past them)
  // until its first update moves it to a block of the new size. The model's new
  // indexes are built; those it kept stay as they are. database_error, and nothing
  // changed, when `to` does not fit the store's shape (other models or relations, a
  // model with fewer slots).
  Status AdoptSchema(std::shared_ptr<const Schema> to);

  // Highest value an autoincrement slot has had (0 when none).
  int64_t LastAutoincrement(ModelId model, SlotId slot) const;

  // Whether `r` (a record of `model`) is not soft-deleted: its deleted_at is null.
  // Reads the record's deleted mark, which the store keeps in step with deleted_at.
  bool IsLive(const ModelDef& model, const Record& r) const {
    assert(r.marked_deleted() == !r.value(model.deleted_at.value).is_null());
    (void)model;
    return !r.marked_deleted();
  }

  // Every stored value is null or of its property's StoredValueType: puts and loads
  // of any other are refused (database_error), so readers may rely on the types.
  // database_error naming the model, record and property when a value is not.
  static Status CheckValueTypes(const ModelDef& model, std::span<const Value> values);

  // Applies one step. A step whose preconditions do not hold (a missing record, a
  // value not of its property's type, a foreign key naming no record, a record still
  // referenced, a duplicate link) returns database_error and changes nothing; a
  // validated step cannot fail.
  Status Apply(const ChangeStep& step);
  // The same, free to take the step's values: those of a put go into the record by
  // move, not copy (the step is left with moved-from values when it applies, and is
  // untouched when it fails).
  Status Apply(ChangeStep&& step);
  // The same for a put of a record whose id no record has (the caller looked it up):
  // the record goes in without a lookup first. A duplicate is still refused
  // (database_error, nothing changed but the step's values, then moved from).
  Status ApplyNew(PutStep&& step);
  // Applies every step in order; stops at the first failure.
  Status Apply(const ChangeSet& change_set);

  // Bulk loading (snapshots, imports), only into an empty store. ReserveRecords sizes
  // a model's table. LoadRecord inserts a record without adjacency and returns it
  // (records in primary-key order go in without a search). LoadLinks sets the list
  // of an automatic manyToMany's owning side for one loaded record and adds the
  // record to the other side's lists; it is called once per owner, in the owners'
  // primary-key order for each relation, so those lists come out sorted. FinishLoad
  // then builds foreign-key adjacency and the indexes, in one pass. Links may also be
  // applied as LinkSteps after FinishLoad.
  void ReserveRecords(ModelId model, size_t count);
  // A record of `model` with null values and empty link lists, in a block from the
  // model's pool, to be filled through mutable_value() and handed to AppendRecord.
  // It must not outlive the store. May run on another thread than the loading calls.
  RecordPtr NewRecord(ModelId model);
  // The same, with the value of each slot i built in place from make(i) (see
  // RecordPtr): the record is complete when it returns.
  template <typename MakeValue>
  RecordPtr NewRecord(ModelId model, MakeValue&& make) {
    const ModelDef& m = schema_->model(model);
    return RecordPtr(m.properties.size(), m.relations.size(), RecordBlocks(model), std::forward<MakeValue>(make));
  }
  // LoadRecord moves the values out of `values` (the caller may reuse the buffer).
  Result<const Record*> LoadRecord(ModelId model, std::span<Value> values);
  // AppendRecord takes a record built for `model` whose primary key is greater than
  // every loaded one (a database_error otherwise): the fastest way in, for a record
  // from NewRecord, which goes in at its address or, on a failure, stays with the
  // caller (any other is first moved into a block of the model's pool). It does not
  // read the values past the id and deleted_at: the caller has checked them with
  // CheckValueTypes (a loader does so on the thread that decodes them).
  Result<const Record*> AppendRecord(ModelId model, RecordPtr&& record);
  Status LoadLinks(RelationId relation, const Record* owner, LinkList targets);
  // A hint before AppendRecord of `record`, whose id hashes (KeyHash) to `id_hash`:
  // starts loading what the append will read (the record's lines, its hash
  // bucket and the bucket's first node), so appends a few records apart overlap
  // their cache misses. Changes nothing.
  void PrefetchAppend(ModelId model, const Record* record, size_t id_hash) const;
  // An earlier hint of the same kind: starts loading only the hash bucket, without
  // reading anything, so that PrefetchAppend, some records later, reads the bucket
  // from the cache. Changes nothing.
  void PrefetchBucket(ModelId model, size_t id_hash) const;
  Status FinishLoad();
  // Autoincrement counters: saved in snapshots so values are never reused.
  void SetLastAutoincrement(ModelId model, SlotId slot, int64_t value);

  // The memory pools of a model: record blocks (chunks, blocks in use), the bytes
  // of every chunk of both pools (spare chunks included), and the container-node
  // chunks.
  struct PoolStats {
    size_t record_chunks = 0;
    size_t records_in_use = 0;
    size_t reserved_bytes = 0;
    size_t node_chunks = 0;
  };
  PoolStats Pools(ModelId model) const;

  // While the returned lock is held, the store's own thread (the prefaulter) is not
  // inside the allocator: held around a fork (see Prefaulter::HoldForFork).
  std::unique_lock<std::mutex> HoldBackgroundForFork() const;

  // The key of `values` in an index; false when a key value is null (nulls never clash).
  static bool IndexKey(const IndexDef& index, std::span<const Value> values, std::string* out);
  static bool IndexKey(const IndexDef& index, const Record& r, std::string* out);

 private:
  // `take`, when not null, is step.values, which the put may move from; `known_new`
  // skips the lookup of the id (see ApplyNew).
  Status ApplyPut(const PutStep& step, std::vector<Value>* take, bool known_new = false);
  Status ApplyDelete(const DeleteStep& step);
  Status ApplyLink(RelationId relation, std::string_view from, std::string_view to, bool link);
  void Attach(const RelationDef& rel, const Record* child, const Record* parent);
  void Detach(const RelationDef& rel, const Record* child, const Record* parent);
  Result<const Record*> Insert(const ModelDef& model, RecordPtr&& record, bool append_only);
  // Moves the record of `element` (shorter than its model, see AdoptSchema) to a
  // block of the model's size, with its values, links and index entries, and every
  // link list that holds it pointed at the new block; returns the new record.
  const Record* Widen(const ModelDef& model, const StoredRecord& element);
  BlockPool* RecordBlocks(ModelId model) const;
  // Raises the model's autoincrement counters to the values of `r`.
  void NoteAutoincrement(const ModelDef& model, const Record& r);
  // Sets the record's deleted mark from its deleted_at.
  static void MarkLiveness(const ModelDef& model, Record& r) {
    r.set_marked_deleted(!r.value(model.deleted_at.value).is_null());
  }
  // Adds `r` to (removes it from) the model's indexes, except the ordered indexes
  // whose bit is set in `keep_ordered` (bit i: index i; indexes past 64 are always done).
  void IndexInsert(const ModelDef& model, const Record* r, uint64_t keep_ordered = 0);
  void IndexErase(const ModelDef& model, const Record* r, uint64_t keep_ordered = 0);
  static bool Kept(uint64_t keep_ordered, size_t index) { return index < 64 && (keep_ordered >> index & 1) != 0; }

  std::shared_ptr<const Schema> schema_;
  // Maps in the pools' next chunks ahead of the writer (see BlockPool); declared
  // before the tables, whose pools use it until they are destroyed.
  std::unique_ptr<Prefaulter> prefaulter_;
  std::vector<std::unique_ptr<Table>> tables_;
};

template <typename Visit>
void Store::ScanUnordered(ModelId model, Visit&& visit) const {
  const std::vector<const BlockPool*> pools = PoolsHoldingAll(model);
  if (pools.empty()) return Scan(model, visit);
  bool going = true;
  auto each = [&](const void* block) { return going = visit(*static_cast<const Record*>(block)); };
  for (const BlockPool* pool : pools) {
    pool->ForEachBlockInUse(each);
    if (!going) return;
  }
}

template <typename Visit>
void Store::ScanTextEquals(ModelId model, SlotId slot, std::string_view text, Visit&& visit) const {
  auto matching = [&](const Record& r) { return !r.value(slot.value).IsText(text) || visit(r); };
  const std::vector<const BlockPool*> pools = PoolsHoldingAll(model);
  if (pools.empty()) return Scan(model, matching);
  const size_t at = Record::ValueOffset(slot.value);
  assert(slot.value < schema_->model(model).properties.size());
  bool going = true;
  auto in_place = [&](const void* block) {
    const Value& v = *reinterpret_cast<const Value*>(static_cast<const char*>(block) + at);
    if (!v.IsText(text)) return true;
    const Record& r = *static_cast<const Record*>(block);
    assert(r.width() == schema_->model(model).properties.size());
    return going = visit(r);
  };
  pools[0]->ForEachBlockInUse(in_place, at);
  auto whole = [&](const void* block) { return going = matching(*static_cast<const Record*>(block)); };
  for (size_t i = 1; going && i < pools.size(); ++i) pools[i]->ForEachBlockInUse(whole);
}

}  // namespace kin
