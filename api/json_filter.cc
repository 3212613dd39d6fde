#include "api/json_filter.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <optional>
#include <string_view>

namespace kin::api {
namespace {

using Dom = nlohmann::json;  // objects compare without regard to key order

// The text PostgreSQL's ->> gives for a value: nullopt for null.
std::optional<std::string> TextOf(const Dom& v) {
  if (v.is_null()) return std::nullopt;
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  return v.dump();
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// A number as PostgreSQL's float8 reads text: surrounding spaces allowed, a sign,
// decimals, an exponent, Infinity and NaN.
std::optional<double> ParseFloat8(std::string_view s) {
  s = Trim(s);
  if (s.size() > 1 && s[0] == '+' && s[1] != '-') s.remove_prefix(1);
  double d = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return d;
}

// A boolean as PostgreSQL's bool reads text: t/true/y/yes/on/1 and f/false/n/no/off/0,
// any case, a prefix of each word will do ("tr", "of").
std::optional<bool> ParseBool(std::string_view s) {
  s = Trim(s);
  std::string l(s);
  std::transform(l.begin(), l.end(), l.begin(), [](unsigned char c) { return std::tolower(c); });
  auto prefix_of = [&](std::string_view word, size_t min) {
    return l.size() >= min && l.size() <= word.size() && word.substr(0, l.size()) == l;
  };
  if (prefix_of("true", 1) || prefix_of("yes", 1) || prefix_of("on", 2) || l == "1") return true;
  if (prefix_of("false", 1) || prefix_of("no", 1) || prefix_of("off", 2) || l == "0") return false;
  return std::nullopt;
}

std::optional<double> NumberOf(const Dom& v) {
  if (v.is_number()) return v.get<double>();
  if (v.is_string()) return ParseFloat8(v.get_ref<const std::string&>());
  return std::nullopt;
}

std::optional<bool> BoolOf(const Dom& v) {
  if (v.is_boolean()) return v.get<bool>();
  if (v.is_string() || v.is_number()) return ParseBool(*TextOf(v));
  return std::nullopt;
}

template <typename T>
int ThreeWay(const T& a, const T& b) {
  return a < b ? -1 : b < a ? 1 : 0;
}

class JsonKeyCondition final : public JsonCondition {
 public:
  explicit JsonKeyCondition(JsonKeyTest t) : t_(std::move(t)) {
    operand_ = ToDom(t_.operand);
    for (const Json& o : t_.operands) operands_.push_back(ToDom(o));
  }

  bool Matches(const Value& value) const override {
    if (value.type() != ValueType::kJson) return Test(Dom());
    Dom root = Dom::parse(value.as_json(), nullptr, /*allow_exceptions=*/false);
    if (root.is_discarded()) return Test(Dom());
    const Dom* at = &root;
    for (const std::string& key : t_.path) {
      if (!at->is_object()) return Test(Dom());
      auto it = at->find(key);
      if (it == at->end()) return Test(Dom());
      at = &*it;
    }
    return Test(*at);
  }

 private:
  static Dom ToDom(const Json& j) { return Dom::parse(j.dump()); }

  // How `v` compares with `operand`, by the operand's type; nullopt when `v` is null
  // or does not read as the operand's type. Objects and arrays only (in)equal.
  static std::optional<int> Compare(const Dom& v, const Dom& operand) {
    if (v.is_null()) return std::nullopt;
    if (operand.is_string()) return ThreeWay(*TextOf(v), operand.get_ref<const std::string&>());
    if (operand.is_number()) {
      auto x = NumberOf(v);
      if (!x || *x != *x) return std::nullopt;  // NaN orders with nothing here
      return ThreeWay(*x, operand.get<double>());
    }
    if (operand.is_boolean()) {
      auto b = BoolOf(v);
      if (!b) return std::nullopt;
      return ThreeWay(*b, operand.get<bool>());
    }
    if (operand.is_structured()) return v == operand ? 0 : 1;
    return std::nullopt;
  }

  bool Test(const Dom& v) const {
    switch (t_.op) {
      case CompareOp::kExists: return !v.is_null() == t_.operand.get<bool>();
      case CompareOp::kLike:
      case CompareOp::kILike: {
        auto text = TextOf(v);
        return text && LikeMatch(*text, t_.operand.get_ref<const std::string&>(), t_.op == CompareOp::kILike);
      }
      case CompareOp::kRe: {
        auto text = TextOf(v);
        return text && t_.regex->Search(*text);
      }
      case CompareOp::kIn:
        return std::any_of(operands_.begin(), operands_.end(), [&](const Dom& o) { return Compare(v, o) == 0; });
      case CompareOp::kNin:
        // As NOT IN in SQL: a null in the list matches nothing, an empty list everything.
        if (operands_.empty()) return true;
        return std::all_of(operands_.begin(), operands_.end(), [&](const Dom& o) {
          auto c = Compare(v, o);
          return !o.is_null() && c && *c != 0;
        });
      default: break;
    }
    auto c = Compare(v, operand_);
    if (!c) return false;
    switch (t_.op) {
      case CompareOp::kEq: return *c == 0;
      case CompareOp::kNe: return *c != 0;
      case CompareOp::kGt: return *c > 0;
      case CompareOp::kGte: return *c >= 0;
      case CompareOp::kLt: return *c < 0;
      case CompareOp::kLte: return *c <= 0;
      default: return false;
    }
  }

  JsonKeyTest t_;
  Dom operand_;
  std::vector<Dom> operands_;
};

}  // namespace

std::shared_ptr<const JsonCondition> MakeJsonCondition(JsonKeyTest test) {
  return std::make_shared<const JsonKeyCondition>(std::move(test));
}

}  // namespace kin::api
