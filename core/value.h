#pragma once
// Value: one property value of a record, a small tagged union over the property
// types of SPEC.md section 1.1. Values are plain data: copyable, thread-safe to share
// const, and totally ordered within one type (nulls first).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
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
  Value() = default;  // null
  static Value Bool(bool b) { return Value(std::in_place_index<1>, b); }
  static Value Int(int64_t i) { return Value(std::in_place_index<2>, i); }
  static Value Float(double d) { return Value(std::in_place_index<3>, d); }
  static Value Text(std::string s) { return Value(std::in_place_index<4>, std::move(s)); }
  // Text copied straight into the value (no std::string in between).
  static Value Text(const char* data, size_t size) { return Value(std::in_place_index<4>, data, size); }
  static Value Time(Timestamp t) { return Value(std::in_place_index<5>, t); }
  static Value Dec(Decimal d) { return Value(std::in_place_index<6>, std::move(d)); }
  static Value Json(JsonText j) { return Value(std::in_place_index<7>, std::move(j)); }
  static Value List(StringList l) { return Value(std::in_place_index<8>, std::move(l)); }

  ValueType type() const { return static_cast<ValueType>(v_.index()); }
  bool is_null() const { return v_.index() == 0; }

  bool as_bool() const { return std::get<1>(v_); }
  int64_t as_int() const { return std::get<2>(v_); }
  double as_float() const { return std::get<3>(v_); }
  const std::string& as_text() const { return std::get<4>(v_); }
  Timestamp as_time() const { return std::get<5>(v_); }
  const Decimal& as_decimal() const { return std::get<6>(v_); }
  const JsonText& as_json() const { return std::get<7>(v_); }
  const StringList& as_list() const { return std::get<8>(v_); }

  // A number view of int, float, decimal and timestamp values (for comparisons).
  std::optional<double> AsNumber() const;

  friend bool operator==(const Value&, const Value&) = default;

  // Appends an encoding that is equal for equal values and distinct otherwise
  // (the key of unique and plain indexes).
  void AppendKey(std::string* out) const;

  // A short human-readable form for messages: text as is, numbers, true/false, null.
  std::string ToDisplay() const;

 private:
  using Storage = std::variant<std::monostate, bool, int64_t, double, std::string, Timestamp, Decimal, JsonText,
                               StringList>;
  // Builds the alternative in place: a factory's value is constructed once, in the
  // Value it returns (no variant moved in between).
  template <size_t I, typename... Args>
  explicit Value(std::in_place_index_t<I> index, Args&&... args) : v_(index, std::forward<Args>(args)...) {}
  Storage v_;
};

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
