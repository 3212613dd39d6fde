#include "core/record.h"

#include <algorithm>
#include <cassert>
#include <new>
#include <stdexcept>
#include <utility>

namespace kin {

Record::Header* Record::Allocate(size_t values, size_t links, BlockPool* pool) {
  if (links > kMaxLinkLists) throw std::length_error("a record holds at most 65535 link lists");
  size_t bytes = BlockBytes(values, links);
  Header* h;
  uint16_t chunk_offset = 0;
  if (pool && pool->Serves(bytes)) {
    BlockPool::Block b = pool->Allocate();
    h = static_cast<Header*>(b.address);
    chunk_offset = b.chunk_offset;
  } else {
    h = static_cast<Header*>(::operator new(bytes));
  }
  h->values = static_cast<uint32_t>(values);
  h->links = static_cast<uint16_t>(links);
  h->chunk_offset = chunk_offset;
  return h;
}

Record::Record(std::span<Value> values, size_t link_count, BlockPool* pool)
    : block_(Allocate(values.size(), link_count, pool)) {
  Value* v = first_value();
  for (size_t i = 0; i < values.size(); ++i) new (v + i) Value(std::move(values[i]));
  LinkList* l = first_link();
  for (size_t i = 0; i < link_count; ++i) new (l + i) LinkList();
}

Record::Record(size_t value_count, size_t link_count, BlockPool* pool)
    : block_(Allocate(value_count, link_count, pool)) {
  for (size_t i = 0; i < value_count; ++i) new (first_value() + i) Value();
  for (size_t i = 0; i < link_count; ++i) new (first_link() + i) LinkList();
}

Record::Record(Record&& other, BlockPool* pool) : block_(Allocate(other.block_->values, other.block_->links, pool)) {
  for (uint32_t i = 0; i < block_->values; ++i) new (first_value() + i) Value(std::move(other.first_value()[i]));
  for (uint32_t i = 0; i < block_->links; ++i) new (first_link() + i) LinkList(std::move(other.first_link()[i]));
}

Record::Record(const Record& other) : block_(Allocate(other.block_->values, other.block_->links, nullptr)) {
  for (uint32_t i = 0; i < block_->values; ++i) new (first_value() + i) Value(other.first_value()[i]);
  for (uint32_t i = 0; i < block_->links; ++i) new (first_link() + i) LinkList(other.first_link()[i]);
}

Record& Record::operator=(Record&& other) noexcept {
  if (this != &other) {
    Destroy();
    block_ = std::exchange(other.block_, nullptr);
  }
  return *this;
}

Record::~Record() { Destroy(); }

void Record::Destroy() {
  if (!block_) return;
  for (uint32_t i = 0; i < block_->values; ++i) first_value()[i].~Value();
  for (uint32_t i = 0; i < block_->links; ++i) first_link()[i].~LinkList();
  if (block_->chunk_offset == 0) ::operator delete(block_);
  else BlockPool::Owner(block_, block_->chunk_offset)->Free(block_, block_->chunk_offset);
  block_ = nullptr;
}

const BlockPool* Record::pool() const {
  if (!block_ || block_->chunk_offset == 0) return nullptr;
  return BlockPool::Owner(block_, block_->chunk_offset);
}

void Record::SetValues(std::span<const Value> values) {
  assert(values.size() == block_->values);
  std::copy(values.begin(), values.end(), first_value());
}

}  // namespace kin
