#pragma once
// Record: one stored record. Values are in the model's slot order (slot 0 is the
// primary key). Per relation of the model (RelationDef::local) a LinkList holds
// direct pointers to the related records, sorted by their primary key: a belongsTo
// holds its parent (0 or 1), a hasOne/hasMany its children, an automatic manyToMany
// the linked records, a manyToMany through a pivotEntity the pivot records.
//
// Values and link lists live in one block the record owns (a header, then the
// values, then the link lists), so a stored record costs one container node with a
// single pointer of payload plus that block. The block comes from operator new, or
// from a BlockPool given at construction (the Store passes its model's pool): the
// header then holds the block's offset in its pool chunk, which names the pool to
// free it into, so the record stays one pointer. A pooled record must be destroyed
// before its pool (the Store that made it); copies are never pooled.
//
// Records are owned by the Store; their addresses are stable for as long as they
// exist. A record is plain data: not internally synchronized. A pooled record may be
// built on one thread and destroyed on another (the pool is synchronized).

#include <span>
#include <string_view>
#include <vector>

#include "core/block_pool.h"
#include "core/value.h"

namespace kin {

class Record;
using LinkList = std::vector<const Record*>;

class Record {
 public:
  // A record of these values (moved out of `values`) with `link_count` empty link lists
  // (at most kMaxLinkLists: std::length_error otherwise), in a block from `pool` when
  // it serves blocks of this size, else from operator new.
  Record(std::span<Value> values, size_t link_count, BlockPool* pool = nullptr);
  // A record of `value_count` null values, to be filled through mutable_value()
  // before it is stored.
  Record(size_t value_count, size_t link_count, BlockPool* pool = nullptr);
  // The values and link lists of `other` (left empty) moved into a block from `pool`.
  Record(Record&& other, BlockPool* pool);
  Record(const Record& other);
  Record(Record&& other) noexcept : block_(other.block_) { other.block_ = nullptr; }
  Record& operator=(const Record& other) { return *this = Record(other); }
  Record& operator=(Record&& other) noexcept;
  ~Record();

  static constexpr size_t kMaxLinkLists = 0xFFFF;
  // The size of the block of a record of this shape (what its pool must serve).
  static size_t BlockBytes(size_t value_count, size_t link_count) {
    return sizeof(Header) + value_count * sizeof(Value) + link_count * sizeof(LinkList);
  }
  // The pool the block came from; nullptr for operator new (or a moved-from record).
  const BlockPool* pool() const;

  std::span<const Value> values() const { return {first_value(), block_->values}; }
  const Value& value(size_t slot) const { return first_value()[slot]; }
  std::string_view id() const { return first_value()->as_text(); }
  std::vector<Value> CopyValues() const { return {first_value(), first_value() + block_->values}; }
  // Replaces every value by a copy of `values` (the same number of them). On a stored
  // record, only inside the container's `modify`, since the primary key and index
  // keys are among them.
  void SetValues(std::span<const Value> values);
  // A value of a record not yet stored (a stored record is const).
  Value& mutable_value(size_t slot) { return first_value()[slot]; }

  size_t link_count() const { return block_->links; }
  const LinkList& links(size_t local) const { return first_link()[local]; }
  // The link list for editing in place. Adjacency is not part of any key of the
  // record's container, so the Store edits it on a stored (const) record without
  // `modify`; callers hold the database's write lock.
  LinkList& links_for_update(size_t local) const { return first_link()[local]; }

 private:
  struct Header {
    uint32_t values;
    uint16_t links;
    uint16_t chunk_offset;  // 0: from operator new; else see BlockPool::Owner
  };
  static_assert(sizeof(Header) % alignof(Value) == 0 && sizeof(Value) % alignof(LinkList) == 0);
  Value* first_value() const { return reinterpret_cast<Value*>(block_ + 1); }
  LinkList* first_link() const { return reinterpret_cast<LinkList*>(first_value() + block_->values); }
  static Header* Allocate(size_t values, size_t links, BlockPool* pool);
  void Destroy();

  Header* block_;
};

// Orders record pointers by primary key (the order of every link list).
struct RecordIdLess {
  bool operator()(const Record* a, const Record* b) const { return a->id() < b->id(); }
};

}  // namespace kin
