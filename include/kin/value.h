#pragma once
// Value: one property value of a record, a small tagged union over the property
// property types, in 32 bytes. Text (text, bigNumber and json values)
// of up to 31 bytes is kept inside the value, so a prefixed ULID id or a short
// title costs no allocation and is read from the record's own cache lines; longer
// text is one heap block of its exact size. Moving a value copies its 32 bytes.
// Values are plain data: copyable, thread-safe to share const, and totally ordered
// within one type (nulls first).

#include <cassert>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kin {

enum class ValueType : uint8_t { kNull, kBool, kInt, kFloat, kText, kDateTime, kDecimal, kJson, kStringList };

// Milliseconds since the Unix epoch, UTC.
struct Timestamp {
  int64_t ms = 0;
  friend auto operator<=>(const Timestamp&, const Timestamp&) = default;
};
// A decimal number kept exactly as its canonical text ("-12.5", "0", "1e3" is not canonical).
struct Decimal {
  std::string text;
  friend bool operator==(const Decimal&, const Decimal&) = default;
};
// Compact JSON text of a json property (object or array).
struct JsonText {
  std::string text;
  friend bool operator==(const JsonText&, const JsonText&) = default;
};
using StringList = std::vector<std::string>;

class Value {
 public:
  // Text of up to this many bytes (text, decimal and json values) is kept inside
  // the value; longer text is one heap block of its exact size.
  static constexpr size_t kInlineText = 31;

  Value() noexcept { raw_[kTagByte] = 0; }  // null
  static Value Bool(bool b) { return Scalar(ValueType::kBool, int64_t{b}); }
  static Value Int(int64_t i) { return Scalar(ValueType::kInt, i); }
  static Value Float(double d) { return Scalar(ValueType::kFloat, d); }
  static Value Text(std::string_view s) { return OfText(ValueType::kText, s.data(), s.size()); }
  static Value Text(const char* data, size_t size) { return OfText(ValueType::kText, data, size); }
  // Text of `size` bytes written in place by write(char* out) (no string in between).
  template <typename Write>
  static Value TextWith(size_t size, Write&& write) {
    Value v;
    write(v.AllocateText(ValueType::kText, size));
    return v;
  }
  static Value Time(Timestamp t) { return Scalar(ValueType::kDateTime, t.ms); }
  static Value Dec(const Decimal& d) { return OfText(ValueType::kDecimal, d.text.data(), d.text.size()); }
  static Value Json(const JsonText& j) { return OfText(ValueType::kJson, j.text.data(), j.text.size()); }
  static Value List(StringList l);

  Value(const Value& other) { CopyFrom(other); }
  Value(Value&& other) noexcept { TakeFrom(other); }
  Value& operator=(const Value& other) {
    if (this != &other) {
      Value copy(other);  // may throw: *this is untouched then
      Release();
      TakeFrom(copy);
    }
    return *this;
  }
  Value& operator=(Value&& other) noexcept {
    if (this != &other) {
      Release();
      TakeFrom(other);
    }
    return *this;
  }
  ~Value() { Release(); }

  ValueType type() const {
    const unsigned char tag = raw_[kTagByte];
    return tag < kInlineTag ? static_cast<ValueType>(tag) : kInlineTypes[(tag - kInlineTag) >> 5];
  }
  bool is_null() const { return raw_[kTagByte] == 0; }
  // Whether this is a text value whose text is `text`: the tag byte (type and, for
  // short text, size) and then the bytes, with no decoding in between (what a scan
  // for `{property: "text"}` asks of every record).
  bool IsText(std::string_view text) const {
    const unsigned char tag = raw_[kTagByte];
    if (tag >= kInlineTag)
      return text.size() <= kInlineText && tag == kInlineTag + text.size() &&
             std::memcmp(raw_, text.data(), text.size()) == 0;
    return tag == static_cast<unsigned char>(ValueType::kText) && Load<size_t>(8) == text.size() &&
           std::memcmp(Load<const char*>(0), text.data(), text.size()) == 0;
  }

  // Each accessor is for values of its type only (asserted).
  bool as_bool() const { return assert(Is(ValueType::kBool)), Load<int64_t>(0) != 0; }
  int64_t as_int() const { return assert(Is(ValueType::kInt)), Load<int64_t>(0); }
  double as_float() const { return assert(Is(ValueType::kFloat)), Load<double>(0); }
  Timestamp as_time() const { return assert(Is(ValueType::kDateTime)), Timestamp{Load<int64_t>(0)}; }
  // The text of a text value: valid while the value lives unchanged at its place
  // (short text is inside the value, so a moved value's old view dangles).
  std::string_view as_text() const { return assert(Is(ValueType::kText)), TextView(); }
  // The canonical decimal text of a bigNumber value.
  std::string_view as_decimal() const { return assert(Is(ValueType::kDecimal)), TextView(); }
  // The compact JSON text of a json value.
  std::string_view as_json() const { return assert(Is(ValueType::kJson)), TextView(); }
  const StringList& as_list() const { return assert(Is(ValueType::kStringList)), *Load<StringList*>(0); }

