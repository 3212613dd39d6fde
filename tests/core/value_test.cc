// Tests for core/value: storage of text inline and on the heap, ordering of values,
// index keys, timestamps and decimals.

#include "kin/value.h"

#include <catch2/catch.hpp>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace {

using kin::CompareValues;
using kin::Decimal;
using kin::Timestamp;
using kin::Value;

Value Dec(const char* text) {
  auto d = kin::ParseDecimal(text);
  REQUIRE(d.has_value());
  return Value::Dec(*d);
}

std::string Key(const Value& v) {
  std::string k;
  v.AppendKey(&k);
  return k;
}

std::string Key(const std::vector<Value>& values) {
  std::string k;
  for (const auto& v : values) v.AppendKey(&k);
  return k;
}

std::string Canonical(const char* text) {
  auto d = kin::ParseDecimal(text);
  REQUIRE(d.has_value());
  return d->text;
}

}  // namespace

// ---- CompareValues ------------------------------------------------------------

TEST_CASE("text keeps its bytes whether it fits inside the value or not", "[core]") {
  for (size_t n : {size_t{0}, size_t{1}, Value::kInlineText - 1, Value::kInlineText, Value::kInlineText + 1,
                   size_t{1000}}) {
    std::string text(n, 'x');
    for (size_t i = 0; i < n; ++i) text[i] = static_cast<char>('a' + i % 26);
    Value v = Value::Text(text);
    CHECK(v.type() == kin::ValueType::kText);
    CHECK(v.as_text() == text);
    Value copy = v;
    CHECK(copy == v);
    CHECK(copy.as_text() == text);
    if (n > Value::kInlineText) CHECK(copy.as_text().data() != v.as_text().data());  // a copy owns its own
    Value moved = std::move(v);
    CHECK(moved.as_text() == text);
    CHECK(v.is_null());  // NOLINT(bugprone-use-after-move): a moved-from value is null
  }
}

TEST_CASE("text up to the inline size lives inside the value", "[core]") {
  Value shortest = Value::Text(std::string(Value::kInlineText, 'a'));
  const char* begin = reinterpret_cast<const char*>(&shortest);
  CHECK(shortest.as_text().data() >= begin);
  CHECK(shortest.as_text().data() < begin + sizeof(Value));
  Value longer = Value::Text(std::string(Value::kInlineText + 1, 'a'));
  CHECK((longer.as_text().data() < begin || longer.as_text().data() >= begin + sizeof(Value)));
}

TEST_CASE("IsText is true for a text value of exactly that text, inline or on the heap", "[core]") {
  for (size_t n : {size_t{0}, size_t{1}, size_t{11}, Value::kInlineText, Value::kInlineText + 1, size_t{200}}) {
    const std::string text(n, 'x');
    const Value v = Value::Text(text);
    CHECK(v.IsText(text));
    CHECK_FALSE(v.IsText(text + "x"));  // one byte longer: another size
    if (n > 0) {
      std::string other = text;
      other.back() = 'y';  // same size, last byte differs
      CHECK_FALSE(v.IsText(other));
      CHECK_FALSE(v.IsText(text.substr(1)));
    }
  }
  // Other types never are text, even with the same bytes.
  CHECK_FALSE(Value().IsText(""));
  CHECK_FALSE(Value::Dec(kin::Decimal{"12"}).IsText("12"));
  CHECK_FALSE(Value::Json(kin::JsonText{"{}"}).IsText("{}"));
  CHECK_FALSE(Value::Json(kin::JsonText{std::string(40, '1')}).IsText(std::string(40, '1')));
  CHECK_FALSE(Value::List({"a"}).IsText("a"));
  // Short decimal and json values share the inline tags' range with longer text.
  CHECK_FALSE(Value::Dec(kin::Decimal{"12"}).IsText(std::string(Value::kInlineText + 3, '1')));
  CHECK_FALSE(Value::Json(kin::JsonText{"{}"}).IsText(std::string(2 * (Value::kInlineText + 1) + 2, '{')));
  CHECK_FALSE(Value::Int(0).IsText(""));
}

