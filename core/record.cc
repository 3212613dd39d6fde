#include "core/record.h"

#include <algorithm>
#include <cassert>
#include <cstddef>
#include <new>
#include <stdexcept>
#include <utility>

namespace kin {

Record* RecordPtr::Allocate(size_t values, size_t links, BlockPool* pool) {
  static_assert(offsetof(Record, values_) == 0 && sizeof(Record::values_) == sizeof(BlockPool::kFreeMark),
                "a record starts with its value count, where a freed block has its mark");
  if (values > Record::kMaxValues) throw std::length_error("a record holds at most 65535 values");
  if (links > Record::kMaxLinkLists) throw std::length_error("a record holds at most 65535 link lists");
  size_t bytes = Record::BlockBytes(values, links);
  void* block;
  uint16_t chunk_offset = 0;
  // A pooled record starts with its value count, never 0 (BlockPool::kFreeMark).
  if (pool && values > 0 && pool->Serves(bytes)) {
    BlockPool::Block b = pool->Allocate();
    block = b.address;
    chunk_offset = b.chunk_offset;
  } else {
    block = ::operator new(bytes);
  }
  return new (block) Record(values, links, chunk_offset);
}

RecordPtr::RecordPtr(std::span<Value> values, size_t link_count, BlockPool* pool)
    : RecordPtr(values.size(), link_count, pool, [values](size_t slot) { return std::move(values[slot]); }) {}

RecordPtr::RecordPtr(size_t value_count, size_t link_count, BlockPool* pool)
    : RecordPtr(value_count, link_count, pool, [](size_t) { return Value(); }) {}

RecordPtr::RecordPtr(RecordPtr&& other, BlockPool* pool)
    : record_(Allocate(other->values_, other->links_, pool)) {
  for (size_t i = 0; i < record_->values_; ++i) new (record_->first_value() + i) Value(std::move(other->first_value()[i]));
  for (size_t i = 0; i < record_->links_; ++i) new (record_->first_link() + i) LinkList(std::move(other->first_link()[i]));
  record_->deleted_ = other->deleted_;
}

RecordPtr::RecordPtr(const Record& other) : record_(Allocate(other.values_, other.links_, nullptr)) {
  for (size_t i = 0; i < record_->values_; ++i) new (record_->first_value() + i) Value(other.first_value()[i]);
  for (size_t i = 0; i < record_->links_; ++i) new (record_->first_link() + i) LinkList(other.first_link()[i]);
  record_->deleted_ = other.deleted_;
}

RecordPtr& RecordPtr::operator=(RecordPtr&& other) noexcept {
  if (this != &other) {
    Reset();
    record_ = std::exchange(other.record_, nullptr);
  }
  return *this;
}

void RecordPtr::Reset() {
  Record* r = std::exchange(record_, nullptr);
  if (!r) return;
  for (size_t i = 0; i < r->links_; ++i) r->first_link()[i].~LinkList();
  FreePartial(r, r->values_);
}

void RecordPtr::FreePartial(Record* r, size_t values_made) {
  for (size_t i = 0; i < values_made; ++i) r->first_value()[i].~Value();
  uint16_t chunk_offset = r->chunk_offset_;
  r->~Record();
  if (chunk_offset == 0) ::operator delete(static_cast<void*>(r));
  else BlockPool::Owner(r, chunk_offset)->Free(r, chunk_offset);
}

const BlockPool* Record::pool() const {
  if (chunk_offset_ == 0) return nullptr;
  return BlockPool::Owner(this, chunk_offset_);
}

void Record::SetValues(std::span<const Value> values) {
  assert(values.size() == values_);
  std::copy(values.begin(), values.end(), first_value());
}

void Record::MoveValues(std::span<Value> values) {
  assert(values.size() == values_);
  std::move(values.begin(), values.end(), first_value());
}

}  // namespace kin
