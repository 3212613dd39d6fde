#include "api/value_json.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cmath>
#include <cstring>

#include "api/limits.h"

namespace kin::api {

namespace {

std::string Shown(const Json& j) {
  std::string s = j.dump();
  if (s.size() > 60) s = s.substr(0, 57) + "...";
  return s;
}

Status Expected(const ModelDef& m, const PropertyDef& p, const std::string& what, const std::string& shown) {
  return Status::InvalidData("Invalid value for " + m.name + "." + p.name + ": expected " + what + ", got " + shown);
}
Status Expected(const ModelDef& m, const PropertyDef& p, const std::string& what, const Json& got) {
  return Expected(m, p, what, Shown(got));
}

std::string EnumChoices(const PropertyDef& p) {
  std::string allowed;
  for (const auto& v : p.enum_values) allowed += (allowed.empty() ? "" : ", ") + v;
  return "one of " + allowed;
}

// How a typed value is shown in a message: its kind and its text.
std::string ShownTyped(const Value& v) {
  static const char* const kKinds[] = {"null", "a boolean", "an integer", "a float", "text",
                                       "a date-time", "a bigNumber", "JSON", "a string list"};
  std::string text = v.ToDisplay();
  if (text.size() > 60) text = text.substr(0, 57) + "...";
  return std::string(kKinds[static_cast<int>(v.type())]) + (v.is_null() ? "" : " " + text);
}

}  // namespace

Status RequiredError(const ModelDef& m, const PropertyDef& p, const char* found) {
  return Status::InvalidData("Value for " + m.name + "." + p.name + " is required, '" + found + "' found");
}

std::string RawDecimalText(std::string_view canonical) {
  constexpr size_t kDigits = 20;
  const bool negative = !canonical.empty() && canonical[0] == '-';
  if (negative) canonical.remove_prefix(1);
  const size_t point = std::min(canonical.find('.'), canonical.size());
  std::string_view whole = canonical.substr(0, point);
  std::string_view fraction = point < canonical.size() ? canonical.substr(point + 1) : std::string_view();
  // The significant digits and the exponent of the first one (value = d.ddd × 10^exp).
  std::string digits;
  long exp;
  if (whole != "0") {
    digits.append(whole).append(fraction);
    exp = static_cast<long>(whole.size()) - 1;
  } else {
    size_t zeros = fraction.find_first_not_of('0');
    if (zeros == std::string_view::npos) return "0";
    digits.append(fraction.substr(zeros));
    exp = -static_cast<long>(zeros) - 1;
  }
  if (digits.size() > kDigits) {
    const bool up = digits[kDigits] >= '5';
    digits.resize(kDigits);
    size_t i = kDigits;
    while (up && i > 0) {
      if (digits[i - 1] != '9') {
        ++digits[i - 1];
        break;
      }
      digits[--i] = '0';
    }
    if (up && i == 0) {  // 99…9 rounded up to 10…0
      digits.insert(digits.begin(), '1');
      ++exp;
    }
  }
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  std::string out = negative ? "-" : "";
  if (exp >= static_cast<long>(kDigits) || exp < -6) {
    out += digits[0];
    if (digits.size() > 1) out.append(".").append(digits, 1);
    out.append(exp < 0 ? "e-" : "e+").append(std::to_string(exp < 0 ? -exp : exp));
  } else if (exp >= 0) {
    const size_t int_digits = static_cast<size_t>(exp) + 1;
    if (digits.size() <= int_digits) {
      out.append(digits).append(int_digits - digits.size(), '0');
    } else {
      out.append(digits, 0, int_digits).append(".").append(digits, int_digits);
    }
  } else {
    out.append("0.").append(static_cast<size_t>(-exp - 1), '0').append(digits);
  }
  return out;
}

Status NonNullError(const ModelDef& m, const PropertyDef& p) {
  return Status::InvalidData("You must pass a non-null value to the property " + p.name + " of entity " + m.name + ".");
}

Result<Value> ValueFromJson(const ModelDef& m, const PropertyDef& p, const Json& j) {
  if (j.is_null()) return Value();
  switch (p.type) {
    case PropertyType::kId:
    case PropertyType::kText:
    case PropertyType::kForeignKey:
      if (!j.is_string()) return Expected(m, p, "a string", j);
      if (j.get_ref<const std::string&>().size() > kMaxValueBytes) return ValueTooLong(m, p);
      if (p.primary_key && j.get_ref<const std::string&>().empty()) return Expected(m, p, "a non-empty id", j);
      return Value::Text(j.get<std::string>());
    case PropertyType::kNumber:
    case PropertyType::kAutoincrement:
      if (j.is_number_integer()) {
        if (j.is_number_unsigned() && j.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX))
          return Expected(m, p, "a 64-bit integer", j);
        return Value::Int(j.get<int64_t>());
      }
      if (j.is_number_float()) {
        double d = j.get<double>();
        if (std::isfinite(d) && std::trunc(d) == d && std::fabs(d) < 9.2e18) return Value::Int(static_cast<int64_t>(d));
      }
      return Expected(m, p, "an integer", j);
    case PropertyType::kFloat:
      if (!j.is_number()) return Expected(m, p, "a number", j);
      return Value::Float(j.get<double>());
    case PropertyType::kBigNumber: {
      std::string text;
      if (j.is_number()) text = j.dump();
      else if (j.is_string()) text = j.get<std::string>();
      else return Expected(m, p, "a number or a numeric string", j);
      auto d = ParseDecimal(text);
      if (!d) return Expected(m, p, "a number or a numeric string of at most 100 digits", j);
      return Value::Dec(std::move(*d));
    }
    case PropertyType::kBoolean:
      if (!j.is_boolean()) return Expected(m, p, "a boolean", j);
      return Value::Bool(j.get<bool>());
    case PropertyType::kDateTime: {
      if (!j.is_string()) return Expected(m, p, "an ISO-8601 date-time string", j);
      auto t = ParseTimestamp(j.get_ref<const std::string&>());
      if (!t) return Expected(m, p, "an ISO-8601 date-time string", j);
      return Value::Time(*t);
    }
    case PropertyType::kJson:
      if (!j.is_object() && !j.is_array()) return Expected(m, p, "a JSON object or array", j);
      if (std::string text = j.dump(); text.size() <= kMaxValueBytes) return Value::Json(JsonText{std::move(text)});
      return ValueTooLong(m, p);
    case PropertyType::kEnum: {
      if (!j.is_string()) return Expected(m, p, EnumChoices(p), j);
      const auto& s = j.get_ref<const std::string&>();
      if (std::find(p.enum_values.begin(), p.enum_values.end(), s) == p.enum_values.end())
        return Expected(m, p, EnumChoices(p), j);
      return Value::Text(s);
    }
    case PropertyType::kArray: {
      if (!j.is_array()) return Expected(m, p, "an array of strings", j);
      StringList list;
      size_t bytes = 0;
      for (const auto& e : j) {
        if (!e.is_string()) return Expected(m, p, "an array of strings", j);
        bytes += e.get_ref<const std::string&>().size();
        if (bytes > kMaxValueBytes) return ValueTooLong(m, p);
        list.push_back(e.get<std::string>());
      }
      return Value::List(std::move(list));
    }
  }
  return Expected(m, p, "a value", j);
}