TEST_CASE("assigning values frees what the old value held", "[core]") {
  // Under AddressSanitizer a leak or a double free here fails the run.
  Value v = Value::Text(std::string(100, 'a'));
  v = Value::Text(std::string(200, 'b'));
  CHECK(v.as_text() == std::string(200, 'b'));
  v = Value::List({"x", std::string(100, 'y')});
  CHECK(v.as_list().size() == 2);
  Value other = v;
  v = other;
  v = v;  // NOLINT(clang-diagnostic-self-assign-overloaded): self-assignment keeps the value
  CHECK(v.as_list()[1] == std::string(100, 'y'));
  v = Value::Int(3);
  CHECK(v.as_int() == 3);
  v = Value();
  CHECK(v.is_null());
}

TEST_CASE("values of different types are never equal", "[core]") {
  CHECK(Value::Text("1") != Value::Json(kin::JsonText{"1"}));
  CHECK(Value::Int(1) != Value::Bool(true));
  CHECK(Value::Int(0) != Value());
  CHECK(Value::Time(Timestamp{5}) != Value::Int(5));
  CHECK(Value::Dec(Decimal{"5"}) != Value::Text("5"));
  CHECK(Value::Bool(true) == Value::Bool(true));
  CHECK(Value::Float(0.5) == Value::Float(0.5));
  CHECK(Value::List({"a"}) == Value::List({"a"}));
  CHECK(Value::List({"a"}) != Value::List({"a", "b"}));
}

TEST_CASE("text written in place is a text value of that size", "[core]") {
  Value v = Value::TextWith(5, [](char* out) { std::memcpy(out, "hello", 5); });
  CHECK(v.as_text() == "hello");
  Value w = Value::TextWith(60, [](char* out) { std::memset(out, 'z', 60); });
  CHECK(w.as_text() == std::string(60, 'z'));
}

TEST_CASE("null sorts before every other value", "[core]") {
  const Value null;
  for (const Value& v : {Value::Bool(false), Value::Int(-5), Value::Float(-1e300), Value::Text(""),
                         Value::Time(Timestamp{-1}), Dec("-99"), Value::List({})}) {
    INFO(v.ToDisplay());
    CHECK(CompareValues(null, v) < 0);
    CHECK(CompareValues(v, null) > 0);
  }
  CHECK(CompareValues(null, null) == 0);
}

TEST_CASE("integers compare numerically", "[core]") {
  CHECK(CompareValues(Value::Int(2), Value::Int(10)) < 0);
  CHECK(CompareValues(Value::Int(-3), Value::Int(-20)) > 0);
  CHECK(CompareValues(Value::Int(7), Value::Int(7)) == 0);
  CHECK(CompareValues(Value::Int(INT64_MAX), Value::Int(INT64_MAX - 1)) > 0);
}

TEST_CASE("int float and decimal compare numerically with each other", "[core]") {
  CHECK(CompareValues(Value::Int(3), Value::Float(3.0)) == 0);
  CHECK(CompareValues(Value::Int(3), Value::Float(3.5)) < 0);
  CHECK(CompareValues(Value::Float(-0.5), Value::Int(0)) < 0);
  CHECK(CompareValues(Dec("12.5"), Value::Float(12.5)) == 0);
  CHECK(CompareValues(Dec("12.5"), Value::Int(12)) > 0);
  CHECK(CompareValues(Value::Int(100), Dec("1e3")) < 0);
  CHECK(CompareValues(Dec("-1.25"), Dec("-1.5")) > 0);
  CHECK(CompareValues(Dec("9"), Dec("10")) < 0);  // numerically, not by text
}

TEST_CASE("decimals beyond double precision compare exactly", "[core]") {
  // bigNumber values carry up to 20 significant digits, more than a double holds.
  CHECK(CompareValues(Dec("12345678901234567.89"), Dec("12345678901234567.88")) > 0);
  CHECK(CompareValues(Dec("12345678901234567.88"), Dec("12345678901234567.89")) < 0);
  CHECK(CompareValues(Dec("-98765432109876543.21"), Dec("-98765432109876543.2")) < 0);
  CHECK(CompareValues(Value::Int(9007199254740993), Dec("9007199254740992")) > 0);
  CHECK(CompareValues(Dec("9007199254740993"), Value::Int(9007199254740993)) == 0);
  CHECK(CompareValues(Dec("0.5"), Dec("0.05")) > 0);
  CHECK(CompareValues(Dec("0.5"), Dec("0.51")) < 0);
  CHECK(CompareValues(Dec("-0.5"), Dec("0")) < 0);
  CHECK(CompareValues(Dec("100"), Dec("99.99")) > 0);
  CHECK(CompareValues(Value::Int(-5), Dec("-4.5")) < 0);
  CHECK(CompareValues(Value::Int(0), Dec("-0")) == 0);
}

