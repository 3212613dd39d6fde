#include "core/record.h"

#include <algorithm>
#include <cassert>
#include <new>
#include <utility>

namespace kin {

Record::Header* Record::Allocate(uint32_t values, uint32_t links) {
  size_t bytes = sizeof(Header) + values * sizeof(Value) + links * sizeof(LinkList);
  auto* h = static_cast<Header*>(::operator new(bytes));
  h->values = values;
  h->links = links;
  return h;
}

Record::Record(std::span<Value> values, size_t link_count)
    : block_(Allocate(static_cast<uint32_t>(values.size()), static_cast<uint32_t>(link_count))) {
  Value* v = first_value();
  for (size_t i = 0; i < values.size(); ++i) new (v + i) Value(std::move(values[i]));
  LinkList* l = first_link();
  for (size_t i = 0; i < link_count; ++i) new (l + i) LinkList();
}

Record::Record(size_t value_count, size_t link_count)
    : block_(Allocate(static_cast<uint32_t>(value_count), static_cast<uint32_t>(link_count))) {
  for (size_t i = 0; i < value_count; ++i) new (first_value() + i) Value();
  for (size_t i = 0; i < link_count; ++i) new (first_link() + i) LinkList();
}

Record::Record(const Record& other) : block_(Allocate(other.block_->values, other.block_->links)) {
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
  ::operator delete(block_);
  block_ = nullptr;
}

void Record::SetValues(std::span<const Value> values) {
  assert(values.size() == block_->values);
  std::copy(values.begin(), values.end(), first_value());
}

}  // namespace kin
