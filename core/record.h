#pragma once
// Record: one stored record, laid out in one block of memory: a small header, then
// the values in the model's slot order (slot 0 is the primary key; a record built
// before its model gained properties in place holds only the slots it had), then per
// relation of the model (RelationDef::local) a LinkList of direct pointers to the
// related records, sorted by their primary key: a belongsTo holds its parent (0 or
// 1), a hasOne/hasMany its children, an automatic manyToMany the linked records, a
// manyToMany through a pivotEntity the pivot records.
//
// A `const Record*` is the record's address: link lists, indexes and readers hold it,
// and following one is a single memory access to the record's header, id and values.
// Records are neither copied nor moved (but for Store::Widen, which moves a record
// kept across an in-place schema change once); a RecordPtr owns one (the Store's containers
// hold them, each beside its id's hash). The block comes from operator new, or from
// a BlockPool (the Store passes its model's pool): the header then holds the block's
// offset in its pool chunk, which names the pool to free it into. A pooled record must be
// destroyed before its pool (the Store that made it); copies are never pooled.
//
// The header also carries a "deleted" mark that the Store keeps equal to "deleted_at
// is not null" for every stored record (Store::IsLive reads it, so a liveness check
// touches only the header's cache line). Records are owned by the Store; their
// addresses are stable for as long as they exist. A record is plain data: not
// internally synchronized. A pooled record may be built on one thread and destroyed
// on another (the pool is synchronized).

#include <cstdint>
#include <algorithm>
#include <new>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "core/block_pool.h"
#include "core/link_list.h"
#include "kin/value.h"

namespace kin {

class Record {
 public:
  Record(const Record&) = delete;
  Record& operator=(const Record&) = delete;

  static constexpr size_t kMaxValues = 0xFFFF;
  static constexpr size_t kMaxLinkLists = 0xFFFF;
  // The size of the block of a record of this shape (what its pool must serve).
  static size_t BlockBytes(size_t value_count, size_t link_count) {
    return sizeof(Record) + value_count * sizeof(Value) + link_count * sizeof(LinkList);
  }
  // Where the value of `slot` lies in a record's block (a record of at least
  // slot + 1 values): what a scan of full-width records reads without the header.
  static constexpr size_t ValueOffset(size_t slot) { return sizeof(Record) + slot * sizeof(Value); }
  // The pool the block came from; nullptr for operator new.
  const BlockPool* pool() const;

  // The values the record holds: one per slot of the schema it was built under. A
  // record built before its model gained properties in place (Store::AdoptSchema)
  // holds fewer than its model has; value() reads null past its end.
  std::span<const Value> values() const { return {first_value(), values_}; }
  size_t width() const { return values_; }
  const Value& value(size_t slot) const { return slot < values_ ? first_value()[slot] : NullValue(); }
  std::string_view id() const { return first_value()->as_text(); }
  // The values of the record's `width` slots (its model's slot count), null past its end.
  std::vector<Value> CopyValues(size_t width) const {
    std::vector<Value> out(first_value(), first_value() + std::min<size_t>(values_, width));
    out.resize(width);
    return out;
  }
  // Replaces every value by a copy of `values` (the same number of them). On a stored
  // record, only inside the container's `modify`, since the primary key and index
  // keys are among them.
  void SetValues(std::span<const Value> values);
  // The same, moving from `values` (left moved-from).
  void MoveValues(std::span<Value> values);
  // A value of a record not yet stored (a stored record is const).
  Value& mutable_value(size_t slot) { return first_value()[slot]; }

  // The deleted mark (see above); set by the Store as it stores the record.
  bool marked_deleted() const { return deleted_ != 0; }
  void set_marked_deleted(bool deleted) { deleted_ = deleted ? 1 : 0; }

  size_t link_count() const { return links_; }
  const LinkList& links(size_t local) const { return first_link()[local]; }
  // The link list for editing in place. Adjacency is not part of any key of the
  // record's container, so the Store edits it on a stored (const) record without
  // `modify`; callers hold the database's write lock.
  LinkList& links_for_update(size_t local) const { return first_link()[local]; }