TEST_CASE("decimal text that is not canonical still compares by value", "[core]") {
  // Decimals read back from older files are taken as stored.
  CHECK(CompareValues(Value::Dec(Decimal{"0012.50"}), Dec("12.5")) == 0);
  CHECK(CompareValues(Value::Dec(Decimal{"-0.0"}), Value::Int(0)) == 0);
  CHECK(CompareValues(Value::Dec(Decimal{"1e3"}), Value::Int(1000)) == 0);
  CHECK(CompareValues(Value::Dec(Decimal{"1e3"}), Dec("999.5")) > 0);
}

TEST_CASE("text compares by bytes", "[core]") {
  CHECK(CompareValues(Value::Text("a"), Value::Text("b")) < 0);
  CHECK(CompareValues(Value::Text("B"), Value::Text("a")) < 0);  // upper case first
  CHECK(CompareValues(Value::Text("ab"), Value::Text("a")) > 0);
  CHECK(CompareValues(Value::Text(""), Value::Text("a")) < 0);
  CHECK(CompareValues(Value::Text("same"), Value::Text("same")) == 0);
  CHECK(CompareValues(Value::Text("10"), Value::Text("9")) < 0);  // text, not numbers
}

TEST_CASE("booleans and timestamps compare within their type", "[core]") {
  CHECK(CompareValues(Value::Bool(false), Value::Bool(true)) < 0);
  CHECK(CompareValues(Value::Bool(true), Value::Bool(true)) == 0);
  CHECK(CompareValues(Value::Time(Timestamp{-10}), Value::Time(Timestamp{5})) < 0);
  CHECK(CompareValues(Value::Time(Timestamp{5}), Value::Time(Timestamp{5})) == 0);
}

TEST_CASE("values of unrelated types order by type consistently", "[core]") {
  const Value t = Value::Text("x"), b = Value::Bool(true);
  CHECK(CompareValues(t, b) == -CompareValues(b, t));
  CHECK(CompareValues(t, b) != 0);
}

// ---- AppendKey ----------------------------------------------------------------

TEST_CASE("index keys are equal for equal values", "[core]") {
  CHECK(Key(Value()) == Key(Value()));
  CHECK(Key(Value::Int(42)) == Key(Value::Int(42)));
  CHECK(Key(Value::Text("a b")) == Key(Value::Text("a b")));
  CHECK(Key(Dec("12.50")) == Key(Dec("12.5")));
  CHECK(Key(Value::List({"a", "b"})) == Key(Value::List({"a", "b"})));
  CHECK(Key(Value::Time(Timestamp{-7})) == Key(Value::Time(Timestamp{-7})));
  // Value's own equality says these are equal, so their keys must be too.
  REQUIRE(Value::Float(0.0) == Value::Float(-0.0));
  CHECK(Key(Value::Float(0.0)) == Key(Value::Float(-0.0)));
}

TEST_CASE("index keys are distinct for distinct values", "[core]") {
  const std::vector<Value> values = {
      Value(),
      Value::Bool(false),
      Value::Bool(true),
      Value::Int(0),
      Value::Int(1),
      Value::Int(-1),
      Value::Int(10),
      Value::Float(1.0),
      Value::Float(0.1),
      Value::Float(0.30000000000000004),
      Value::Float(0.3),
      Value::Text(""),
      Value::Text("1"),
      Value::Text("a"),
      Value::Text("a;"),
      Value::Text("1:a"),
      Value::Time(Timestamp{1}),
      Dec("1"),
      Dec("1.5"),
      Value::Json({"{}"}),
      Value::Json({"[1]"}),
      Value::List({}),
      Value::List({""}),
      Value::List({"a"}),
      Value::List({"a", "b"}),
      Value::List({"ab"}),
  };
  for (size_t i = 0; i < values.size(); ++i)
    for (size_t j = i + 1; j < values.size(); ++j) {
      INFO(i << ": " << values[i].ToDisplay() << "  vs  " << j << ": " << values[j].ToDisplay());
      CHECK(Key(values[i]) != Key(values[j]));
    }
}

