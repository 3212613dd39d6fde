#include "api/limits.h"

#include <algorithm>
#include <string>
#include <utility>

#include "core/record.h"

namespace kin::api {

namespace {

Status TooDeep() {
  return Status::InvalidArgument("The JSON is nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");
}

}  // namespace

namespace {

// The length of the longest prefix of text[0, n) that does not end inside a UTF-8
// character (continuation bytes are 10xxxxxx).
size_t CharacterBoundary(std::string_view text, size_t n) {
  while (n > 0 && n < text.size() && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80) --n;
  return n;
}

}  // namespace

std::string QuoteInput(std::string_view text) {
  if (text.size() <= kMaxQuotedInputBytes) return std::string(text);
  return std::string(text.substr(0, CharacterBoundary(text, kMaxQuotedInputBytes))) + "... (" +
         std::to_string(text.size()) + " bytes)";
}

Status BoundMessage(Status status) {
  if (status.ok() || status.message().size() <= kMaxMessageBytes) return status;
  const std::string& m = status.message();
  const size_t head = CharacterBoundary(m, kMaxMessageBytes / 2);
  size_t tail_from = m.size() - kMaxMessageBytes / 4;
  while (tail_from < m.size() && (static_cast<unsigned char>(m[tail_from]) & 0xC0) == 0x80) ++tail_from;
  return Status::Error(status.type(), m.substr(0, head) + "... (" + std::to_string(tail_from - head) +
                                          " bytes cut) ..." + m.substr(tail_from));
}

Status CheckRequestLineSize(size_t bytes) {
  if (bytes <= kMaxRequestLineBytes) return Status::Ok();
  return Status::InvalidArgument("The request line is longer than " + std::to_string(kMaxRequestLineBytes) + " bytes");
}

Status CheckJsonDepth(std::string_view text) {
  size_t depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;  // the escaped character cannot end the string
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxJsonDepth) return TooDeep();
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return Status::Ok();
}

namespace {
// Depth-first up to `budget` more levels; false when a value goes deeper.
bool WithinDepth(const nlohmann::ordered_json& json, size_t budget) {
  if (!json.is_structured()) return true;
  if (budget == 0) return false;
  if (json.is_object()) {
    for (const auto& [key, child] : json.get_ref<const nlohmann::ordered_json::object_t&>())
      if (!WithinDepth(child, budget - 1)) return false;
  } else {
    for (const auto& child : json.get_ref<const nlohmann::ordered_json::array_t&>())
      if (!WithinDepth(child, budget - 1)) return false;
  }
  return true;
}
// Documents up to this deep are checked by recursion (a few frames of stack);
// deeper ones by the iterator path below.
constexpr size_t kRecursionLevels = 8;
}  // namespace

Status CheckJsonDepth(const nlohmann::ordered_json& json) {
  if (!json.is_structured()) return Status::Ok();
  if (WithinDepth(json, kRecursionLevels)) return Status::Ok();
  // A path of iterators, one per open level: memory in the depth, not the size.
  using It = nlohmann::ordered_json::const_iterator;
  std::vector<std::pair<It, It>> path{{json.cbegin(), json.cend()}};
  while (!path.empty()) {
    auto& [it, end] = path.back();
    if (it == end) {
      path.pop_back();
      continue;
    }
    const nlohmann::ordered_json& child = *it++;
    if (!child.is_structured()) continue;
    if (path.size() + 1 > kMaxJsonDepth) return TooDeep();
    path.emplace_back(child.cbegin(), child.cend());
  }
  return Status::Ok();
}

Status ValueTooLong(const ModelDef& model, const PropertyDef& property) {
  return Status::InvalidArgument("The value of " + model.name + "." + property.name + " is longer than " +
                                 std::to_string(kMaxValueBytes) + " bytes");
}

size_t ValueBytes(const Value& value) {
  switch (value.type()) {
    case ValueType::kNull: return 0;
    case ValueType::kText: return value.as_text().size();
    case ValueType::kDecimal: return value.as_decimal().size();
    case ValueType::kJson: return value.as_json().size();
    case ValueType::kStringList: {
      size_t n = 0;
      for (const auto& s : value.as_list()) n += s.size();
      return n;
    }
    case ValueType::kBool:
    case ValueType::kInt:
    case ValueType::kFloat:
    case ValueType::kDateTime: return 8;
  }
  return 8;
}

Status CheckRecordSize(const ModelDef& model, const std::vector<Value>& values) {
  // Values that keep nothing on the heap hold a few bytes each: a record of them
  // (at most Record::kMaxValues) is within both limits.
  static_assert(Value::kInlineText <= kMaxValueBytes && Record::kMaxValues * Value::kInlineText <= kMaxRecordBytes);
  if (std::none_of(values.begin(), values.end(), [](const Value& v) { return v.owns_heap(); })) return Status::Ok();
  size_t total = 0;
  for (size_t i = 0; i < values.size(); ++i) {
    size_t bytes = ValueBytes(values[i]);
    if (bytes > kMaxValueBytes) return ValueTooLong(model, model.properties[i]);
    total += bytes;
  }
  if (total <= kMaxRecordBytes) return Status::Ok();
  std::string id(values.empty() || values[0].type() != ValueType::kText ? std::string_view() : values[0].as_text());
  if (id.size() > 60) id = id.substr(0, 57) + "...";
  return Status::InvalidArgument("The " + model.name + " record \"" + id + "\" is larger than " +
                                 std::to_string(kMaxRecordBytes) + " bytes");
}

}  // namespace kin::api
