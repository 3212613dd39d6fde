// ParseFilter (api/query.h): a filter object (SPEC.md section 5) compiled to a
// core Filter, with the invalid_data and invalid_argument errors of malformed ones.

#include <algorithm>

#include "api/json_filter.h"
#include "api/limits.h"
#include "api/query.h"
#include "api/value_json.h"
#include "core/regex.h"

namespace kin::api {

namespace {

bool IsOperatorObject(const Json& j) {
  if (!j.is_object() || j.empty()) return false;
  for (const auto& [k, v] : j.items())
    if (k.empty() || k[0] != '$') return false;
  return true;
}

// A filter value for `p`: enum values are not checked (a value outside matches nothing).
Result<Value> FilterValue(const ModelDef& m, const PropertyDef& p, const Json& j) {
  if (p.type == PropertyType::kEnum || (p.type == PropertyType::kArray && j.is_string())) {
    if (!j.is_string() && !j.is_null())
      return Status::InvalidData("Invalid filter value for " + m.name + "." + p.name + ": expected a string, got " + j.dump());
    return j.is_null() ? Value() : Value::Text(j.get<std::string>());
  }
  return ValueFromJson(m, p, j);
}

Result<std::vector<Value>> FilterValues(const ModelDef& m, const PropertyDef& p, const Json& j, const char* op) {
  if (!j.is_array())
    return Status::InvalidData(std::string("Expected array for ") + op + " but got " + JsDisplay(j));
  std::vector<Value> out;
  for (const auto& e : j) {
    KIN_ASSIGN_OR_RETURN(Value v, FilterValue(m, p, e));
    out.push_back(std::move(v));
  }
  return out;
}

// The `$re` pattern `j` of the condition on `where` ("Post.title"): invalid_data
// unless a string RE2 accepts, invalid_argument past kMaxRegexBytes or
// kMaxRegexMemory.
Result<std::shared_ptr<const Regex>> CompileRegex(const std::string& where, const Json& j) {
  if (!j.is_string()) return Status::InvalidData("Expected a string for $re on " + where);
  const auto& pattern = j.get_ref<const std::string&>();
  if (pattern.size() > kMaxRegexBytes)
    return Status::InvalidArgument("The regular expression for " + where + " is longer than " +
                                   std::to_string(kMaxRegexBytes) + " bytes");
  auto re = Regex::Compile(pattern, kMaxRegexMemory);
  if (re.ok()) return std::move(re).value();
  if (re.status().type() == ErrorType::kInvalidArgument)
    return Status::InvalidArgument("The regular expression for " + where + " is too large: " + re.status().message());
  return Status::InvalidData("Invalid regular expression for " + where + ": " + re.status().message());
}

// The pattern `j` of the `$like`/`$ilike` (`op`) condition on `where`: a string
// that does not end with an escaping backslash (PostgreSQL refuses those too).
Result<Value> LikePattern(const std::string& op, const std::string& where, const Json& j) {
  if (!j.is_string()) return Status::InvalidData("Expected a string for " + op + " on " + where);
  const auto& pattern = j.get_ref<const std::string&>();
  if (LikePatternEndsInEscape(pattern))
    return Status::InvalidData("Invalid " + op + " pattern for " + where +
                               ": it ends with the escape character \\ (write \\\\ for a backslash)");
  return Value::Text(pattern);
}

// invalid_argument when a filter goes `depth` levels deep, past kMaxFilterDepth.
Status CheckFilterDepth(size_t depth) {
  if (depth <= kMaxFilterDepth) return Status::Ok();
  return Status::InvalidArgument("The filter is nested deeper than " + std::to_string(kMaxFilterDepth) + " levels");
}

// Whether a parsed filter adds a condition. One that adds none (`{}`, an empty
// `$or`, a relation filter with an empty condition) is left out of what holds it,
// as Medusa drops it: `{$or: [{}, {views: 5}]}` is `{views: 5}`.
bool AddsCondition(const Filter& f) { return f.kind() != Filter::Kind::kTrue; }

// All of `parts`; true (no condition) when there are none.
Filter AllOf(std::vector<Filter> parts) {
  if (parts.empty()) return Filter::True();
  if (parts.size() == 1) return std::move(parts[0]);
  return Filter::And(std::move(parts));
}

// ---- json properties: conditions on keys (api/json_filter.h) ----------------------

// "Author.metadata.tag": the property and the keys of `path`.
std::string JsonWhere(const ModelDef& m, const PropertyDef& p, const std::vector<std::string>& path) {
  std::string where = m.name + "." + p.name;
  for (const std::string& key : path) where += "." + key;
  return where;
}

bool IsScalar(const Json& j) { return j.is_string() || j.is_number() || j.is_boolean(); }

Filter JsonTest(const PropertyDef& p, const std::vector<std::string>& path, CompareOp op, Json operand,
                std::vector<Json> operands = {}, std::shared_ptr<const Regex> regex = nullptr) {
  return Filter::JsonMatch(p.slot, MakeJsonCondition(JsonKeyTest{path, op, std::move(operand), std::move(operands),
                                                                 std::move(regex)}));
}

Result<Filter> ParseJsonAt(const ModelDef& m, const PropertyDef& p, std::vector<std::string>* path, const Json& j,
                           size_t depth);

// `$in`/`$nin` (`op`) of the value at `path`: strings, numbers, booleans or null.
Result<Filter> ParseJsonList(const ModelDef& m, const PropertyDef& p, const std::vector<std::string>& path,
                             const std::string& op, const Json& j) {
  if (!j.is_array()) return Status::InvalidData("Expected array for " + op + " but got " + JsDisplay(j));
  std::vector<Json> operands;
  for (const Json& e : j) {
    if (!IsScalar(e) && !e.is_null())
      return Status::InvalidData("Expected strings, numbers, booleans or null in " + op + " on " +
                                 JsonWhere(m, p, path) + ", got " + e.dump());
    operands.push_back(e);
  }
  return JsonTest(p, path, op == "$in" ? CompareOp::kIn : CompareOp::kNin, nullptr, std::move(operands));
}

// An operator object (`{$gt: 1, $lt: 5}`) on the value at `path`.
Result<Filter> ParseJsonOperators(const ModelDef& m, const PropertyDef& p, std::vector<std::string>* path,
                                  const Json& j, size_t depth) {
  static const std::pair<const char*, CompareOp> kOrdered[] = {
      {"$gt", CompareOp::kGt}, {"$gte", CompareOp::kGte}, {"$lt", CompareOp::kLt}, {"$lte", CompareOp::kLte}};
  const std::string where = JsonWhere(m, p, *path);
  std::vector<Filter> parts;
  for (const auto& [op, v] : j.items()) {
    auto ordered =
        std::find_if(std::begin(kOrdered), std::end(kOrdered), [&op = op](const auto& e) { return op == e.first; });
    if (op.empty() || op[0] != '$') {
      return Status::InvalidData("The filter on " + where + " mixes operators and keys (\"" + op + "\")");
    } else if (op == "$eq" || op == "$ne") {
      if (v.is_null()) parts.push_back(JsonTest(p, *path, CompareOp::kExists, op == "$ne"));
      else parts.push_back(JsonTest(p, *path, op == "$eq" ? CompareOp::kEq : CompareOp::kNe, v));
    } else if (ordered != std::end(kOrdered)) {
      if (!IsScalar(v)) return Status::InvalidData("Expected a string, number or boolean for " + op + " on " + where);
      parts.push_back(JsonTest(p, *path, ordered->second, v));
    } else if (op == "$like" || op == "$ilike") {
      KIN_RETURN_IF_ERROR(LikePattern(op, where, v).status());
      parts.push_back(JsonTest(p, *path, op == "$like" ? CompareOp::kLike : CompareOp::kILike, v));
    } else if (op == "$re") {
      KIN_ASSIGN_OR_RETURN(auto re, CompileRegex(where, v));
      parts.push_back(JsonTest(p, *path, CompareOp::kRe, nullptr, {}, std::move(re)));
    } else if (op == "$in" || op == "$nin") {
      KIN_ASSIGN_OR_RETURN(Filter f, ParseJsonList(m, p, *path, op, v));
      parts.push_back(std::move(f));
    } else if (op == "$exists") {
      if (!v.is_boolean()) return Status::InvalidData("Expected a boolean for $exists on " + where);
      parts.push_back(JsonTest(p, *path, CompareOp::kExists, v));
    } else if (op == "$not") {
      KIN_ASSIGN_OR_RETURN(Filter inner, ParseJsonAt(m, p, path, v, depth + 1));
      parts.push_back(Filter::Not(std::move(inner)));
    } else {
      return Status::InvalidData("Unknown operator \"" + op + "\" in the filter on " + where);
    }
  }
  return AllOf(std::move(parts));
}

// The condition `j` on the value at `path` (keys, outermost first) inside the json
// property `p`: an object of keys goes one level down (`{}` adds no condition), an
// object of operators compares, an array is `$in`, null is "null or missing", any
// other value is `$eq`.
Result<Filter> ParseJsonAt(const ModelDef& m, const PropertyDef& p, std::vector<std::string>* path, const Json& j,
                           size_t depth) {
  KIN_RETURN_IF_ERROR(CheckFilterDepth(depth));
  if (j.is_object()) {
    for (const auto& [key, v] : j.items())
      if (!key.empty() && key[0] == '$') return ParseJsonOperators(m, p, path, j, depth);
    std::vector<Filter> parts;
    for (const auto& [key, v] : j.items()) {
      path->push_back(key);
      auto f = ParseJsonAt(m, p, path, v, depth + 1);
      path->pop_back();
      if (!f.ok()) return f.status();
      if (AddsCondition(f.value())) parts.push_back(std::move(f).value());
    }
    return AllOf(std::move(parts));
  }
  if (j.is_array()) return ParseJsonList(m, p, *path, "$in", j);
  if (j.is_null()) return JsonTest(p, *path, CompareOp::kExists, false);
  return JsonTest(p, *path, CompareOp::kEq, j);
}

// The condition on `p`; `depth` is how deeply nested it is in the filter.
Result<Filter> ParseCondition(const ModelDef& m, const PropertyDef& p, const Json& j, size_t depth) {
  KIN_RETURN_IF_ERROR(CheckFilterDepth(depth));
  if (j.is_array()) {
    KIN_ASSIGN_OR_RETURN(auto values, FilterValues(m, p, j, "$in"));
    if (values.empty()) return Filter::False();
    return Filter::Compare(p.slot, CompareOp::kIn, Value(), std::move(values));
  }
  if (!IsOperatorObject(j)) {
    KIN_ASSIGN_OR_RETURN(Value v, FilterValue(m, p, j));
    return Filter::Compare(p.slot, CompareOp::kEq, std::move(v));
  }
  static const std::pair<const char*, CompareOp> kOps[] = {
      {"$eq", CompareOp::kEq}, {"$ne", CompareOp::kNe}, {"$gt", CompareOp::kGt},     {"$gte", CompareOp::kGte},
      {"$lt", CompareOp::kLt}, {"$lte", CompareOp::kLte}, {"$like", CompareOp::kLike}, {"$ilike", CompareOp::kILike}};
  std::vector<Filter> parts;
  for (const auto& [op, v] : j.items()) {
    if (op == "$in" || op == "$nin") {
      KIN_ASSIGN_OR_RETURN(auto values, FilterValues(m, p, v, op.c_str()));
      parts.push_back(Filter::Compare(p.slot, op == "$in" ? CompareOp::kIn : CompareOp::kNin, Value(), std::move(values)));
    } else if (op == "$exists") {
      if (!v.is_boolean()) return Status::InvalidData("Expected a boolean for $exists on " + m.name + "." + p.name);
      parts.push_back(Filter::Compare(p.slot, CompareOp::kExists, Value::Bool(v.get<bool>())));
    } else if (op == "$not") {
      KIN_ASSIGN_OR_RETURN(Filter inner, ParseCondition(m, p, v, depth + 1));
      parts.push_back(Filter::Not(std::move(inner)));
    } else if (op == "$re") {
      KIN_ASSIGN_OR_RETURN(auto re, CompileRegex(m.name + "." + p.name, v));
      parts.push_back(Filter::Regex(p.slot, std::move(re)));
    } else {
      auto it = std::find_if(std::begin(kOps), std::end(kOps), [&op = op](const auto& e) { return op == e.first; });
      if (it == std::end(kOps))
        return Status::InvalidData("Unknown operator \"" + op + "\" in the filter on " + m.name + "." + p.name);
      Value value;
      if (it->second == CompareOp::kLike || it->second == CompareOp::kILike) {
        KIN_ASSIGN_OR_RETURN(value, LikePattern(op, m.name + "." + p.name, v));
      } else {
        KIN_ASSIGN_OR_RETURN(value, FilterValue(m, p, v));
      }
      parts.push_back(Filter::Compare(p.slot, it->second, std::move(value)));
    }
  }
  return parts.size() == 1 ? std::move(parts[0]) : Filter::And(std::move(parts));
}

// Whether the value of a relation filter is a condition on the related record's id
// (`{author: {$in: ["a1", "a2"]}}`) rather than a filter over the related model
// (`{author: {name: "Mary"}}`, `{author: {$or: [...]}}`).
bool IsIdCondition(const Json& j) { return IsOperatorObject(j) && !j.contains("$and") && !j.contains("$or"); }

// A filter object nested `depth` levels deep (0: the whole filter).
Result<Filter> ParseFilterAt(const Schema& schema, const ModelDef& m, const Json& j, size_t depth) {
  KIN_RETURN_IF_ERROR(CheckFilterDepth(depth));
  if (j.is_null() || (j.is_object() && j.empty())) return Filter::True();
  if (!j.is_object()) {  // the whole filter: a wrong argument shape; a nested one: a bad condition
    std::string message = "A filter must be an object, got " + JsDisplay(j);
    return depth == 0 ? Status::InvalidArgument(std::move(message)) : Status::InvalidData(std::move(message));
  }
  std::vector<Filter> parts;
  for (const auto& [key, v] : j.items()) {
    if (key == "$and" || key == "$or") {
      if (!v.is_array()) return Status::InvalidData("Expected array for " + key + " but got " + JsDisplay(v));
      std::vector<Filter> inner;
      for (const auto& e : v) {
        KIN_ASSIGN_OR_RETURN(Filter f, ParseFilterAt(schema, m, e, depth + 1));
        if (AddsCondition(f)) inner.push_back(std::move(f));
      }
      if (inner.empty()) continue;  // `$or: []` and `$or: [{}]` add no condition
      if (inner.size() == 1) parts.push_back(std::move(inner[0]));
      else parts.push_back(key == "$and" ? Filter::And(std::move(inner)) : Filter::Or(std::move(inner)));
    } else if (key == "$not") {
      KIN_ASSIGN_OR_RETURN(Filter inner, ParseFilterAt(schema, m, v, depth + 1));
      parts.push_back(Filter::Not(std::move(inner)));
    } else if (key == "q") {
      if (!v.is_string()) return Status::InvalidData("Expected a string for q but got " + JsDisplay(v));
      if (!m.searchable.empty()) parts.push_back(Filter::Search(v.get<std::string>()));
    } else if (const PropertyDef* p = m.FindProperty(key)) {
      if (p->type == PropertyType::kJson && v.is_object()) {
        std::vector<std::string> path;
        KIN_ASSIGN_OR_RETURN(Filter f, ParseJsonAt(m, *p, &path, v, depth));
        if (AddsCondition(f)) parts.push_back(std::move(f));
        continue;
      }
      KIN_ASSIGN_OR_RETURN(Filter f, ParseCondition(m, *p, v, depth));
      parts.push_back(std::move(f));
    } else if (RelationId rid = m.FindRelation(key); rid.valid()) {
      const RelationDef& rel = schema.relation(rid);
      const ModelDef& target = schema.model(rel.target);
      if (rel.kind == RelationKind::kBelongsTo && !v.is_object()) {
        KIN_ASSIGN_OR_RETURN(Filter f, ParseCondition(m, m.properties[rel.foreign_key.value], v, depth));
        parts.push_back(std::move(f));
      } else if (v.is_object() && !IsIdCondition(v)) {
        KIN_ASSIGN_OR_RETURN(Filter inner, ParseFilterAt(schema, target, v, depth + 1));
        if (AddsCondition(inner)) parts.push_back(Filter::Related(rid, std::move(inner)));
      } else {
        KIN_ASSIGN_OR_RETURN(Filter inner, ParseCondition(target, target.primary_key(), v, depth + 1));
        parts.push_back(Filter::Related(rid, std::move(inner)));
      }
    } else {
      return Status::InvalidData("Cannot filter by \"" + key + "\": " + m.name + " has no such property");
    }
  }
  return AllOf(std::move(parts));
}

}  // namespace

Result<Filter> ParseFilter(const Schema& schema, const ModelDef& m, const Json& j) {
  return ParseFilterAt(schema, m, j, 0);
}

}  // namespace kin::api