TEST_CASE("composite index keys do not run into each other", "[core]") {
  CHECK(Key({Value::Text("a"), Value::Text("bc")}) != Key({Value::Text("ab"), Value::Text("c")}));
  CHECK(Key({Value::Text("1"), Value::Int(2)}) != Key({Value::Text("12")}));
  CHECK(Key({Value::Int(1), Value::Int(23)}) != Key({Value::Int(12), Value::Int(3)}));
}

TEST_CASE("string list keys are distinct when the item count shares digits with a length", "[core]") {
  // One item of 150 characters vs eleven items whose first is 50 long: a count
  // written without a terminator lets "1" + "150:" read as "11" + "50:".
  std::string first(50, 'x');
  std::vector<std::string> eleven = {first};
  for (int i = 0; i < 9; ++i) eleven.push_back("");
  eleven.push_back(std::string(79, 'y'));
  std::string tail;
  for (size_t i = 1; i < eleven.size(); ++i) tail += std::to_string(eleven[i].size()) + ":" + eleven[i];
  std::string single = first + tail;
  REQUIRE(single.size() == 150);
  CHECK(Key(Value::List({single})) != Key(Value::List(eleven)));
}

// ---- timestamps -----------------------------------------------------------------

TEST_CASE("timestamps format as ISO 8601 UTC with milliseconds", "[core]") {
  CHECK(kin::FormatTimestamp(Timestamp{0}) == "1970-01-01T00:00:00.000Z");
  CHECK(kin::FormatTimestamp(Timestamp{1795514400000}) == "2026-11-24T10:00:00.000Z");
  CHECK(kin::FormatTimestamp(Timestamp{1795514400123}) == "2026-11-24T10:00:00.123Z");
  CHECK(kin::FormatTimestamp(Timestamp{951782400000}) == "2000-02-29T00:00:00.000Z");
}

TEST_CASE("timestamps before the epoch format and parse", "[core]") {
  CHECK(kin::FormatTimestamp(Timestamp{-1}) == "1969-12-31T23:59:59.999Z");
  CHECK(kin::FormatTimestamp(Timestamp{-86400000}) == "1969-12-31T00:00:00.000Z");
  CHECK(kin::FormatTimestamp(Timestamp{-86400001}) == "1969-12-30T23:59:59.999Z");
  CHECK(kin::FormatTimestamp(Timestamp{-2208988800000}) == "1900-01-01T00:00:00.000Z");
  CHECK(kin::ParseTimestamp("1969-12-31T23:59:59.999Z") == Timestamp{-1});
  CHECK(kin::ParseTimestamp("1900-01-01T00:00:00.000Z") == Timestamp{-2208988800000});
}

TEST_CASE("formatted timestamps parse back to the same instant", "[core]") {
  const int64_t fixed[] = {0, 1, -1, 999, -999, 1000, -1000, 86399999, -86399999, 1795514400123,
                           -62135596800000 /* 0001-01-01 */, 253402300799999 /* 9999-12-31 */};
  for (int64_t ms : fixed) {
    INFO(ms);
    auto back = kin::ParseTimestamp(kin::FormatTimestamp(Timestamp{ms}));
    REQUIRE(back.has_value());
    CHECK(back->ms == ms);
  }
  std::mt19937_64 rng(20261124);
  std::uniform_int_distribution<int64_t> dist(-62135596800000, 253402300799999);
  for (int i = 0; i < 2000; ++i) {
    const int64_t ms = dist(rng);
    const std::string text = kin::FormatTimestamp(Timestamp{ms});
    INFO(ms << " -> " << text);
    auto back = kin::ParseTimestamp(text);
    REQUIRE(back.has_value());
    CHECK(back->ms == ms);
    CHECK(kin::FormatTimestamp(*back) == text);
  }
}

TEST_CASE("timestamp parsing accepts the spec's forms", "[core]") {
  const Timestamp t{1795514400000};  // 2026-11-24T10:00:00.000Z
  CHECK(kin::ParseTimestamp("2026-11-24T10:00:00.000Z") == t);
  CHECK(kin::ParseTimestamp("2026-11-24T10:00:00Z") == t);
  CHECK(kin::ParseTimestamp("2026-11-24T10:00:00.000+00:00") == t);
  CHECK(kin::ParseTimestamp("2026-11-24T10:00:00+00:00") == t);
  CHECK(kin::ParseTimestamp("2026-11-24T12:00:00+02:00") == t);
  CHECK(kin::ParseTimestamp("2026-11-24T04:30:00-05:30") == t);
  CHECK(kin::ParseTimestamp("2026-11-24T10:00:00.5Z") == Timestamp{t.ms + 500});
  CHECK(kin::ParseTimestamp("2026-11-24T10:00:00.123Z") == Timestamp{t.ms + 123});
}

