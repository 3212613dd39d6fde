#pragma once
// LinkList: the related-record pointers of one relation of one record (see
// record.h), a small vector of `const Record*`. Most lists hold zero or one pointer
// (a belongsTo's parent, a hasOne's child, a record with one link), so one pointer is
// kept inline and longer lists go to the heap: 16 bytes, and no allocation until a
// second element. The interface is the part of std::vector the store needs;
// iterators are plain pointers, invalidated by any change that grows the list
// (as std::vector's). Not internally synchronized.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <utility>

namespace kin {

class Record;

class LinkList {
 public:
  using value_type = const Record*;
  using iterator = const Record**;
  using const_iterator = const Record* const*;

  LinkList() = default;
  // `n` null pointers, to be overwritten.
  explicit LinkList(size_t n) { resize(n); }
  LinkList(const LinkList& other) { *this = other; }
  LinkList(LinkList&& other) noexcept { Steal(other); }
  LinkList& operator=(const LinkList& other) {
    if (this != &other) {
      resize(0);
      reserve(other.size_);
      std::copy(other.begin(), other.end(), data());
      size_ = other.size_;
    }
    return *this;
  }
  LinkList& operator=(LinkList&& other) noexcept {
    if (this != &other) {
      Release();
      Steal(other);
    }
    return *this;
  }
  ~LinkList() { Release(); }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  size_t capacity() const { return capacity_; }
  // Bytes this list holds outside itself (0 for an inline list).
  size_t heap_bytes() const { return inline_storage() ? 0 : capacity_ * sizeof(value_type); }

  const value_type* data() const { return inline_storage() ? &one_ : heap_; }
  value_type* data() { return inline_storage() ? &one_ : heap_; }
  const_iterator begin() const { return data(); }
  const_iterator end() const { return data() + size_; }
  iterator begin() { return data(); }
  iterator end() { return data() + size_; }
  value_type operator[](size_t i) const { return data()[i]; }
  value_type& operator[](size_t i) { return data()[i]; }
  value_type front() const { return data()[0]; }
  value_type back() const { return data()[size_ - 1]; }

  void reserve(size_t n) {
    if (n <= capacity_) return;
    if (n > UINT32_MAX) throw std::length_error("a link list holds at most 4294967295 links");
    auto* grown = new value_type[n];
    std::copy(begin(), end(), grown);
    uint32_t size = size_;
    Release();
    heap_ = grown;
    capacity_ = static_cast<uint32_t>(n);
    size_ = size;
  }
  void resize(size_t n) {
    reserve(n);
    if (n > size_) std::fill(end(), data() + n, nullptr);
    size_ = static_cast<uint32_t>(n);
  }
  void clear() { size_ = 0; }
  void push_back(value_type r) {
    if (size_ == capacity_) reserve(Grown());
    data()[size_++] = r;
  }
  // Inserts `r` before `pos` (an iterator of this list); returns its position.
  iterator insert(const_iterator pos, value_type r) {
    size_t at = static_cast<size_t>(pos - begin());
    if (size_ == capacity_) reserve(Grown());
    value_type* d = data();
    std::move_backward(d + at, d + size_, d + size_ + 1);
    d[at] = r;
    ++size_;
    return d + at;
  }
  // Removes the element at `pos` (an iterator of this list).
  void erase(const_iterator pos) {
    value_type* d = data();
    size_t at = static_cast<size_t>(pos - d);
    std::move(d + at + 1, d + size_, d + at);
    --size_;
  }
  void assign(size_t n, value_type r) {
    clear();
    resize(n);
    std::fill(begin(), end(), r);
  }

  friend bool operator==(const LinkList& a, const LinkList& b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end());
  }

 private:
  static constexpr uint32_t kInline = 1;
  bool inline_storage() const { return capacity_ == kInline; }
  size_t Grown() const { return size_t{capacity_} * 2; }
  void Release() {
    if (!inline_storage()) delete[] heap_;
    capacity_ = kInline;
    size_ = 0;
  }
  void Steal(LinkList& other) {
    size_ = other.size_;
    capacity_ = other.capacity_;
    if (other.inline_storage()) one_ = other.one_;
    else heap_ = other.heap_;
    other.capacity_ = kInline;
    other.size_ = 0;
  }

  uint32_t size_ = 0;
  uint32_t capacity_ = kInline;  // kInline: the element (if any) is `one_`
  union {
    value_type one_ = nullptr;
    value_type* heap_;
  };
};
static_assert(sizeof(LinkList) == 16);

}  // namespace kin