 private:
  friend class RecordPtr;
  Record(size_t values, size_t links, uint16_t chunk_offset)
      : values_(static_cast<uint16_t>(values)), links_(static_cast<uint16_t>(links)), chunk_offset_(chunk_offset) {}
  ~Record() = default;

  Value* first_value() const { return reinterpret_cast<Value*>(const_cast<Record*>(this) + 1); }
  static const Value& NullValue() {
    static const Value null;
    return null;
  }
  LinkList* first_link() const { return reinterpret_cast<LinkList*>(first_value() + values_); }

  uint16_t values_;  // first: not 0 in a pooled record (BlockPool::kFreeMark)
  uint16_t links_;
  uint16_t chunk_offset_;  // 0: from operator new; else see BlockPool::Owner
  uint16_t deleted_ = 0;
};
static_assert(sizeof(Record) % alignof(Value) == 0 && sizeof(Value) % alignof(LinkList) == 0);

// RecordPtr: sole owner of one Record (or of none, when moved from), like a
// std::unique_ptr that knows how to build and free a record's block. Not internally
// synchronized.
class RecordPtr {
 public:
  RecordPtr() = default;
  // A record of these values (moved out of `values`) with `link_count` empty link
  // lists, in a block from `pool` when it serves blocks of this size, else from
  // operator new. At most kMaxValues values and kMaxLinkLists link lists
  // (std::length_error otherwise).
  RecordPtr(std::span<Value> values, size_t link_count, BlockPool* pool = nullptr);
  // A record of `value_count` null values, to be filled through mutable_value()
  // before it is stored.
  RecordPtr(size_t value_count, size_t link_count, BlockPool* pool = nullptr);
  // A record whose value in each slot i is built in place from make(i) (a Value
  // returned by value), with `link_count` empty link lists: how a decoder fills a
  // record without a null value and an assignment per slot. If make throws, the
  // values made so far and the block are freed and the exception goes on.
  template <typename MakeValue>
  RecordPtr(size_t value_count, size_t link_count, BlockPool* pool, MakeValue&& make);
  // The values and link lists of `other`'s record (left empty) moved into a new
  // record in a block from `pool`; `other` still owns its emptied record.
  RecordPtr(RecordPtr&& other, BlockPool* pool);
  // A copy of the values and link lists of `other`, from operator new.
  explicit RecordPtr(const Record& other);
  RecordPtr(RecordPtr&& other) noexcept : record_(other.record_) { other.record_ = nullptr; }
  RecordPtr& operator=(RecordPtr&& other) noexcept;
  ~RecordPtr() { Reset(); }

  Record* get() const { return record_; }
  Record& operator*() const { return *record_; }
  Record* operator->() const { return record_; }
  explicit operator bool() const { return record_ != nullptr; }

 private:
  static Record* Allocate(size_t values, size_t links, BlockPool* pool);
  // Frees a record whose first `values_made` values and no link lists are built.
  static void FreePartial(Record* r, size_t values_made);
  void Reset();

  Record* record_ = nullptr;
};

template <typename MakeValue>
RecordPtr::RecordPtr(size_t value_count, size_t link_count, BlockPool* pool, MakeValue&& make)
    : record_(Allocate(value_count, link_count, pool)) {
  Value* v = record_->first_value();
  size_t made = 0;
  try {
    for (; made < value_count; ++made) new (v + made) Value(make(made));
  } catch (...) {
    FreePartial(std::exchange(record_, nullptr), made);
    throw;
  }
  LinkList* l = record_->first_link();
  for (size_t i = 0; i < link_count; ++i) new (l + i) LinkList();
}

// Orders record pointers by primary key (the order of every link list).
struct RecordIdLess {
  bool operator()(const Record* a, const Record* b) const { return a->id() < b->id(); }
};

}  // namespace kin