TEST_CASE("timestamp parsing rejects malformed text", "[core]") {
  for (const char* bad : {"", "garbage", "2026", "2026-11", "2026/11/24T10:00:00Z", "26-11-24T10:00:00Z",
                          "2026-11-24T", "2026-11-24T10Z", "2026-11-24T10:00:00.Z", "2026-11-24T10:00:00.000Zjunk",
                          "2026-11-24T10:00:00.000 Z", "2026-11-24T10:00:00+0000", "2026-11-24T10:00:00+00",
                          "2026-13-01T00:00:00Z", "2026-00-10T00:00:00Z", "2026-11-32T00:00:00Z",
                          "2026-11-00T00:00:00Z", "2026-11-24T24:00:00Z", "2026-11-24T10:60:00Z",
                          "2026-11-24T1a:00:00Z", "2026-11-24T10:00:00X"}) {
    INFO('"' << bad << '"');
    CHECK_FALSE(kin::ParseTimestamp(bad).has_value());
  }
}

// ---- decimals -------------------------------------------------------------------

TEST_CASE("decimals parse to canonical text", "[core]") {
  CHECK(Canonical("12.50") == "12.5");
  CHECK(Canonical("-0") == "0");
  CHECK(Canonical("-0.000") == "0");
  CHECK(Canonical("0.000") == "0");
  CHECK(Canonical("1e3") == "1000");
  CHECK(Canonical("1E3") == "1000");
  CHECK(Canonical("7") == "7");
  CHECK(Canonical("+7") == "7");
  CHECK(Canonical("-0.5") == "-0.5");
  CHECK(Canonical(".5") == "0.5");
  CHECK(Canonical("5.") == "5");
  CHECK(Canonical("000120") == "120");
  CHECK(Canonical("1.5e-3") == "0.0015");
  CHECK(Canonical("12e-1") == "1.2");
  CHECK(Canonical("-2.5e+2") == "-250");
  CHECK(Canonical("12345678901234567890.123") == "12345678901234567890.123");
}

TEST_CASE("canonical decimal text parses to itself", "[core]") {
  for (const char* s : {"0", "1", "-1", "12.5", "-0.0015", "1000", "12345678901234567890.5"}) {
    INFO(s);
    CHECK(Canonical(s) == s);
  }
}

TEST_CASE("decimal parsing rejects what is not a number", "[core]") {
  for (const char* bad : {"", "abc", "-", "+", ".", "1.2.3", " 1", "1 ", "--1", "1e", "1e+", "e3", ".e3", "0x10",
                          "inf", "nan", "1,5", "1e401", "12a"}) {
    INFO('"' << bad << '"');
    CHECK_FALSE(kin::ParseDecimal(bad).has_value());
  }
}

TEST_CASE("timestamps format as printf would print every field", "[core]") {
  std::mt19937_64 rng(11);
  std::uniform_int_distribution<int64_t> instant(-62135596800000, 253402300799999);  // years 0001 to 9999
  for (int i = 0; i < 20000; ++i) {
    const int64_t ms = instant(rng);
    INFO(ms);
    const int64_t days = ms >= 0 ? ms / 86400000 : -((-ms + 86399999) / 86400000);
    const int64_t rem = ms - days * 86400000;
    // The date part through the formatter's own parse-back, the time of day by printf.
    const std::string text = kin::FormatTimestamp(Timestamp{ms});
    char time_of_day[48];
    std::snprintf(time_of_day, sizeof time_of_day, "%02d:%02d:%02d.%03d", static_cast<int>(rem / 3600000),
                  static_cast<int>(rem / 60000 % 60), static_cast<int>(rem / 1000 % 60), static_cast<int>(rem % 1000));
    REQUIRE(text.size() == 24);
    CHECK(text.substr(11, 12) == time_of_day);
    CHECK(kin::ParseTimestamp(text) == Timestamp{ms});
  }
}