  // Whether the value keeps anything on the heap: text longer than kInlineText, or
  // a string list. A value that does not holds at most kInlineText bytes of text.
  bool owns_heap() const {
    const unsigned char tag = raw_[kTagByte];
    return tag < kInlineTag && ((kHeapTags >> tag) & 1) != 0;
  }

  // A number view of int, float, decimal and timestamp values (for comparisons).
  std::optional<double> AsNumber() const;

  friend bool operator==(const Value& a, const Value& b);

  // Appends an encoding that is equal for equal values and distinct otherwise
  // (the key of unique and plain indexes).
  void AppendKey(std::string* out) const;

  // A short human-readable form for messages: text as is, numbers, true/false, null.
  std::string ToDisplay() const;

 private:
  // 32 bytes: the payload in raw_[0, 31) (a number, a list pointer, inline text, or
  // a heap text's pointer and size), then a tag byte. The tag of a number, a list,
  // a null or text on the heap is its ValueType; that of inline text is
  // kInlineTag + 32 * kind + size, kind 0, 1, 2 for text, decimal, json (so the
  // size takes no byte of its own).
  static constexpr size_t kTagByte = kInlineText;
  static constexpr unsigned char kInlineTag = 0x40;
  static constexpr ValueType kInlineTypes[3] = {ValueType::kText, ValueType::kDecimal, ValueType::kJson};
  // Tags (as bits) of values that own heap memory: text, decimal and json on the
  // heap, and lists.
  static constexpr unsigned kHeapTags = (1u << static_cast<int>(ValueType::kText)) |
                                        (1u << static_cast<int>(ValueType::kDecimal)) |
                                        (1u << static_cast<int>(ValueType::kJson)) |
                                        (1u << static_cast<int>(ValueType::kStringList));
  static_assert(kInlineText < 32 && static_cast<int>(ValueType::kStringList) < kInlineTag);

  bool Is(ValueType t) const { return type() == t; }
  template <typename T>
  T Load(size_t at) const {
    T v;
    std::memcpy(&v, raw_ + at, sizeof v);
    return v;
  }
  template <typename T>
  void Store(size_t at, T v) {
    std::memcpy(raw_ + at, &v, sizeof v);
  }
  template <typename T>
  static Value Scalar(ValueType type, T v) {
    Value out;
    out.Store<T>(0, v);
    out.raw_[kTagByte] = static_cast<unsigned char>(type);
    return out;
  }
  static Value OfText(ValueType type, const char* data, size_t size) {
    Value v;
    if (size != 0) std::memcpy(v.AllocateText(type, size), data, size);
    else v.AllocateText(type, 0);
    return v;
  }
  // Makes this null value a `type` value of `size` bytes of text; returns where
  // they go.
  char* AllocateText(ValueType type, size_t size);
  std::string_view TextView() const {
    const unsigned char tag = raw_[kTagByte];
    if (tag >= kInlineTag) return {reinterpret_cast<const char*>(raw_), static_cast<size_t>(tag & 31)};
    return {Load<const char*>(0), Load<size_t>(8)};
  }
  void CopyFrom(const Value& other);
  // Takes other's payload; other becomes null.
  void TakeFrom(Value& other) noexcept {
    std::memcpy(raw_, other.raw_, sizeof raw_);
    other.raw_[kTagByte] = 0;
  }
  // Frees what the value owns on the heap (it is left unchanged: the caller
  // overwrites it or is its destructor).
  void Release() noexcept {
    if (owns_heap()) ReleaseHeap();
  }
  void ReleaseHeap() noexcept;

  alignas(8) unsigned char raw_[kInlineText + 1];
};
static_assert(sizeof(Value) == 32);

// Three-way comparison for ordering and range filters: nulls first; numbers (int,
// float, decimal) compare numerically with each other; text by bytes; otherwise by type.
int CompareValues(const Value& a, const Value& b);

// "2026-11-24T10:00:00.000Z" <-> Timestamp. Parsing accepts that form, without
// milliseconds, and with a "+00:00" offset.
std::string FormatTimestamp(Timestamp t);
// The same text into `out` without allocating; returns its length.
constexpr size_t kTimestampBufferSize = 48;
size_t FormatTimestamp(Timestamp t, char (&out)[kTimestampBufferSize]);
std::optional<Timestamp> ParseTimestamp(std::string_view s);
Timestamp Now();

// Canonical decimal text from "12.50", "-0.5", "1e3", "7"; nullopt when not a
// number or when the canonical text would exceed kMaxDecimalDigits characters.
constexpr size_t kMaxDecimalDigits = 100;
std::optional<Decimal> ParseDecimal(std::string_view s);

}  // namespace kin