Status CheckValue(const ModelDef& m, const PropertyDef& p, Value* value) {
  Value& v = *value;
  if (v.is_null()) return Status::Ok();
  const ValueType t = v.type();
  auto expected = [&](const std::string& what) { return Expected(m, p, what, ShownTyped(v)); };
  switch (p.type) {
    case PropertyType::kId:
    case PropertyType::kText:
    case PropertyType::kForeignKey:
      if (t != ValueType::kText) return expected("text");
      if (v.as_text().size() > kMaxValueBytes) return ValueTooLong(m, p);
      if (p.primary_key && v.as_text().empty()) return expected("a non-empty id");
      return Status::Ok();
    case PropertyType::kEnum:
      if (t != ValueType::kText ||
          std::find(p.enum_values.begin(), p.enum_values.end(), v.as_text()) == p.enum_values.end())
        return expected(EnumChoices(p));
      return Status::Ok();
    case PropertyType::kNumber:
    case PropertyType::kAutoincrement:
      if (t != ValueType::kInt) return expected("an integer");
      return Status::Ok();
    case PropertyType::kFloat:
      if (t == ValueType::kInt) v = Value::Float(static_cast<double>(v.as_int()));
      else if (t != ValueType::kFloat) return expected("a float");
      return Status::Ok();
    case PropertyType::kBigNumber: {
      std::optional<Decimal> d;
      if (t == ValueType::kDecimal) d = ParseDecimal(v.as_decimal());
      else if (t == ValueType::kInt || t == ValueType::kFloat) d = ParseDecimal(v.ToDisplay());
      if (!d) return expected("a bigNumber of at most 100 digits");
      v = Value::Dec(std::move(*d));
      return Status::Ok();
    }
    case PropertyType::kBoolean:
      if (t != ValueType::kBool) return expected("a boolean");
      return Status::Ok();
    case PropertyType::kDateTime:
      if (t != ValueType::kDateTime) return expected("a date-time");
      return Status::Ok();
    case PropertyType::kJson: {
      if (t != ValueType::kJson) return expected("a JSON object or array");
      std::string_view text = v.as_json();
      if (text.size() > kMaxValueBytes) return ValueTooLong(m, p);
      KIN_RETURN_IF_ERROR(CheckJsonDepth(text));  // before the parse below
      Json parsed = Json::parse(text, nullptr, false);  // no exceptions: discarded on error
      if (!parsed.is_object() && !parsed.is_array()) return expected("a JSON object or array");
      v = Value::Json(JsonText{parsed.dump()});  // stored compact, as the JSON path stores it
      return Status::Ok();
    }
    case PropertyType::kArray:
      if (t != ValueType::kStringList) return expected("a string list");
      if (ValueBytes(v) > kMaxValueBytes) return ValueTooLong(m, p);
      return Status::Ok();
  }
  return expected("a value");
}

Value LooseValueFromJson(const Json& j) {
  if (j.is_boolean()) return Value::Bool(j.get<bool>());
  if (j.is_number_integer()) return Value::Int(j.get<int64_t>());
  if (j.is_number_float()) return Value::Float(j.get<double>());
  if (j.is_string()) return Value::Text(j.get<std::string>());
  if (j.is_object() || j.is_array()) return Value::Json(JsonText{j.dump()});
  return Value();
}

Json ValueToJson(const Value& v) {
  switch (v.type()) {
    case ValueType::kNull: return nullptr;
    case ValueType::kBool: return v.as_bool();
    case ValueType::kInt: return v.as_int();
    case ValueType::kFloat: return v.as_float();
    case ValueType::kText: return v.as_text();
    case ValueType::kDateTime: return FormatTimestamp(v.as_time());
    case ValueType::kDecimal: return Json::parse(v.as_decimal());
    case ValueType::kJson: return Json::parse(v.as_json());
    case ValueType::kStringList: return v.as_list();
  }
  return nullptr;
}

Value MergeMetadata(const Value& current, const Json& patch) {
  Json base = current.type() == ValueType::kJson ? Json::parse(current.as_json()) : Json::object();
  if (!base.is_object() || !patch.is_object()) return Value::Json(JsonText{patch.dump()});
  for (const auto& [key, value] : patch.items()) {
    if (value.is_string() && value.get_ref<const std::string&>().empty()) base.erase(key);
    else base[key] = value;
  }
  return Value::Json(JsonText{base.dump()});
}

// ---- nlohmann's text without nlohmann's DOM ----------------------------------------

size_t Utf8Prefix(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  size_t i = 0;
  while (i < s.size()) {
    if (p[i] < 0x80) {
      ++i;
      continue;
    }
    const size_t len = Utf8SequenceLength(p + i, s.size() - i);
    if (len == 0) return i;
    i += len;
  }
  return i;
}

bool AppendJsonString(std::string_view s, std::string* out) {
  static const char kHex[] = "0123456789abcdef";
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  out->push_back('"');
  size_t i = 0;
  while (i < n) {
    const size_t run = i;  // characters copied as they are
    while (i < n && p[i] >= 0x20 && p[i] < 0x80 && p[i] != '"' && p[i] != '\\') ++i;
    out->append(s.data() + run, i - run);
    if (i == n) break;
    const unsigned char c = p[i];
    if (c >= 0x80) {
      const size_t len = Utf8SequenceLength(p + i, n - i);
      if (len == 0) return false;
      out->append(s.data() + i, len);
      i += len;
      continue;
    }
    switch (c) {
      case '"': out->append("\\\""); break;
      case '\\': out->append("\\\\"); break;
      case '\b': out->append("\\b"); break;
      case '\t': out->append("\\t"); break;
      case '\n': out->append("\\n"); break;
      case '\f': out->append("\\f"); break;
      case '\r': out->append("\\r"); break;
      default: {
        const char escape[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
        out->append(escape, sizeof escape);
      }
    }
    ++i;
  }
  out->push_back('"');
  return true;
}

size_t FormatJsonFloat(double d, char (&out)[kJsonFloatBufferSize]) {
  if (!std::isfinite(d)) {
    std::memcpy(out, "null", 4);
    return 4;
  }
  // The function dump() formats doubles with (nlohmann's Grisu2 and layout).
  return static_cast<size_t>(nlohmann::detail::to_chars(out, out + kJsonFloatBufferSize, d) - out);
}

}  // namespace kin::api
